"""The development PKI: generated keys and certificates, and its OCSP, CRL and timestamp
services answering over HTTP on a free loopback port."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from asn1crypto import crl, ocsp, x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.timestamps import HTTPTimeStamper

from docgen import inputs
from signing import pki
from tests.conftest import REPO

BODIES = inputs.load_bodies(REPO / "samples" / "bodies")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("pki")
    arch = pki.init(folder, BODIES, url=f"http://127.0.0.1:{port}")
    with pki.serve(arch, port=port) as base:
        yield folder, pki.service_urls(base)


def cert(folder: Path, label: str) -> x509.Certificate:
    from asn1crypto import pem

    return x509.Certificate.load(
        pem.unarmor((folder / "certs" / f"{label}.cert.pem").read_bytes())[2]
    )


def post(url: str, body: bytes, kind: str) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": kind})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read()  # type: ignore[no-any-return]


def ocsp_status(folder: Path, label: str, url: str) -> str:
    subject, issuer = cert(folder, label), cert(folder, "interm")
    cert_id = ocsp.CertId(
        {
            "hash_algorithm": {"algorithm": "sha1"},
            "issuer_name_hash": issuer.subject.sha1,
            "issuer_key_hash": issuer.public_key.sha1,
            "serial_number": subject.serial_number,
        }
    )
    request = ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}})
    answer = ocsp.OCSPResponse.load(post(url, request.dump(), "application/ocsp-request"))
    assert answer["response_status"].native == "successful"
    single = answer["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]
    return str(single["cert_status"].name)


def test_every_certificate_is_marked_test_and_chains_to_the_root(
    served: tuple[Path, dict[str, str]],
) -> None:
    folder, _ = served
    labels = [p.name.removesuffix(".cert.pem") for p in (folder / "certs").glob("*.cert.pem")]
    assert {
        "root",
        "interm",
        "ocsp",
        "tsa",
        "ubnd-hai-phong",
        "ubnd-hai-phong--chu-tich",
        "ubnd-hai-phong--pho-chu-tich",
        "revoked",
        "expired",
    } <= set(labels)
    for label in labels:
        c = cert(folder, label)
        assert "TEST" in c.subject.native["common_name"], label
    chair = cert(folder, "ubnd-hai-phong--chu-tich")
    assert chair.subject.native["common_name"] == "TEST Trần Minh Khôi"
    assert chair.issuer == cert(folder, "interm").subject
    assert cert(folder, "interm").issuer == cert(folder, "root").subject


def test_pkcs12_opens_with_the_test_passphrase_only(served: tuple[Path, dict[str, str]]) -> None:
    folder, _ = served
    data = (folder / "certs" / "ubnd-hai-phong--chu-tich.p12").read_bytes()
    key, certificate, _ = pkcs12.load_key_and_certificates(data, pki.TEST_PASSPHRASE)
    assert key is not None and certificate is not None
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, b"sai mat khau")


def test_ocsp_answers_good_and_revoked(served: tuple[Path, dict[str, str]]) -> None:
    folder, urls = served
    assert ocsp_status(folder, "ubnd-hai-phong--chu-tich", urls["ocsp"]) == "good"
    assert ocsp_status(folder, "revoked", urls["ocsp"]) == "revoked"


def test_crl_lists_the_revoked_certificate(served: tuple[Path, dict[str, str]]) -> None:
    folder, urls = served
    with urllib.request.urlopen(urls["crl"], timeout=10) as answer:
        listed = crl.CertificateList.load(answer.read())
    serials = {
        r["user_certificate"].native for r in listed["tbs_cert_list"]["revoked_certificates"]
    }
    assert cert(folder, "revoked").serial_number in serials
    assert cert(folder, "ubnd-hai-phong--chu-tich").serial_number not in serials


def test_the_timestamp_authority_stamps_a_digest(served: tuple[Path, dict[str, str]]) -> None:
    folder, urls = served
    digest = hashlib.sha256(b"Quyet dinh so 120/QD-UBND").digest()

    async def stamp() -> object:
        async with aiohttp.ClientSession() as session:
            return await HTTPTimeStamper(urls["tsa"], session=session).async_timestamp(
                digest, "sha256"
            )

    token: Any = asyncio.run(stamp())
    signed = token["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    signer = next(
        c.chosen for c in signed["certificates"] if c.chosen.subject == cert(folder, "tsa").subject
    )
    assert "TEST Timestamp" in signer.subject.native["common_name"]


def test_init_keeps_existing_keys(tmp_path: Path) -> None:
    pki.init(tmp_path, BODIES, url="http://127.0.0.1:1")
    before = cert(tmp_path, "ubnd-hai-phong--chu-tich").public_key.dump()
    pki.init(tmp_path, BODIES, url="http://127.0.0.1:2")
    assert cert(tmp_path, "ubnd-hai-phong--chu-tich").public_key.dump() == before
    assert (tmp_path / "keys" / "root.key.pem").stat().st_mode & 0o077 == 0
