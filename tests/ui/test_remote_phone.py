"""A chair signs from his phone (390 px wide) with his remote signing service: the Ký số page
offers it, the page waits with "Xác nhận trên ứng dụng ký số của bạn" while the CSC test
service holds the confirmation, and once the test confirms on the "phone" the page says the
draft is signed. Nothing is wider than the screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from api.registry.db import Document, RemoteSigning
from api.workflow import remote_signing
from tests import csc_service, softhsm
from tests.api.service import BODY, CHAIR_P12, MEETING, XLSX, Service, workbook
from tests.conftest import need
from tests.signing_setting import Setting
from tests.ui.conftest import Visit

pytestmark = pytest.mark.slow
YEAR = 2038  # this module's own dossier
TOKEN = "TEST CSC phone"
SECRET = "csc-secret-for-the-phone-test"  # test material


@pytest.fixture(scope="module")
def csc(
    service: Service, setting: Setting, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[csc_service.CSCService]:
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    with softhsm.tokens(tmp_path_factory.mktemp("phone"), setting.folder, {TOKEN: [CHAIR_P12]}):
        accounts = {"khoi": csc_service.Account(TOKEN, CHAIR_P12)}
        made = csc_service.CSCService(setting.folder, "hoso-phone", SECRET, accounts)
        with csc_service.serve(made) as running:
            with service.services.sessions.begin() as session:
                remote_signing.register_provider(
                    session,
                    service.services.link_secret,
                    "chutich.haiphong",
                    url=running.url,
                    client_id="hoso-phone",
                    client_secret=SECRET,
                    credential_id="khoi",
                )
            try:
                yield running
            finally:  # other modules' pages show no remote signing
                with service.services.sessions.begin() as session:
                    session.execute(delete(RemoteSigning))


@pytest.fixture(scope="module")
def decision(service: Service) -> int:
    """This module's Quyết định, sent to the chair."""
    with service.client("clerk") as clerk:
        r = clerk.post(
            "/api/assessments/workbook", files={"file": ("phieu.xlsx", workbook(YEAR), XLSX)}
        )
        assert r.status_code == 201, r.text
        for a in r.json():
            assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200
        meeting = {**MEETING, "start": f"{YEAR}-11-18T08:00", "end": f"{YEAR}-11-18T10:30"}
        proposal = {"reference": "15/TTr-CAHP", "date": f"{YEAR}-11-20"}
        r = clerk.post(
            "/api/dossiers?wait=true",
            json={"body": BODY, "year": YEAR, "proposal": proposal, "meeting": meeting},
        )
        assert r.status_code == 201, r.text
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
        tab.shot("ky-so-tu-xa-cho-xac-nhan")
        csc.confirm(csc.wait_pending(60))
        page.get_by_text("Đã ký 1 văn bản").wait_for(timeout=60_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        tab.shot("ky-so-tu-xa-da-ky")
    finally:
        tab.close()
    with service.client("signer") as signer:
        assert signer.get(f"/api/documents/{decision}").json()["status"] == "signed"
