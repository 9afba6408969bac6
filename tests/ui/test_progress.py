"""Signing and issuing in a real browser while the TSA is slow (tests/slow_tsa.py): after the
click the Ký số page follows the signing job — "Đang ký số: ký số và lấy dấu thời gian (2/3)"
in the draft's form, its button off, a "Tải lại" link for a browser without scripts — and
opens the signed draft with its signature verified once the job is done; the Phát hành page
does the same for issuing and opens the issued document. Works on the 2048 dossier. With
HOSO_UPDATE_PICTURES=1 the form in progress becomes README's picture
(docs/img/ui/ky-so-dang-ky.png)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from api.registry.db import User
from tests.api.service import CHAIR_P12, PASSPHRASE, ROLES, SEAL_P12, Service
from tests.api.test_key_jobs import sent_decision
from tests.api.test_ui_office_pages import status
from tests.conftest import REPO
from tests.slow_tsa import slow_tsa
from tests.ui.conftest import SHOTS, Visit
from tests.ui.test_office import key_file, submit

pytestmark = pytest.mark.slow

YEAR = 2048
JOB = 60_000  # ms: the job with a TSA taking seconds per timestamp
PICTURES = REPO / "docs" / "img" / "ui"
TSA = 4.0  # s per timestamp: slow, yet within pyHanko's 5 s before it gives up on a TSA


def _picture(visit: Visit, card: object, name: str) -> None:
    """The whole page as every test saves it, and the form in progress as README shows it."""
    visit.page.wait_for_function("() => [...document.images].every(i => i.complete)")
    path = SHOTS / f"{name}-the.png"
    card.screenshot(path=str(path))  # type: ignore[attr-defined]
    visit.shot(name)
    if os.environ.get("HOSO_UPDATE_PICTURES") == "1":  # README's pictures, when asked
        shutil.copyfile(path, PICTURES / f"{name}.png")


def test_signing_and_issuing_show_their_progress(
    visit: Visit, service: Service, tmp_path: Path
) -> None:
    decision = sent_decision(service, YEAR)
    page, card_id = visit.page, f"#van-ban-{decision['id']}"
    # This flow is the key file's, whatever way an earlier module left remembered.
    with service.services.sessions.begin() as session:
        session.execute(
            update(User).where(User.login == ROLES["signer"][0]).values(signing_way=None)
        )

    # --- the chair signs: the page follows the job ---------------------------------------------
    visit.sign_in("signer")
    page.goto("/ky-so")
    card = page.locator(card_id)
    card.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(
        key_file(service, tmp_path, CHAIR_P12)
    )
    card.get_by_label("Mật khẩu của tệp khóa").fill(PASSPHRASE)
    with slow_tsa(service.services, seconds=TSA):
        submit(visit, card.get_by_role("button", name="Ký số"))
        assert re.search(rf"/ky-so\?viec=[0-9]+#van-ban-{decision['id']}$", page.url), page.url
        card = page.locator(card_id)
        progress = card.locator("#tien-do")
        expect(progress).to_have_text("Đang ký số: ký số và lấy dấu thời gian (2/3)", timeout=JOB)
        expect(card.get_by_role("button", name="Ký số")).to_be_disabled()
        expect(card.get_by_role("link", name="Tải lại")).to_have_attribute(
            "href", re.compile(r"^/ky-so\?viec=[0-9]+$")
        )
        _picture(visit, card, "ky-so-dang-ky")
        expect(page.locator("h1")).to_have_text("Đã ký số văn bản", timeout=JOB)
    signature = page.locator("article.signature").first
    expect(signature.locator(".result")).to_have_text("Hợp lệ")
    assert status(service, decision["id"]) == "signed"
    visit.shot("ky-so-xong-viec")
    page.get_by_role("button", name="Đăng xuất").click()

    # --- the văn thư issues: the same ----------------------------------------------------------
    visit.sign_in("van_thu")
    page.goto("/phat-hanh")
    card = page.locator(card_id)
    card.get_by_label("Tệp khóa PKCS#12", exact=True).set_input_files(
        key_file(service, tmp_path, SEAL_P12)
    )
    card.get_by_label("Mật khẩu của tệp khóa").fill(PASSPHRASE)
    card.get_by_label("Ngày ban hành").fill(f"{YEAR}-12-05")
    with slow_tsa(service.services, seconds=TSA):
        # The page's own HTML, not its load event: on SQLite the registry's writers wait while
        # the numbering transaction seals (the page images' requests among them).
        with page.expect_navigation(wait_until="domcontentloaded") as navigation:
            card.get_by_role("button", name="Ban hành").click()
        assert navigation.value is not None and navigation.value.status == 200
        card = page.locator(card_id)
        progress = card.locator("#tien-do")
        # Step 1 or 2: on a loaded machine the checks (the chair's signature verified) can
        # outlast the slowed TSA of step 2, and the page's poll may land either side of it.
        expect(progress).to_have_text(
            re.compile(r"^Đang ban hành: (kiểm tra văn bản \(1/3\)|cho số, ký số .* \(2/3\))$"),
            timeout=JOB,
        )
        expect(card.get_by_role("button", name="Ban hành")).to_be_disabled()
        expect(page).to_have_url(
            re.compile(f"/van-ban/{decision['id']}[?]da=ban-hanh$"), timeout=JOB
        )
    expect(page.locator("#trang-thai")).to_have_text("Đã ban hành")
    expect(page.locator("h1")).to_have_text(f"{decision['title']} số 01/QĐ-UBND")
    assert status(service, decision["id"]) == "issued"
