"""The whole flow with the keyboard alone (issue 17): Tab to reach each control, Enter or Space
to use it, typing to fill it; never a pointer, never a locator's click or fill. The clerk
uploads the workbook (Space opens the file chooser, whose file the test gives, as a person
would pick it), scores one unit on its criteria form and the other from the list, generates
the dossier and sends the Quyết định; the chair signs it with his PKCS#12 file; the văn thư
issues it; the recipient acknowledges receipt on their link; anyone verifies the PDF. On the
way: the first Tab of a page offers to skip the menu to the content, and every control that
takes the focus shows it (an outline or a ring).

It works on Hải Phòng's 2041 dossier, a year no other test uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api.service import CHAIR_P12, PASSPHRASE, PASSWORD, ROLES, SEAL_P12, Service, workbook
from tests.ui.conftest import Visit
from tests.ui.test_office import key_file

pytestmark = pytest.mark.slow

YEAR = 2041
GENERATION = 300_000  # ms: LibreOffice converts every document of the dossier
SHOWS_FOCUS = """e => {
    const s = getComputedStyle(e);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
        || s.boxShadow !== 'none';
}"""


class Keyboard:
    """A tab driven by the keyboard only, noting each control whose focus is not visible."""

    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.page = visit.page
        self.unseen: list[str] = []

    def tab_to(self, target: Any, *, limit: int = 3000) -> None:
        """Tab until `target` (a locator) has the focus."""
        handle = target.element_handle()
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if handle.evaluate("e => e === document.activeElement"):
                if not handle.evaluate(SHOWS_FOCUS):
                    self.unseen.append(handle.evaluate("e => e.outerHTML.slice(0, 80)"))
                return
        raise AssertionError(f"{target} cannot be reached with Tab")

    def press(self, target: Any, key: str = "Enter", *, timeout: float = 60_000) -> None:
        """Tab to `target`, press `key`, wait for the next page."""
        self.tab_to(target)
        with self.page.expect_navigation(timeout=timeout):
            self.page.keyboard.press(key)

    def type_into(self, target: Any, text: str) -> None:
        """Tab to a field, replace what it holds with `text`."""
        self.tab_to(target)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def choose_file(self, target: Any, path: Path) -> None:
        """Tab to a file input, Space opens the chooser, the file is picked."""
        self.tab_to(target)
        with self.page.expect_file_chooser() as chooser:
            self.page.keyboard.press("Space")
        chooser.value.set_files(str(path))

    def date(self, target: Any, value: str) -> None:
        """A date field ('2041-11-20') or a date and time ('2041-11-18T08:00'), typed segment
        by segment in the order Debian's chromium shows them (its own, en-US: mm/dd/yyyy,
        hh:mm AM/PM, whatever the page's language), then read back."""
        self.tab_to(target)
        day, _, time = value.partition("T")
        year, month, date = day.split("-")
        self.page.keyboard.type(month + date + year)
        if time:
            hour, minute = (int(x) for x in time.split(":"))
            self.page.keyboard.press("ArrowRight")
            self.page.keyboard.type(f"{(hour - 1) % 12 + 1:02d}{minute:02d}")
            self.page.keyboard.type("A" if hour < 12 else "P")
        assert target.input_value() == value, f"typed {value}, the field holds the other"

    def sign_in(self, role: str) -> None:
        self.page.goto("/dang-nhap")
        self.type_into(self.page.locator("#login"), ROLES[role][0])
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(PASSWORD)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Tổng quan")

    def menu(self, name: str) -> None:
        self.press(self.page.get_by_role("navigation").get_by_role("link", name=name, exact=True))

    def sign_out(self) -> None:
        self.press(self.page.get_by_role("button", name="Đăng xuất"))


@pytest.fixture
def keys(browser: object, service: Service) -> Iterator[Keyboard]:
    visit = Visit(browser, service)
    yield Keyboard(visit)
    visit.close()


def test_the_whole_flow_with_the_keyboard_alone(
    keys: Keyboard, browser: object, service: Service, tmp_path: Path
) -> None:
    page = keys.page

    # --- the skip link: the first Tab of a page, Enter goes to the content --------------------
    page.goto("/dang-nhap")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Đến nội dung chính"
    assert page.evaluate(f"() => ({SHOWS_FOCUS})(document.activeElement)")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "noi-dung"

    # --- the clerk: upload, score (the criteria form, then the list), generate, send ---------
    keys.sign_in("clerk")
    keys.menu("Chấm điểm")
    sheet = tmp_path / f"phieu-cham-diem-{YEAR}.xlsx"
    sheet.write_bytes(workbook(YEAR))
    keys.choose_file(page.get_by_label("Phiếu chấm điểm đã điền"), sheet)
    keys.press(page.get_by_role("button", name="Tải lên và nhập"))
    expect(page.get_by_role("status")).to_contain_text("Đã nhập 2 đơn vị")

    first = page.locator(f'tr[data-unit="Phường Lê Chân"][data-year="{YEAR}"]')
    keys.press(first.locator("a[href^='/cham-diem/']").first)
    keys.press(page.get_by_role("button", name="Lưu và chấm điểm"))
    expect(page.get_by_role("status").first).to_contain_text("chấm điểm")
    keys.menu("Chấm điểm")
    second = page.locator(f'tr[data-unit="Phường An Biên"][data-year="{YEAR}"]')
    keys.press(second.get_by_role("button", name="Chấm điểm"))
    expect(page.get_by_role("status")).to_have_text("Đã chấm điểm.")
    keys.menu("Chấm điểm")
    expect(
        page.locator(f'tr[data-year="{YEAR}"]').filter(has_text="Phường An Biên")
    ).to_contain_text("Đủ điều kiện")

    keys.menu("Hồ sơ")
    keys.press(page.get_by_role("link", name=f"Mở hồ sơ năm {YEAR}"))
    keys.type_into(page.get_by_label("Số ký hiệu Tờ trình"), "15/TTr-CAHP")
    keys.date(page.get_by_label("Ngày ban hành Tờ trình"), f"{YEAR}-11-20")
    keys.date(page.get_by_label("Bắt đầu", exact=True), f"{YEAR}-11-18T08:00")
    keys.date(page.get_by_label("Kết thúc", exact=True), f"{YEAR}-11-18T10:30")
    keys.type_into(page.get_by_label("Địa điểm", exact=True), "Hội trường Công an thành phố")
    keys.type_into(page.get_by_label("Thư ký", exact=True), "Đặng Quốc Việt")
    keys.type_into(page.get_by_label("Số phiếu đồng ý"), "11")
    keys.type_into(page.get_by_label("Tổng số phiếu"), "11")
    keys.type_into(page.get_by_label("Thành phần tham dự"), "Đại diện Văn phòng Ủy ban nhân dân")
    keys.press(
        page.get_by_role("button", name=re.compile("^Tạo (lại )?hồ sơ$")), timeout=GENERATION
    )
    expect(page.get_by_role("status").first).to_contain_text("văn bản dự thảo", timeout=GENERATION)
    decision = page.locator("article.document").filter(
        has=page.get_by_role("heading", name="Quyết định công nhận")
    )
    card = f"#{decision.get_attribute('id')}"
    keys.press(decision.get_by_role("button", name="Trình ký"))
    expect(page.locator(card).locator(".status")).to_have_text("Đã trình ký")
    keys.sign_out()

    # --- the chair signs with his PKCS#12 file -------------------------------------------------
    # The shared service's chair may have signed remotely or through an agent in an earlier
    # module, and the page then offers that way first: this flow is the key file's.
    from sqlalchemy import update

    from api.registry.db import User

    with service.services.sessions.begin() as session:
        session.execute(
            update(User).where(User.login == ROLES["signer"][0]).values(signing_way=None)
        )
    keys.sign_in("signer")
    keys.menu("Ký số")
    queued = page.locator(card)
    keys.choose_file(
        queued.get_by_label("Tệp khóa PKCS#12", exact=True), key_file(service, tmp_path, CHAIR_P12)
    )
    keys.type_into(queued.get_by_label("Mật khẩu của tệp khóa"), PASSPHRASE)
    keys.press(queued.get_by_role("button", name="Ký số"), timeout=GENERATION)
    expect(page.locator("h1")).to_have_text("Đã ký số văn bản", timeout=GENERATION)
    keys.sign_out()

    # --- the văn thư issues it ------------------------------------------------------------------
    keys.sign_in("van_thu")
    keys.menu("Phát hành")
    waiting = page.locator(card)
    keys.choose_file(
        waiting.get_by_label("Tệp khóa PKCS#12", exact=True), key_file(service, tmp_path, SEAL_P12)
    )
    keys.type_into(waiting.get_by_label("Mật khẩu của tệp khóa"), PASSPHRASE)
    keys.date(waiting.get_by_label("Ngày ban hành"), f"{YEAR}-12-05")
    keys.press(waiting.get_by_role("button", name="Ban hành"), timeout=GENERATION)
    expect(page.locator("#trang-thai")).to_have_text("Đã ban hành", timeout=GENERATION)
    row = page.locator("table.recipients tbody tr").filter(has_text="Phường An Biên")
    link = row.locator("code.link").inner_text()

    # --- the recipient acknowledges on their link -----------------------------------------------
    recipient = Keyboard(Visit(browser, service, mobile=True))
    try:
        recipient.page.goto(link)
        with recipient.page.expect_download() as download:
            recipient.tab_to(recipient.page.get_by_role("link", name="Tải văn bản (PDF)"))
            recipient.page.keyboard.press("Enter")
        received = tmp_path / f"quyet-dinh-{YEAR}.pdf"
        download.value.save_as(received)
        recipient.type_into(recipient.page.get_by_label("Họ và tên người nhận"), "Nguyễn Văn Bình")
        recipient.type_into(recipient.page.get_by_label("Chức vụ"), "Chủ tịch UBND phường")
        recipient.press(recipient.page.get_by_role("button", name="Xác nhận đã nhận văn bản"))
        expect(recipient.page.locator("body")).to_contain_text("Đã xác nhận nhận được văn bản lúc")
        keys.unseen += recipient.unseen
    finally:
        recipient.visit.close()

    # --- anyone verifies it ---------------------------------------------------------------------
    page.goto("/xac-minh")
    keys.choose_file(page.get_by_label(re.compile("Chọn tệp PDF")), received)
    keys.press(page.get_by_role("button", name="Kiểm tra", exact=True))
    expect(page.locator("p.verdict").first).to_have_class(re.compile("green"))

    assert not keys.unseen, f"controls that do not show their focus: {keys.unseen}"
