"""The e-mails as values (api/workflow/letters.py) and users' addresses (api/users.checked_email):
the
HTML part escapes what it quotes, the plain part keeps it as typed; a draft is named as a
draft, an issued document by its số; an address is kept trimmed with its domain lowercased, and
anything else is refused naming `email`."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.registry.db import Document
from api.workflow import letters
from api.workflow.users import checked_email
from docgen.errors import HosoError


def _document(**values: object) -> Document:
    base: dict[str, object] = {
        "id": 7,
        "issuing_body_id": "ubnd-hai-phong",
        "type_code": "QĐ",
        "notation": "QĐ-UBND",
        "title": "Quyết định công nhận",
        "subject": "Về việc công nhận <đơn vị> & “điển hình”",
    }
    return Document(**{**base, **values})


def test_the_html_part_escapes_what_the_plain_part_keeps() -> None:
    letter = letters.issued_letter(
        _document(number=1, issued_on=dt.date(2026, 12, 5)),
        to="Phường <An Biên>",
        body="Ủy ban nhân dân thành phố Hải Phòng",
        link="https://hoso.example.org/r/abc?x=1&y=2",
    )
    text, html = letters.render(letter)
    assert letter.subject == "Quyết định công nhận số 01/QĐ-UBND gửi Phường <An Biên>"
    assert "Kính gửi Phường <An Biên>," in text
    assert "<đơn vị> & “điển hình”" in text and "ngày 05 tháng 12 năm 2026" in text
    assert "https://hoso.example.org/r/abc?x=1&y=2" in text
    assert "Kính gửi Phường &lt;An Biên&gt;," in html and "<An Biên>" not in html
    assert "&lt;đơn vị&gt; &amp; “điển hình”" in html
    assert 'href="https://hoso.example.org/r/abc?x=1&amp;y=2"' in html


def test_a_draft_is_named_as_a_draft() -> None:
    letter = letters.sent_letter(_document(), to="Trần Minh Khôi", clerk="Nguyễn Thị Lan", url="u")
    assert (
        "Chuyên viên Nguyễn Thị Lan đã trình ký dự thảo Quyết định công nhận"
        in (letter.paragraphs[0])
    )
    assert letter.subject == "Văn bản chờ ký: Quyết định công nhận"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (" vanthu@UBND-HaiPhong.example.org ", "vanthu@ubnd-haiphong.example.org"),
        ("Chu.Tich+hoso@haiphong.example.org", "Chu.Tich+hoso@haiphong.example.org"),
    ],
)
def test_an_address_is_kept_trimmed_with_its_domain_lowercased(typed: str, kept: str) -> None:
    assert checked_email(typed) == kept


@pytest.mark.parametrize(
    "typed", ["", "vanthu", "vanthu@", "@example.org", "van thu@example.org", "a@b", "a@@b.org"]
)
def test_what_is_not_an_address_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(HosoError) as refused:
        checked_email(typed)
    assert refused.value.field == "email"
    assert refused.value.message_vi.startswith("Địa chỉ thư điện tử")


@given(st.emails())
def test_every_ordinary_address_is_accepted_and_kept_stable(address: str) -> None:
    kept = checked_email(address)
    assert checked_email(kept) == kept
    assert kept.rpartition("@")[0] == address.strip().rpartition("@")[0]
