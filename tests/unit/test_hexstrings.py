"""The fast hex-string reader gives what pyHanko's own gives: the same object, the same stream
position after it, the same error."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from signing import hexstrings

ORIGINAL = hexstrings._PYHANKO


def _read(reader: Any, data: bytes) -> tuple[object, ...]:
    stream = io.BytesIO(data)
    try:
        found = reader(stream)
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))
    return (type(found).__name__, bytes(found.original_bytes), stream.tell())


@given(
    st.text(alphabet="0123456789abcdefABCDEF \n\r\t\x0cZ<%", max_size=300),
    st.booleans(),
    st.binary(max_size=20),
)
def test_same_as_pyhanko(body: str, closed: bool, after: bytes) -> None:
    data = b"<" + body.encode() + (b">" if closed else b"") + after
    assert _read(hexstrings.read_hex_string, data) == _read(ORIGINAL, data)


def test_a_signature_contents_sized_string() -> None:
    data = b"<" + b"30820a" + b"0" * 40_000 + b">/ByteRange"
    assert _read(hexstrings.read_hex_string, data) == _read(ORIGINAL, data)
