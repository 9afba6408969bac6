"""The archive store: issued PDFs kept by SHA-256 content hash, and archive exports (adapter).

`Storage` is the port the registry talks to: put bytes, get them back by hash, ask whether a
hash is there, list what is there. It names no path, so an object store can implement it later.
`LocalStore` is the embedded default: a folder with a two-level fan-out (ab/cd/abcd….pdf), as
Git keeps its objects. A record is written to a temporary file beside its place, flushed and
fsync'ed, then linked into place, which fails rather than replace a file already there; the
directory is fsync'ed so the name survives a power cut. So no reader ever sees a partial record
and no record is ever overwritten. Reading re-hashes: a record that changed on disk raises
ArchiveError naming its hash. A record that a killed issue left without its registry entry is
moved into <folder>/quarantine/, and a killed write's temporary file deleted, by
`api.registry.crash.sweep`.

`export_bytes` makes an archive export and `export_zip` writes one: the PDFs, metadata.json
and metadata.xml (ND 30 Phụ lục VI, `docgen.records`), SHA256SUMS that `sha256sum -c` checks,
and a verification report per document. Same entries, same bytes: names sorted, fixed times and
permissions.

Left out: which records an export holds and whether they match the database (the registry and
`hoso archive check`), signature validation (`signing.verify`).
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from api.registry import crash
from docgen import records
from docgen.errors import ArchiveError

__all__ = [
    "TRAILS",
    "ExportEntry",
    "LocalStore",
    "Storage",
    "export_bytes",
    "export_zip",
    "sha256",
]

_HEX = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"
_QUARANTINE = "quarantine"
_PENDING = "pending"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say: the export is dated by its content
TRAILS = "phieu-theo-doi"
"""The folder of an export holding each document's Phiếu theo dõi (api/workflow/history_pdf.py)."""
_RESERVED = ("metadata.json", "metadata.xml", "SHA256SUMS", "reports", TRAILS)


def sha256(data: bytes) -> str:
    """The lowercase hex SHA-256 of `data`: the name of a record."""
    return hashlib.sha256(data).hexdigest()


class Storage(Protocol):
    """Where issued documents are kept, by the SHA-256 of their bytes."""

    def put(self, data: bytes) -> str:
        """Keep `data`; its hash. Putting the same bytes again changes nothing."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes named `digest`, checked against it; ArchiveError when missing or changed."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether a record named `digest` is kept (not whether it is intact)."""
        ...

    def iter(self) -> Iterator[str]:
        """The hashes of every kept record, sorted."""
        ...


class WorkingStorage(Storage, Protocol):
    """A store of working files (the drafts, the prepared revisions of signatures made
    elsewhere), which may forget a file; the archive of issued documents never does."""

    def remove(self, digest: str) -> None:
        """Forget the record `digest`; nothing if there is none."""
        ...


def _check_name(digest: str) -> str:
    if not _HEX.fullmatch(digest):
        raise ArchiveError(
            f"{digest!r} is not a SHA-256 in lowercase hex",
            message_vi=f"{digest!r} không phải mã SHA-256",
            field="sha256",
        )
    return digest


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(target: Path, data: bytes, *, mode: int = 0o444) -> bool:
    """Write `data` at `target` unless a file is there: temp file, fsync, link, fsync the folder.
    False when `target` already existed (nothing written); never a partial `target`."""
    fd, tmp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            crash.point("store.mid-write")
            f.write(data[len(data) // 2 :])
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        try:
            # A hard link, unlike a rename, fails when the name is taken: never overwrite.
            os.link(tmp, target)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            # A file system without hard links: rename, after checking the name is free.
            if target.exists():
                return False
            os.replace(tmp, target)
        _fsync_dir(target.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


class LocalStore:
    """The archive in a local folder: <folder>/ab/cd/abcd….pdf."""

    def __init__(self, folder: Path, *, suffix: str = ".pdf") -> None:
        self.folder = folder
        self.suffix = suffix

    def path(self, digest: str) -> Path:
        """Where the record named `digest` is (or would be) kept."""
        _check_name(digest)
        return self.folder / digest[:2] / digest[2:4] / f"{digest}{self.suffix}"

    def _make_dirs(self, target: Path) -> None:
        missing = [d for d in (self.folder, target.parent.parent, target.parent) if not d.exists()]
        target.parent.mkdir(parents=True, exist_ok=True)
        for d in missing:  # the new names, down to the fan-out folder, survive a power cut
            _fsync_dir(d.parent)

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        target = self.path(digest)
        try:
            if crash.journaling():  # within an issue or archiving, not yet committed
                self._mark(digest)
            if not target.exists():
                self._make_dirs(target)
                if _write_new(target, data):
                    crash.point("store.after-link")
                    return digest
        except OSError as exc:
            raise ArchiveError(
                f"cannot write record {digest} to {self.folder}: {exc}",
                message_vi=f"Không ghi được bản lưu {digest}",
                field="sha256",
            ) from exc
        self.get(digest)  # already there: the same bytes, or a record that changed on disk
        return digest

    def get(self, digest: str) -> bytes:
        target = self.path(digest)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise ArchiveError(
                f"record {digest} is not in the archive",
                message_vi=f"Không có bản lưu {digest} trong kho lưu trữ",
                field="sha256",
            ) from None
        except OSError as exc:
            raise ArchiveError(
                f"cannot read record {digest}: {exc}",
                message_vi=f"Không đọc được bản lưu {digest}",
                field="sha256",
            ) from exc
        found = sha256(data)
        if found != digest:
            raise ArchiveError(
                f"record {digest} has changed on disk: its content hashes to {found}",
                message_vi=f"Bản lưu {digest} đã bị thay đổi (mã băm hiện tại {found})",
                field="sha256",
            )
        return data

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def iter(self) -> Iterator[str]:
        for path in sorted(self.folder.glob(f"[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*{self.suffix}")):
            digest = path.name.removesuffix(self.suffix)
            if _HEX.fullmatch(digest) and path.parent.parent.name + path.parent.name == digest[:4]:
                yield digest

    def _mark(self, digest: str) -> None:
        """Journal `digest` in <folder>/pending/ before its file is linked: if the process dies
        before its transaction commits, the sweep knows the file as a leftover."""
        pending = self.folder / _PENDING
        if not pending.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            pending.mkdir(exist_ok=True)
            _fsync_dir(self.folder)
        (pending / digest).touch()
        _fsync_dir(pending)

    def marked(self) -> list[str]:
        """The hashes journaled by `put` within a transaction (`api.registry.crash.store_writes`)
        and
        not yet cleared by `unmark`, sorted."""
        pending = self.folder / _PENDING
        return (
            sorted(p.name for p in pending.iterdir() if _HEX.fullmatch(p.name))
            if pending.is_dir()
            else []
        )

    def unmark(self, digest: str) -> None:
        """Clear `digest` from the journal."""
        (self.folder / _PENDING / _check_name(digest)).unlink(missing_ok=True)

    def set_aside(self, digest: str) -> Path:
        """Move the record `digest` out of the store into <folder>/quarantine/ and return
        where it is now: for a file a killed process left without its registry record
        (`api.registry.crash.sweep`). A file of that name already in quarantine is kept."""
        source = self.path(digest)
        target = self.folder / _QUARANTINE / source.name
        target.parent.mkdir(exist_ok=True)
        try:
            os.link(source, target)  # a copy kept there stays: quarantine never overwrites
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if not target.exists():  # a file system without hard links
                os.replace(source, target)
        _fsync_dir(target.parent)
        source.unlink(missing_ok=True)
        _fsync_dir(source.parent)
        return target

    def remove(self, digest: str) -> None:
        """Delete the record `digest` (working files only: see `WorkingStorage`)."""
        self.path(digest).unlink(missing_ok=True)
        self.unmark(digest)

    def clear_temporary(self) -> int:
        """Delete the temporary files a write killed before its link left; how many. Only
        while nothing writes into the store (`api.registry.crash.sweep` holds the registry's
        latch)."""
        stale = list(self.folder.glob(f"[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/{_TEMP_PREFIX}*"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


if TYPE_CHECKING:  # mypy checks here that the local folder implements the port
    _local: WorkingStorage = LocalStore(Path())


# --- archive export ------------------------------------------------------------------------------


class ExportEntry(NamedTuple):
    """One document of an export."""

    filename: str
    """Its name in the ZIP, a relative POSIX path: "quyet-dinh.pdf", "xa-yet-kieu/gcn.pdf"."""
    pdf: bytes
    metadata: Mapping[str, Any]
    """Its ND 30 Phụ lục VI record: `docgen.records.OutgoingDocument.as_json()`."""
    report: Mapping[str, Any]
    """Its verification report: `signing.verify.Report.as_data()`."""


def _check_filename(name: str) -> str:
    parts = PurePosixPath(name).parts
    if (
        not name
        or name.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or any(c in name for c in "\\\n\r\0")
        or parts[0] in _RESERVED
        or not name.endswith(".pdf")
    ):
        raise ArchiveError(
            f"{name!r} cannot name a PDF in an export: a relative path ending in .pdf, without "
            "'..', backslashes or line breaks, outside metadata and reports",
            field="filename",
            message_vi=f"{name!r} không dùng được làm tên tệp PDF trong bản xuất: cần đường dẫn "
            "tương đối kết thúc bằng .pdf, không có '..', dấu gạch ngược hay xuống dòng, ngoài "
            "phần metadata và báo cáo",
        )
    return name


def _json(value: Any) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=False, indent=2, default=_plain)
    except (TypeError, ValueError) as exc:
        raise ArchiveError(
            f"cannot write as JSON: {exc}",
            field="metadata",
            message_vi=f"Không ghi được dữ liệu JSON: {exc}",
        ) from exc
    return (text + "\n").encode()


def _plain(value: Any) -> Any:
    isoformat: Callable[[], str] | None = getattr(value, "isoformat", None)
    if isoformat is None:
        raise TypeError(f"{type(value).__name__} is not JSON")
    return isoformat()


def _zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            z.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


Entries = Iterable[ExportEntry | tuple[str, bytes, Mapping[str, Any], Mapping[str, Any]]]


def export_zip(
    entries: Entries,
    out: Path,
    *,
    dossier: Mapping[str, Any] | None = None,
) -> Path:
    """Write the export ZIP (`export_bytes`) at `out` at once (temporary file, fsync, rename)
    and return `out`."""
    data = export_bytes(entries, dossier=dossier)
    try:
        write_atomic(out, data, mode=0o644)  # an export is a copy: a newer one may replace it
    except OSError as exc:
        raise ArchiveError(
            f"cannot write the export {out}: {exc}",
            field="out",
            message_vi=f"Không ghi được bản xuất {out}: {exc}",
        ) from exc
    return out


def export_bytes(
    entries: Entries,
    *,
    dossier: Mapping[str, Any] | None = None,
    extras: Iterable[tuple[str, bytes]] = (),
) -> bytes:
    """The export ZIP: each PDF under its name, metadata.json and metadata.xml (the `dossier`
    record, `docgen.records.FileRecord.as_json()`, when given, and each document's record with
    its name and hash), reports/<name>.json, the `extras` (name, bytes) under their names
    (each document's Phiếu theo dõi under phieu-theo-doi/), and SHA256SUMS over every other
    file.
    """
    docs = sorted((ExportEntry(*e) for e in entries), key=lambda e: e.filename)
    names = [_check_filename(e.filename) for e in docs]
    if len(set(names)) != len(names):
        raise ArchiveError(
            "two documents of the export have the same file name",
            field="filename",
            message_vi="Hai văn bản trong bản xuất có cùng tên tệp",
        )
    hashes = [sha256(e.pdf) for e in docs]
    listed = [
        {"file": e.filename, "sha256": h, "metadata": dict(e.metadata)}
        for e, h in zip(docs, hashes, strict=True)
    ]
    meta_json: dict[str, Any] = {"documents": listed}
    xml_root = records.element("Archive", {})
    if dossier is not None:
        meta_json = {"file": dict(dossier), **meta_json}
        xml_root.append(records.element("File", dossier))
    for e, h in zip(docs, hashes, strict=True):
        node = records.element("Document", e.metadata)
        node.set("file", e.filename)
        node.set("sha256", h)
        xml_root.append(node)
    files: list[tuple[str, bytes]] = [
        ("metadata.json", _json(meta_json)),
        ("metadata.xml", records.xml_bytes(xml_root)),
        *((e.filename, e.pdf) for e in docs),
        *((f"reports/{e.filename.removesuffix('.pdf')}.json", _json(e.report)) for e in docs),
        *sorted(extras),
    ]
    sums = "".join(f"{sha256(data)}  {name}\n" for name, data in files)
    return _zip([*files, ("SHA256SUMS", sums.encode())])


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write to a temporary file beside `path`, fsync, rename over `path`, fsync the folder:
    never a half-written file, and no temporary file left if it fails. `mode` sets the
    permissions (else those of a private temporary file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
