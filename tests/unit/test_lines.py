"""The trích yếu's line breaks (docgen.lines): the fewest lines, near equal, word groups whole."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from docgen import lines
from docgen.vn import NBSP

MOVEMENT = "điển hình về phong trào toàn dân bảo vệ an ninh Tổ quốc"
WORDS = ["an", "ninh", "Tổ", "quốc", "năm", "2026", "về", "đơn", "vị", "xã,", "phường", "khu"]


def test_the_decision_title_breaks_into_two_near_equal_lines_between_word_groups() -> None:
    split = lines.split(f"Về việc công nhận đơn vị {MOVEMENT} năm 2026")
    assert split == [
        "Về việc công nhận đơn vị điển hình về phong trào",
        "toàn dân bảo vệ an ninh Tổ quốc năm 2026",
    ]
    # the page before: the whole width, then "quốc năm 2026" alone
    assert lines.width(split[1]) / lines.width(split[0]) > 0.8


def test_a_line_never_ends_on_a_leading_word_or_inside_a_word_group() -> None:
    for line in lines.split(f"Họp đánh giá, thẩm định đơn vị {MOVEMENT} năm 2026"):
        assert line.split()[-1].lower() not in lines.LEADING
        assert not line.startswith(("ninh", "quốc", "2026", "trào", "dân"))


def test_balanced_binds_each_line_with_no_break_spaces() -> None:
    text = lines.balanced(f"Kết quả duy trì danh hiệu đơn vị {MOVEMENT} năm 2026")
    parts = text.split(" ")
    assert len(parts) == 2 and all(NBSP in p for p in parts)
    assert lines.balanced("Về việc khen thưởng") == f"Về{NBSP}việc{NBSP}khen{NBSP}thưởng"
    assert lines.balanced("") == ""


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=60))
def test_lines_keep_the_text_fit_the_width_and_are_as_few_as_greedy_filling(
    words: list[str],
) -> None:
    text = " ".join(words)
    split = lines.split(text)
    assert " ".join(split) == text
    room = lines.TEXT_WIDTH_MM * lines.MM
    assert all(lines.width(x) <= room for x in split)
    # no two neighbours would fit on one line with the margin kerning needs (FIT): a text
    # between FIT and the whole width is set in two lines, which the page may join again
    assert all(lines.width(f"{a} {b}") > room * lines.FIT for a, b in itertools.pairwise(split))
