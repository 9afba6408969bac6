"""E-mail notifications through a real SMTP server on loopback (aiosmtpd): the chair when a
draft is sent for signature, the clerk and the văn thư when it is signed, each recipient of the
Nơi nhận with their own link — and only theirs — when it is issued; a send the server refuses
stays in the outbox, shown to the văn thư, and goes on the next try; reminders through `hoso
notify remind`, once a day at most.

The service is its own (registry, users with addresses, the SMTP server's settings), served by
uvicorn as in the workflow tests; LibreOffice generates its dossier once."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from api.registry.db import AuditEntry, Notification
from api.workflow import notify, outbox
from api.workflow.letters import LINK
from api.workflow.services import Services
from api.workflow.users import Actor, set_email
from tests.api.service import (
    BODY,
    CHAIR_P12,
    SEAL_P12,
    XLSX,
    Service,
    one,
    running,
    workbook,
)
from tests.api.smtp import Inbox, parts, smtp_server
from tests.conftest import REPO
from tests.databases import postgresql_registry
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow

CHAIR, CLERK, VAN_THU = (
    "chutich@ubnd-haiphong.example.org",
    "chuyenvien@ubnd-haiphong.example.org",
    "vanthu@ubnd-haiphong.example.org",
)
ISSUED_ON = dt.date(2026, 12, 5)
NOWHERE = "Thủ trưởng các cơ quan, đơn vị có liên quan"
"""The group Điều 3 names in general: no address in the body's file."""


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def notified(
    request: pytest.FixtureRequest,
    setting: Setting,
    inbox: Inbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    """The service with an SMTP server, on each registry (the outbox's claims are row locks
    on PostgreSQL, the write lock on SQLite)."""
    folder = tmp_path_factory.mktemp("notify")
    with ExitStack() as stack:
        database = {}
        if request.param == "postgresql":
            database["database_url"] = stack.enter_context(postgresql_registry())
        service = stack.enter_context(
            running(setting, folder, smtp_host="127.0.0.1", smtp_port=inbox.port, **database)
        )
        with service.services.sessions.begin() as session:
            for login, address in (
                ("chutich.haiphong", CHAIR),
                ("chuyenvien.haiphong", CLERK),
                ("vanthu.haiphong", VAN_THU),
            ):
                set_email(session, login, address)
        with service.client("clerk") as clerk:
            r = clerk.post(
                "/api/assessments/workbook", files={"file": ("phieu.xlsx", workbook(), XLSX)}
            )
            assert r.status_code == 201, r.text
            for a in r.json():
                assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200
            r = clerk.post(
                "/api/dossiers?wait=true",
                json={
                    "body": BODY,
                    "year": 2026,
                    "proposal": {"reference": "15/TTr-CAHP", "date": "2026-11-20"},
                },
            )
            assert r.status_code == 201, r.text
            service.cache["dossier"] = r.json()
        yield service


def _link(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def _van_thu(service: Service) -> Actor:
    with service.services.sessions() as session:
        from api.registry.db import User

        user = session.scalar(select(User).where(User.login == "vanthu.haiphong"))
        assert user is not None
        return Actor.of(user)


def test_sending_and_signing_mail_who_acts_next_and_a_refused_send_is_retried(
    notified: Service, inbox: Inbox
) -> None:
    decision = one(notified.cache["dossier"], "quyet-dinh")
    path = f"/api/documents/{decision['id']}"
    inbox.take()
    with notified.client("clerk") as clerk:
        assert clerk.post(f"{path}/send").status_code == 200
    inbox.wait(1)  # the sender is a task of the queue: after the answer
    (got,) = inbox.take()
    message = got.message
    assert got.rcpt == [CHAIR]
    assert message["Subject"] == "Văn bản chờ ký: Quyết định công nhận"
    assert (got.to_name, got.to_address) == ("Trần Minh Khôi", CHAIR)
    text, html = parts(message)
    assert "Kính gửi Trần Minh Khôi," in text
    assert "Chuyên viên Nguyễn Thị Lan đã trình ký dự thảo Quyết định công nhận" in text
    assert _link(text)[0] == f"{notified.url}/ky-so"
    assert f'href="{notified.url}/ky-so"' in html and "<p>Kính gửi Trần Minh Khôi,</p>" in html

    # The SMTP server refuses for a while: the chair's signature is recorded all the same,
    # and the two letters wait in the outbox with the server's answer, shown to the văn thư.
    inbox.refusing = True
    with notified.client("signer") as signer:
        r = signer.post(f"{path}/sign", **notified.key(CHAIR_P12))
    assert r.status_code == 200, r.text
    waiting = _tried(notified)
    assert inbox.take() == []
    assert {w.to_address for w in waiting} == {CLERK, VAN_THU}
    # The request's sender stops at the first failure (one timeout at most, not one per
    # letter); `hoso notify send` tries every letter, and exits 1 while any fails.
    assert sorted((w.attempts, w.error is not None) for w in waiting) == [(0, False), (1, True)]
    run = _hoso(notified, inbox, "notify", "send")
    assert run.returncode == 1, run.stderr
    assert "Đã gửi 0 thư; 2 thư chưa gửi được (sẽ gửi lại)." in run.stdout
    waiting = outbox.undelivered(notified.services, _van_thu(notified))
    assert sorted(w.attempts for w in waiting) == [1, 2]
    assert all(w.error and "451 4.3.0" in w.error for w in waiting)
    with notified.client() as browser:
        from tests.serving import sign_in

        assert sign_in(browser, "vanthu.haiphong", "mat-khau-thu-nghiem").status_code == 303
        page = browser.get("/phat-hanh").text
        assert "Thư thông báo chưa gửi được" in page and VAN_THU in page and "451" in page
        # The server is back: the văn thư presses "Gửi lại" on their own letter (a form with
        # its CSRF token); the queue's sender delivers it, the audit log says who asked.
        inbox.refusing = False
        mine = next(w for w in waiting if w.to_address == VAN_THU)
        action = f"/thu-thong-bao/{mine.id}/gui-lai"
        assert f'action="{action}"' in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        refused = browser.post(action, data={"back": "/phat-hanh"}, follow_redirects=False)
        assert refused.status_code == 403  # no CSRF token: nothing happens
        r = browser.post(
            action, data={"csrf": csrf.group(1), "back": "/phat-hanh"}, follow_redirects=False
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == f"/phat-hanh?gui-lai={mine.id}#thu-chua-gui"
    inbox.wait(1)
    resent = inbox.take()
    assert [m.to_address for m in resent] == [VAN_THU]
    with notified.services.sessions() as session:
        asked = session.scalars(select(AuditEntry).where(AuditEntry.action == "resend_mail")).all()
    assert [(e.actor, e.detail["letter"]) for e in asked] == [("user:vanthu.haiphong", mine.id)]

    done = outbox.send_pending(notified.services)
    assert (done.sent, done.failed) == (1, 0)
    received = {r.to_address: r.message for r in inbox.take() + resent}
    assert set(received) == {CLERK, VAN_THU}
    assert received[CLERK]["Subject"] == "Đã ký: Quyết định công nhận"
    assert "Chủ tịch Trần Minh Khôi đã ký số" in parts(received[CLERK])[0]
    assert received[VAN_THU]["Subject"] == "Văn bản chờ ban hành: Quyết định công nhận"
    assert _link(parts(received[VAN_THU])[0])[0] == f"{notified.url}/phat-hanh"
    assert _left(notified, 0) == []
    assert outbox.send_pending(notified.services) == outbox.Sent(0, 0)  # each goes once


def test_issuing_mails_each_recipient_their_own_link_only(notified: Service, inbox: Inbox) -> None:
    decision = one(notified.cache["dossier"], "quyet-dinh")
    path = f"/api/documents/{decision['id']}"
    inbox.take()
    with notified.client("van_thu") as van_thu:
        key = notified.key(SEAL_P12)
        r = van_thu.post(
            f"{path}/issue", files=key["files"], data={**key["data"], "date": str(ISSUED_ON)}
        )
        assert r.status_code == 200, r.text
        recipients = r.json()["recipients"]
    links = {d["name"]: d["link"] for d in recipients}
    assert len(links) >= 3 and "Phường An Biên" in links
    inbox.wait(len(links) - 1)
    received = inbox.take()
    # Every recipient has an address in Hải Phòng's file but the group Điều 3 names in
    # general: its letter has none, is never sent, and the văn thư is shown so.
    assert len(received) == len(links) - 1 and NOWHERE in links
    (waiting,) = _left(notified, 1)
    assert (waiting.to_name, waiting.to_address, waiting.attempts) == (NOWHERE, None, 0)
    assert waiting.error == "Không có địa chỉ thư điện tử của nơi nhận này"
    for got in received:
        name, message = got.to_name, got.message
        assert got.rcpt == [got.to_address]
        text, html = parts(message)
        assert [u for u in _link(text) if "/r/" in u] == [links[name]], name
        assert f'href="{links[name]}"' in html
        others = [link for other, link in links.items() if other != name]
        assert not any(link in text or link in html for link in others), name
        assert message["Subject"] == f"Quyết định công nhận số 01/QĐ-UBND gửi {name}"
        assert "ngày 05 tháng 12 năm 2026" in text
    # The outbox keeps no link in clear (the registry keeps the tokens only hashed): the
    # sender puts each in as it sends.
    with notified.services.sessions() as session:
        kept = session.scalars(select(Notification).where(Notification.kind == "issued")).all()
    assert len(kept) == len(links)
    assert all(LINK in n.text and "/r/" not in n.text + n.html for n in kept)
    by_address = {r.to_address: r.to_name for r in received}
    assert by_address["anbien@haiphong.example.org"] == "Phường An Biên"
    assert by_address["v05@bocongan.example.org"] == "Bộ Công an (qua V05)"
    # The link in the mail opens the document.
    with notified.client() as recipient:
        page = recipient.get(links["Phường An Biên"].removeprefix(notified.url))
    assert page.status_code == 200 and "Văn bản gửi đến Phường An Biên" in page.text


def _tried(service: Service, *, timeout: float = 30.0) -> list[outbox.Undelivered]:
    """The letters not delivered once the queue's sender tried (and failed) one of them."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = outbox.undelivered(service.services, _van_thu(service))
        if any(w.attempts and w.error for w in waiting):  # claimed, then refused
            return waiting
        assert time.monotonic() < deadline, "the queue's sender did not run"
        time.sleep(0.05)


def _left(service: Service, count: int, *, timeout: float = 30.0) -> list[outbox.Undelivered]:
    """The letters not delivered once they are `count`: the server may have a letter before
    its sender has recorded it as sent."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = outbox.undelivered(service.services, _van_thu(service))
        if len(waiting) == count or time.monotonic() > deadline:
            return waiting
        time.sleep(0.05)


def _hoso(service: Service, inbox: Inbox, *args: str) -> subprocess.CompletedProcess[str]:
    settings = service.settings
    env = {
        **os.environ,
        "HOSO_DATA_DIR": str(settings.data_dir),
        "HOSO_PKI_URL": settings.pki_url,
        "HOSO_PUBLIC_BASE_URL": str(settings.public_base_url),
        "HOSO_TRUST_ROOTS_DIR": str(settings.trust_roots_dir),
        "HOSO_SMTP_HOST": "127.0.0.1",
        "HOSO_SMTP_PORT": str(inbox.port),
        **({"HOSO_DATABASE_URL": settings.database_url} if settings.database_url else {}),
    }
    hoso = str(Path(sys.executable).parent / "hoso")
    return subprocess.run(
        [hoso, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_reminders_go_once_a_day_to_the_unsigned_and_the_unacknowledged(
    notified: Service, inbox: Inbox
) -> None:
    decision = one(notified.cache["dossier"], "quyet-dinh")
    plan = one(notified.cache["dossier"], "ke-hoach")
    with notified.client("clerk") as clerk:
        assert clerk.post(f"/api/documents/{plan['id']}/send").status_code == 200
    inbox.wait(1)  # the chair's letter, sent by the queue
    with notified.client("van_thu") as van_thu:
        links = {
            d["name"]: d["link"]
            for d in van_thu.get(f"/api/documents/{decision['id']}/recipients").json()
        }
    token = links["Phường An Biên"].rsplit("/", 1)[1]
    with notified.client() as recipient:
        r = recipient.post(
            f"/api/links/{token}/acknowledge",
            json={"name": "Nguyễn Văn Bình", "position": "Chủ tịch UBND phường"},
        )
        assert r.status_code == 200, r.text
    inbox.take()

    # Three days on, the Kế hoạch is still unsigned; five days after the issue, every recipient
    # but An Biên has not acknowledged.
    today = dt.datetime.now(notify.VIETNAM).date() + dt.timedelta(days=3)  # days in Vietnam
    today = max(today, ISSUED_ON + dt.timedelta(days=5))
    run = _hoso(notified, inbox, "notify", "remind", "--today", str(today))
    assert run.returncode == 0, run.stderr + run.stdout
    received = inbox.take()
    reminded = {r.to_name: r.message for r in received}
    # The recipient without an address is reminded too: in the outbox, for the văn thư.
    assert f"Đã ghi {len(received) + 1} thư nhắc việc." in run.stdout
    assert reminded["Trần Minh Khôi"]["Subject"].startswith("Nhắc việc: văn bản chờ ký đã ")
    assert set(reminded) == {"Trần Minh Khôi"} | (set(links) - {"Phường An Biên", NOWHERE})
    for name, link in links.items():
        if name not in ("Phường An Biên", NOWHERE):
            text, _ = parts(reminded[name])
            assert link in text and "chưa có xác nhận đã nhận" in text
            assert (
                reminded[name]["Subject"]
                == "Nhắc: xác nhận đã nhận Quyết định công nhận số 01/QĐ-UBND"
            )

    again = _hoso(notified, inbox, "notify", "remind", "--today", str(today))
    assert again.returncode == 0, again.stderr
    assert "Đã ghi 0 thư nhắc việc." in again.stdout and inbox.take() == []
    later = _hoso(notified, inbox, "notify", "remind", "--today", str(today + dt.timedelta(1)))
    assert len(inbox.take()) == len(received)  # the next day, once more
    assert later.returncode == 0
    with notified.services.sessions() as session:
        kinds = session.scalars(select(Notification.kind)).all()
    assert kinds.count("remind_unsigned") == 2


@contextmanager
def _embedded(service: Service) -> Iterator[Services]:
    """The service's registry with no SMTP server configured (the embedded default)."""
    from api.workflow.services import build_services

    services = build_services(service.settings.model_copy(update={"smtp_host": None}))
    try:
        yield services
    finally:
        services.sessions.kw["bind"].dispose()


def test_without_smtp_the_letters_wait_in_the_outbox_and_go_once_it_is_set(
    notified: Service, inbox: Inbox
) -> None:
    """No HOSO_SMTP_HOST: an event's letters are recorded and listed for the văn thư, sent by
    nothing; with the server configured, `hoso notify send` delivers them."""
    with _embedded(notified) as embedded:
        assert embedded.mailer is None
        inbox.take()
        later = dt.date(2027, 1, 4)  # a day of its own: new reminders to record
        made = notify.remind(embedded, today=later, unsigned_days=3, unacknowledged_days=5)
        assert made > 0
        assert outbox.send_pending(embedded) == outbox.Sent(0, 0) and inbox.take() == []
        waiting = [w for w in outbox.undelivered(embedded, _van_thu(notified)) if w.to_address]
        assert len(waiting) == made - 1  # one has no address
        assert all(w.error is None and w.attempts == 0 for w in waiting)

        run = _hoso(notified, inbox, "notify", "send")
        assert run.returncode == 0, run.stderr
        assert f"Đã gửi {made - 1} thư; 0 thư chưa gửi được" in run.stdout
        assert len(inbox.take()) == made - 1
        left = outbox.undelivered(embedded, _van_thu(notified))
        assert {w.to_name for w in left} == {NOWHERE}
        # A recipient who never acknowledges is reminded three times in all (10, 11 December,
        # 4 January); the unsigned draft's signer, each day.
        day = later + dt.timedelta(days=1)
        assert notify.remind(embedded, today=day, unsigned_days=3, unacknowledged_days=5) == 1
