"""Renewing archived records (PAdES B-LTA, ETSI EN 319 142-1): when the last document
timestamp's certificate nears expiry, its chain's validation data goes into the DSS and a new
document timestamp covers the whole, so that the record keeps validating from what it carries
after the earlier timestamp's revocation data has gone stale."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from asn1crypto import crl, pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from docgen.errors import ArchiveError
from signing import archive, pki
from signing.verify import Indication, verify_pdf
from tests.signing_setting import (
    Setting,
    archived_record,
    issued,
    signed_by,
)

pytestmark = pytest.mark.slow

YEAR = dt.timedelta(days=365)


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def issued_pdf(setting: Setting) -> bytes:
    return issued(setting, signed_by(setting, "ubnd-hai-phong--chu-tich"))


@pytest.fixture(scope="module")
def sealed_pdf(setting: Setting, issued_pdf: bytes) -> bytes:
    return archive.seal_for_archive(
        issued_pdf, tsa_url=setting.urls["tsa"], context=setting.context()
    )


def _timestamps(pdf: bytes) -> int:
    return len(PdfFileReader(io.BytesIO(pdf)).embedded_timestamp_signatures)


def _dss(pdf: bytes) -> DocumentSecurityStore:
    return DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf)))


def _dss_size(pdf: bytes) -> tuple[int, int, int, int]:
    """Certificates, OCSP responses, CRLs and VRI entries in the file's DSS."""
    dss = _dss(pdf)
    return len(list(dss.load_certs())), len(dss.ocsps), len(dss.crls), len(dss.vri_entries)


def _vri_keys(pdf: bytes) -> set[str]:
    return {str(key) for key in _dss(pdf).vri_entries}


def _crl_issue_dates(pdf: bytes) -> set[dt.date]:
    """When the root's CRLs in the DSS were issued (the issuing CA's weekly CRL may be there
    too, depending on whether pyHanko fetched it beside the OCSP response: not counted)."""
    lists = (crl.CertificateList.load(ref.get_object().data) for ref in _dss(pdf).crls)
    return {
        c["tbs_cert_list"]["this_update"].native.date()
        for c in lists
        if c["tbs_cert_list"]["issuer"].native["common_name"] == "hoso TEST Root CA"
    }


def _context_at(root: x509.Certificate, moment: dt.datetime) -> ValidationContext:
    """What an archivist at `moment` validates with: the services as they answer then."""
    return ValidationContext(
        trust_roots=[root],
        moment=moment,
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(),
    )


def test_a_sealed_record_is_due_for_renewal_a_year_before_its_tsa_certificate_expires(
    setting: Setting, sealed_pdf: bytes
) -> None:
    _, _, der = pem.unarmor((setting.folder / "certs" / "tsa.cert.pem").read_bytes())
    tsa = x509.Certificate.load(der)
    expiry = archive.last_timestamp_expiry(sealed_pdf)
    assert expiry == tsa.not_valid_after == _utc(2040, 1, 1)
    assert not archive.needs_renewal(sealed_pdf, now=_utc(2026, 12, 1), margin=YEAR)
    assert archive.needs_renewal(sealed_pdf, now=_utc(2039, 6, 1), margin=YEAR)


def test_renewal_appends_validation_data_and_a_document_timestamp(
    setting: Setting, sealed_pdf: bytes
) -> None:
    renewed = archive.renew(sealed_pdf, tsa_url=setting.urls["tsa"], context=setting.context())
    assert renewed.startswith(sealed_pdf)
    assert _timestamps(renewed) == _timestamps(sealed_pdf) + 1 == 2
    before, after = _dss_size(sealed_pdf), _dss_size(renewed)
    assert all(a >= b for a, b in zip(after, before, strict=True)) and after != before
    # Every document timestamp's chain has its VRI entry (PAdES: keyed by the upper-case hex
    # SHA-1 of its /Contents), the new one's too. The certificates and the root's CRL were in
    # the DSS already: renewed the same year, the CRL fetched is the very same one.
    stamps = PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures
    keys = {"/" + hashlib.sha1(t.pkcs7_content).hexdigest().upper() for t in stamps}
    assert keys <= _vri_keys(renewed) and not keys <= _vri_keys(sealed_pdf)
    report = verify_pdf(renewed, [setting.root])
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert [c.kind for c in report.signatures] == [
        "signature",
        "signature",
        "document timestamp",
        "document timestamp",
    ]


def test_only_an_archived_record_is_renewed(setting: Setting, issued_pdf: bytes) -> None:
    assert archive.last_timestamp_expiry(issued_pdf) is None
    with pytest.raises(ArchiveError, match="run hoso archive seal first"):
        archive.needs_renewal(issued_pdf, now=_utc(2026, 12, 1), margin=YEAR)
    with pytest.raises(ArchiveError, match="not an archived record: run hoso archive seal first"):
        archive.renew(issued_pdf, tsa_url=setting.urls["tsa"], context=setting.context())
    with pytest.raises(ArchiveError, match="no signature"):
        archive.renew(setting.draft, tsa_url=setting.urls["tsa"], context=setting.context())


def test_a_record_whose_last_timestamp_expired_is_not_renewed(
    setting: Setting, sealed_pdf: bytes
) -> None:
    """Too late: the TSA certificate (to 2040-01-01) no longer validates, and stamping over
    it would preserve nothing."""
    with pytest.raises(ArchiveError, match="does not validate any more"):
        archive.renew(
            sealed_pdf,
            tsa_url=setting.urls["tsa"],
            context=_context_at(setting.root, _utc(2040, 6, 1)),
        )


def test_a_renewed_record_validates_after_the_first_timestamps_revocation_data_is_stale(
    setting: Setting, tmp_path: Path
) -> None:
    """A PKI of its own, sealed now and renewed on 2035-06-01 with the services answering as
    of that day. The root's CRL in the sealed file (it covers the TSA) is stale from
    2034-12-30; the renewal adds the next one (to 2044), so offline in 2036 only the renewed
    record passes. Both timestamps are the same TSA certificate's, valid to 2040-01-01: after
    that neither file passes, and only a renewal by a TSA certificate that outlives it would
    help."""
    record = archived_record(tmp_path / "pki", setting.draft)
    root, sealed = record.root, record.sealed
    renewal_day = _utc(2035, 6, 1)
    with pki.serve(record.arch, port=record.port, at_time=renewal_day) as base:
        renewed = archive.renew(
            sealed,
            tsa_url=pki.service_urls(base)["tsa"],
            context=_context_at(root, renewal_day),
        )
    # The renewal added the root's CRL current on that day (it covers the TSA certificate).
    assert _crl_issue_dates(sealed) == {dt.date(2025, 1, 1)}
    assert _crl_issue_dates(renewed) == {dt.date(2025, 1, 1), dt.date(2034, 12, 30)}
    # The services are stopped now: everything comes from the files.
    for pdf in (sealed, renewed):
        report = verify_pdf(pdf, [root], online=False, moment=_utc(2034, 6, 1))
        assert report.indication is Indication.TOTAL_PASSED, report.message

    stale = verify_pdf(sealed, [root], online=False, moment=_utc(2036, 1, 1))
    assert stale.indication is Indication.INDETERMINATE, stale.message
    assert stale.signatures[-1].kind == "document timestamp"
    assert stale.signatures[-1].indication is Indication.INDETERMINATE
    fresh = verify_pdf(renewed, [root], online=False, moment=_utc(2036, 1, 1))
    assert fresh.indication is Indication.TOTAL_PASSED, fresh.message
    assert fresh.signatures[-1].timestamp_time is not None
    assert fresh.signatures[-1].timestamp_time.date() == renewal_day.date()

    for pdf in (sealed, renewed):
        expired = verify_pdf(pdf, [root], online=False, moment=_utc(2041, 1, 1))
        assert expired.indication is Indication.INDETERMINATE
