"""One development PKI for the signing tests, a session fixture registered in tests/conftest.py:
keys and certificates made in a temporary folder, its OCSP, CRL and timestamp services served on
a free loopback port for the whole session, and a real final draft of the Quyết định rendered by
LibreOffice for the sample chair to sign."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from pyhanko.sign import signers
from pyhanko_certvalidator import ValidationContext

from docgen import generate, inputs, render, stamp
from docgen.convert import ConverterPool
from signing import archive, images, issue, pki, sign
from tests.conftest import REPO, need

BODIES = inputs.load_bodies(REPO / "samples" / "bodies")
CHAIR, CHAIR_TITLE = "Trần Minh Khôi", "CHỦ TỊCH"
ORGANISATION = "Ủy ban nhân dân thành phố Hải Phòng"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Setting:
    folder: Path
    urls: dict[str, str]
    draft: bytes
    root: Any

    def context(self) -> ValidationContext:
        return sign.validation_context([self.root])

    def p12(self, label: str) -> bytes:
        return (self.folder / "certs" / f"{label}.p12").read_bytes()


@pytest.fixture(scope="session")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    port = free_port()
    folder = tmp_path_factory.mktemp("pki")
    arch = pki.init(folder, BODIES, url=f"http://127.0.0.1:{port}")
    ctx = dict(generate.sample_contexts()["quyet-dinh.docx"])
    ctx["signer"] = {"authority": "TM. ỦY BAN NHÂN DÂN", "title": CHAIR_TITLE, "name": CHAIR}
    # The body whose seal issues it (issuing checks the seal's organisation against the header).
    ctx["body"] = {"header_name": ORGANISATION.upper(), "parent_header": None}
    with ConverterPool(size=1) as pool:
        draft = stamp.stamp(pool.convert(render.render("quyet-dinh.docx", generate.on_page(ctx))))
    with pki.serve(arch, port=port) as base:
        yield Setting(folder, pki.service_urls(base), draft, pki.root_certificate(arch))


def signed_by(setting: Setting, label: str, passphrase: bytes = pki.TEST_PASSPHRASE) -> bytes:
    """The draft certified by the key of `label`'s PKCS#12 file (the chair's image and place)."""
    return signed_with(setting, sign.load_pkcs12(setting.p12(label), passphrase))


def signed_with(setting: Setting, signer: signers.Signer) -> bytes:
    """The draft certified by `signer` (the chair's image and place)."""
    return sign.sign_draft(
        setting.draft,
        signer,
        signature=images.signature_image(images.signature_png(CHAIR)),
        placement=sign.find_placement(setting.draft, title=CHAIR_TITLE, name=CHAIR),
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
    )


def issued(
    setting: Setting, signed: bytes, *, number: int = 6, seal_png: bytes | None = None
) -> bytes:
    """`signed` with số, ngày and the organisation's seal of UBND thành phố Hải Phòng (its
    sample seal unless `seal_png` is given)."""
    return issue.issue(
        signed,
        sign.load_pkcs12(setting.p12("ubnd-hai-phong"), pki.TEST_PASSPHRASE),
        number=number,
        day=dt.date(2026, 12, 5),
        seal_image=images.seal_image(seal_png or images.seal_png(ORGANISATION)),
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
    )


@dataclass(frozen=True)
class Archived:
    """A record made with a PKI of its own, whose services were stopped after sealing."""

    arch: Any
    port: int
    root: Any
    issued: bytes
    sealed: bytes


def archived_record(folder: Path, draft: bytes) -> Archived:
    """A PKI of its own in `folder`, served while `draft` is signed by the chair, issued as
    số 01 and sealed for the archive (B-LTA); its services are stopped on return."""
    port = free_port()
    arch = pki.init(folder, BODIES, url=f"http://127.0.0.1:{port}")
    root = pki.root_certificate(arch)
    with pki.serve(arch, port=port) as base:
        own = Setting(folder, pki.service_urls(base), draft, root)
        done = issued(own, signed_by(own, "ubnd-hai-phong--chu-tich"), number=1)
        sealed = archive.seal_for_archive(done, tsa_url=own.urls["tsa"], context=own.context())
    return Archived(arch, port, root, done, sealed)


def pdfsig(pdf: bytes, root_pem: Path, folder: Path) -> str:
    """poppler's pdfsig report on `pdf`, with `root_pem` trusted in a new NSS database."""
    need(shutil.which("certutil") is not None, "libnss3-tools missing: make setup installs it")
    need(shutil.which("pdfsig") is not None, "poppler-utils missing: make setup installs it")
    nss = Path(tempfile.mkdtemp(prefix="nss-", dir=folder))  # new each call: certutil -N
    # on an existing database waits for input
    for command in (
        ["-N", "--empty-password"],
        ["-A", "-n", "root", "-t", "CT,C,C", "-i", str(root_pem)],
    ):
        subprocess.run(
            ["certutil", *command, "-d", f"sql:{nss}"], check=True, stdin=subprocess.DEVNULL
        )
    path = nss / "checked.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True
    )
    return run.stdout


def write_root(folder: Path, certificate_der: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_bytes(pem.armor("CERTIFICATE", certificate_der))
    return folder
