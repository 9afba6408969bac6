"""`verify_pdf` on real documents: the issued QĐ with the chair's and the organisation's
signatures passes; the archived copy passes from what it carries, with the services stopped and
with the clock past the signer's expiry; no tampered copy ever passes; poppler's pdfsig, an
independent validator, agrees on the good file."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import ocsp
from PIL import Image, ImageChops
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing import images, pki, sign
from signing.verify import Indication, verify_pdf
from tests.conftest import need
from tests.signing_setting import (
    BODIES,
    CHAIR,
    CHAIR_TITLE,
    ORGANISATION,
    Setting,
    archived_record,
    issued,
    pdfsig,
    signed_by,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def issued_pdf(setting: Setting) -> bytes:
    return issued(setting, signed_by(setting, "ubnd-hai-phong--chu-tich"))


def _rect(reader: PdfFileReader, field: str) -> tuple[float, ...]:
    for ref in reader.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj["/T"] == field:
            return tuple(float(v) for v in obj["/Rect"])
    raise AssertionError(f"no field {field}")


def test_the_issued_decision_passes_with_two_signatures(
    setting: Setting, issued_pdf: bytes
) -> None:
    report = verify_pdf(issued_pdf, [setting.root])
    assert report.indication is Indication.TOTAL_PASSED, report.message
    chair, seal = report.signatures
    assert (chair.field, seal.field) == (sign.SIGNER_FIELD, sign.SEAL_FIELD)
    assert chair.signer == f"TEST {CHAIR}" and chair.certifying
    assert seal.signer == seal.organisation == f"TEST {ORGANISATION}"
    for check in (chair, seal):
        assert check.intact and check.valid and check.trusted and check.revocation == "good"
        assert check.timestamp_time is not None and check.signing_time is not None
        assert abs(check.timestamp_time - check.signing_time) < dt.timedelta(minutes=1)
    # Nothing after the chair's signature but form filling (số, ngày) and the seal; after the
    # seal only the validation data of both signatures (B-LT).
    assert chair.modification == "FORM_FILLING" and chair.docmdp_ok
    assert seal.modification == "LTA_UPDATES" and seal.coverage == "ENTIRE_REVISION"
    assert report.level == "B-LT"
    # The seal's field ends a third of the way across the signer's image (ND 30 Phụ lục I,
    # II.8: the seal covers about its left third).
    reader = PdfFileReader(io.BytesIO(issued_pdf))
    x1, y1, x2, y2 = _rect(reader, sign.SIGNER_FIELD)
    sx1, sy1, sx2, sy2 = _rect(reader, sign.SEAL_FIELD)
    third = x1 + (x2 - x1) / 3
    assert sx1 < x1 < sx2 < x2 and abs(sx2 - third) <= 1
    assert sy1 < (y1 + y2) / 2 < sy2


@pytest.mark.parametrize("size_mm", [34.0, 49.0])
def test_the_seal_is_printed_at_its_actual_size(
    setting: Setting, tmp_path: Path, size_mm: float
) -> None:
    """ND 30: the seal image at its actual size, whatever the body's seal measures. Issued with
    a 34 mm and a 49 mm seal (drawn at 200 dpi) and printed by poppler at 300 dpi, the red ring
    inside the seal's field measures what the image says."""
    need(shutil.which("pdftoppm") is not None, "poppler-utils missing: make setup installs it")
    seal = images.seal_png(ORGANISATION, size_mm=size_mm, dpi=200)
    done = issued(setting, signed_by(setting, "ubnd-hai-phong--chu-tich"), seal_png=seal)
    page = sign.find_placement(setting.draft, title=CHAIR_TITLE, name=CHAIR).page + 1
    pdf, out = tmp_path / "issued.pdf", tmp_path / "page"
    pdf.write_bytes(done)
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(["pdftoppm", "-r", "300", *pages, "-png", "-singlefile", pdf, out], check=True)
    printed = Image.open(tmp_path / "page.png").convert("RGB")
    x1, y1, x2, y2 = (v * 300 / 72 for v in _rect(PdfFileReader(io.BytesIO(done)), sign.SEAL_FIELD))
    field = printed.crop(
        (round(x1), round(printed.height - y2), round(x2), round(printed.height - y1))
    )
    red = field.point(lambda v: 255 if v > 150 else 0).getchannel("R")
    not_green = field.point(lambda v: 255 if v < 110 else 0).getchannel("G")
    left, top, right, bottom = ImageChops.multiply(red, not_green).getbbox() or (0, 0, 0, 0)
    width, height = ((right - left) * 25.4 / 300, (bottom - top) * 25.4 / 300)
    assert abs(width - size_mm) < 0.5 and abs(height - size_mm) < 0.5, (width, height)


def test_the_issued_decision_carries_the_revocation_data_of_both_signatures(
    setting: Setting, issued_pdf: bytes
) -> None:
    """B-LT at issue: the DSS holds a good OCSP response for the chair's and for the
    organisation's certificate, so a recipient needs none of our services."""
    reader = PdfFileReader(io.BytesIO(issued_pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    answered = {
        response["tbs_response_data"]["responses"][0]["cert_id"]["serial_number"].native
        for response in (
            ocsp.OCSPResponse.load(ref.get_object().data).basic_ocsp_response for ref in dss.ocsps
        )
    }
    signers = {s.signer_cert.serial_number for s in reader.embedded_regular_signatures}
    assert len(signers) == 2 and signers <= answered


def test_a_signed_draft_is_b_t_and_an_unsigned_one_has_no_level(setting: Setting) -> None:
    """The chair's signature holds, but a signed draft is never the verdict of an issued
    decision: no số, no seal."""
    signed = verify_pdf(signed_by(setting, "ubnd-hai-phong--chu-tich"), [setting.root])
    assert (signed.indication, signed.level) == (Indication.INDETERMINATE, "B-T")
    assert signed.sub_indication == "SIG_CONSTRAINTS_FAILURE" and "not issued" in signed.message
    assert signed.signatures[0].indication is Indication.TOTAL_PASSED
    assert verify_pdf(setting.draft, [setting.root]).level is None


def test_poppler_pdfsig_trusts_both_signatures(
    setting: Setting, issued_pdf: bytes, tmp_path: Path
) -> None:
    """An independent validator: poppler with the development root in an NSS database."""
    report = pdfsig(issued_pdf, setting.folder / "certs" / "root.cert.pem", tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == 2, report
    assert f"Signer Certificate Common Name: TEST {CHAIR}" in report


def test_the_archived_record_verifies_offline_and_after_expiry(
    setting: Setting, tmp_path: Path
) -> None:
    """A PKI of its own, stopped once the record is sealed. The issued file (B-LT) passes from
    what it carries while that is fresh; the archived record (B-LTA) passes from its DSS now,
    next year when the issued file's OCSP responses are stale, and in 2031 when the signers'
    certificates (valid to 2030) have expired."""
    record = archived_record(tmp_path / "pki", setting.draft)
    root, sealed, done = record.root, record.sealed, record.issued
    # The services are stopped now.
    issued_now = verify_pdf(done, [root])
    assert (issued_now.indication, issued_now.level) == (Indication.TOTAL_PASSED, "B-LT")
    now = verify_pdf(sealed, [root])
    assert (now.indication, now.level) == (Indication.TOTAL_PASSED, "B-LTA"), now.message
    assert [c.kind for c in now.signatures] == ["signature", "signature", "document timestamp"]
    next_year = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
    # Next year, when its OCSP responses are stale, and in 2031, when the signers'
    # certificates have expired, the issued file is decided as of its signature timestamps
    # (past signature validation: its timestamp authority's certificate holds to 2040), the
    # archived record as of its document timestamp.
    for moment in (next_year, dt.datetime(2031, 6, 1, tzinfo=dt.UTC)):
        for pdf in (done, sealed):
            later = verify_pdf(pdf, [root], moment=moment)
            assert later.indication is Indication.TOTAL_PASSED, (moment, later.message)
    # Past the timestamp authority's certificate only the archived record holds.
    after = dt.datetime(2041, 1, 1, tzinfo=dt.UTC)
    assert verify_pdf(done, [root], moment=after).indication is not Indication.TOTAL_PASSED


def _flip_signed_byte(pdf: bytes) -> bytes:
    data = bytearray(pdf)
    data[data.index(b"stream") + 20] ^= 0xFF  # inside the first content stream, signed by all
    return bytes(data)


def _append(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _alter_page(writer: IncrementalPdfFileWriter) -> None:
    """Paint a white box over the first paragraph of page 1 and write other words there."""
    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )
    ops = b"q 1 g 100 500 400 120 re f Q BT /Fx 12 Tf 0 g 110 560 Td (KHONG CONG NHAN) Tj ET"
    ref = writer.add_object(generic.StreamObject(stream_data=ops))
    resources = generic.DictionaryObject(
        {generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/Fx"): font})}
    )
    writer.add_stream_to_page(0, ref, resources=resources)  # type: ignore[no-untyped-call]


def _swap_seal_image(writer: IncrementalPdfFileWriter) -> None:
    """Replace the image the seal's appearance shows with another organisation's seal."""
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] == sign.SEAL_FIELD:
            appearance = field["/AP"].raw_get("/N")
            stream = appearance.get_object()
            other = PdfImage(
                Image.open(io.BytesIO(images.seal_png("Công an thành phố Hải Phòng"))),
                writer=writer,
            )
            xobjects = stream["/Resources"]["/XObject"]
            for name in list(xobjects):
                xobjects[name] = other.image_ref
            writer.mark_update(appearance)
            return
    raise AssertionError("no seal field")


def _renumber(writer: IncrementalPdfFileWriter) -> None:
    """Change the số after the seal: a form change that the certification alone would allow."""
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] == "so":
            field["/V"] = generic.TextStringObject("99")
            writer.mark_update(ref)
            return
    raise AssertionError("no số field")


TAMPERING: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "one byte of the signed content": (_flip_signed_byte, "HASH_FAILURE"),
    "an update that alters page 1": (lambda pdf: _append(pdf, _alter_page), "FORMAT_FAILURE"),
    "the seal image swapped": (lambda pdf: _append(pdf, _swap_seal_image), "FORMAT_FAILURE"),
    "the số changed after the seal": (lambda pdf: _append(pdf, _renumber), "FORMAT_FAILURE"),
    "the file cut short": (lambda pdf: pdf[: len(pdf) * 2 // 3], "FORMAT_FAILURE"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_no_tampered_copy_passes(setting: Setting, issued_pdf: bytes, how: str) -> None:
    tamper, expected = TAMPERING[how]
    tampered = tamper(issued_pdf)
    assert tampered != issued_pdf
    report = verify_pdf(tampered, [setting.root])
    assert (report.indication, report.sub_indication) == (Indication.TOTAL_FAILED, expected)
    assert report.message


def test_an_unsigned_draft_and_a_non_pdf_do_not_pass(setting: Setting) -> None:
    draft = verify_pdf(setting.draft, [setting.root])
    assert (draft.indication, draft.sub_indication) == (
        Indication.INDETERMINATE,
        "NO_SIGNATURE_FOUND",
    )
    junk = verify_pdf(b"PK\x03\x04 not a pdf at all", [setting.root])
    assert (junk.indication, junk.sub_indication) == (Indication.TOTAL_FAILED, "FORMAT_FAILURE")


def test_an_untrusted_root_is_not_trusted(issued_pdf: bytes, tmp_path: Path) -> None:
    """Valid signatures from a PKI the verifier does not trust are INDETERMINATE, not passed."""
    other = pki.init(tmp_path / "other", BODIES, url="http://127.0.0.1:9")
    report = verify_pdf(issued_pdf, [pki.root_certificate(other)], online=False)
    assert report.indication is Indication.INDETERMINATE
    assert all(c.intact and not c.trusted for c in report.signatures)
