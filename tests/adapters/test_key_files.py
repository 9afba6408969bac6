"""A wrong passphrase and a file that is no PKCS#12 key are told apart (two messages, two
fields); the trích yếu a generated draft carries as its /Subject is what `hoso issue` records."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pypdf import PdfWriter

from api.workflow.issuing import subject_of as _subject_of
from docgen.errors import KeyUnavailable
from signing.sign import is_pkcs12, load_pkcs12


@pytest.fixture(scope="module")
def key_file() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST Nguyễn Văn A")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"a", key, certificate, None, serialization.BestAvailableEncryption(b"dung")
    )


def _pdf(subject: str | None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if subject is not None:
        writer.add_metadata({"/Title": "Quyết định", "/Subject": subject})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_key_file_is_known_by_its_shape_before_its_passphrase(key_file: bytes) -> None:
    assert is_pkcs12(key_file)
    for other in (_pdf(None), b"", b"\x30\x03\x02\x01\x03", b"-----BEGIN CERTIFICATE-----\n"):
        assert not is_pkcs12(other)


def test_a_wrong_passphrase_and_a_wrong_file_get_different_messages(key_file: bytes) -> None:
    assert load_pkcs12(key_file, b"dung").signing_cert is not None
    with pytest.raises(KeyUnavailable) as wrong:
        load_pkcs12(key_file, b"sai")
    assert wrong.value.field == "passphrase"
    assert wrong.value.message_vi == "Sai mật khẩu của tệp khóa PKCS#12"
    with pytest.raises(KeyUnavailable) as other:
        load_pkcs12(_pdf(None), b"dung")
    assert other.value.field == "p12"
    assert other.value.message_vi.startswith("Tệp đã chọn không phải tệp khóa PKCS#12")


def test_the_trich_yeu_of_an_issued_file_comes_from_its_subject() -> None:
    subject = "Về việc công nhận đơn vị điển hình năm 2026"
    assert _subject_of(_pdf(subject)) == subject
    assert _subject_of(_pdf(None)) == ""
    assert _subject_of(b"not a pdf") == ""
