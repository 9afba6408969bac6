"""The clerk's day in a real browser: the workbook with one bad cell refused with the sheet and
the cell named, the good one imported; a unit scored with its totals and reasons; the scoring
form recomputing the total as the clerk types and refusing an override without its reason
beside the field; the dossier generated from /ho-so with the meeting and the Tờ trình, its
documents shown with the image of their first page; the Quyết định sent for signature.

The session's service is shared with the API tests, which work on Hải Phòng's 2026 dossier:
this module works on 2027 (the same sample wards, moved a year on) and leaves 2026 alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.api.service import Service, workbook
from tests.api.test_ui_clerk_pages import with_error
from tests.ui.conftest import Visit

pytestmark = pytest.mark.slow

YEAR = 2027
BODY = "ubnd-hai-phong"
GENERATION = 300_000  # ms: LibreOffice converts every document of the dossier


def answered(visit: Visit, status: int) -> None:
    """The page itself came with `status` (a refusal shown beside its form, as it should)."""
    assert visit.status == status, f"the page answered {visit.status}, not {status}"


def test_clerk_imports_scores_and_sends_the_dossier(
    visit: Visit, service: Service, tmp_path: Path
) -> None:
    page = visit.page
    visit.sign_in("clerk")
    page.goto(f"/tong-quan?nam={YEAR}")
    expect(page.get_by_role("heading", name=f"Tổng quan năm {YEAR}")).to_be_visible()
    expect(page.locator("ul.deadlines")).to_contain_text(f"trước ngày 20 tháng 02 năm {YEAR}")
    expect(page.locator("ul.deadlines")).to_contain_text(f"trước ngày 05 tháng 11 năm {YEAR}")
    visit.shot("tong-quan-chuyen-vien")

    # A workbook with one bad cell: nothing imported, the sheet and the cell named.
    good = tmp_path / "phieu-cham-diem.xlsx"
    good.write_bytes(workbook(YEAR))
    bad_bytes, cell = with_error(good.read_bytes())
    bad = tmp_path / "phieu-co-loi.xlsx"
    bad.write_bytes(bad_bytes)
    page.get_by_role("link", name="Chấm điểm", exact=True).click()
    page.get_by_label("Phiếu chấm điểm đã điền").set_input_files(bad)
    page.get_by_role("button", name="Tải lên và nhập").click()
    report = page.locator("section.problems")
    expect(report).to_contain_text("Chưa nhập: tệp phieu-co-loi.xlsx có 1 lỗi")
    row = report.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Đơn vị 1 (Phường Lê Chân)")
    expect(row.locator("td.cell")).to_have_text(cell)
    expect(row).to_contain_text("Nội dung 1.1 · Điểm thẩm định")
    expect(row).to_contain_text("vượt quá điểm tối đa")
    expect(page.locator(f'tr[data-year="{YEAR}"]')).to_have_count(0)
    answered(visit, 422)
    visit.shot("cham-diem-phieu-co-loi")

    page.get_by_label("Phiếu chấm điểm đã điền").set_input_files(good)
    page.get_by_role("button", name="Tải lên và nhập").click()
    expect(page.get_by_role("status")).to_contain_text("Đã nhập 2 đơn vị")
    expect(page.locator(f'tr[data-year="{YEAR}"]')).to_have_count(2)
    visit.shot("cham-diem-da-nhap")

    # Score one unit with its button: the totals and every sub-item's reason.
    le_chan = page.locator(f'tr[data-unit="Phường Lê Chân"][data-year="{YEAR}"]')
    le_chan.get_by_role("button", name="Chấm điểm").click()
    expect(page.get_by_role("status")).to_have_text("Đã chấm điểm.")
    expect(page.locator("#da-cham")).to_contain_text("94/100 điểm — Chưa đủ điều kiện")
    expect(page.locator("#da-cham")).to_contain_text("Tiêu chí 19 đạt 9/15 điểm")
    expect(page.locator('[data-reason="19.4"]')).to_contain_text("Không đạt: 48 vụ")
    expect(page.locator('[data-reason="13.1"]')).to_contain_text("Đạt: 3/50 đối tượng tái phạm")
    expect(page.locator('[data-criterion="19"]')).to_have_text("9")
    visit.shot("cham-diem-ket-qua")
    unit_page = page.url.split("?")[0]

    # Typing recomputes: 40 crimes after 50 is 20 % fewer, sub-item 19.4 is met.
    page.locator('[name="i.19.4.f.crimes_this_year"]').fill("40")
    expect(page.locator("#tong-diem")).to_have_text("100")
    expect(page.locator('[data-points="19.4"]')).to_have_text("6")
    expect(page.locator('[data-reason="19.4"]')).to_contain_text("Đạt: 40 vụ")
    expect(page.locator('[data-criterion="19"]')).to_have_text("15")
    expect(page.locator("dd[data-verdict]")).to_have_text("Đủ điều kiện công nhận")
    visit.shot("cham-diem-dang-nhap")

    # An override without its reason: refused, the message beside the reason's field.
    page.locator('[name="i.1.1.op"]').fill("0.5")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator("#chua-luu")).to_contain_text("Chưa lưu: dữ liệu có 1 lỗi")
    beside = page.locator("#nd-1\\.1").locator('[data-error="i.1.1.or"]')
    expect(beside).to_have_text("Cần ghi lý do điều chỉnh điểm")
    expect(page.locator('[name="i.19.4.f.crimes_this_year"]')).to_have_value("40")
    page.locator("#nd-1\\.1").scroll_into_view_if_needed()
    answered(visit, 422)
    visit.shot("cham-diem-thieu-ly-do")
    page.goto(unit_page)
    expect(page.locator('[name="i.19.4.f.crimes_this_year"]')).to_have_value("48")  # unsaved

    # Generate the 2027 dossier from /ho-so with the meeting and the Tờ trình.
    page.get_by_role("link", name="Hồ sơ", exact=True).click()
    expect(page.get_by_role("link", name=f"Mở hồ sơ năm {YEAR}")).to_be_visible()
    visit.shot("ho-so-danh-sach")
    page.get_by_role("link", name=f"Mở hồ sơ năm {YEAR}").click()
    expect(page.get_by_role("heading", name=re.compile(f"Hồ sơ năm {YEAR}"))).to_be_visible()
    page.get_by_label("Số ký hiệu Tờ trình").fill("15/TTr-CAHP")
    page.get_by_label("Ngày ban hành Tờ trình").fill(f"{YEAR}-11-20")
    page.get_by_label("Bắt đầu", exact=True).fill(f"{YEAR}-11-18T08:00")
    page.get_by_label("Kết thúc", exact=True).fill(f"{YEAR}-11-18T10:30")
    page.get_by_label("Địa điểm", exact=True).fill("Hội trường Công an thành phố Hải Phòng")
    page.get_by_label("Thư ký", exact=True).fill("Đặng Quốc Việt")
    page.get_by_label("Số phiếu đồng ý").fill("11")
    page.get_by_label("Tổng số phiếu").fill("11")
    page.get_by_label("Thành phần tham dự").fill(
        "Đại diện Văn phòng Ủy ban nhân dân thành phố\nLãnh đạo Phòng PV01, Công an thành phố"
    )
    visit.shot("ho-so-truoc-khi-tao")
    with page.expect_navigation(timeout=GENERATION):
        page.get_by_role("button", name="Tạo hồ sơ").click()
    expect(page.get_by_role("status")).to_contain_text("văn bản dự thảo", timeout=GENERATION)
    documents = page.locator("article.document")
    titles = documents.locator("h3").all_inner_texts()
    for title in ("Kế hoạch", "Biên bản họp thẩm định", "Tờ trình", "Quyết định công nhận"):
        assert title in titles
    assert "Báo cáo · Phường Lê Chân" in titles and "Báo cáo · Phường An Biên" in titles
    expect(documents.locator(".status").first).to_have_text("Dự thảo")
    # The form keeps what was entered: a regeneration is not a retyping.
    expect(page.get_by_label("Số ký hiệu Tờ trình")).to_have_value("15/TTr-CAHP")
    expect(page.get_by_label("Ngày ban hành Tờ trình")).to_have_value(f"{YEAR}-11-20")
    expect(page.get_by_label("Kết thúc", exact=True)).to_have_value(f"{YEAR}-11-18T10:30")
    expect(page.get_by_label("Thư ký", exact=True)).to_have_value("Đặng Quốc Việt")
    expect(page.get_by_label("Thành phần tham dự")).to_have_value(
        "Đại diện Văn phòng Ủy ban nhân dân thành phố\nLãnh đạo Phòng PV01, Công an thành phố"
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.thumb img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=120_000,
    )
    decision = documents.filter(has=page.get_by_role("heading", name="Quyết định công nhận"))
    image = decision.locator(".thumb img")
    assert image.evaluate("i => i.naturalWidth") > 0
    pdf = page.request.get(decision.get_by_role("link", name="Mở tệp PDF").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    visit.shot("ho-so-cac-van-ban")

    # Send the Quyết định to its signer.
    decision.get_by_role("button", name="Trình ký").click()
    expect(page.get_by_role("status")).to_contain_text("Đã trình ký: Quyết định công nhận")
    expect(decision.locator(".status")).to_have_text("Đã trình ký")
    expect(decision.get_by_role("button", name="Trình ký")).to_have_count(0)
    visit.shot("ho-so-da-trinh-ky")

    page.goto(f"/tong-quan?nam={YEAR}")
    stages = page.locator("table.stages")
    expect(stages.locator("tr", has_text="Đã đăng ký")).to_contain_text("2")
    expect(stages.locator("tr", has_text="Đã tạo hồ sơ")).to_contain_text("2")
    expect(page.locator("ul.todo")).to_contain_text("Chấm điểm Phường An Biên năm 2027")
    visit.shot("tong-quan-sau-khi-trinh-ky")


def test_every_role_sees_its_overview(visit: Visit) -> None:
    for role in ("signer", "van_thu", "archivist"):
        visit.sign_in(role)
        visit.page.goto("/tong-quan")
        expect(visit.page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
        visit.shot(f"tong-quan-{role.replace('_', '-')}")
        visit.page.get_by_role("button", name="Đăng xuất").click()
