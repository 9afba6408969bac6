"""Ký số and phát hành in a real browser: the chair signs the Quyết định of the 2028 dossier
with their PKCS#12 file chosen in the file input — first with a wrong passphrase, refused beside
the field with the draft left in the queue — and sees the signature verified; the văn thư
issues it, sees its số ký hiệu and each recipient's personal link with its QR code, sees who
opened and acknowledged, and revokes it, first without a reason (refused beside the field).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from api.workflow.wording import VIETNAM
from tests.api.service import CHAIR_P12, PASSPHRASE, SEAL_P12, Service
from tests.api.test_ui_office_pages import sent, status
from tests.ui.conftest import Visit

pytestmark = pytest.mark.slow

ISSUED_ON = "2028-12-05"
JOB = 60_000  # ms: a signing or issuing job (a TSA, validation data)


def shot(visit: Visit, name: str) -> None:
    """The screenshot once the page images have arrived."""
    visit.page.wait_for_function("() => [...document.images].every(i => i.complete)")
    visit.shot(name)


def key_file(service: Service, tmp_path: Path, label: str) -> Path:
    path = tmp_path / f"{label}.p12"
    path.write_bytes(service.p12[label])
    return path


def submit(visit: Visit, button: Any, *, status: int = 200) -> None:
    """Click and wait for the page it leads to, answered with `status` (a refusal: 400, 403…)."""
    with visit.page.expect_navigation() as navigation:
        button.click()
    visit.page.wait_for_load_state()
    assert navigation.value is not None and navigation.value.status == status


def test_signer_signs_a_sent_draft(visit: Visit, service: Service, tmp_path: Path) -> None:
    decision = sent(service, "quyet-dinh")
    page, card_id = visit.page, f"#van-ban-{decision['id']}"
    visit.sign_in("signer")
    page.goto("/ky-so")
    card = page.locator(card_id)
    assert card.locator("h2").inner_text() == decision["title"]
    assert decision["subject"] in card.inner_text()
    assert "Trình ký lúc" in card.inner_text() and "Dự thảo" in card.inner_text()
    first = card.locator(".preview img").first
    assert first.get_attribute("src") == f"/tai-lieu/{decision['id']}/trang/1.png"
    assert first.get_attribute("alt") == f"{decision['title']} — trang 1"
    first.scroll_into_view_if_needed()
    assert first.evaluate("img => img.decode().then(() => img.naturalWidth > 100)")
    shot(visit, "ky-so-cho-ky")

    # A wrong passphrase: refused beside the field, not echoed, nothing signed.
    key = key_file(service, tmp_path, CHAIR_P12)
    card.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(key)
    card.get_by_label("Mật khẩu của tệp khóa").fill("mat-khau-sai-roi")
    submit(visit, card.get_by_role("button", name="Ký số"), status=400)
    card = page.locator(card_id)
    passphrase = card.get_by_label("Mật khẩu của tệp khóa")
    alert = card.get_by_role("alert")
    assert alert.inner_text() == "Sai mật khẩu của tệp khóa PKCS#12"
    assert passphrase.get_attribute("aria-describedby") == alert.get_attribute("id")
    assert passphrase.input_value() == "" and "mat-khau-sai-roi" not in page.content()
    shot(visit, "ky-so-sai-mat-khau")
    assert status(service, decision["id"]) == "draft"
    page.goto("/ky-so")
    assert page.locator(card_id).count() == 1  # still waiting

    # The right one: signed, and the signature as a verifier sees it.
    card = page.locator(card_id)
    card.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(key)
    card.get_by_label("Mật khẩu của tệp khóa").fill(PASSPHRASE)
    submit(visit, card.get_by_role("button", name="Ký số"))
    # A job of the service signs; its page follows it, then shows the signed draft.
    expect(page.locator("h1")).to_have_text("Đã ký số văn bản", timeout=JOB)
    assert page.locator(".doc-head .status").inner_text() == "Đã ký"
    signature = page.locator("article.signature").first
    assert signature.locator("h4").inner_text() == "Chữ ký của người có thẩm quyền"
    assert signature.locator(".result").inner_text() == "Hợp lệ"
    details = signature.inner_text()
    assert "TEST Trần Minh Khôi" in details
    assert "TEST Ủy ban nhân dân thành phố Hải Phòng" in details
    assert re.search(r"Dấu thời gian\s+\d\d:\d\d:\d\d ngày", details), details
    shot(visit, "ky-so-da-ky")
    assert status(service, decision["id"]) == "signed"
    page.goto("/ky-so")
    assert page.locator(card_id).count() == 0


def signed_decision(service: Service) -> dict[str, Any]:
    """The Quyết định of 2028, signed by the chair (here through the API if the test above
    did not run)."""
    decision = sent(service, "quyet-dinh")
    if status(service, decision["id"]) == "draft":
        with service.client("signer") as signer:
            r = signer.post(f"/api/documents/{decision['id']}/sign", **service.key(CHAIR_P12))
        assert r.status_code == 200, r.text
    assert status(service, decision["id"]) == "signed"
    return decision


def test_van_thu_issues_sends_and_revokes(visit: Visit, service: Service, tmp_path: Path) -> None:
    decision = signed_decision(service)
    page, card_id = visit.page, f"#van-ban-{decision['id']}"
    visit.sign_in("van_thu")
    page.goto("/phat-hanh")
    card = page.locator(card_id)
    assert card.locator("h3").inner_text() == decision["title"]
    day = card.get_by_label("Ngày ban hành")
    assert day.input_value() == dt.datetime.now(VIETNAM).date().isoformat()  # today
    shot(visit, "phat-hanh-cho-ban-hanh")

    card.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(
        key_file(service, tmp_path, SEAL_P12)
    )
    card.get_by_label("Mật khẩu của tệp khóa").fill(PASSPHRASE)
    day.fill(ISSUED_ON)
    submit(visit, card.get_by_role("button", name="Ban hành"))
    expect(page).to_have_url(re.compile(f"/van-ban/{decision['id']}[?]da=ban-hanh$"), timeout=JOB)
    assert page.locator("h1").inner_text() == f"{decision['title']} số 01/QĐ-UBND"
    record = page.locator("section.record").inner_text()
    assert "01/QĐ-UBND" in record and "ngày 05 tháng 12 năm 2028" in record
    assert page.locator("#trang-thai").inner_text() == "Đã ban hành"
    preview = page.locator(".preview img").first
    assert preview.evaluate("img => img.decode().then(() => img.naturalWidth > 100)")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về (PDF)").click()
    saved = tmp_path / "ban-hanh.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    rows = page.locator("table.recipients tbody tr")
    names = [rows.nth(n).locator("td strong").inner_text() for n in range(rows.count())]
    assert names[:2] == [
        "Chánh Văn phòng UBND thành phố Hải Phòng",
        "Giám đốc Công an thành phố Hải Phòng",
    ]
    assert "Bộ Công an (qua V05)" in names
    links = [rows.nth(n).locator("code.link").inner_text() for n in range(rows.count())]
    assert all(link.startswith(f"{service.url}/r/") for link in links)
    assert len(set(links)) == len(links)
    for n in range(rows.count()):
        qr = rows.nth(n).locator("img.qr")
        assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        assert rows.nth(n).locator(".delivery").inner_text() == "Chưa mở"
    shot(visit, "van-ban-da-ban-hanh")

    # One button copies every recipient's line "name — link" as plain text.
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Chép tất cả liên kết").click()
    expect(page.locator("#chep-lien-ket-ket-qua")).to_have_text(f"Đã chép {len(links)} liên kết.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.splitlines() == [f"{n} — {link}" for n, link in zip(names, links, strict=True)]
    # The list to print: each recipient with a QR code of their link; on paper no site header.
    page.goto(f"/van-ban/{decision['id']}/noi-nhan/in")
    items = page.locator("ol.print-recipients li")
    assert items.count() == len(links)
    for n in range(items.count()):
        assert items.nth(n).locator("code").inner_text() == links[n]
        assert items.nth(n).locator("img.qr").evaluate("img => img.naturalWidth > 0")
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    expect(page.get_by_role("button", name="In danh sách")).to_be_hidden()
    shot(visit, "noi-nhan-in")
    page.emulate_media(media="screen")
    page.goto(f"/van-ban/{decision['id']}")

    # A mail scanner fetches the third link: nothing is recorded. The first recipient opens
    # hers in a browser (the page's script records the opening); the second's program reads
    # the link and acknowledges.
    with httpx.Client() as scanner:
        assert scanner.get(links[2]).status_code == 200
    reader = page.context.new_page()
    with reader.expect_response(lambda r: r.url.endswith("/open")) as posted:
        reader.goto(links[0])
    assert posted.value.status == 200
    reader.close()
    with httpx.Client() as recipient:
        token = links[1].rsplit("/", 1)[1]
        assert recipient.get(f"{service.url}/api/links/{token}").status_code == 200
        who = {"name": "Đinh Thị Hoa", "position": "Văn thư"}
        r = recipient.post(f"{service.url}/api/links/{token}/acknowledge", json=who)
        assert r.status_code == 200
    page.reload()
    assert rows.nth(0).locator(".delivery").inner_text() == "Đã mở"
    assert "Mở lúc" in rows.nth(0).inner_text()
    assert rows.nth(1).locator(".delivery").inner_text() == "Đã xác nhận"
    assert "Xác nhận lúc" in rows.nth(1).inner_text()
    assert "Đinh Thị Hoa, Văn thư" in rows.nth(1).inner_text()  # as the recipient typed
    assert rows.nth(2).locator(".delivery").inner_text() == "Chưa mở"

    # Thu hồi without a reason: refused beside the field, the document still in force.
    submit(visit, page.get_by_role("button", name="Thu hồi văn bản"), status=400)
    reason = page.get_by_label("Lý do thu hồi")
    error = page.locator("#thu-hoi-ly-do-loi")
    assert error.inner_text() == "Cần ghi rõ lý do"
    assert reason.get_attribute("aria-describedby") == "thu-hoi-ly-do-loi"
    assert page.locator("#trang-thai").inner_text() == "Đã ban hành"
    shot(visit, "van-ban-thu-hoi-thieu-ly-do")
    assert status(service, decision["id"]) == "issued"

    reason.fill("Ban hành nhầm danh sách đơn vị")
    submit(visit, page.get_by_role("button", name="Thu hồi văn bản"))
    assert page.locator("[role=status]").inner_text() == "Đã thu hồi văn bản."
    assert page.locator("#trang-thai").inner_text() == "Đã thu hồi"
    assert "Ban hành nhầm danh sách đơn vị" in page.locator("section.record").inner_text()
    assert page.get_by_role("button", name="Thu hồi văn bản").count() == 0
    shot(visit, "van-ban-da-thu-hoi")
    assert status(service, decision["id"]) == "revoked"

    page.goto("/phat-hanh")
    link = page.locator(f'a[href="/van-ban/{decision["id"]}"]')
    assert link.inner_text() == "01/QĐ-UBND"
    row = page.locator("table.list tr", has=link)
    assert "ngày 05 tháng 12 năm 2028" in row.inner_text() and "Đã thu hồi" in row.inner_text()
    assert page.locator(card_id).count() == 0  # no longer waiting
    shot(visit, "phat-hanh-da-ban-hanh")


def test_a_clerk_has_no_signing_queue(visit: Visit) -> None:
    visit.sign_in("clerk")
    response = visit.page.goto("/ky-so")
    assert response is not None and response.status == 403
    alert = visit.page.get_by_role("alert")
    assert alert.inner_text() == "Vai trò chuyên viên không được ký văn bản; chỉ người ký"
    shot(visit, "ky-so-khong-duoc-phep")
