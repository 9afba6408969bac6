"""Six real signed Vietnamese PDFs that no one on this project made (../shared/real/pdfs: two
government portal decrees under the Ban Cơ yếu G1 root, contracts under MISA-CA and EASYCA, a
2013 tax declaration in the old adbe.pkcs7.sha1 format, a test-CA control), verified against the
national and Ban Cơ yếu roots of ../shared/real/certs-roots, all six configured at once.

None of them passes today, each for a reason that is true of the file, and each reason is said
in Vietnamese: read from ../shared, never copied into the repository (see its README for the
sources and fingerprints). Skipped when ../shared is not beside the repository; under CI=true a
skip fails (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.settings import get_settings
from docgen.errors import ConfigError
from signing.verify import Indication, Report, load_roots, verify_pdf
from tests.conftest import SHARED, need

REAL = SHARED / "real"
PDFS = REAL / "pdfs"
ROOTS = REAL / "certs-roots"

TAX = "mic-sha1_nacencomm-ca2_adbe-pkcs7-sha1_tax-declaration_2013-02-20.pdf"
CONTRACT = "neac-g2_easyca+misaca_contract-2-signatures_2022-01-04.pdf"
APPENDIX = "neac-g2_misaca_pades-cades_contract-appendix_2021-12-31.pdf"
CONTROL = "untrusted_cts-test-ca_adbe-pkcs7-detached_2022-05-24.pdf"
DECREE_08 = "vgca-g1_gov-portal_08-2018_2018-01-15.pdf"
DECREE_119 = "vgca-g1_gov-portal_nd-119-2018-hoa-don-dien-tu_2018-09-13.pdf"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
SHA1 = "chữ ký dùng thuật toán SHA-1, không còn được chấp nhận"


@pytest.fixture(scope="module")
def roots() -> list[object]:
    need(ROOTS.is_dir() and PDFS.is_dir(), f"../shared/real is not beside the repository ({REAL})")
    return list(load_roots(ROOTS))


def verified(roots: list[object], name: str, **options: object) -> Report:
    return verify_pdf((PDFS / name).read_bytes(), roots, online=False, **options)  # type: ignore[arg-type]


def test_the_six_roots_are_configured_at_once(roots: list[object]) -> None:
    names = {root.subject.native["common_name"] for root in roots}  # type: ignore[attr-defined]
    assert len(roots) == 6
    assert "Vietnam National Root CA" in names and "Vietnam National Root CA G3" in names
    assert "RootCA chuyên dùng Chính phủ G2" in names
    assert "Co quan chung thuc so chuyen dung Chinh phu (RootCA)" in names


def test_the_2013_tax_declaration_is_an_old_format_signature_not_no_signature(
    roots: list[object],
) -> None:
    """pyHanko skips adbe.pkcs7.sha1 fields: the signature must not vanish."""
    report = verified(roots, TAX)
    assert report.sub_indication != "NO_SIGNATURE_FOUND"
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        "CRYPTO_CONSTRAINTS_FAILURE",
    )
    (check,) = report.signatures
    assert check.field == "Signature1" and check.signer == "CÔNG TY CỔ PHẦN SIÊU VIỆT TRỰC TUYẾN"
    assert check.intact and check.valid  # the SHA-1 it signs is the file's, the value verifies
    assert not check.trusted  # the Nacencomm CA2 intermediate is nowhere
    assert "định dạng adbe.pkcs7.sha1 cũ, không còn được chấp nhận" in check.message_vi
    assert "chứng thư số của người ký đã hết hạn ngày 16/04/2014" in check.message_vi
    assert "CA2 (NACENCOMM SCT)" in check.message_vi
    assert "adbe.pkcs7.sha1" in check.message and "format" in check.message
    assert report.message_vi == f"Signature1: {check.message_vi}"


def test_a_tampered_old_format_signature_fails(roots: list[object]) -> None:
    data = bytearray((PDFS / TAX).read_bytes())
    data[-200] ^= 0x01  # inside the second signed range
    report = verify_pdf(bytes(data), roots, online=False)
    assert (report.indication, report.sub_indication) == (Indication.TOTAL_FAILED, "HASH_FAILURE")
    assert report.signatures[0].message_vi == "nội dung văn bản đã bị sửa đổi sau khi ký"


@pytest.mark.parametrize(
    ("name", "at", "authority"),
    [
        (
            DECREE_08,
            dt.datetime(2018, 1, 15, 16, 21, 59, tzinfo=VIETNAM),
            "Máy chủ cấp dấu thời gian",
        ),
        (
            DECREE_119,
            dt.datetime(2018, 9, 13, 16, 7, 31, tzinfo=VIETNAM),
            "Máy chủ cấp dấu thời gian 01",
        ),
    ],
)
def test_the_government_decrees_report_their_ban_co_yeu_timestamp(
    roots: list[object], name: str, at: dt.datetime, authority: str
) -> None:
    report = verified(roots, name)
    assert (report.indication, report.sub_indication, report.level) == (
        Indication.INDETERMINATE,
        "CRYPTO_CONSTRAINTS_FAILURE",
        "B-T",
    )
    (check,) = report.signatures
    assert check.timestamp_time == at
    assert check.timestamp_authority == f"{authority} (Ban Cơ yếu Chính phủ)"
    assert check.intact and check.valid and not check.trusted
    assert check.message_vi.startswith(SHA1)
    assert "chứng thư số của người ký đã hết hạn ngày 14/01/2019" in check.message_vi
    # The G1 intermediate ("cp.crt") is not public in ../shared: the reader is told which.
    assert "tổ chức cấp Co quan chung thuc so Chinh phu (Ban Co yeu Chinh phu)" in check.message_vi


def test_the_two_signature_contract_names_sha1_and_the_expired_certificates(
    roots: list[object],
) -> None:
    report = verified(roots, CONTRACT)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        "CRYPTO_CONSTRAINTS_FAILURE",
    )
    first, second = report.signatures
    for check in (first, second):
        assert check.sub_indication == "CRYPTO_CONSTRAINTS_FAILURE"
        assert check.message_vi.startswith(SHA1)
        assert check.trusted  # EASYCA and MISA-CA chain soundly to the national root G2
        assert check.message != "CRYPTO_CONSTRAINTS_FAILURE" and "SHA-1" in check.message
    assert "chứng thư số của người ký đã hết hạn ngày 04/01/2025" in first.message_vi
    assert "chứng thư số của tổ chức cấp EASYCA" in first.message_vi
    assert "MISA-CA (MISA JOINT STOCK COMPANY) đã hết hạn ngày 20/11/2024" in second.message_vi


def test_the_contract_appendix_is_expired_without_proof_it_was_signed_before(
    roots: list[object],
) -> None:
    report = verified(roots, APPENDIX)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        "OUT_OF_BOUNDS_NO_POE",
    )
    (check,) = report.signatures
    assert check.trusted and check.revocation == "unknown"
    assert "chứng thư số của người ký đã hết hạn ngày 20/11/2024" in check.message_vi
    assert "tệp không có dấu thời gian chứng minh chữ ký được tạo trước ngày đó" in check.message_vi
    assert "lúc này" not in check.message_vi and "now" not in check.message


def test_the_contract_appendix_as_of_2022_lacks_only_revocation_data(
    roots: list[object],
) -> None:
    """While its certificates were valid, the chain reaches the configured national root:
    trusted, with revocation unknown (the file carries no OCSP or CRL), said as of that time."""
    at = dt.datetime(2022, 6, 1, 9, 0, tzinfo=VIETNAM)
    report = verified(roots, APPENDIX, moment=at)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        "CERTIFICATE_CHAIN_GENERAL_FAILURE",
    )
    (check,) = report.signatures
    assert check.trusted and check.revocation == "unknown"
    assert "tổ chức chứng thực tin cậy" in check.message_vi
    assert "tại thời điểm 09:00 ngày 01/06/2022" in check.message_vi
    assert "lúc này" not in check.message_vi and "now" not in check.message
    assert "hết hạn" not in check.message_vi


def test_the_test_ca_control_is_not_trusted(roots: list[object]) -> None:
    report = verified(roots, CONTROL)
    assert (report.indication, report.sub_indication) == (
        Indication.INDETERMINATE,
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    (check,) = report.signatures
    assert check.intact and check.valid and not check.trusted
    assert check.message_vi.startswith("chứng thư số không do tổ chức chứng thực được tin cậy cấp")
    assert "tổ chức cấp CTS Test" in check.message_vi


def test_hoso_verify_reports_every_real_file_in_vietnamese(
    roots: list[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI with the six roots as HOSO_TRUST_ROOTS_DIR: exit 1, and each reason the core
    gives, in Vietnamese, in the printed report and in the JSON."""
    from api.cli.main import app

    monkeypatch.setenv("HOSO_TRUST_ROOTS_DIR", str(ROOTS))
    monkeypatch.setenv("HOSO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")
    get_settings.cache_clear()
    try:
        files = [str(PDFS / name) for name in (TAX, DECREE_119, APPENDIX)]
        printed = CliRunner().invoke(app, ["verify", "--offline", *files])
        as_json = CliRunner().invoke(app, ["verify", "--offline", "--json", *files])
    finally:
        get_settings.cache_clear()
    assert printed.exit_code == 1 and as_json.exit_code == 1, printed.stdout + printed.stderr
    text = " ".join(printed.stdout.split())
    assert "Lý do: chữ ký dùng định dạng adbe.pkcs7.sha1 cũ, không còn được chấp nhận" in text
    assert "Dấu thời gian: 16:07:31 ngày 13 tháng 9 năm 2018 (giờ Việt Nam), do Máy chủ" in text
    assert "chứng thư số được tin cậy: có; thu hồi: chưa xác định được" in text
    assert "Kết luận: CHƯA XÁC ĐỊNH (INDETERMINATE / CRYPTO_CONSTRAINTS_FAILURE)" in text
    assert "Mã ETSI: INDETERMINATE / OUT_OF_BOUNDS_NO_POE" in text
    for english in ("the file carries no signature", "cannot be validated now", "not checked"):
        assert english not in text
    data = json.loads(as_json.stdout)
    assert [d["sub_indication"] for d in data] == [
        "CRYPTO_CONSTRAINTS_FAILURE",
        "CRYPTO_CONSTRAINTS_FAILURE",
        "OUT_OF_BOUNDS_NO_POE",
    ]
    assert data[1]["signatures"][0]["timestamp_time"] == "2018-09-13T16:07:31+07:00"
    assert all(d["message_vi"] and d["message_vi"] != d["message"] for d in data)


def test_roots_in_der_and_pkcs7_as_published_load_alike(
    roots: list[object], tmp_path: Path
) -> None:
    """An operator may drop the official downloads as they come: a DER .crt, a PKCS#7 .p7b
    bundle, PEM; each root counts once, and a file that is no certificate is refused by name."""
    need(shutil.which("openssl") is not None, "openssl missing: apt-get install openssl")
    pems = sorted(ROOTS.glob("*.pem"))
    folder = tmp_path / "roots"
    folder.mkdir()
    subprocess.run(
        ["openssl", "x509", "-in", str(pems[0]), "-outform", "DER", "-out", str(folder / "a.crt")],
        check=True,
    )
    bundle = ["openssl", "crl2pkcs7", "-nocrl", "-outform", "DER", "-out", str(folder / "b.p7b")]
    for pem_file in pems:
        bundle += ["-certfile", str(pem_file)]
    subprocess.run(bundle, check=True)
    (folder / "c.pem").write_bytes(pems[1].read_bytes())  # also in the bundle: counted once
    loaded = load_roots(folder)
    assert sorted(r.sha256 for r in loaded) == sorted(r.sha256 for r in roots)  # type: ignore[attr-defined]
    report = verify_pdf((PDFS / DECREE_119).read_bytes(), loaded, online=False)
    assert report.signatures[0].timestamp_time is not None

    (folder / "d.crt").write_text("not a certificate")
    with pytest.raises(ConfigError) as refused:
        load_roots(folder)
    assert "d.crt" in refused.value.message_vi and refused.value.field == "trust_roots_dir"


def test_hoso_roots_prints_each_fingerprint(
    roots: list[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli.main import app

    monkeypatch.setenv("HOSO_TRUST_ROOTS_DIR", str(ROOTS))
    monkeypatch.setenv("HOSO_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke(app, ["roots"])
    finally:
        get_settings.cache_clear()
    assert run.exit_code == 0, run.stdout + run.stderr
    # The values the shared README cross-checked against independent sources.
    assert (
        "SHA-256: F0:4B:A4:B4:59:A7:C9:A1:B9:71:AD:9B:1C:B8:33:E6:95:A8:0C:79:AE:A6:3B:17:4B:66:"
        "A7:0E:DF:E2:FD:B8" in run.stdout
    )
    assert (
        "SHA-256: BA:C8:BF:60:9A:B4:20:A8:EE:17:80:D7:4F:4D:E5:C7:F7:18:49:59:D2:A7:37:5B:0A:75:"
        "E4:C2:9F:09:08:E7" in run.stdout
    )
    assert (
        "RootCA chuyên dùng Chính phủ G2" in run.stdout and "6 chứng thư gốc tin cậy." in run.stdout
    )


def test_a_signature_in_an_unknown_format_is_never_invisible(roots: list[object]) -> None:
    """The tax declaration with its /SubFilter renamed to one no validator knows: reported as
    a signature that cannot be processed (TOTAL_FAILED, FORMAT_FAILURE), never 'no signature'."""
    data = (PDFS / TAX).read_bytes()
    assert data.count(b"/adbe.pkcs7.sha1") == 1
    renamed = data.replace(b"/adbe.pkcs7.sha1", b"/x.unknown.fmt01")
    report = verify_pdf(renamed, roots, online=False)
    assert (report.indication, report.sub_indication) == (Indication.TOTAL_FAILED, "FORMAT_FAILURE")
    (check,) = report.signatures
    assert check.message_vi == "chữ ký dùng định dạng x.unknown.fmt01, không kiểm tra được"
    assert "x.unknown.fmt01 format is not supported" in check.message
