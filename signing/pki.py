"""The development PKI: certomancer's configuration (signing/pki/certomancer.yml) completed with
a certificate per sample signer and organisation, keys generated on this machine, and the OCSP,
CRL and RFC 3161 timestamp services served on loopback.

TEST MATERIAL ONLY: every certificate's name carries "TEST", the keys are made by `init` and
the PKCS#12 files it writes use the passphrase in TEST_PASSPHRASE. Production keys never come
near this module.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import io
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, PKIArchitecture
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from werkzeug.serving import BaseWSGIServer, make_server

from docgen.model import IssuingBody

ARCH = "hoso-test"
TEMPLATE = Path(__file__).with_name("pki") / "certomancer.yml"
TEST_PASSPHRASE = b"hoso-test"  # clearly-marked test material, never for real keys
ORGANISATION = "hoso TEST PKI"  # the organization of its CAs (pki/certomancer.yml)
INFRASTRUCTURE = ("root", "interm", "ocsp", "tsa")


@dataclass(frozen=True)
class EndEntity:
    """A certificate to issue: a person signing (cá nhân) or an organisation (tổ chức)."""

    label: str
    common_name: str
    organization: str
    valid_from: str = "2025-01-01T00:00:00+0000"
    valid_to: str = "2030-01-01T00:00:00+0000"
    revoked_since: str | None = None


def end_entities(bodies: Mapping[str, IssuingBody]) -> list[EndEntity]:
    """The signers and organisations of the sample UBND, plus a revoked and an expired signer."""
    found = [
        EndEntity(
            "revoked",
            "TEST Người ký bị thu hồi",
            "TEST hoso",
            revoked_since="2026-01-01T00:00:00+0000",
        ),
        EndEntity(
            "expired",
            "TEST Người ký hết hạn",
            "TEST hoso",
            valid_from="2020-01-01T00:00:00+0000",
            valid_to="2021-01-01T00:00:00+0000",
        ),
    ]
    for body in bodies.values():
        if body.kind != "ubnd":
            continue
        organization = f"TEST {body.name}"
        found.append(EndEntity(f"{body.id}", organization, organization))
        found += [
            EndEntity(f"{body.id}--{s.id}", f"TEST {s.name}", organization) for s in body.signers
        ]
    return found


def _cert_spec(entity: EndEntity) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "subject": entity.label,
        "issuer": "interm",
        "validity": {"valid-from": entity.valid_from, "valid-to": entity.valid_to},
        "extensions": [
            {
                "id": "key_usage",
                "critical": True,
                "smart-value": {
                    "schema": "key-usage",
                    "params": ["digital_signature", "non_repudiation"],
                },
            },
            {"id": "basic_constraints", "critical": True, "value": {"ca": False}},
            # As the signing certificates of Vietnamese CAs do. Without an EKU, NSS leaves
            # SEC_ERROR_EXTENSION_NOT_FOUND behind after a successful check, and poppler 22.12
            # (which reads PORT_GetError() instead of the result) calls the certificate "Unknown".
            {"id": "extended_key_usage", "value": ["email_protection", "client_auth"]},
            {
                "id": "crl_distribution_points",
                "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["interm"]}},
            },
            {
                "id": "authority_information_access",
                "smart-value": {
                    "schema": "aia-urls",
                    "params": {"ocsp-responder-names": ["interm"]},
                },
            },
        ],
    }
    if entity.revoked_since:
        spec["revocation"] = {"revoked-since": entity.revoked_since, "reason": "key_compromise"}
    return spec


def config(entities: list[EndEntity], *, url: str) -> dict[str, Any]:
    """The full certomancer configuration: the committed template plus `entities`."""
    cfg: dict[str, Any] = copy.deepcopy(yaml.safe_load(TEMPLATE.read_text(encoding="utf-8")))
    cfg["external-url-prefix"] = url
    labels = [*INFRASTRUCTURE, *(e.label for e in entities)]
    cfg["keysets"][ARCH]["keys"] = {label: {"path": f"{label}.key.pem"} for label in labels}
    arch = cfg["pki-architectures"][ARCH]
    for e in entities:
        arch["entities"][e.label] = {
            "common-name": e.common_name,
            "organization-name": e.organization,
        }
        arch["certs"][e.label] = _cert_spec(e)
    return cfg


def init(folder: Path, bodies: Mapping[str, IssuingBody], *, url: str) -> PKIArchitecture:
    """Generate keys and write the configuration and every certificate into `folder`.

    Each end entity also gets `<label>.p12`, protected by TEST_PASSPHRASE.
    """
    entities = end_entities(bodies)
    cfg = config(entities, url=url)
    keys = folder / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for label in cfg["keysets"][ARCH]["keys"]:
        path = keys / f"{label}.key.pem"
        if not path.exists():  # keep the keys of an earlier init: certificates stay valid
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            path.chmod(0o600)
    (folder / "certomancer.yml").write_text(
        yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8"
    )
    arch = load(folder)
    certs = folder / "certs"
    certs.mkdir(exist_ok=True)
    for label in (*INFRASTRUCTURE, *(e.label for e in entities)):
        (certs / f"{label}.cert.pem").write_bytes(_pem(arch, label))
    issuing = cx509.load_der_x509_certificate(arch.get_cert(CertLabel("interm")).dump())
    for e in entities:
        private = serialization.load_pem_private_key(
            (keys / f"{e.label}.key.pem").read_bytes(), None
        )
        assert isinstance(private, rsa.RSAPrivateKey)
        own = cx509.load_der_x509_certificate(arch.get_cert(CertLabel(e.label)).dump())
        # With the issuing CA inside, so that every signature carries its chain.
        (certs / f"{e.label}.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                e.label.encode(),
                private,
                own,
                [issuing],
                serialization.BestAvailableEncryption(TEST_PASSPHRASE),
            )
        )
    return arch


def is_development_root(certificate: Any) -> bool:
    """Whether `certificate` (asn1crypto) is a CA of a development PKI made here."""
    return bool(certificate.subject.native.get("organization_name") == ORGANISATION)


def root_certificate(arch: PKIArchitecture) -> Any:
    """The development root, the one trust anchor of everything this PKI issues."""
    return arch.get_cert(CertLabel("root"))


def _pem(arch: PKIArchitecture, label: str) -> bytes:
    from asn1crypto import pem

    der: bytes = arch.get_cert(CertLabel(label)).dump()
    armored: bytes = pem.armor("CERTIFICATE", der)
    return armored


def load(folder: Path) -> PKIArchitecture:
    """The PKI `init` wrote into `folder`."""
    cfg = CertomancerConfig.from_file(str(folder / "certomancer.yml"), key_search_dir=str(folder))
    return cfg.get_pki_arch(ArchLabel(ARCH))


class _Animator(Animator):
    """certomancer's services, with whole-second times: NSS (so poppler's pdfsig) refuses an
    OCSP response whose GeneralizedTime has fractional seconds as malformed."""

    def at_time(self, request: Any) -> dt.datetime:
        moment: dt.datetime = super().at_time(request)  # type: ignore[no-untyped-call]
        return moment.replace(microsecond=0)


def _ocsp_over_get(app: Any) -> Any:
    """Answer OCSP requests sent by GET too (RFC 6960 A.1), as NSS tries first.

    Written by hand because certomancer's Animator takes OCSP only by POST; NSS then falls back
    to POST and succeeds, but poppler 22.12 reads the error the failed GET left behind and calls
    the certificate "Unknown"."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        # PATH_INFO is already percent-decoded: the request's base64 may hold "/".
        arch, ocsp, rest = environ.get("PATH_INFO", "").partition("/ocsp/")
        label, _, encoded = rest.partition("/")
        if environ.get("REQUEST_METHOD") == "GET" and ocsp and encoded:
            try:
                body = base64.b64decode(encoded, validate=True)
            except ValueError:
                body = b""
            if body:
                environ = {
                    **environ,
                    "REQUEST_METHOD": "POST",
                    "PATH_INFO": f"{arch}/ocsp/{label}",
                    "CONTENT_TYPE": "application/ocsp-request",
                    "CONTENT_LENGTH": str(len(body)),
                    "wsgi.input": io.BytesIO(body),
                }
        return app(environ, start_response)

    return wsgi


@contextmanager
def serve(
    arch: PKIArchitecture,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    at_time: dt.datetime | None = None,
) -> Iterator[str]:
    """Serve OCSP, CRLs and the timestamp authority in a thread; yields the base URL.

    `at_time` makes every service answer as of that moment instead of the clock: how the
    tests renew an archived record years ahead."""
    animator = _Animator(
        AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False, at_time=at_time
    )
    app = _ocsp_over_get(animator)
    server: BaseWSGIServer = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def service_urls(base: str) -> dict[str, str]:
    """Where each service of the PKI answers below `base`."""
    return {
        "ocsp": f"{base}/{ARCH}/ocsp/interm",
        "tsa": f"{base}/{ARCH}/tsa/tsa",
        "crl": f"{base}/{ARCH}/crls/interm/latest.crl",
    }
