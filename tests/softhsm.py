"""SoftHSM2 tokens holding keys of the development PKI, for tests of signing with a token.

`tokens` writes a softhsm2.conf that keeps its tokens in a temporary folder, points
SOFTHSM2_CONF at it for this process (and for the subprocesses it starts), initialises each
token with `softhsm2-util`, imports the keys `pki.init` wrote (PKCS#8 PEM) and puts each key's
certificate, and the issuing CA's, onto the token as certificate objects with python-pkcs11
(softhsm2-util imports keys only). TEST MATERIAL ONLY: the PINs are in this file.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import pem
from pkcs11 import Attribute
from pkcs11.util.x509 import decode_x509_certificate

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
USER_PIN = "24681357"  # clearly-marked test material
SO_PIN = "97531864"
CA_LABEL = "interm"  # the development PKI's issuing CA


@contextmanager
def tokens(
    folder: Path, pki_folder: Path, layout: Mapping[str, Sequence[str]], *, pin: str = USER_PIN
) -> Iterator[Path]:
    """Tokens named by `layout`'s keys, each holding the keys of the PKI in `pki_folder` named
    by its values, with their certificates and the issuing CA's; yields the softhsm2.conf.

    SOFTHSM2_CONF points at that file until the block ends, and the PKCS#11 module is
    initialised again on entry and finalised on exit: SoftHSM2 reads its configuration and
    its tokens when initialised, and python-pkcs11 keeps one module per path for the process.
    """
    conf = folder / "softhsm2.conf"
    (folder / "tokens").mkdir(parents=True)
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        for token, labels in layout.items():
            _util("--init-token", "--free", "--label", token, "--pin", pin, "--so-pin", SO_PIN)
            for n, label in enumerate(labels, start=1):
                key = pki_folder / "keys" / f"{label}.key.pem"
                _util(
                    *("--import", str(key), "--token", token, "--pin", pin),
                    *("--label", label, "--id", f"{n:02x}"),
                )
        lib = pkcs11.lib(str(MODULE))
        lib.reinitialize()
        try:
            for token, labels in layout.items():
                with lib.get_token(token_label=token).open(rw=True, user_pin=pin) as session:
                    for n, label in enumerate([*labels, CA_LABEL], start=1):
                        certificate = pki_folder / "certs" / f"{label}.cert.pem"
                        _, _, der = pem.unarmor(certificate.read_bytes())
                        attributes = decode_x509_certificate(der)
                        attributes.update(
                            {
                                Attribute.TOKEN: True,
                                Attribute.PRIVATE: False,
                                Attribute.LABEL: label,
                                Attribute.ID: bytes([n]),  # the key's ID, as PKCS#11 pairs them
                            }
                        )
                        session.create_object(attributes)
            yield conf
        finally:
            lib.finalize()


def _util(*args: str) -> None:
    # PINs as arguments are fine for test material only; a real PIN never goes on a command line.
    subprocess.run(["softhsm2-util", *args], check=True, capture_output=True)
