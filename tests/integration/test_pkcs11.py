"""Signing with keys on a PKCS#11 token: SoftHSM2 tokens holding keys of the development PKI,
the chair's certification and the organisation's seal on a real final draft, checked by
pyHanko's validator; a wrong PIN, token, key or module and a revoked certificate refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.validation import async_validate_pdf_signature

from docgen.errors import CertificateRejected, KeyUnavailable
from signing import images, issue, sign, token
from signing.verify import verify_pdf
from tests import softhsm
from tests.conftest import need
from tests.signing_setting import CHAIR, CHAIR_TITLE, ORGANISATION, Setting, signed_with

pytestmark = pytest.mark.slow
CHAIR_LABEL = "ubnd-hai-phong--chu-tich"
ORGANISATION_LABEL = "ubnd-hai-phong"
CHAIR_TOKEN = "TEST Chủ tịch"  # a Vietnamese label: UTF-8 in the token's 32 bytes
CLERK_TOKEN = "TEST van thu"
PIN = softhsm.USER_PIN.encode()


@pytest.fixture(scope="module", autouse=True)
def softhsm_conf(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two SoftHSM2 tokens holding keys of the session's PKI; yields their softhsm2.conf."""
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    need(softhsm.MODULE.is_file(), f"{softhsm.MODULE} missing: make setup installs softhsm2")
    layout = {CHAIR_TOKEN: [CHAIR_LABEL, "revoked"], CLERK_TOKEN: [ORGANISATION_LABEL]}
    with softhsm.tokens(tmp_path_factory.mktemp("softhsm"), setting.folder, layout) as conf:
        yield conf


def certificate(setting: Setting, label: str) -> x509.Certificate:
    _, _, der = pem.unarmor((setting.folder / "certs" / f"{label}.cert.pem").read_bytes())
    return x509.Certificate.load(der)


def chair_token(key_label: str = CHAIR_LABEL) -> AbstractContextManager[signers.Signer]:
    return token.open_token(softhsm.MODULE, token_label=CHAIR_TOKEN, key_label=key_label, pin=PIN)


def common_name(certificate: x509.Certificate) -> str:
    name: str = certificate.subject.native["common_name"]
    return name


def test_the_token_gives_the_key_its_certificate_and_chain(setting: Setting) -> None:
    with chair_token() as signer:
        assert isinstance(signer, PKCS11Signer)
        assert signer.signing_cert.dump() == certificate(setting, CHAIR_LABEL).dump()
        # the issuing CA goes with it, another signer's certificate on the same token does not
        # (pyHanko adds the signing certificate itself when it builds the signature)
        assert [c.dump() for c in signer.cert_registry] == [certificate(setting, "interm").dump()]
    with pytest.raises(pkcs11.SessionHandleInvalid):  # the session ended with the block
        signer.pkcs11_session.generate_random(64)


def test_the_chair_certifies_with_a_key_on_a_token(setting: Setting) -> None:
    with chair_token() as signer:
        signed = signed_with(setting, signer)
    assert signed.startswith(setting.draft)
    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    assert embedded.field_name == sign.SIGNER_FIELD
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = asyncio.run(
        async_validate_pdf_signature(
            embedded, setting.context(), ts_validation_context=setting.context()
        )
    )
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.docmdp_ok is not False
    assert common_name(status.signing_cert) == "TEST Trần Minh Khôi"
    carried = {common_name(c) for c in embedded.other_embedded_certs}
    assert common_name(certificate(setting, "interm")) in carried


def test_the_organisation_seals_with_a_key_on_another_token(setting: Setting) -> None:
    with chair_token() as signer:
        signed = signed_with(setting, signer)
    with token.open_token(
        softhsm.MODULE, token_label=CLERK_TOKEN, key_label=ORGANISATION_LABEL, pin=PIN
    ) as organisation:
        issued = issue.issue(
            signed,
            organisation,
            number=6,
            day=dt.date(2026, 1, 8),
            seal_image=images.seal_image(images.seal_png(ORGANISATION)),
            tsa_url=setting.urls["tsa"],
            context=setting.context(),
        )
    assert issued.startswith(signed)
    chair, seal = PdfFileReader(io.BytesIO(issued)).embedded_signatures
    assert (chair.field_name, seal.field_name) == (sign.SIGNER_FIELD, sign.SEAL_FIELD)
    first, second = (
        asyncio.run(
            async_validate_pdf_signature(
                s, setting.context(), ts_validation_context=setting.context()
            )
        )
        for s in (chair, seal)
    )
    assert first.bottom_line, first.pretty_print_details()
    assert first.modification_level == ModificationLevel.FORM_FILLING
    # The seal covers its revision; only its validation data (B-LT) follows it.
    assert second.bottom_line and second.coverage.name == "ENTIRE_REVISION"
    assert second.modification_level == ModificationLevel.LTA_UPDATES
    assert common_name(second.signing_cert) == "TEST Ủy ban nhân dân thành phố Hải Phòng"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"pin": b"11112222"}, "pin", f"wrong PIN for token '{CHAIR_TOKEN}'"),
        ({"pin": b"\xff\xfe"}, "pin", f"wrong PIN for token '{CHAIR_TOKEN}'"),
        ({"token_label": "TEST khong co"}, "token", "no token 'TEST khong co'"),
        ({"key_label": "khong-co"}, "key", f"no usable key 'khong-co' on token '{CHAIR_TOKEN}'"),
        ({"module": Path("/nowhere/libp11.so")}, "module", "no PKCS#11 module at /nowhere"),
    ],
)
def test_a_wrong_pin_token_key_or_module_is_refused_plainly(
    setting: Setting, change: dict[str, object], field: str, message: str
) -> None:
    arguments: dict[str, object] = {
        "module": softhsm.MODULE,
        "token_label": CHAIR_TOKEN,
        "key_label": CHAIR_LABEL,
        "pin": PIN,
        **change,
    }
    with pytest.raises(KeyUnavailable) as refused, token.open_token(**arguments):  # type: ignore[arg-type]
        pytest.fail("opened")
    assert refused.value.field == field
    assert str(refused.value).startswith(message)
    assert refused.value.message_vi != refused.value.message
    for pin in (PIN, change.get("pin", PIN)):
        assert isinstance(pin, bytes)
        assert pin.decode(errors="replace") not in refused.value.message + refused.value.message_vi


def test_a_revoked_certificate_on_a_token_is_refused(setting: Setting) -> None:
    with (
        chair_token("revoked") as signer,
        pytest.raises(CertificateRejected, match="cannot sign now"),
    ):
        signed_with(setting, signer)


def test_hoso_sign_and_issue_take_a_token_and_its_pin_from_stdin(
    setting: Setting, softhsm_conf: Path, tmp_path: Path
) -> None:
    """The command line with tokens: the PIN read from standard input, a wrong one refused
    with nothing written and no number taken, then the chair's and the organisation's keys."""
    import subprocess
    import sys

    hoso = str(Path(sys.executable).parent / "hoso")
    roots = tmp_path / "roots"
    roots.mkdir()
    shutil.copy(setting.folder / "certs" / "root.cert.pem", roots)
    env = {
        "PATH": "/usr/bin:/bin",
        "SOFTHSM2_CONF": str(softhsm_conf),
        "HOSO_DATA_DIR": str(tmp_path / "data"),
        "HOSO_PKI_URL": setting.urls["tsa"].removesuffix("/hoso-test/tsa/tsa"),
        "HOSO_TRUST_ROOTS_DIR": str(roots),
        "HOSO_PKCS11_MODULE": str(softhsm.MODULE),
        "HOSO_ISSUE_DAYS_BACK": "36500",  # issues on a fixed day, however long ago
        # This tree's code, even when the console script was installed from another checkout.
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    draft = tmp_path / "draft.pdf"
    draft.write_bytes(setting.draft)

    def run(*args: str, pin: bytes) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [hoso, *args], input=pin.decode() + "\n", env=env, capture_output=True, text=True
        )

    chair = ["--token", CHAIR_TOKEN, "--key", CHAIR_LABEL]
    sign_args = ["sign", str(draft), *chair, "--title", CHAIR_TITLE, "--name", CHAIR]
    wrong = run(*sign_args, "--out", str(tmp_path / "x.pdf"), pin=b"00000000")
    assert wrong.returncode == 2 and f"Sai mã PIN của token '{CHAIR_TOKEN}'" in wrong.stderr
    assert not (tmp_path / "x.pdf").exists()
    signed = run(*sign_args, "--out", str(tmp_path / "signed.pdf"), pin=PIN)
    assert signed.returncode == 0, signed.stderr
    assert softhsm.USER_PIN not in signed.stdout + signed.stderr
    clerk = ["--token", CLERK_TOKEN, "--key", ORGANISATION_LABEL]
    issue_args = ["issue", str(tmp_path / "signed.pdf"), "--body", "ubnd-hai-phong"]
    issue_args += ["--type", "QĐ", *clerk, "--date", "2026-12-05"]
    refused = run(*issue_args, "--out", str(tmp_path / "y.pdf"), pin=b"00000000")
    assert refused.returncode == 2 and not (tmp_path / "y.pdf").exists()
    issued = run(*issue_args, "--out", str(tmp_path / "issued.pdf"), pin=PIN)
    assert issued.returncode == 0, issued.stderr
    assert "Số: 01/QĐ-UBND" in issued.stdout  # the refused attempt took no number
    report = verify_pdf((tmp_path / "issued.pdf").read_bytes(), [setting.root])
    assert report.passed, report.message
    assert [c.signer for c in report.signatures] == [f"TEST {CHAIR}", f"TEST {ORGANISATION}"]
