"""Bringing an issued document to PAdES B-LTA for the archive (pyHanko adapter): the
certificates, OCSP responses and CRLs of every signature go into the document security store
(B-LT), then a document timestamp seals the whole (B-LTA), so that the record still validates
when the services are gone and the certificates have expired.
"""

from __future__ import annotations

import asyncio
import io

import aiohttp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko_certvalidator import ValidationContext

from docgen.errors import SigningError


async def _seal(pdf: bytes, tsa_url: str, context: ValidationContext) -> bytes:
    data = pdf
    count = len(PdfFileReader(io.BytesIO(pdf)).embedded_signatures)
    if not count:
        raise SigningError("the document has no signature to preserve", field="document")
    for index in range(count):
        # Re-read after each update: every DSS update is a new revision.
        signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[index]
        out = io.BytesIO()
        await async_add_validation_info(signature, context, output=out)
        data = out.getvalue()
    async with aiohttp.ClientSession() as session:
        stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(tsa_url, session=session))
        out = io.BytesIO()
        await stamper.async_timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data)),
            "sha256",
            validation_context=context,
            output=out,
        )
    return out.getvalue()


def seal_for_archive(pdf: bytes, *, tsa_url: str, context: ValidationContext) -> bytes:
    """`pdf` with the validation data of every signature (B-LT) and a document timestamp (B-LTA)."""
    return asyncio.run(_seal(pdf, tsa_url, context))
