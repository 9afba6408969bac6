"""The signer's step: a certified PAdES B-T signature on a real final draft, made with a key of
the development PKI whose OCSP and timestamp services answer on loopback, checked by pyHanko's
validator (and refused for a wrong passphrase, a revoked and an expired certificate)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel

from docgen import generate, render, stamp
from docgen.convert import ConverterPool
from docgen.errors import CertificateRejected, KeyUnavailable
from signing import images, marker, pki, sign
from tests.conftest import need
from tests.hardening.forgeries import plant_field
from tests.signing_setting import Setting, free_port, pdfsig, signed_by

pytestmark = pytest.mark.slow
MM = 72 / 25.4


def _page_one(pdf: bytes, tmp_path: Path, *, bbox: bool = False) -> str:
    """Page 1's text as poppler reads it, or with `bbox` its words with their boxes (XHTML)."""
    need(shutil.which("pdftotext") is not None, "poppler-utils missing: make setup installs it")
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    flags = ["-bbox"] if bbox else []
    return subprocess.run(
        ["pdftotext", *flags, "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _words(pdf: bytes, tmp_path: Path) -> list[tuple[str, float, float, float, float]]:
    """Page 1's words as poppler boxes them: text, xMin, yMin, xMax, yMax (points, y down from
    the top edge)."""
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<'
    return [
        (text, float(x1), float(y1), float(x2), float(y2))
        for x1, y1, x2, y2, text in re.findall(pattern, _page_one(pdf, tmp_path, bbox=True))
    ]


def test_the_chair_certifies_the_draft(setting: Setting) -> None:
    import asyncio

    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    assert signed.startswith(setting.draft)  # an incremental update: the draft is untouched
    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    assert embedded.field_name == sign.SIGNER_FIELD
    status = asyncio.run(
        async_validate_pdf_signature(
            embedded, setting.context(), ts_validation_context=setting.context()
        )
    )
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.docmdp_ok is not False
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.signing_cert.subject.native["common_name"] == "TEST Trần Minh Khôi"
    names = {f.get_object()["/T"] for f in reader.root["/AcroForm"]["/Fields"]}
    assert {sign.SIGNER_FIELD, sign.SEAL_FIELD, "so", "ngay", "thang"} <= names


def test_the_image_sits_between_title_and_name(setting: Setting) -> None:
    placement = sign.find_placement(setting.draft, title="CHỦ TỊCH", name="Trần Minh Khôi")
    frags = dict(
        stamp.text_fragments(
            __import__("pypdf").PdfReader(io.BytesIO(setting.draft)).pages[placement.page]
        )
    )
    x1, y1, x2, y2 = placement.box
    assert frags["Trần Minh Khôi"].y < y1 < y2 < frags["CHỦ TỊCH"].y
    assert x1 < frags["CHỦ TỊCH"].x < x2
    sx1, _, sx2, _ = placement.seal_box()
    assert sx1 < x1 and sx2 == round(x1 + (x2 - x1) / 3)  # the seal ends a third across


def test_a_wrong_passphrase_is_refused_plainly(setting: Setting) -> None:
    with pytest.raises(KeyUnavailable, match="wrong passphrase"):
        signed_by(setting, "ubnd-hai-phong--chu-tich", passphrase=b"sai")


@pytest.mark.parametrize("label", ["revoked", "expired"])
def test_revoked_and_expired_certificates_are_refused(setting: Setting, label: str) -> None:
    with pytest.raises(CertificateRejected, match="cannot sign now"):
        signed_by(setting, label)


def test_poppler_pdfsig_finds_the_signature_valid(setting: Setting, tmp_path: Path) -> None:
    """An independent validator: poppler, with the development root in an NSS database; one
    changed byte in the signed content and it no longer finds the signature valid."""
    root = setting.folder / "certs" / "root.cert.pem"
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    report = pdfsig(signed, root, tmp_path)
    assert "Signer Certificate Common Name: TEST Trần Minh Khôi" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signature Validation: Signature is Valid." in report
    tampered = bytearray(signed)
    tampered[tampered.index(b"stream") + 20] ^= 0xFF  # inside the first, signed content stream
    assert "Signature is Valid." not in pdfsig(bytes(tampered), root, tmp_path)


def _png(ink: tuple[int, int, int, int], *, dpi: int | None = 300) -> bytes:
    """A ring in `ink` on a transparent background, 40 mm across at `dpi` (or 472 pixels)."""
    from PIL import Image, ImageDraw

    side = round(40 / 25.4 * (dpi or 300))
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((0, 0, side - 1, side - 1), outline=ink, width=12)
    out = io.BytesIO()
    image.save(out, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def test_hoso_sign_reads_the_passphrase_from_stdin_only(tmp_path: Path) -> None:
    """The CLI end to end: `hoso pki init`, `hoso pki serve` on a free port, `hoso sign`."""
    import subprocess
    import sys

    hoso = str(Path(sys.executable).parent / "hoso")
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
        "HOSO_DATA_DIR": str(tmp_path),
        "HOSO_PKI_URL": f"http://127.0.0.1:{port}",
        "HOSO_ISSUE_DAYS_BACK": "36500",  # issues on a fixed day, however long ago
        # This tree's code, even when the console script was installed from another checkout.
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    subprocess.run([hoso, "pki", "init"], env=env, check=True, capture_output=True)
    draft = tmp_path / "draft.pdf"
    context = dict(generate.sample_contexts()["to-trinh.docx"])
    # Issued with Hải Phòng's seal: the header names that body.
    context["body"] = {**context["body"], "header_name": "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"}
    with ConverterPool(size=1) as pool:
        page = generate.on_page(context)
        draft.write_bytes(stamp.stamp(pool.convert(render.render("to-trinh.docx", page))))
    args = [
        hoso,
        "sign",
        str(draft),
        "--p12",
        str(tmp_path / "pki" / "certs" / "ubnd-hai-phong--chu-tich.p12"),
        "--title",
        "CHỦ TỊCH",
        "--name",
        "Nguyễn Văn A",
    ]
    with subprocess.Popen(
        [hoso, "pki", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            assert "ocsp:" in server.stdout.readline()  # serving
            wrong = subprocess.run(
                [*args, "--out", str(tmp_path / "x.pdf")],
                input="sai\n",
                env=env,
                capture_output=True,
                text=True,
            )
            assert wrong.returncode == 2 and "Sai mật khẩu của tệp khóa PKCS#12" in wrong.stderr
            assert not (tmp_path / "x.pdf").exists()
            # A signature image in black is refused before the passphrase is asked for.
            black = tmp_path / "black.png"
            black.write_bytes(_png((10, 10, 10, 255)))
            inked = subprocess.run(
                [*args, "--image", str(black), "--out", str(tmp_path / "x.pdf")],
                env=env,
                capture_output=True,
                text=True,
            )
            assert inked.returncode == 2 and "không có màu xanh" in inked.stderr, inked.stderr
            assert "Mật khẩu" not in inked.stdout + inked.stderr
            assert not (tmp_path / "x.pdf").exists()
            # A draft whose form is not its template's: refused by the checks every door runs
            # (api/workflow/drafts.check_draft), before the passphrase is asked for.
            planted = tmp_path / "planted.pdf"
            planted.write_bytes(plant_field(draft.read_bytes()))
            forged = subprocess.run(
                [*args[:2], str(planted), *args[3:], "--out", str(tmp_path / "x.pdf")],
                env=env,
                capture_output=True,
                text=True,
            )
            assert forged.returncode == 2 and "dự thảo có trường biểu mẫu" in forged.stderr
            assert "Mật khẩu" not in forged.stdout + forged.stderr
            assert not (tmp_path / "x.pdf").exists()
            ok = subprocess.run(
                [*args, "--out", str(tmp_path / "signed.pdf")],
                input=pki.TEST_PASSPHRASE.decode() + "\n",
                env=env,
                capture_output=True,
                text=True,
            )
            assert ok.returncode == 0, ok.stderr
            assert (tmp_path / "signed.pdf").read_bytes().startswith(draft.read_bytes())
            assert pki.TEST_PASSPHRASE.decode() not in ok.stdout + ok.stderr
            issue = [
                hoso,
                "issue",
                str(tmp_path / "signed.pdf"),
                "--body",
                "ubnd-hai-phong",
                "--type",
                "QĐ",
                "--p12",
                str(tmp_path / "pki" / "certs" / "ubnd-hai-phong.p12"),
                "--date",
                "2026-01-08",
            ]
            refused = subprocess.run(
                [*issue, "--out", str(tmp_path / "y.pdf")],
                input="sai\n",
                env=env,
                capture_output=True,
                text=True,
            )
            assert refused.returncode == 2 and not (tmp_path / "y.pdf").exists()
            # A seal image that does not say its size is refused, and takes no number.
            no_dpi = tmp_path / "seal.png"
            no_dpi.write_bytes(_png(images.RED, dpi=None))
            unsized = subprocess.run(
                [*issue, "--seal", str(no_dpi), "--out", str(tmp_path / "y.pdf")],
                env=env,
                capture_output=True,
                text=True,
            )
            assert unsized.returncode == 2 and not (tmp_path / "y.pdf").exists()
            assert "Ảnh con dấu không ghi độ phân giải" in unsized.stderr, unsized.stderr
            for n in (1, 2):
                done = subprocess.run(
                    [*issue, "--out", str(tmp_path / f"issued{n}.pdf")],
                    input=pki.TEST_PASSPHRASE.decode() + "\n",
                    env=env,
                    capture_output=True,
                    text=True,
                )
                assert done.returncode == 0, done.stderr
                assert f"Đã ban hành Số: 0{n}/QĐ-UBND, ngày 08 tháng 01 năm 2026" in done.stdout
            sealed = subprocess.run(
                [
                    hoso,
                    "archive",
                    "seal",
                    str(tmp_path / "issued1.pdf"),
                    "--out",
                    str(tmp_path / "sealed.pdf"),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            assert sealed.returncode == 0, sealed.stderr
            # A registered issued document is archived in the registry: its sealed file is kept.
            kept = [p.read_bytes() for p in (tmp_path / "store").rglob("*.pdf")]
            assert (tmp_path / "sealed.pdf").read_bytes() in kept
            assert (
                (tmp_path / "sealed.pdf")
                .read_bytes()
                .startswith((tmp_path / "issued1.pdf").read_bytes())
            )
            # Both issued files are in the store and verify; a damaged copy is named.
            checked = subprocess.run(
                [hoso, "archive", "check"], env=env, capture_output=True, text=True
            )
            assert checked.returncode == 0, checked.stdout + checked.stderr
            assert "Đã kiểm tra 2 văn bản: không có sai lệch." in checked.stdout
            (stored,) = [
                p
                for p in (tmp_path / "store").rglob("*.pdf")
                if p.read_bytes() == (tmp_path / "issued1.pdf").read_bytes()
            ]
            stored.chmod(0o644)
            stored.write_bytes(stored.read_bytes() + b"%")
            damaged = subprocess.run(
                [hoso, "archive", "check"], env=env, capture_output=True, text=True
            )
            assert damaged.returncode == 1 and "01/QĐ-UBND" in damaged.stderr
            renew = [hoso, "archive", "renew", str(tmp_path / "sealed.pdf")]
            renew += ["--out-dir", str(tmp_path / "renewed")]
            early = subprocess.run(renew, env=env, capture_output=True, text=True)
            assert early.returncode == 0 and "chưa cần" in early.stdout, early.stderr
            assert not (tmp_path / "renewed" / "sealed.pdf").exists()
            due = subprocess.run(
                [*renew, "--as-of", "2039-06-01"], env=env, capture_output=True, text=True
            )
            assert due.returncode == 0 and "đã gia hạn" in due.stdout, due.stdout + due.stderr
            renewed = (tmp_path / "renewed" / "sealed.pdf").read_bytes()
            assert renewed.startswith((tmp_path / "sealed.pdf").read_bytes())
            unsealed = subprocess.run(
                [hoso, "archive", "renew", str(tmp_path / "issued2.pdf"), "--out-dir", "r"],
                env=env,
                capture_output=True,
                text=True,
            )
            assert unsealed.returncode == 2 and "Chưa phải bản lưu trữ" in unsealed.stdout
        finally:
            server.terminate()
    # `hoso verify` with the services stopped: the sealed record passes from its DSS, as JSON
    # too; a copy with one signed byte changed fails, and so does a pair holding it.
    sealed_pdf = tmp_path / "sealed.pdf"
    verified = subprocess.run(
        [hoso, "verify", str(sealed_pdf), "--json"], env=env, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    (record,) = json.loads(verified.stdout)
    assert record["indication"] == "TOTAL_PASSED" and record["passed"] is True
    assert [s["field"] for s in record["signatures"]][:2] == [sign.SIGNER_FIELD, sign.SEAL_FIELD]
    assert record["signatures"][0]["signing_time"].endswith("+07:00")
    tampered = bytearray(sealed_pdf.read_bytes())
    tampered[tampered.index(b"stream") + 20] ^= 0xFF
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))
    failed = subprocess.run(
        [hoso, "verify", str(sealed_pdf), str(tmp_path / "tampered.pdf")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert failed.returncode == 1
    assert "KHÔNG HỢP LỆ" in failed.stdout and "HASH_FAILURE" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr


def test_the_registry_clerk_numbers_and_seals_the_signed_draft(
    setting: Setting, tmp_path: Path
) -> None:
    """ND 30 step 2: số and ngày filled, then the organisation's seal; both signatures valid,
    the chair's certification still intact with only form filling and signing after it."""
    import asyncio
    import datetime as dt

    from pyhanko.sign.diff_analysis import ModificationLevel

    from signing import issue

    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    organisation = sign.load_pkcs12(setting.p12("ubnd-hai-phong"), pki.TEST_PASSPHRASE)
    issued = issue.issue(
        signed,
        organisation,
        number=6,
        day=dt.date(2026, 1, 8),
        seal_image=images.seal_image(images.seal_png("Ủy ban nhân dân thành phố Hải Phòng")),
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
    )
    assert issued.startswith(signed)
    reader = PdfFileReader(io.BytesIO(issued))
    chair, seal = reader.embedded_signatures
    assert (chair.field_name, seal.field_name) == (sign.SIGNER_FIELD, sign.SEAL_FIELD)
    first = asyncio.run(
        async_validate_pdf_signature(
            chair, setting.context(), ts_validation_context=setting.context()
        )
    )
    second = asyncio.run(
        async_validate_pdf_signature(
            seal, setting.context(), ts_validation_context=setting.context()
        )
    )
    assert first.bottom_line, first.pretty_print_details()
    assert first.modification_level == ModificationLevel.FORM_FILLING
    assert first.docmdp_ok
    # The seal covers its revision; only its validation data (B-LT) follows it.
    assert second.bottom_line and second.coverage.name == "ENTIRE_REVISION"
    assert second.modification_level == ModificationLevel.LTA_UPDATES
    assert (
        second.signing_cert.subject.native["common_name"]
        == "TEST Ủy ban nhân dân thành phố Hải Phòng"
    )
    values = {
        f.get_object()["/T"]: f.get_object().get("/V") for f in reader.root["/AcroForm"]["/Fields"]
    }
    assert (values["so"], values["ngay"], values["thang"]) == ("06", "08", "01")
    # The phụ lục's "(Kèm theo Quyết định số …/QĐ-UBND ngày … tháng …)" too.
    assert (values["so_p2"], values["ngay_p2"], values["thang_p2"]) == ("06", "08", "01")
    # The chair's revision carries the test marker; the seal's adds no page content, so no second.
    text = _page_one(issued, tmp_path)
    assert [text.count(line) for line in marker.LINES] == [1, 1], text


def test_a_seal_larger_than_its_field_is_refused(setting: Setting) -> None:
    """A draft signed before the field was made as wide as the largest seal has a 40 mm field:
    a 45 mm seal would be cut, so it is refused naming both sizes, and nothing is signed."""
    from pyhanko.sign import fields

    from docgen.errors import SigningError
    from signing import issue

    writer = IncrementalPdfFileWriter(io.BytesIO(setting.draft))
    side = 40 * MM
    spec = fields.SigFieldSpec(sign.SEAL_FIELD, box=(100, 100, 100 + side, 100 + side))
    fields.append_signature_field(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    organisation = sign.load_pkcs12(setting.p12("ubnd-hai-phong"), pki.TEST_PASSPHRASE)
    with pytest.raises(SigningError) as refused:
        issue.seal(
            out.getvalue(),
            organisation,
            seal_image=images.seal_image(
                images.seal_png("Ủy ban nhân dân thành phố Hải Phòng", size_mm=45)
            ),
            tsa_url=setting.urls["tsa"],
            context=setting.context(),
        )
    assert refused.value.field == "seal"
    assert "45.0 × 45.0 mm, larger than the field left for it (40.0 × 40.0 mm)" in str(
        refused.value
    )


def test_archive_seal_validates_offline_from_the_dss(setting: Setting) -> None:
    """B-LT then B-LTA: every signature validates with no fetching, from the embedded data."""
    import asyncio
    import datetime as dt

    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_timestamp

    from signing import archive, issue

    organisation = sign.load_pkcs12(setting.p12("ubnd-hai-phong"), pki.TEST_PASSPHRASE)
    issued = issue.issue(
        signed_by(setting, "ubnd-hai-phong--chu-tich"),
        organisation,
        number=7,
        day=dt.date(2026, 12, 5),
        seal_image=images.seal_image(images.seal_png("Ủy ban nhân dân thành phố Hải Phòng")),
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
    )
    sealed = archive.seal_for_archive(
        issued, tsa_url=setting.urls["tsa"], context=setting.context()
    )
    assert sealed.startswith(issued)
    reader = PdfFileReader(io.BytesIO(sealed))
    dss = DocumentSecurityStore.read_dss(reader)
    assert len(dss.ocsps) >= 2  # the chair's and the organisation's certificates
    offline = dss.as_validation_context(
        {"trust_roots": [setting.root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    chair, seal, doc_ts = reader.embedded_signatures
    for embedded in (chair, seal):
        status = asyncio.run(
            async_validate_pdf_signature(embedded, offline, ts_validation_context=offline)
        )
        assert status.bottom_line, status.pretty_print_details()
    ts_status = asyncio.run(async_validate_pdf_timestamp(doc_ts, offline))
    assert ts_status.valid and ts_status.trusted


def test_a_test_certificate_marks_page_one_in_its_own_revision(
    setting: Setting, tmp_path: Path
) -> None:
    """The development PKI's certificates are TEST material: what they sign says so, in red on
    page 1, in the revision the chair's signature covers, above the header."""
    assert not any(line in _page_one(setting.draft, tmp_path) for line in marker.LINES)
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    text = _page_one(signed, tmp_path)
    assert all(line in text for line in marker.LINES), text
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert embedded.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    words = _words(signed, tmp_path)
    ours = [w for w in words if w[0] in marker.LINES]  # a line each: one /ActualText span
    header = [w for w in words if w not in ours]
    assert [w[0] for w in ours] == list(marker.LINES)
    assert min(w[2] for w in ours) > 4 * MM and max(w[4] for w in ours) < 14 * MM
    assert max(w[4] for w in ours) < min(w[2] for w in header) - 5 * MM  # clear of the header
    width = float(PdfFileReader(io.BytesIO(signed)).root["/Pages"]["/Kids"][0]["/MediaBox"][2])
    left, right = min(w[1] for w in ours), max(w[3] for w in ours)
    assert (left + right) / 2 == pytest.approx(width / 2, abs=2)  # centred on the page


def _certificate(common_name: str) -> x509.Certificate:
    """A self-signed certificate named `common_name`, outside the development PKI."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def test_only_test_certificates_get_the_marker(setting: Setting, tmp_path: Path) -> None:
    for label in ("ubnd-hai-phong", "ubnd-hai-phong--chu-tich", "revoked"):
        key = sign.load_pkcs12(setting.p12(label), pki.TEST_PASSPHRASE)
        assert key.signing_cert is not None
        assert marker.is_test_certificate(key.signing_cert), label
    for name in ("Trần Minh Khôi", "TESTER Nguyễn Văn A", "Nguyễn Văn TEST"):
        assert not marker.is_test_certificate(_certificate(name)), name
    writer = IncrementalPdfFileWriter(io.BytesIO(setting.draft))
    marker.mark_test_document(writer, _certificate("Trần Minh Khôi"))
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    assert not any(line in _page_one(out.getvalue(), tmp_path) for line in marker.LINES)
