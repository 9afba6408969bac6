"""A timestamp authority that does not answer is TimestampUnavailable (field "tsa"), known by
pyHanko's exception type, not by the words of its message; nothing is signed."""

from __future__ import annotations

import pytest

from docgen.errors import TimestampUnavailable
from signing import images, pki, sign
from tests.signing_setting import CHAIR, CHAIR_TITLE, Setting, free_port

pytestmark = pytest.mark.slow


def test_an_unreachable_tsa_is_timestamp_unavailable(setting: Setting) -> None:
    tsa = f"http://127.0.0.1:{free_port()}/nothing-listens-here"  # no "tsa" in the address
    with pytest.raises(TimestampUnavailable) as caught:
        sign.sign_draft(
            setting.draft,
            sign.load_pkcs12(setting.p12("ubnd-hai-phong--chu-tich"), pki.TEST_PASSPHRASE),
            signature=images.signature_image(images.signature_png(CHAIR)),
            placement=sign.find_placement(setting.draft, title=CHAIR_TITLE, name=CHAIR),
            tsa_url=tsa,
            context=setting.context(),
        )
    assert caught.value.field == "tsa" and caught.value.code == "timestamp_unavailable"
    assert tsa in caught.value.message
