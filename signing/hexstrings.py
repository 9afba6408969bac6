"""A faster reader of PDF hex strings for pyHanko, installed by `install()`.

pyHanko 0.38 reads a hex string one byte at a time through Python calls. A signature's
/Contents is one: 30 to 40 KB of hex, most of it the zero padding of the reserved space, so an
issued decision (two signatures, sometimes a document timestamp) spends about 40 ms of each
verification there, a fifth of the whole. This reads the same string in one slice and gives
the same object and the same errors; the tokenizer is pyHanko's own everywhere else. Kept by
hand because no option of pyHanko's does it; remove once pyHanko reads hex strings in bulk.
"""

from __future__ import annotations

import binascii
import re
from typing import IO, Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

_NOT_HEX = re.compile(rb"[^0-9a-fA-F]")
_PYHANKO = generic.read_hex_string_from_stream


def read_hex_string(stream: IO[bytes]) -> Any:
    """`generic.read_hex_string_from_stream`, reading up to the closing '>' at once."""
    stream.read(1)  # the opening '<'
    start = stream.tell()
    body, closed = b"", False
    while not closed:
        block = stream.read(1 << 16)
        if not block:
            break
        end = block.find(b">")
        closed = end >= 0
        body += block[:end] if closed else block
    digits = body.translate(None, PDF_WHITESPACE)
    if not closed or _NOT_HEX.search(digits):
        # Anything unusual (a wrong token, a comment, a cut file): pyHanko's own reader, from
        # the same place, so that the result and the error are its own.
        stream.seek(start - 1)
        return _PYHANKO(stream)
    stream.seek(start + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Make pyHanko's object reader use `read_hex_string` (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string
