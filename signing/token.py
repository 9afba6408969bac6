"""Keys held in a PKCS#11 token (pyHanko and python-pkcs11 adapter): the USB token a CA issues
to a signer or an organisation, or SoftHSM2 in tests.

`open_token` loads the token's PKCS#11 module, finds the token by its label, logs in with the
PIN given for this signing run and yields a pyHanko signer for the key with the given label. The
signing certificate is the certificate object with the same label; the CA certificates on the
token go with it, so that every signature carries its chain (as the PKCS#12 path does). The
session is closed when the run ends. Every failure to get there is a KeyUnavailable naming the
module, token or key at fault, never the PIN.

Left out: choosing a token or key for the user (labels are explicit), PIN pads and other
protected authentication paths, keys without a certificate object on the token, and watching
for tokens plugged in after the module was first loaded in this process (SoftHSM2 and some
drivers only see those after the module is initialised again).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pkcs11
from asn1crypto import x509
from pkcs11 import Attribute, ObjectClass, PKCS11Error
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.pkcs11 import PKCS11Signer, find_token, open_pkcs11_session

from docgen.errors import KeyUnavailable


@contextmanager
def open_token(
    module: Path, *, token_label: str, key_label: str, pin: bytes
) -> Iterator[signers.Signer]:
    """The signer for key `key_label` on token `token_label`, logged in with `pin`; the
    PKCS#11 session is closed when the block ends."""
    with _login(module, token_label=token_label, pin=pin) as session:
        yield _signer(session, token_label=token_label, key_label=key_label)


def _login(module: Path, *, token_label: str, pin: bytes) -> pkcs11.Session:
    if not module.is_file():
        raise KeyUnavailable(
            f"no PKCS#11 module at {module}",
            message_vi=f"Không có thư viện PKCS#11 tại {module}",
            field="module",
        )
    try:
        slots = pkcs11.lib(str(module)).get_slots(token_present=True)
    except PKCS11Error as exc:
        raise KeyUnavailable(
            f"cannot load the PKCS#11 module {module}: {exc}",
            message_vi=f"Không nạp được thư viện PKCS#11 {module}: {exc}",
            field="module",
        ) from exc
    criteria = TokenCriteria(label=token_label)
    if find_token(slots, token_criteria=criteria) is None:
        raise KeyUnavailable(
            f"no token '{token_label}' in {module}: is it plugged in?",
            message_vi=f"Không thấy token '{token_label}' ({module}): token đã được cắm chưa?",
            field="token",
        )
    wrong_pin = KeyUnavailable(
        f"wrong PIN for token '{token_label}'",
        message_vi=f"Sai mã PIN của token '{token_label}'",
        field="pin",
    )
    try:
        # python-pkcs11 0.9.5 encodes the PIN itself and fails on bytes, despite its type hints.
        text = pin.decode("utf-8")
    except UnicodeDecodeError:
        raise wrong_pin from None  # the decoding error would quote a byte of the PIN
    try:
        return open_pkcs11_session(str(module), token_criteria=criteria, user_pin=text)
    except (pkcs11.PinIncorrect, pkcs11.PinLenRange, pkcs11.PinInvalid) as exc:
        raise wrong_pin from exc
    except pkcs11.PinLocked as exc:
        raise KeyUnavailable(
            f"the PIN of token '{token_label}' is locked after too many wrong tries",
            message_vi=f"Mã PIN của token '{token_label}' đã bị khóa do nhập sai quá số lần",
            field="pin",
        ) from exc
    except PKCS11Error as exc:
        raise KeyUnavailable(
            f"cannot open token '{token_label}': {type(exc).__name__} {exc}",
            message_vi=f"Không mở được token '{token_label}': {type(exc).__name__} {exc}",
            field="token",
        ) from exc


def _signer(session: pkcs11.Session, *, token_label: str, key_label: str) -> signers.Signer:
    try:
        signer = PKCS11Signer(
            session,
            cert_label=key_label,
            key_label=key_label,
            ca_chain=_ca_certificates(session),
        )
        # Find the key and its certificate now, not halfway through the signing run.
        signer.signing_cert  # noqa: B018
    except PKCS11Error as exc:
        raise KeyUnavailable(
            f"no usable key '{key_label}' on token '{token_label}': {exc}",
            message_vi=f"Token '{token_label}' không có khóa '{key_label}' dùng được: {exc}",
            field="key",
        ) from exc
    return signer


def _ca_certificates(session: pkcs11.Session) -> list[x509.Certificate]:
    """The CA certificates on the token (the issuing chain), not other signers' certificates."""
    found = [
        x509.Certificate.load(obj[Attribute.VALUE])
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
    ]
    return [cert for cert in found if cert.ca]
