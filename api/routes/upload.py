"""A PDF upload received as it streams in: to a temporary file, never whole in memory, and
refused as soon as it is too large or plainly not a PDF.

Two bodies are taken: multipart/form-data with the PDF in the field `file` (an HTML form, curl
-F) and a bare `application/pdf` body. The request body is read from the ASGI stream chunk by
chunk (python-multipart's streaming parser for forms); a declared Content-Length above the
limit is refused before a byte is read, a body that grows past it is refused at the chunk that
passes it, and a file whose first kilobyte holds no `%PDF-` header at that kilobyte. What
remains unread is left to the server, which closes the connection.

Bulk verification takes several files (`receive_files`: the field `files`, once per file), each
streamed to a file of its own in the data folder, refused at the part past the count limit or
the chunk past a size limit (each file, all together); their bytes are not checked here, since a
file that is no PDF gets its verdict like the others.

Left out: what the PDF says. Verification reads the finished file; this module knows sizes,
headers and the %PDF- marker only.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from api.routes.errors import (
    UnsupportedUpload,
    UploadError,
    UploadTooLarge,
    size_text,
    too_large,
)
from api.workflow.bulk_verify import BatchLimits, Received
from docgen import vn

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FIELD = "file"
"""The form field that carries the PDF."""

PDF_TYPE = "application/pdf"
FORM_TYPE = "multipart/form-data"

# The body is read from the stream here, not parsed by FastAPI (which would hold the whole form
# first), so the routes that take one (/api/verify, the public check page) declare its schema.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the PDF: a form field `file`, or the whole body as application/pdf",
        "content": {
            FORM_TYPE: {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {"type": "string", "format": "binary", "description": "the PDF"}
                    },
                },
                "encoding": {FIELD: {"contentType": PDF_TYPE}},
            },
            PDF_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

FRAMING = 64 * 1024
"""Bytes a multipart body may hold beyond the file: boundaries, part headers, small fields."""

HEADER_WINDOW = 1024
"""PDF readers look for %PDF- within the first kilobyte (ISO 32000-2, 7.5.2 and its note)."""


@dataclass
class Upload:
    """The received PDF: an open temporary file (deleted when closed), its size and name."""

    file: IO[bytes]
    size: int
    filename: str | None

    def read(self) -> bytes:
        """The whole file (verification takes bytes); call it off the event loop."""
        self.file.seek(0)
        return self.file.read()


class _Sink:
    """Counts, checks and writes the file's bytes as they arrive."""

    def __init__(self, file: IO[bytes], limit: int) -> None:
        self.file = file
        self.limit = limit
        self.size = 0
        self.head = b""

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise too_large(self.limit)
        if len(self.head) < HEADER_WINDOW:
            self.head += data[: HEADER_WINDOW - len(self.head)]
            if len(self.head) >= HEADER_WINDOW:
                self.check_header()
        # A plain write: the data is at most one network chunk and goes to the page cache;
        # a thread hop per chunk would cost more than it saves.
        self.file.write(data)

    def check_header(self) -> None:
        if b"%PDF-" not in self.head:
            raise UnsupportedUpload(
                f"{FIELD}: the file is not a PDF (no %PDF- header in its first "
                f"{HEADER_WINDOW} bytes)",
                message_vi="Tệp tải lên không phải là tệp PDF",
                field=FIELD,
            )

    def finish(self) -> None:
        if self.size == 0:
            raise UploadError(
                f"{FIELD}: the file is empty",
                message_vi="Tệp tải lên không có nội dung",
                field=FIELD,
            )
        self.check_header()


class _Form:
    """python-multipart callbacks: the part named `file` goes to the sink, others are
    skipped (their size is bounded by the body's)."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.in_file = False
        self.files = 0
        self.filename: str | None = None

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.disposition = b""
        self.in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        if options.get(b"name") != FIELD.encode():
            return
        self.files += 1
        if self.files > 1:
            raise UploadError(
                f"{FIELD}: send one file per request",
                message_vi="Mỗi lần chỉ tải lên một tệp",
                field=FIELD,
            )
        self.in_file = True
        name = options.get(b"filename")
        self.filename = name.decode("utf-8", "replace") if name is not None else None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.sink.write(data[start:end])

    def on_part_end(self) -> None:
        self.in_file = False


def _unsupported(content_type: str) -> UnsupportedUpload:
    shown = content_type or "none"
    return UnsupportedUpload(
        f"{FIELD}: send the PDF as {FORM_TYPE} (field '{FIELD}') or as a {PDF_TYPE} body, "
        f"not {shown}",
        message_vi=f"Hãy gửi tệp PDF dạng {FORM_TYPE} (trường '{FIELD}') hoặc {PDF_TYPE}",
        field=FIELD,
    )


def _broken(reason: str) -> UploadError:
    return UploadError(
        f"{FIELD}: the {FORM_TYPE} body cannot be read ({reason})",
        message_vi="Không đọc được dữ liệu tải lên (multipart/form-data bị lỗi)",
        field=FIELD,
    )


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


@asynccontextmanager
async def receive_pdf(request: Request, *, limit: int) -> AsyncIterator[Upload]:
    """The request's PDF in a temporary file, removed when the block ends.

    Raises UploadTooLarge (nothing more is read), UnsupportedUpload, or UploadError."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    kind = content_type.decode("latin-1").lower()
    if kind not in (FORM_TYPE, PDF_TYPE):
        raise _unsupported(kind)
    declared = _declared_length(request)
    allowed = limit + (FRAMING if kind == FORM_TYPE else 0)
    if declared is not None and declared > allowed:
        raise too_large(limit)
    with tempfile.TemporaryFile(prefix="hoso-upload-") as file:
        sink = _Sink(file, limit)
        form = _Form(sink)
        parser: MultipartParser | None = None
        if kind == FORM_TYPE:
            boundary = options.get(b"boundary")
            if not boundary:
                raise _broken("no boundary in its Content-Type")
            try:
                parser = MultipartParser(boundary, form.callbacks())
            except FormParserError as exc:
                raise _broken(str(exc)) from exc
        received = 0
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > allowed:
                    raise too_large(limit)
                if parser is None:
                    sink.write(chunk)
                else:
                    parser.write(chunk)
            if parser is not None:
                parser.finalize()
        except FormParserError as exc:
            raise _broken(str(exc)) from exc
        except ClientDisconnect as exc:
            raise UploadError(
                f"{FIELD}: the upload was interrupted",
                message_vi="Việc tải tệp lên bị gián đoạn",
                field=FIELD,
            ) from exc
        if parser is not None and form.files == 0:
            raise UploadError(
                f"{FIELD}: no file; send the PDF in the form field '{FIELD}'",
                message_vi=f"Chưa có tệp: hãy chọn tệp PDF (trường '{FIELD}')",
                field=FIELD,
            )
        sink.finish()
        file.flush()
        yield Upload(file, sink.size, form.filename)


# --- several files at once (bulk verification) ---------------------------------------------------

BATCH_FIELD = "files"
"""The form field, repeated, that carries the files of a bulk verification."""

BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"the files: the form field `{BATCH_FIELD}`, once per file",
        "content": {
            FORM_TYPE: {
                "schema": {
                    "type": "object",
                    "required": [BATCH_FIELD],
                    "properties": {
                        BATCH_FIELD: {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "format": "binary"},
                            "description": "the PDFs (a file that is not one gets its verdict)",
                        }
                    },
                },
            },
        },
    }
}


class _Batch(_Form):
    """python-multipart callbacks for a batch: each part named `files` to a file of its own in
    `folder`, refused past `limits` (count, each file, the total) as the bytes arrive."""

    def __init__(self, folder: Path, limits: BatchLimits) -> None:
        super().__init__(_Sink(io.BytesIO(), limits.each))  # unused: parts go to `current`
        self.folder = folder
        self.limits = limits
        self.received: list[Received] = []
        self.current: IO[bytes] | None = None
        self.size = 0
        self.total = 0

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        if options.get(b"name") != BATCH_FIELD.encode():
            return
        if len(self.received) >= self.limits.files:
            raise UploadError(
                f"{BATCH_FIELD}: at most {self.limits.files} files at once",
                message_vi=f"Mỗi lần xác minh nhiều nhất {vn.number(self.limits.files)} tệp",
                field=BATCH_FIELD,
            )
        name = options.get(b"filename")
        shown = name.decode("utf-8", "replace") if name else f"tệp {len(self.received) + 1}"
        path = self.folder / f"{len(self.received)}.part"
        self.received.append(Received(unicodedata.normalize("NFC", shown)[:255], path))
        self.current = path.open("wb")
        self.size = 0
        self.in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file or self.current is None:
            return
        self.size += end - start
        self.total += end - start
        if self.size > self.limits.each:
            name = self.received[-1].name
            en, vi = size_text(self.limits.each)
            raise UploadTooLarge(
                f"{BATCH_FIELD}: {name} is larger than the limit of {en} per file",
                message_vi=f"Tệp {name} vượt quá giới hạn {vi} mỗi tệp",
                field=BATCH_FIELD,
            )
        if self.total > self.limits.total:
            raise _batch_too_large(self.limits.total)
        self.current.write(data[start:end])

    def on_part_end(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
        self.in_file = False

    def close(self) -> None:
        self.on_part_end()


def _batch_too_large(limit: int) -> UploadTooLarge:
    en, vi = size_text(limit)
    return UploadTooLarge(
        f"{BATCH_FIELD}: the files together are larger than the limit of {en}",
        message_vi=f"Các tệp cộng lại vượt quá giới hạn {vi} mỗi lần",
        field=BATCH_FIELD,
    )


@asynccontextmanager
async def receive_files(
    request: Request, *, folder: Path, limits: BatchLimits
) -> AsyncIterator[list[Received]]:
    """The request's files (multipart/form-data, field `files`), each written to `folder` as
    it streams in; the folder is removed when the block ends (move the files out to keep them).

    Raises UploadTooLarge (a file or the total past its limit: nothing more is read),
    UploadError (no file, more files than allowed, a broken body), UnsupportedUpload (not a
    form)."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    kind = content_type.decode("latin-1").lower()
    if kind != FORM_TYPE:
        shown = kind or "none"
        raise UnsupportedUpload(
            f"{BATCH_FIELD}: send the files as {FORM_TYPE} (field '{BATCH_FIELD}'), not {shown}",
            message_vi=f"Hãy gửi các tệp dạng {FORM_TYPE} (trường '{BATCH_FIELD}')",
            field=BATCH_FIELD,
        )
    allowed = limits.total + FRAMING + limits.files * 1024  # a part's headers each
    declared = _declared_length(request)
    if declared is not None and declared > allowed:
        raise _batch_too_large(limits.total)
    boundary = options.get(b"boundary")
    if not boundary:
        raise _broken("no boundary in its Content-Type")
    folder.mkdir(parents=True, exist_ok=True)
    form = _Batch(folder, limits)
    try:
        try:
            parser = MultipartParser(boundary, form.callbacks())
            received = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > allowed:
                    raise _batch_too_large(limits.total)
                parser.write(chunk)
            parser.finalize()
        except FormParserError as exc:
            raise _broken(str(exc)) from exc
        except ClientDisconnect as exc:
            raise UploadError(
                f"{BATCH_FIELD}: the upload was interrupted",
                message_vi="Việc tải tệp lên bị gián đoạn",
                field=BATCH_FIELD,
            ) from exc
        finally:
            form.close()
        if not form.received:
            raise UploadError(
                f"{BATCH_FIELD}: no file; send the files in the form field '{BATCH_FIELD}'",
                message_vi=f"Chưa có tệp nào: hãy chọn các tệp PDF (trường '{BATCH_FIELD}')",
                field=BATCH_FIELD,
            )
        yield form.received
    finally:
        shutil.rmtree(folder, ignore_errors=True)
