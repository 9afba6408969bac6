"""A chair signs from his phone (390 px wide) with his remote signing service: the Ký số page
offers it, the page waits with "Xác nhận trên ứng dụng ký số của bạn" while the CSC test
service holds the confirmation, and once the test confirms on the "phone" the page says the
draft is signed. Nothing is wider than the screen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from api.registry.db import Document
from tests import csc_service
from tests.api.service import BODY, CHAIR_P12, Service, generated
from tests.signing_setting import Setting
from tests.ui import axe
from tests.ui.conftest import Visit
from tests.ui.test_newcomer import foreign_words

pytestmark = pytest.mark.slow
YEAR = 2038  # this module's own dossier
TOKEN = "TEST CSC phone"
SECRET = "csc-secret-for-the-phone-test"  # test material


@pytest.fixture(scope="module")
def csc(
    service: Service, setting: Setting, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[csc_service.CSCService]:
    with csc_service.registered(
        service,
        setting,
        tmp_path_factory.mktemp("phone"),
        token=TOKEN,
        labels=[CHAIR_P12],
        client_id="hoso-phone",
        secret=SECRET,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def decision(service: Service) -> int:
    """This module's Quyết định, sent to the chair."""
    generated(service, YEAR)
    with service.client("clerk") as clerk:
        with service.services.sessions() as session:
            found = session.scalar(
                select(Document.id).where(
                    Document.dossier == f"{YEAR}/{BODY}", Document.kind == "quyet-dinh"
                )
            )
        assert found is not None
        assert clerk.post(f"/api/documents/{found}/send").status_code == 200
    return found


def test_a_chair_signs_on_his_phone(
    browser: object, service: Service, csc: csc_service.CSCService, decision: int
) -> None:
    tab = Visit(browser, service, mobile=True)
    try:
        tab.sign_in("signer")
        page = tab.page
        page.goto("/ky-so")
        card = page.locator(f"#van-ban-{decision}")
        button = card.get_by_role("button", name="Ký từ xa (xác nhận trên điện thoại)")
        button.scroll_into_view_if_needed()
        tab.shot("ky-so-tu-xa-dien-thoai")
        button.click()
        page.get_by_text("Xác nhận trên ứng dụng ký số của bạn").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _audited(page, "ky-so-tu-xa-cho-xac-nhan")
        tab.shot("ky-so-tu-xa-cho-xac-nhan")
        csc.confirm(csc.wait_pending(60))
        page.get_by_text("Đã ký 1 văn bản").wait_for(timeout=60_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _audited(page, "ky-so-tu-xa-da-ky")
        tab.shot("ky-so-tu-xa-da-ky")
    finally:
        tab.close()
    with service.client("signer") as signer:
        assert signer.get(f"/api/documents/{decision}").json()["status"] == "signed"


def _audited(page: Any, name: str) -> None:
    """The waiting page, as the newcomer's walk checks each page: axe-core finds no serious or
    critical violation (the rest printed), and no English word or internal code is shown."""
    violations = axe.audit(page)
    print(f"\n{name}: " + ("; ".join(str(v) for v in violations) or "0"))
    blocking = [str(v) for v in violations if v.impact in axe.BLOCKING]
    assert not blocking, blocking
    words = foreign_words(page.inner_text("body"))
    assert not words, f"{name}: words not in Vietnamese {sorted(set(words))}"
