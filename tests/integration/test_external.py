"""Signing with the key elsewhere (signing/external.py): the draft prepared without the key, the
hash signed on the "signer's side" (the chair's key, loaded only in this test, as a token or a
remote service would hold it), the value brought back and finished; the result is the signature
`sign_draft` makes, issued and TOTAL_PASSED offline. A certificate other than the prepared one
and a value over another digest are refused."""

from __future__ import annotations

import dataclasses

import pytest
from asn1crypto import pem, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from docgen.errors import CertificateRejected, SigningError
from signing import external, images, nd30, sign
from signing.verify import Indication, verify_pdf
from tests.signing_setting import CHAIR, CHAIR_TITLE, Setting, issued

pytestmark = pytest.mark.slow
CHAIR_LABEL = "ubnd-hai-phong--chu-tich"


def certificate(setting: Setting, label: str) -> x509.Certificate:
    _, _, der = pem.unarmor((setting.folder / "certs" / f"{label}.cert.pem").read_bytes())
    return x509.Certificate.load(der)


def intermediate(setting: Setting) -> x509.Certificate:
    return certificate(setting, "interm")


def key_sign(setting: Setting, label: str, digest: bytes) -> bytes:
    """What the signer's side does with the hash: RSA PKCS#1 v1.5 over a SHA-256 digest."""
    key = serialization.load_pem_private_key(
        (setting.folder / "keys" / f"{label}.key.pem").read_bytes(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def prepared(setting: Setting, label: str = CHAIR_LABEL) -> external.PreparedSignature:
    return external.prepare(
        setting.draft,
        certificate(setting, label),
        chain=[intermediate(setting)],
        signature=images.signature_image(images.signature_png(CHAIR)),
        placement=sign.find_placement(setting.draft, title=CHAIR_TITLE, name=CHAIR),
        context=setting.context(),
    )


def test_prepare_sign_elsewhere_finish_issue_passes_offline(setting: Setting) -> None:
    ready = prepared(setting)
    assert len(ready.to_be_signed) == 32
    assert ready.signature_algorithm() == "1.2.840.113549.1.1.11"  # sha256WithRSAEncryption
    value = key_sign(setting, CHAIR_LABEL, ready.to_be_signed)
    signed = external.finish(
        ready, certificate=ready.certificate, value=value, tsa_url=setting.urls["tsa"]
    )
    external.check_signed(signed, [setting.root])
    assert nd30.draft_form_problems(setting.draft) == []
    report = verify_pdf(issued(setting, signed), [setting.root], online=False)
    assert report.indication is Indication.TOTAL_PASSED, report.message
    chair = report.signatures[0]
    assert chair.certifying and chair.timestamp_time is not None
    assert chair.signer == f"TEST {CHAIR}"


def test_another_certificate_is_refused(setting: Setting) -> None:
    ready = prepared(setting)
    other = certificate(setting, "ubnd-hai-phong--pho-chu-tich")
    value = key_sign(setting, "ubnd-hai-phong--pho-chu-tich", ready.to_be_signed)
    with pytest.raises(CertificateRejected) as caught:
        external.finish(ready, certificate=other.dump(), value=value, tsa_url=setting.urls["tsa"])
    assert caught.value.field == "certificate"
    assert "không phải chứng thư số đã dùng" in caught.value.message_vi


def test_a_signature_of_another_digest_is_refused(setting: Setting) -> None:
    ready = prepared(setting)
    elsewhere = dataclasses.replace(ready, signed_attributes=ready.signed_attributes + b"\0")
    value = key_sign(setting, CHAIR_LABEL, elsewhere.to_be_signed)
    with pytest.raises(SigningError) as caught:
        external.finish(
            ready, certificate=ready.certificate, value=value, tsa_url=setting.urls["tsa"]
        )
    assert caught.value.field == "signature"
    # and a value by another key for the right digest, with the prepared certificate
    forged = key_sign(setting, "ubnd-hai-phong--pho-chu-tich", ready.to_be_signed)
    with pytest.raises(SigningError):
        external.check_value(ready, certificate=ready.certificate, value=forged)
