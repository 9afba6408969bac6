"""Who receives a document: the lines of its Nơi nhận turned into recipients (pure).

Each line ("- Bộ Công an (qua V05);", "- UBND các xã, phường, đặc khu;") is one recipient, kept
in the order written. A line that points elsewhere ("- Như Điều 3;", "- Như Điều 2;",
"- Như trên;") stands for the bodies that article or the Kính gửi names; the caller passes them
(`docgen.dossier.referenced` gives them from a document's context). The "- Lưu: VT, …" line is
the issuing body's own archive copy (ND 30 Phụ lục I, ô 9b), never a recipient.

Left out: splitting a line that names several bodies ("- TTTU, TT HĐND TP;") or a group ("- Công
an các xã, phường;") into its members: the text does not say who they are, so such a line stays
one recipient, as the văn thư would send it one envelope per line. Tokens, links and delivery
state belong to the registry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from docgen import vn

__all__ = ["Recipient", "is_archive_line", "is_reference_line", "recipients"]

# The dash of "- ", or the look-alikes a copy from a word processor brings.
_BULLET = re.compile(r"^(?:[-‐‑–—+•*]\s*)+")
_SPACES = re.compile(r"\s+")
# Compared without case or diacritics: "Như Điều 3", "như điều 3", "NHƯ ĐIỀU 3", "Như trên".
_REFERENCE = re.compile(r"^nhu\s+(?:dieu\s+\d+|tren)\b")
# "Lưu: VT, NC.", "Lưu: VT (02).", "Lưu VT, L.Thụy.", "Lưu hồ sơ", "Lưu." — but not a person
# whose family name is Lưu.
_ARCHIVE = re.compile(r"^luu(?:\s*:|\s+(?:vt|van thu|ho so|hs)\b|$)")


@dataclass(frozen=True)
class Recipient:
    """One body a document is sent to (nơi nhận)."""

    line: str
    """The Nơi nhận line as written; for a body a "- Như Điều 3;" line stands for, that line."""
    name: str
    """The body, cleaned: no bullet, no closing ";" or ".", spaces collapsed, NFC."""


def _clean(line: str) -> str:
    text = _SPACES.sub(" ", vn.nfc(line)).strip()
    text = _BULLET.sub("", text)
    return text.rstrip(" ;.,").strip()


def _plain(name: str) -> str:
    """The name without case or diacritics, to recognise "Như Điều 3" and "Lưu" however typed."""
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def is_reference_line(line: str) -> bool:
    """Whether the line stands for bodies named elsewhere: "- Như Điều 3;", "- Như trên;"."""
    return _REFERENCE.match(_plain(_clean(line))) is not None


def is_archive_line(line: str) -> bool:
    """Whether the line is the archive copy: "- Lưu: VT, L.Thụy."."""
    return _ARCHIVE.match(_plain(_clean(line))) is not None


def recipients(lines: Sequence[str], *, article_3: Sequence[str] = ()) -> list[Recipient]:
    """The recipients of a Nơi nhận list, in order, each body once.

    `article_3` is what a "Như Điều 3" / "Như Điều 2" / "Như trên" line stands for: the bodies
    the Quyết định's Điều 3 names (`docgen.dossier.article_3`), or the Kính gửi addressee. A list
    with such a line and no `article_3` raises ValueError: dropping the line would lose whoever
    must carry the decision out. Blank lines and the "Lưu" line are skipped; a body met twice
    (also through the reference) is kept where it first appears.
    """
    found: list[Recipient] = []
    seen: set[str] = set()

    def add(line: str, name: str) -> None:
        # Case only: names that differ in a tone mark are different places (Yên, Yến).
        key = name.casefold()
        if name and key not in seen and not is_archive_line(name):
            seen.add(key)
            found.append(Recipient(line=line, name=name))

    for line in lines:
        name = _clean(line)
        if not name or is_archive_line(line):
            continue
        if is_reference_line(line):
            if not article_3:
                raise ValueError(f"{line.strip()!r} needs the bodies it stands for (article_3)")
            for body in article_3:
                if not is_reference_line(body):
                    add(line, _clean(body))
        else:
            add(line, name)
    return found
