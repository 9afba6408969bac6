"""The signer's and the văn thư's pages (/ky-so, /phat-hanh, /van-ban/{id}) over HTTP, signed
in with a password like a browser: who may see what, refusals shown in Vietnamese beside the
field, nothing changed by a refusal, the PKCS#11 token as the key, replacing and archiving.

They work on a dossier of their own — Hải Phòng, 2028, issued with 2028 dates — so that the
2026 dossier of test_workflow.py and test_roles.py keeps its numbers. `office_dossier` makes it
once for the session; tests/ui/test_office.py walks its Quyết định through the browser, this
module its Kế hoạch and Thông báo.
"""

from __future__ import annotations

import html
import re
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.registry.db import Document, User
from api.workflow import access
from api.workflow import documents as workflow
from api.workflow.users import Actor
from docgen import inputs
from tests import softhsm
from tests.api.service import (
    BODY,
    CHAIR_P12,
    KEPT,
    MEETING,
    PASSPHRASE,
    PASSWORD,
    ROLES,
    SEAL_P12,
    UNITS,
    Service,
    one,
    signature_png,
)
from tests.conftest import REPO, need
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow

YEAR = 2028
ISSUED_ON = f"{YEAR}-12-01"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


# ---- the dossier of these pages ------------------------------------------------------------------


def office_dossier(service: Service) -> list[dict[str, Any]]:
    """The 2028 dossier of Hải Phòng (the two sample wards, their year changed), generated once
    for the session by the clerk through the API."""
    if "office" not in service.cache:
        units = []
        for name in (*UNITS, KEPT):
            (loaded,) = inputs.load_paths([REPO / "samples" / "assessments" / name])
            data: dict[str, Any] = loaded.assessment.model_dump(mode="json", exclude_none=True)
            units.append({**data, "year": YEAR})
        meeting = {**MEETING, "start": f"{YEAR}-11-16T08:00:00", "end": f"{YEAR}-11-16T10:30:00"}
        with service.client("clerk") as clerk:
            r = clerk.post("/api/assessments", json=units)
            assert r.status_code == 201, r.text
            for a in r.json():
                assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200
            r = clerk.post(
                "/api/dossiers?wait=true",
                json={
                    "body": BODY,
                    "year": YEAR,
                    "proposal": {"reference": "21/TTr-CAHP", "date": f"{YEAR}-11-20"},
                    "meeting": meeting,
                },
            )
            assert r.status_code == 201, r.text
        service.cache["office"] = r.json()
    documents: list[dict[str, Any]] = service.cache["office"]
    return documents


def actor(service: Service, role: str) -> Actor:
    with service.services.sessions() as session:
        user = session.scalar(select(User).where(User.login == ROLES[role][0]))
        assert user is not None
        return Actor.of(user)


def sent(service: Service, kind: str) -> dict[str, Any]:
    """The document `kind` of the 2028 dossier, sent by the clerk to its signer (there is no
    route for sending yet: the use case itself)."""
    found = one(office_dossier(service), kind)
    clerk = actor(service, "clerk")
    if access.get_document(service.services, clerk, found["id"]).sent_at is None:
        workflow.send_for_signature(service.services, clerk, found["id"])
    return found


def status(service: Service, document_id: int) -> str:
    with service.services.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.status


# ---- signed in like a browser --------------------------------------------------------------------


class Browser:
    """An HTTP client signed in with the user's password, holding the session cookie."""

    def __init__(self, service: Service, role: str) -> None:
        self.client = httpx.Client(base_url=service.url, timeout=120)
        page = self.client.get("/dang-nhap")
        form = {"csrf": csrf(page.text), "login": ROLES[role][0], "password": PASSWORD}
        r = self.client.post("/dang-nhap", data={**form, "next": "/ky-so"})
        assert r.status_code == 303, r.text
        self.csrf = ""

    def get(self, path: str) -> httpx.Response:
        r = self.client.get(path)
        found = CSRF.search(r.text)
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        data = {"csrf": self.csrf, **kwargs.pop("data", {})}
        return self.client.post(path, data=data, **kwargs)

    def followed(self, r: httpx.Response) -> httpx.Response:
        """The page a form's job ends on (signing, issuing): the POST's 303 to the job's page,
        asked again while it shows the job's progress (a browser's tien-do.js does the same),
        and the page that one leads to."""
        assert r.status_code == 303, r.text
        deadline = time.monotonic() + 120
        where = r.headers["location"].partition("#")[0]
        page = self.get(where)
        while page.status_code == 200 and 'id="tien-do"' in page.text:
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.2)
            page = self.get(where)
        if page.status_code == 303:
            page = self.get(page.headers["location"])
        return page

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()


def csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no form token on the page"
    return found.group(1)


def text(r: httpx.Response) -> str:
    """The page's text, entities decoded, tags left: enough to look for a sentence."""
    return html.unescape(r.text)


def p12(service: Service, label: str, passphrase: str = PASSPHRASE) -> dict[str, Any]:
    return {
        "files": {"p12": (f"{label}.p12", service.p12[label], "application/x-pkcs12")},
        "data": {"method": "p12", "passphrase": passphrase},
    }


# ---- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "message"),
    [
        ("clerk", "/ky-so", "Vai trò chuyên viên không được ký văn bản; chỉ người ký"),
        ("van_thu", "/ky-so", "Vai trò văn thư không được ký văn bản; chỉ người ký"),
        ("signer", "/phat-hanh", "Vai trò người ký không được ban hành văn bản; chỉ văn thư"),
        ("archivist", "/phat-hanh", "Vai trò lưu trữ không được ban hành văn bản; chỉ văn thư"),
    ],
)
def test_each_page_is_for_its_role(service: Service, role: str, path: str, message: str) -> None:
    with Browser(service, role) as browser:
        r = browser.get(path)
    assert r.status_code == 403
    assert message in text(r) and "Không thực hiện được" in text(r)


def test_signed_out_goes_to_sign_in(service: Service) -> None:
    with httpx.Client(base_url=service.url) as anyone:
        r = anyone.get("/phat-hanh")
    assert r.status_code == 303 and r.headers["location"] == "/dang-nhap?next=%2Fphat-hanh"


def test_a_document_of_another_body_is_not_found(service: Service) -> None:
    with Browser(service, "police_clerk") as browser:
        plan = one(office_dossier(service), "ke-hoach")
        r = browser.get(f"/van-ban/{plan['id']}")
    assert r.status_code == 404 and f"Không có văn bản số {plan['id']}" in text(r)


# ---- signing -------------------------------------------------------------------------------------


def refusals_of_signing(service: Service, plan: dict[str, Any]) -> None:
    """A wrong passphrase, a certificate not the signer's, a token not named, a form of
    another session: each refused beside its field, the draft left as it was."""
    with Browser(service, "signer") as browser:
        queue = browser.get("/ky-so")
        assert queue.status_code == 200 and f'id="van-ban-{plan["id"]}"' in queue.text
        secret = "mat-khau-sai-khong-duoc-hien-lai"
        r = browser.post(f"/ky-so/{plan['id']}", **p12(service, CHAIR_P12, secret))
        assert r.status_code == 400
        assert secret not in r.text  # never written back into the page
        assert f'id="sign-{plan["id"]}-passphrase-loi">Sai mật khẩu của tệp khóa PKCS#12' in r.text
        assert status(service, plan["id"]) == "draft"

        # A file that is no key (a PDF chosen by mistake): another message, beside the file.
        wrong = {"p12": ("quyet-dinh.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")}
        r = browser.post(
            f"/ky-so/{plan['id']}", files=wrong, data={"method": "p12", "passphrase": "x"}
        )
        assert r.status_code == 400
        assert (
            f'id="sign-{plan["id"]}-p12-loi">Tệp đã chọn không phải tệp khóa PKCS#12' in r.text
        ), r.text
        assert "Sai mật khẩu" not in r.text
        assert status(service, plan["id"]) == "draft"

        # A signature image in black ink: refused beside the image field before the key is
        # opened (the passphrase given is the right one).
        key = p12(service, CHAIR_P12)
        black = ("chu-ky.png", signature_png(ink=(0, 0, 0, 255)), "image/png")
        r = browser.post(
            f"/ky-so/{plan['id']}", files={**key["files"], "image": black}, data=key["data"]
        )
        assert r.status_code == 400
        assert f'id="sign-{plan["id"]}-image-loi">Ảnh chữ ký không có màu xanh' in r.text
        assert status(service, plan["id"]) == "draft"

        # The organisation's certificate is not the signer's.
        r = browser.post(f"/ky-so/{plan['id']}", **p12(service, SEAL_P12))
        assert r.status_code == 403
        assert "Chứng thư số này không được đăng ký cho Trần Minh Khôi" in text(r)

        # The token chosen but not named: the message stands beside the token's label.
        r = browser.post(f"/ky-so/{plan['id']}", data={"method": "token", "pin": "1234"})
        assert r.status_code in (400, 422)
        assert f'id="sign-{plan["id"]}-token-loi">Cần tệp khóa PKCS#12' in r.text
        assert 'value="token" checked' in r.text
        assert status(service, plan["id"]) == "draft"

        # A form without this session's token is refused before anything is read.
        browser.csrf = "not-this-sessions"
        r = browser.post(f"/ky-so/{plan['id']}", **p12(service, CHAIR_P12))
        assert r.status_code == 403
        assert status(service, plan["id"]) == "draft"


def test_sign_and_issue_with_the_token(service: Service, setting: Setting, tmp_path: Path) -> None:
    """The Kế hoạch signed with the chair's PKCS#12 (after the refusals), issued with the
    body's key on a SoftHSM2 token; a wrong PIN and a wrong date are shown beside their fields,
    and change nothing."""
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    plan = sent(service, "ke-hoach")
    refusals_of_signing(service, plan)
    with Browser(service, "signer") as browser:
        browser.get("/ky-so")
        r = browser.post(f"/ky-so/{plan['id']}", **p12(service, CHAIR_P12))
        assert r.headers["location"].startswith("/ky-so?viec="), text(r)
        done = browser.followed(r)
        assert done.status_code == 200, text(done)
        page = text(done)
        assert "Đã ký số văn bản" in page and "Đã ký" in page
        assert "Hợp lệ" in page and "TEST Trần Minh Khôi" in page
        assert f'id="van-ban-{plan["id"]}"' not in browser.get("/ky-so").text

    on_token = {"method": "token", "token": "TEST Văn thư", "key": SEAL_P12}
    with (
        softhsm.tokens(tmp_path, setting.folder, {on_token["token"]: [SEAL_P12]}),
        Browser(service, "van_thu") as browser,
    ):
        waiting = browser.get("/phat-hanh")
        assert f'id="van-ban-{plan["id"]}"' in waiting.text
        r = browser.post(
            f"/phat-hanh/{plan['id']}", data={**on_token, "pin": "00000000", "date": ISSUED_ON}
        )
        assert r.status_code in (400, 403), text(r)
        assert f'id="issue-{plan["id"]}-pin-loi"' in r.text and "00000000" not in r.text
        assert f'value="{SEAL_P12}"' in r.text  # the labels typed come back, the PIN not
        assert status(service, plan["id"]) == "signed"

        r = browser.post(
            f"/phat-hanh/{plan['id']}", data={**on_token, "pin": softhsm.USER_PIN, "date": "x"}
        )
        assert f'id="issue-{plan["id"]}-date-loi">Ngày ban hành không hợp lệ' in r.text
        assert status(service, plan["id"]) == "signed"

        r = browser.post(
            f"/phat-hanh/{plan['id']}",
            data={**on_token, "pin": softhsm.USER_PIN, "date": ISSUED_ON},
        )
        assert r.headers["location"].startswith("/phat-hanh?viec="), text(r)
        done = browser.followed(r)
        assert done.request.url.path == f"/van-ban/{plan['id']}", text(done)
        assert done.request.url.query == b"da=ban-hanh"
        page = text(done)
    assert "Đã ban hành văn bản và gửi đến các nơi nhận." in page
    assert "01/KH-UBND" in page and "ngày 01 tháng 12 năm 2028" in page
    assert status(service, plan["id"]) == "issued"


def issued(service: Service, kind: str) -> dict[str, Any]:
    """The document `kind` of the 2028 dossier, issued (signed and issued here through the API
    when another test has not done it through the pages)."""
    found = sent(service, kind)
    if status(service, found["id"]) == "draft":
        with service.client("signer") as signer:
            r = signer.post(f"/api/documents/{found['id']}/sign", **service.key(CHAIR_P12))
        assert r.status_code == 200, r.text
    if status(service, found["id"]) == "signed":
        key = service.key(SEAL_P12)
        with service.client("van_thu") as van_thu:
            r = van_thu.post(
                f"/api/documents/{found['id']}/issue",
                files=key["files"],
                data={**key["data"], "date": ISSUED_ON},
            )
        assert r.status_code == 200, r.text
    assert status(service, found["id"]) in ("issued", "archived", "replaced", "revoked")
    return found


def test_archive_then_replace(service: Service) -> None:
    """The Thông báo archived (B-LTA); the Kế hoạch cannot be replaced by it (another type):
    the page offers no such successor and refuses one posted anyway, and asks for a successor
    and a reason first. (A replacement by one of the same type: tests/api/test_replace_kind.py.)"""
    plan, notice = issued(service, "ke-hoach"), issued(service, "thong-bao")
    with Browser(service, "van_thu") as browser:
        page = browser.get(f"/van-ban/{plan['id']}")
        assert f'<option value="{notice["id"]}">' not in page.text  # not a Kế hoạch
        r = browser.post(f"/van-ban/{plan['id']}/thay-the", data={"by": "", "reason": "Sai"})
        assert r.status_code == 400
        assert 'id="thay-the-boi-loi">Cần chọn văn bản thay thế' in text(r)

        r = browser.post(f"/van-ban/{notice['id']}/luu-tru")
        assert r.status_code == 303, text(r)
        page = browser.get(r.headers["location"])
        assert "Đã niêm phong văn bản để lưu trữ" in text(page) and "Đã lưu trữ" in text(page)
        assert status(service, notice["id"]) == "archived"

        r = browser.post(
            f"/van-ban/{plan['id']}/thay-the",
            data={"by": str(notice["id"]), "reason": "Thay bằng thông báo mới"},
        )
        assert r.status_code in (400, 409), text(r)
        assert "Văn bản thay thế phải cùng loại với văn bản bị thay thế" in text(r)
    assert status(service, plan["id"]) == "issued"


def test_only_the_van_thu_sees_the_recipients_links(service: Service) -> None:
    notice = issued(service, "thong-bao")
    with Browser(service, "van_thu") as browser:
        page = browser.get(f"/van-ban/{notice['id']}").text
    assert "Nơi nhận" in page and f"{service.url}/r/" in page and "data:image/svg+xml" in page
    for who in ("signer", "clerk"):
        with Browser(service, who) as browser:
            r = browser.get(f"/van-ban/{notice['id']}")
        assert r.status_code == 200 and "Sổ đăng ký văn bản" in text(r)
        assert "/r/" not in r.text and "Thu hồi văn bản" not in text(r)
