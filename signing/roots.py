"""The trust roots a verifier is given: every certificate of a folder, in the forms issuers
publish them (PEM, DER, PKCS#7 bundles), each root once; a file that is no certificate is
refused by name."""

from __future__ import annotations

from pathlib import Path

from asn1crypto import cms, pem, x509

from docgen.errors import ConfigError

ROOT_FILES = ("*.pem", "*.crt", "*.cer", "*.der", "*.p7b", "*.p7c")


def _certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates of one file: PEM (one or several blocks, CERTIFICATE or PKCS7) or DER
    (a certificate, or a PKCS#7 bundle as NEAC publishes its .p7b)."""
    blocks = (
        [(kind, der) for kind, _, der in pem.unarmor(data, multiple=True)]
        if pem.detect(data)
        else [("", data)]
    )
    found: list[x509.Certificate] = []
    for kind, der in blocks:
        if kind in ("", "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
            try:
                certificate = x509.Certificate.load(der)
                certificate.native  # noqa: B018 (parse it all now: a bad file is refused here)
                found.append(certificate)
                continue
            except ValueError:
                if kind:
                    raise
        bundle = cms.ContentInfo.load(der)
        for choice in bundle["content"]["certificates"] or ():
            if choice.name == "certificate":
                found.append(choice.chosen)
    return found


def load_root_files(folder: Path) -> list[tuple[Path, x509.Certificate]]:
    """Every certificate in `folder` with the file it came from, each once (several roots may
    be configured at once: the national roots G2 and G3, Ban Cơ yếu G2, …)."""
    seen: set[bytes] = set()
    roots: list[tuple[Path, x509.Certificate]] = []
    for path in sorted({p for pattern in ROOT_FILES for p in folder.glob(pattern)}):
        try:
            certificates = _certificates(path.read_bytes())
        except Exception as exc:  # name the file: the operator put it there
            raise ConfigError(
                f"{path} in the trust roots folder is not a certificate (PEM, DER or PKCS#7): "
                f"{exc}",
                message_vi=f"Tệp {path} trong thư mục chứng thư gốc tin cậy không phải chứng "
                f"thư số (PEM, DER hoặc PKCS#7)",
                field="trust_roots_dir",
            ) from exc
        for certificate in certificates:
            if certificate.sha256 not in seen:
                seen.add(certificate.sha256)
                roots.append((path, certificate))
    return roots


def load_roots(folder: Path) -> list[x509.Certificate]:
    """Every certificate in `folder` (*.pem, *.crt, *.cer, *.der, *.p7b; PEM or DER): the
    roots a verifier trusts."""
    roots = [certificate for _, certificate in load_root_files(folder)]
    if not roots:
        raise ConfigError(
            f"no certificate in the trust roots folder {folder}",
            message_vi=f"Thư mục chứng thư gốc tin cậy {folder} không có chứng thư nào",
            field="trust_roots_dir",
        )
    return roots
