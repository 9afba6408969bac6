"""The signing key and the signature image a request brings, as both doors read them: the JSON
routes (`api.routes.documents`) and the pages (`api.pages.office`). Neither the key file nor its
secret is kept or logged; the limits stop an upload before it is held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, File, Form, UploadFile
from PIL import Image

from api.routes.deps import read_upload
from api.settings import Settings
from docgen.errors import KeyUnavailable

IMAGE_LIMIT = 2 * 1024 * 1024  # a signature scanned at 600 dpi is a few hundred kilobytes
KEY_LIMIT = 64 * 1024  # a PKCS#12 file holds a key and a few certificates: kilobytes
P12 = Annotated[UploadFile | None, File(description="the key as a PKCS#12 file")]
Secret = Annotated[str | None, Form(max_length=256, json_schema_extra={"format": "password"})]
Label = Annotated[str | None, Form(max_length=128)]


@dataclass
class KeyForm:
    """The key a request signs with, from its form fields: a PKCS#12 file with its passphrase,
    or a key on the configured PKCS#11 token with its PIN. Neither the file nor the secret is
    kept or logged."""

    p12: P12 = None
    passphrase: Secret = None
    token: Label = None
    key: Label = None
    pin: Secret = None

    @contextmanager
    def opened(self, settings: Settings) -> Iterator[Any]:
        """The signer, open for the `with` block (a token's session closes after it)."""
        from signing import sign as signing
        from signing import token as tokens

        if self.p12 is not None and self.token is None:
            data = read_upload(self.p12, KEY_LIMIT, "p12")
            yield signing.load_pkcs12(data, (self.passphrase or "").encode())
        elif self.token is not None and self.key is not None and self.p12 is None:
            with tokens.open_token(
                settings.pkcs11_module,
                token_label=self.token,
                key_label=self.key,
                pin=(self.pin or "").encode(),
            ) as signer:
                yield signer
        else:
            raise KeyUnavailable(
                "give a PKCS#12 file `p12` with its `passphrase`, or `token` and `key` with `pin`",
                message_vi="Cần tệp khóa PKCS#12 và mật khẩu, hoặc token, nhãn khóa và mã PIN",
                field="p12",
            )


KeyDep = Annotated[KeyForm, Depends()]


def signature_upload(image: UploadFile | None) -> Image.Image | None:
    """The signer's own signature image when one was uploaded (a browser's empty file input
    has no file name), checked against ND 30 before any key is opened."""
    from signing import images

    if image is None or not image.filename:
        return None
    return images.signature_image(read_upload(image, IMAGE_LIMIT, "image"))
