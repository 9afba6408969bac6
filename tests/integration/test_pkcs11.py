"""Signing with keys on a PKCS#11 token: SoftHSM2 tokens holding keys of the development PKI,
the chair's certification and the organisation's seal on a real final draft, checked by
pyHanko's validator; a wrong PIN, token, key or module and a revoked certificate refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
import socket
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from docgen import generate, inputs, render, stamp
from docgen.convert import ConverterPool
from docgen.errors import CertificateRejected, KeyUnavailable
from signing import images, issue, pki, sign, token
from tests import softhsm
from tests.conftest import REPO, need

pytestmark = pytest.mark.slow
BODIES = inputs.load_bodies(REPO / "samples" / "bodies")
CHAIR = "ubnd-hai-phong--chu-tich"
ORGANISATION = "ubnd-hai-phong"
CHAIR_TOKEN = "TEST Chủ tịch"  # a Vietnamese label: UTF-8 in the token's 32 bytes
CLERK_TOKEN = "TEST van thu"
PIN = softhsm.USER_PIN.encode()


@dataclass(frozen=True)
class Setting:
    folder: Path
    urls: dict[str, str]
    draft: bytes
    root: object

    def context(self) -> ValidationContext:
        return sign.validation_context([self.root])  # type: ignore[list-item]

    def certificate(self, label: str) -> x509.Certificate:
        _, _, der = pem.unarmor((self.folder / "certs" / f"{label}.cert.pem").read_bytes())
        return x509.Certificate.load(der)


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    need(softhsm.MODULE.is_file(), f"{softhsm.MODULE} missing: make setup installs softhsm2")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("pki")
    arch = pki.init(folder, BODIES, url=f"http://127.0.0.1:{port}")
    ctx = dict(generate.sample_contexts()["quyet-dinh.docx"])
    ctx["signer"] = {
        "authority": "TM. ỦY BAN NHÂN DÂN",
        "title": "CHỦ TỊCH",
        "name": "Trần Minh Khôi",
    }
    with ConverterPool(size=1) as pool:
        draft = stamp.stamp(pool.convert(render.render("quyet-dinh.docx", ctx)))
    layout = {CHAIR_TOKEN: [CHAIR, "revoked"], CLERK_TOKEN: [ORGANISATION]}
    with (
        softhsm.tokens(tmp_path_factory.mktemp("softhsm"), folder, layout),
        pki.serve(arch, port=port) as base,
    ):
        yield Setting(folder, pki.service_urls(base), draft, arch.get_cert("root"))


def signed_with(setting: Setting, signer: signers.Signer) -> bytes:
    return sign.sign_draft(
        setting.draft,
        signer,
        image_png=images.signature_png("Trần Minh Khôi"),
        placement=sign.find_placement(setting.draft, title="CHỦ TỊCH", name="Trần Minh Khôi"),
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
    )


def chair_token(key_label: str = CHAIR) -> AbstractContextManager[signers.Signer]:
    return token.open_token(softhsm.MODULE, token_label=CHAIR_TOKEN, key_label=key_label, pin=PIN)


def common_name(certificate: x509.Certificate) -> str:
    name: str = certificate.subject.native["common_name"]
    return name


def test_the_token_gives_the_key_its_certificate_and_chain(setting: Setting) -> None:
    with chair_token() as signer:
        assert isinstance(signer, PKCS11Signer)
        assert signer.signing_cert.dump() == setting.certificate(CHAIR).dump()
        # the issuing CA goes with it, another signer's certificate on the same token does not
        # (pyHanko adds the signing certificate itself when it builds the signature)
        assert [c.dump() for c in signer.cert_registry] == [setting.certificate("interm").dump()]
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
    assert common_name(setting.certificate("interm")) in carried


def test_the_organisation_seals_with_a_key_on_another_token(setting: Setting) -> None:
    with chair_token() as signer:
        signed = signed_with(setting, signer)
    with token.open_token(
        softhsm.MODULE, token_label=CLERK_TOKEN, key_label=ORGANISATION, pin=PIN
    ) as organisation:
        issued = issue.issue(
            signed,
            organisation,
            number=6,
            day=dt.date(2026, 1, 8),
            seal_png=images.seal_png("Ủy ban nhân dân thành phố Hải Phòng"),
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
    assert second.bottom_line and second.coverage.name == "ENTIRE_FILE"
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
        "key_label": CHAIR,
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
