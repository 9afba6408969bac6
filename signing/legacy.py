"""Signatures in formats pyHanko does not validate (its `embedded_signatures` skips them for
their /SubFilter): found by `signing.facts.legacy_signatures`, checked as far as we can, and
merged into the file's checks in byte-range order, so that they are never invisible and never
pass. An adbe.pkcs7.sha1 signature (SHA-1 of the file, as tax declarations of the 2010s carry)
is INDETERMINATE for its algorithm once its digest and value are checked; any other unknown
format cannot be processed (FORMAT_FAILURE)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator.registry import SimpleTrustManager

from signing import facts, reasons
from signing.verdict import Indication, SignatureCheck


async def checks(
    reader: PdfFileReader,
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    moment: dt.datetime,
) -> list[tuple[int, SignatureCheck]]:
    """The signatures pyHanko skips for their /SubFilter, each with where its byte range
    ends: never invisible, never passed. An adbe.pkcs7.sha1 signature (SHA-1 of the file, as
    tax declarations of the 2010s carry) is INDETERMINATE for its algorithm once its digest and
    value are checked; any other unknown format cannot be processed (FORMAT_FAILURE)."""
    try:
        found = facts.legacy_signatures(reader, pdf)
    except Exception:  # an unreadable form: the signatures pyHanko found speak for the file
        return []
    if not found:
        return []
    trust = SimpleTrustManager.build(trust_roots=list(trust_roots))
    checks = []
    for legacy in found:
        indication, sub = Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE"
        message, message_vi = reasons.explain(sub, reasons.Facts(legacy_format=legacy.sub_filter))
        chain = facts.Chain(False, (), None)
        if legacy.problem is not None:
            indication, sub = Indication.TOTAL_FAILED, "FORMAT_FAILURE"
            message = f"{legacy.problem}; it cannot be validated"
            message_vi = (
                f"chữ ký dùng định dạng {legacy.sub_filter}, không kiểm tra được"
                if "not supported" in legacy.problem
                else "chữ ký bị hỏng, không đọc được"
            )
        elif not legacy.intact or not legacy.valid:
            indication = Indication.TOTAL_FAILED
            sub = "HASH_FAILURE" if not legacy.intact else "SIG_CRYPTO_FAILURE"
            message, message_vi = reasons.reason(sub)
        elif legacy.signer is not None:
            chain = await facts.chain(legacy.signer, legacy.certs, trust, moment)
            more_en, more_vi = reasons.explain(
                None,
                reasons.Facts(expired=chain.expired, missing_issuer=chain.missing_issuer),
            )
            if chain.expired or chain.missing_issuer:
                message, message_vi = f"{message}; {more_en}", f"{message_vi}; {more_vi}"
        signer, organisation = facts.names(legacy.signer)
        checks.append(
            (
                legacy.end,
                SignatureCheck(
                    field=legacy.field,
                    kind="signature",
                    signer=signer,
                    organisation=organisation,
                    signing_time=legacy.signing_time,
                    timestamp_time=None,
                    intact=legacy.intact,
                    valid=legacy.valid,
                    trusted=chain.reaches_root,
                    revocation="not checked",
                    coverage="ENTIRE_FILE" if legacy.whole_file else "UNCLEAR",
                    # Nothing after it when it covers the whole file; otherwise what was
                    # changed is not analysed for a format pyHanko does not read.
                    modification="NONE" if legacy.whole_file else "OTHER",
                    certifying=False,
                    docmdp_ok=None,
                    indication=indication,
                    sub_indication=sub,
                    message=message,
                    message_vi=message_vi,
                ),
            )
        )
    return checks


def in_file_order(
    checks: Sequence[SignatureCheck],
    embedded: Sequence[EmbeddedPdfSignature],
    legacy: Sequence[tuple[int, SignatureCheck]],
) -> list[SignatureCheck]:
    """`checks` (of `embedded`) and the legacy ones merged by where their byte ranges end."""
    if not legacy:
        return list(checks)

    def end(e: EmbeddedPdfSignature) -> int:
        return int(e.byte_range[2]) + int(e.byte_range[3])

    placed = [(end(e), i, c) for i, (e, c) in enumerate(zip(embedded, checks, strict=True))]
    placed += [(at, len(placed) + i, c) for i, (at, c) in enumerate(legacy)]
    return [c for _, _, c in sorted(placed, key=lambda p: (p[0], p[1]))]
