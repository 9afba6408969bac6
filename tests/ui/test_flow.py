"""The whole recognition flow in a real browser, by clicking and typing, as the five kinds of
user do it: the clerk uploads the workbook, fixes the one error it had, scores, generates the
dossier and sends the Quyết định for signature; the chair signs it with their PKCS#12 file;
the văn thư issues it and sees its recipients' links; a recipient opens their link on a phone
and acknowledges receipt; anyone verifies the PDF they downloaded (green), then a tampered copy
(red). Each step asserts what the page shows; every page is saved as a screenshot.

It works on Hải Phòng's 2030 dossier: the other browser tests use 2027–2029, the API's 2026."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.api.service import CHAIR_P12, PASSPHRASE, SEAL_P12, Service, workbook
from tests.api.test_ui_clerk_pages import with_error
from tests.ui.conftest import Visit
from tests.ui.test_office import key_file, submit

pytestmark = pytest.mark.slow

YEAR = 2030
GENERATION = 300_000  # ms: LibreOffice converts every document of the dossier


def shot(visit: Visit, name: str) -> None:
    """The screenshot once the page images have arrived."""
    visit.page.wait_for_function(
        "() => [...document.querySelectorAll('img:not([loading=lazy])')].every(i => i.complete)"
    )
    visit.shot(name)


def test_clerk_signer_van_thu_recipient_and_anyone(
    visit: Visit, browser: object, service: Service, tmp_path: Path
) -> None:
    page = visit.page

    # --- the clerk: the workbook with one error, then fixed; score; generate; send ----------
    visit.sign_in("clerk")
    good = tmp_path / "phieu-cham-diem-2030.xlsx"
    good.write_bytes(workbook(YEAR))
    bad_bytes, cell = with_error(good.read_bytes())
    bad = tmp_path / "phieu-cham-diem-2030-co-loi.xlsx"
    bad.write_bytes(bad_bytes)
    page.get_by_role("link", name="Chấm điểm", exact=True).click()
    page.get_by_label("Phiếu chấm điểm đã điền").set_input_files(bad)
    page.get_by_role("button", name="Tải lên và nhập").click()
    problems = page.locator("section.problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td.cell")).to_have_text(cell)
    shot(visit, "luong-1-phieu-co-loi")
    page.get_by_label("Phiếu chấm điểm đã điền").set_input_files(good)
    page.get_by_role("button", name="Tải lên và nhập").click()
    expect(page.get_by_role("status")).to_contain_text("Đã nhập 2 đơn vị")
    for unit in ("Phường Lê Chân", "Phường An Biên"):
        row = page.locator(f'tr[data-unit="{unit}"][data-year="{YEAR}"]')
        row.get_by_role("button", name="Chấm điểm").click()
        expect(page.get_by_role("status")).to_have_text("Đã chấm điểm.")
        page.goto("/cham-diem")
    scored = page.locator(f'tr[data-year="{YEAR}"]')
    expect(scored.filter(has_text="Phường An Biên")).to_contain_text("Đủ điều kiện")
    shot(visit, "luong-2-da-cham-diem")

    page.get_by_role("navigation").get_by_role("link", name="Hồ sơ").click()
    page.get_by_role("link", name=f"Mở hồ sơ năm {YEAR}").click()
    page.get_by_label("Số ký hiệu Tờ trình").fill("15/TTr-CAHP")
    page.get_by_label("Ngày ban hành Tờ trình").fill(f"{YEAR}-11-20")
    page.get_by_label("Bắt đầu", exact=True).fill(f"{YEAR}-11-18T08:00")
    page.get_by_label("Kết thúc", exact=True).fill(f"{YEAR}-11-18T10:30")
    page.get_by_label("Địa điểm", exact=True).fill("Hội trường Công an thành phố Hải Phòng")
    page.get_by_label("Thư ký", exact=True).fill("Đặng Quốc Việt")
    page.get_by_label("Số phiếu đồng ý").fill("11")
    page.get_by_label("Tổng số phiếu").fill("11")
    page.get_by_label("Thành phần tham dự").fill("Đại diện Văn phòng Ủy ban nhân dân thành phố")
    with page.expect_navigation(timeout=GENERATION):
        page.get_by_role("button", name="Tạo hồ sơ").click()
    # A job of the queue makes the documents: the page counts them, its button off meanwhile.
    expect(page.locator("#tien-do")).to_contain_text(
        re.compile(r"Đang tạo văn bản [0-9]+/[0-9]+"), timeout=GENERATION
    )
    expect(page.get_by_role("button", name="Tạo hồ sơ")).to_be_disabled()
    shot(visit, "luong-2-ho-so-dang-tao")
    expect(page.get_by_role("status")).to_contain_text("văn bản dự thảo", timeout=GENERATION)
    expect(page.get_by_role("button", name="Tạo lại hồ sơ")).to_be_enabled()
    decision = page.locator("article.document").filter(
        has=page.get_by_role("heading", name="Quyết định công nhận")
    )
    card = f"#{decision.get_attribute('id')}"
    decision.get_by_role("button", name="Trình ký").click()
    expect(page.locator(card).locator(".status")).to_have_text("Đã trình ký")
    shot(visit, "luong-3-ho-so-da-trinh-ky")
    page.get_by_role("button", name="Đăng xuất").click()

    # --- the chair signs with their PKCS#12 file ---------------------------------------------
    visit.sign_in("signer")
    page.get_by_role("navigation").get_by_role("link", name="Ký số").click()
    queued = page.locator(card)
    expect(queued).to_contain_text(f"năm {YEAR}")
    queued.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(
        key_file(service, tmp_path, CHAIR_P12)
    )
    queued.get_by_label("Mật khẩu của tệp khóa").fill(PASSPHRASE)
    submit(visit, queued.get_by_role("button", name="Ký số"))
    expect(page.locator("h1")).to_have_text("Đã ký số văn bản", timeout=GENERATION)
    expect(page.locator("body")).to_contain_text("Trần Minh Khôi")
    shot(visit, "luong-4-da-ky")
    page.get_by_role("button", name="Đăng xuất").click()

    # --- the văn thư issues it and sees whom it is sent to -----------------------------------
    visit.sign_in("van_thu")
    page.get_by_role("navigation").get_by_role("link", name="Phát hành").click()
    waiting = page.locator(card)
    waiting.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(
        key_file(service, tmp_path, SEAL_P12)
    )
    waiting.get_by_label("Mật khẩu của tệp khóa").fill(PASSPHRASE)
    waiting.get_by_label("Ngày ban hành").fill(f"{YEAR}-12-05")
    submit(visit, waiting.get_by_role("button", name="Ban hành"))
    expect(page.locator("h1")).to_have_text(
        "Quyết định công nhận số 01/QĐ-UBND", timeout=GENERATION
    )
    expect(page.locator("#trang-thai")).to_have_text("Đã ban hành")
    rows = page.locator("table.recipients tbody tr")
    recipient_row = rows.filter(has_text="Phường An Biên")
    expect(recipient_row.locator(".delivery")).to_have_text("Chưa mở")
    link = recipient_row.locator("code.link").inner_text()
    assert link.startswith(f"{service.url}/r/")
    shot(visit, "luong-5-da-ban-hanh")

    # --- the recipient, on a phone: opens the link, downloads, acknowledges ------------------
    phone = Visit(browser, service, mobile=True)
    try:
        phone.page.goto(link)
        expect(phone.page.locator("h1")).to_have_text("Văn bản gửi đến Phường An Biên")
        expect(phone.page.locator("body")).to_contain_text("01/QĐ-UBND")
        with phone.page.expect_download() as download:
            phone.page.get_by_role("link", name="Tải văn bản (PDF)").click()
        received = tmp_path / "quyet-dinh-2030.pdf"
        download.value.save_as(received)
        phone.shot("luong-6-noi-nhan-mo-lien-ket")
        # The document reads inline: its pages as images, as wide as the phone.
        first = phone.page.get_by_role("img", name="Trang 1 của văn bản")
        expect(first).to_be_visible()
        assert first.evaluate("img => img.complete && img.naturalWidth > 0")
        assert first.evaluate("img => img.getBoundingClientRect().width <= 390")
        phone.page.get_by_label("Họ và tên người nhận").fill("Nguyễn Văn Bình")
        phone.page.get_by_label("Chức vụ").fill("Chủ tịch UBND phường")
        phone.page.get_by_role("button", name="Xác nhận đã nhận văn bản").click()
        expect(phone.page.locator("body")).to_contain_text("Đã xác nhận nhận được văn bản lúc")
        phone.shot("luong-7-noi-nhan-da-xac-nhan")
    finally:
        phone.close()
    page.reload()
    expect(recipient_row.locator(".delivery")).to_have_text("Đã xác nhận")

    # --- anyone: the downloaded PDF verifies; a tampered copy does not ------------------------
    anyone = Visit(browser, service)
    try:
        anyone.page.goto("/xac-minh")
        anyone.page.get_by_label(re.compile("Chọn tệp PDF")).set_input_files(received)
        anyone.page.get_by_role("button", name="Kiểm tra", exact=True).click()
        verdict = anyone.page.locator("p.verdict").first
        expect(verdict).to_have_class(re.compile("green"))
        expect(verdict).to_contain_text(
            re.compile(r"Tệp này là văn bản số 01/QĐ-UBND ngày .* của Ủy ban nhân dân .*, hợp lệ")
        )
        expect(anyone.page.locator("body")).to_contain_text("01/QĐ-UBND")
        anyone.shot("luong-8-xac-minh-hop-le")

        data = bytearray(received.read_bytes())
        data[data.index(b"stream") + 20] ^= 0xFF  # one byte of the signed content
        tampered = tmp_path / "quyet-dinh-2030-da-sua.pdf"
        tampered.write_bytes(bytes(data))
        anyone.page.get_by_label(re.compile("Chọn tệp PDF")).set_input_files(tampered)
        anyone.page.get_by_role("button", name="Kiểm tra", exact=True).click()
        verdict = anyone.page.locator("p.verdict").first
        expect(verdict).to_have_class(re.compile("red"))
        expect(verdict).to_contain_text(
            "Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi TEST Ủy ban nhân dân"
        )
        anyone.shot("luong-9-xac-minh-ban-bi-sua")
    finally:
        anyone.close()
