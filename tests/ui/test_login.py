"""Đăng nhập in a real browser: a wrong password is refused in Vietnamese beside the form and
nothing is signed in; the right one leads to the page asked for, with the user, their role and
their issuing body in the header; đăng xuất ends the session."""

from __future__ import annotations

import pytest

from tests.api.service import ROLES
from tests.ui.conftest import Visit

pytestmark = pytest.mark.slow


def test_sign_in_shows_who_and_sign_out_ends_it(visit: Visit) -> None:
    page = visit.page
    page.goto("/ky-so")
    assert page.url.endswith("/dang-nhap?next=%2Fky-so")
    page.get_by_label("Tên đăng nhập").fill(ROLES["signer"][0])
    page.get_by_label("Mật khẩu").fill("sai-mat-khau-roi")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").inner_text() == "Sai tên đăng nhập hoặc mật khẩu"
    visit.shot("dang-nhap-sai-mat-khau")

    visit.sign_in("signer")
    header = page.locator("header")
    assert "Trần Minh Khôi" in header.inner_text()
    assert "người ký" in header.inner_text()
    assert "Ủy ban nhân dân thành phố Hải Phòng" in header.inner_text()

    page.get_by_role("button", name="Đăng xuất").click()
    page.goto("/tong-quan")
    assert "/dang-nhap" in page.url
