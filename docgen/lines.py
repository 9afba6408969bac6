"""Where a centred title breaks into lines: the trích yếu, centred under the tên loại in bold
14 pt (ND 30 Phụ lục I, ô 5a), reads as lines of near equal length, never a long line over a
one-word line, and never splits a word group ("an ninh", "Tổ quốc", "năm 2026").

The text comes back with no-break spaces inside each line and an ordinary space between lines,
so LibreOffice and Word break it only there: no template change, and a clerk who edits the
.docx in Word still has one paragraph. Widths are Liberation Serif Bold's advances (the metric
twin of Times New Roman that LibreOffice sets); kerning is left out and covered by a margin.
What the lines say, and the registry's copy of the subject, are not this module's business.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from docgen.errors import FONT_MISSING_VI, StampError
from docgen.vn import NBSP, nfc

MM = 72 / 25.4
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
TEXT_WIDTH_MM = 165.0  # A4 less ND 30's 30 mm left and 15 mm right margins
FIT = 0.97  # of the width: what kerning and LibreOffice's rounding may add
# Vietnamese words of two or three syllables in our titles, and the movement's name (longest
# first, so that it wins): a line never ends inside one.
WORDS = (
    "bảo vệ an ninh tổ quốc",
    "về việc",
    "công nhận",
    "đơn vị",
    "điển hình",
    "phong trào",
    "toàn dân",
    "bảo vệ",
    "an ninh",
    "tổ quốc",
    "kết quả",
    "thực hiện",
    "bộ tiêu chí",
    "tự chấm điểm",
    "xây dựng",
    "duy trì",
    "danh hiệu",
    "đề nghị",
    "thẩm định",
    "đánh giá",
    "cơ quan",
    "doanh nghiệp",
    "cơ sở giáo dục",
    "đặc khu",
)
# Words that open what follows them: a line never ends on one.
LEADING = frozenset({"về", "của", "và", "cho", "với", "tại", "theo", "các", "những", "trong"})
_BOUND = re.compile(
    "|".join(re.escape(w).replace(r"\ ", " ") for w in WORDS) + r"|năm \d{4}", re.IGNORECASE
)


@cache
def font_name() -> str:
    """The registered name of Liberation Serif Bold, for reportlab's drawing and metrics."""
    for folder in FONT_DIRS:
        path = folder / "LiberationSerif-Bold.ttf"
        if path.exists():
            pdfmetrics.registerFont(TTFont("HosoSerifBold", str(path)))
            return "HosoSerifBold"
    raise StampError(
        "Liberation Serif is missing; run: apt-get install fonts-liberation2",
        field="font",
        message_vi=FONT_MISSING_VI,
    )


def groups(text: str) -> list[str]:
    """`text`'s words, each word group of `WORDS` (and "năm 2026") as one item, each word of
    `LEADING` with the item after it."""
    bound = _BOUND.sub(lambda m: m[0].replace(" ", NBSP), " ".join(nfc(text).split()))
    items: list[str] = []
    for word in bound.split(" "):
        if items and items[-1].lower() in LEADING:  # "về" goes with what it introduces
            items[-1] += " " + word
        else:
            items.append(word)
    return [g.replace(NBSP, " ") for g in items]


def width(text: str, *, size: float = 14) -> float:
    """`text`'s advance in points, in Liberation Serif Bold at `size`."""
    return float(pdfmetrics.stringWidth(nfc(text), font_name(), size))


def split(text: str, *, width_mm: float = TEXT_WIDTH_MM, size: float = 14) -> list[str]:
    """`text` as the fewest lines that fit `width_mm`, as near equal in length as the word groups
    allow (the least sum of squared differences from the mean), each word group whole."""
    items = groups(text)
    if not items or items == [""]:
        return []
    full = width_mm * MM
    n = len(items)
    widths = [[width(" ".join(items[i:j]), size=size) for j in range(n + 1)] for i in range(n)]
    # As few lines as the page allows, so that no two of them would fit on one line together
    # (the page would join them); each at most FIT of the width, so that none is broken again.
    fewest = _fewest_lines(widths, n, full)
    best = _best(widths, n, fewest, full * FIT)
    if best[fewest][n][0] == float("inf"):
        fewest += 1
        best = _best(widths, n, fewest, full * FIT)
    lines: list[str] = []
    j = n
    for k in range(fewest, 0, -1):
        i = best[k][j][1]
        lines.append(" ".join(items[i:j]))
        j = i
    return lines[::-1]


def _best(
    widths: Sequence[Sequence[float]], n: int, lines: int, room: float
) -> list[list[tuple[float, int]]]:
    """best[k][j]: the least sum of squared differences from the mean line of the first j
    groups set in k lines no wider than `room` (a group wider than it alone on its line), and
    where the k-th line starts."""
    mean = widths[0][n] / lines
    inf = float("inf")
    best = [[(inf, 0)] * (n + 1) for _ in range(lines + 1)]
    best[0][0] = (0.0, 0)
    for k in range(1, lines + 1):
        for j in range(1, n + 1):
            for i in range(j):
                if best[k - 1][i][0] == inf or (widths[i][j] > room and j - i > 1):
                    continue
                cost = best[k - 1][i][0] + (widths[i][j] - mean) ** 2
                if cost < best[k][j][0]:
                    best[k][j] = (cost, i)
    return best


def _fewest_lines(widths: Sequence[Sequence[float]], n: int, room: float) -> int:
    """How many lines greedy filling needs (a group wider than the room has a line of its own)."""
    count, start = 0, 0
    while start < n:
        end = start + 1
        while end < n and widths[start][end + 1] <= room:
            end += 1
        count, start = count + 1, end
    return count


def balanced(text: str, *, width_mm: float = TEXT_WIDTH_MM, size: float = 14) -> str:
    """`text` with no-break spaces inside the lines `split` chose and a space between them."""
    return " ".join(line.replace(" ", NBSP) for line in split(text, width_mm=width_mm, size=size))
