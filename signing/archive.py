"""Bringing an issued document to PAdES B-LTA for the archive, and keeping it there (pyHanko
adapter).

Sealing: the certificates, OCSP responses and CRLs of every signature go into the document
security store (B-LT), then a document timestamp seals the whole (B-LTA), so that the record
still validates when the services are gone and the certificates have expired.

Renewal (ETSI EN 319 142-1, B-LTA): a document timestamp only proves something while its own
certificate can be validated, so before the last one's certificate expires (or its revocation
data goes stale) the validation data of its chain goes into the DSS and a new document timestamp
covers the whole again. `needs_renewal` decides from the file alone; the caller says when "now"
is and how early to renew.

Left out: which records to look at and where the renewed copies go (the CLI and the archive
store); whether a record is a registered issued document (the registry).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import aiohttp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, async_validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from docgen.errors import ArchiveError, SigningError, TimestampUnavailable

NOT_SEALED = "not an archived record: run hoso archive seal first"
NOT_SEALED_VI = "Chưa phải bản lưu trữ: hãy chạy hoso archive seal trước"


async def _with_validation_data(pdf: bytes, context: ValidationContext) -> bytes:
    data = pdf
    count = len(PdfFileReader(io.BytesIO(pdf)).embedded_signatures)
    if not count:
        raise SigningError(
            "the document has no signature to preserve",
            field="document",
            message_vi="Văn bản không có chữ ký số nào để bảo quản",
        )
    for index in range(count):
        # Re-read after each update: every DSS update is a new revision.
        signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[index]
        out = io.BytesIO()
        try:
            await async_add_validation_info(signature, context, output=out)
        except Exception as exc:  # pyHanko's path building and fetchers raise many kinds
            raise SigningError(
                f"cannot collect the validation data of {signature.field_name}: {exc}",
                message_vi="Không lấy được dữ liệu kiểm tra chứng thư số (OCSP/CRL) "
                f"của chữ ký {signature.field_name}",
                field="document",
            ) from exc
        data = out.getvalue()
    return data


def with_validation_data(pdf: bytes, *, context: ValidationContext) -> bytes:
    """`pdf` with the certificates, OCSP responses and CRLs of every signature and its
    timestamp in the DSS (PAdES B-LT), fetched through `context`: what an issued document
    carries so that a recipient can validate it without reaching our services."""
    return asyncio.run(_with_validation_data(pdf, context))


async def _seal(pdf: bytes, tsa_url: str, context: ValidationContext) -> bytes:
    data = await _with_validation_data(pdf, context)
    out = io.BytesIO()
    try:
        async with aiohttp.ClientSession() as session:
            stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(tsa_url, session=session))
            await stamper.async_timestamp_pdf(
                IncrementalPdfFileWriter(io.BytesIO(data)),
                "sha256",
                validation_context=context,
                output=out,
            )
    except (TimestampRequestError, aiohttp.ClientError) as exc:
        raise TimestampUnavailable(
            f"the timestamp authority at {tsa_url} failed: {exc}",
            field="tsa",
            message_vi=f"Máy chủ cấp dấu thời gian {tsa_url} không phục vụ được: {exc}",
        ) from exc
    return out.getvalue()


def seal_for_archive(pdf: bytes, *, tsa_url: str, context: ValidationContext) -> bytes:
    """`pdf` with the validation data of every signature (B-LT) and a document timestamp (B-LTA)."""
    return asyncio.run(_seal(pdf, tsa_url, context))


def _read(pdf: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.embedded_signatures  # noqa: B018 - parse the signatures now, inside the try
    except Exception as exc:  # any parse failure of a stored file is the file's fault
        raise ArchiveError(
            f"not a readable PDF: {exc}",
            field="document",
            message_vi=f"Không đọc được tệp PDF: {exc}",
        ) from exc
    return reader


def _last_timestamp(reader: PdfFileReader) -> EmbeddedPdfSignature | None:
    found: list[EmbeddedPdfSignature] = reader.embedded_timestamp_signatures  # signing order
    return found[-1] if found else None


def last_timestamp_expiry(pdf: bytes) -> dt.datetime | None:
    """When the certificate of the file's last document timestamp expires (UTC); None when the
    file has no document timestamp, i.e. it is not an archived record yet."""
    last = _last_timestamp(_read(pdf))
    if last is None:
        return None
    expiry: dt.datetime = last.signer_cert.not_valid_after
    return expiry


def needs_renewal(pdf: bytes, *, now: dt.datetime, margin: dt.timedelta) -> bool:
    """Whether the last document timestamp's certificate expires before `now + margin`.

    Raises ArchiveError for a file without a document timestamp rather than answering False:
    such a file is not preserved at all, and a caller looping over records must not skip it
    silently."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    expiry = last_timestamp_expiry(pdf)
    if expiry is None:
        raise ArchiveError(NOT_SEALED, field="document", message_vi=NOT_SEALED_VI)
    return expiry < now + margin


async def _renew(pdf: bytes, tsa_url: str, context: ValidationContext) -> bytes:
    reader = _read(pdf)
    if not reader.embedded_regular_signatures:
        raise ArchiveError(
            "the document has no signature to preserve",
            field="document",
            message_vi="Văn bản không có chữ ký số nào để bảo quản",
        )
    last = _last_timestamp(reader)
    if last is None:
        raise ArchiveError(NOT_SEALED, field="document", message_vi=NOT_SEALED_VI)
    # pyHanko validates the last timestamp too, but a failure there surfaces as an obscure
    # error; and a file changed after its last timestamp must not be stamped over.
    status = await async_validate_pdf_timestamp(last, context)
    if not (status.intact and status.valid and status.trusted):
        raise ArchiveError(
            f"the last document timestamp ({last.field_name}) does not validate any more "
            f"({status.summary()}): too late to renew it",
            field="document",
            message_vi=f"Dấu thời gian cuối của tài liệu ({last.field_name}) không còn hợp lệ "
            f"({status.summary()}): đã quá muộn để gia hạn",
        )
    level = status.modification_level  # None: nothing follows the timestamp
    if level is not None and level > ModificationLevel.LTA_UPDATES:
        raise ArchiveError(
            f"the file was changed after its last document timestamp ({last.field_name})",
            field="document",
            message_vi=f"Tệp đã bị thay đổi sau dấu thời gian cuối ({last.field_name})",
        )
    out = io.BytesIO()
    try:
        async with aiohttp.ClientSession() as session:
            stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(tsa_url, session=session))
            # Not in place: the output is a copy of the input followed by the new revisions.
            await stamper.async_update_archival_timestamp_chain(
                reader, context, in_place=False, output=out
            )
    except (TimestampRequestError, aiohttp.ClientError) as exc:
        raise TimestampUnavailable(
            f"the timestamp authority at {tsa_url} failed: {exc}",
            field="tsa",
            message_vi=f"Máy chủ cấp dấu thời gian {tsa_url} không phục vụ được: {exc}",
        ) from exc
    return out.getvalue()


def renew(pdf: bytes, *, tsa_url: str, context: ValidationContext) -> bytes:
    """A new file: `pdf` followed by the validation data of its last document timestamp's chain
    (DSS) and a new document timestamp from `tsa_url` (B-LTA renewal). `pdf` itself is never
    modified and is a prefix of the result.

    Refused (ArchiveError) for a file without signature or document timestamp, one whose last
    timestamp no longer validates with `context`, or one changed after that timestamp."""
    return asyncio.run(_renew(pdf, tsa_url, context))
