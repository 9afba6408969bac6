"""The queue's small and periodic tasks (api/workflow/tasks.py) on a registry of their own and a
real SMTP server on loopback: after an event the sender is a task of the queue (with
immediate:// it has delivered when the call returns); the periodic retry leaves a refused letter
alone until its back-off is over and a new letter to its event's sender; the daily tasks fire at
the configured hour in Vietnam; old sign-in attempts are pruned, the recent ones kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from api.registry.db import AuditEntry, Notification, SignInAttempt
from api.settings import Settings
from api.workflow import outbox, tasks, throttle
from api.workflow.queue import HueyQueue
from api.workflow.services import Services, build_services
from api.workflow.users import Actor
from docgen.errors import NotFound, StateError
from tests.api.smtp import Inbox, smtp_server

ADDRESS = "vanthu@ubnd-haiphong.example.org"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


def _settings(tmp_path: Path, **given: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", trust_roots_dir=tmp_path / "roots", **given)


@pytest.fixture
def services(tmp_path: Path, inbox: Inbox) -> Iterator[Services]:
    made = build_services(_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=inbox.port))
    try:
        yield made
    finally:
        made.sessions.kw["bind"].dispose()


def _queue(settings: Settings, svc: Services) -> HueyQueue:
    queue = HueyQueue("immediate://", run=lambda _: None, recover=lambda: None)
    tasks.add_tasks(queue, settings, svc)
    return queue


def _letter(svc: Services, subject: str, **given: Any) -> int:
    with svc.sessions.begin() as session:
        letter = Notification(
            kind="signed",
            to_name="Phạm Thu Hà",
            to_address=ADDRESS,
            subject=subject,
            text="Kính gửi Phạm Thu Hà,",
            html="<p>Kính gửi Phạm Thu Hà,</p>",
            **given,
        )
        session.add(letter)
        session.flush()
        return letter.id


def test_after_an_event_the_queue_sends_and_immediate_delivers_within_the_call(
    tmp_path: Path, services: Services, inbox: Inbox
) -> None:
    services.queue = _queue(_settings(tmp_path), services)
    _letter(services, "Đã ký: Quyết định công nhận")
    outbox.after_event(services)
    (got,) = inbox.take()
    assert got.rcpt == [ADDRESS] and got.message["Subject"] == "Đã ký: Quyết định công nhận"
    outbox.after_event(services)
    assert inbox.take() == []  # each goes once


def test_the_periodic_retry_waits_for_the_back_off_and_for_the_events_sender(
    services: Services, inbox: Inbox
) -> None:
    now = dt.datetime.now(dt.UTC)
    refused = _letter(
        services,
        "Văn bản chờ ban hành",
        attempts=1,
        tried_at=now - dt.timedelta(minutes=1),
        last_error="451 4.3.0 bảo trì",
    )
    _letter(services, "Văn bản chờ ký")  # just recorded: its event's sender takes it
    assert outbox.retry(services) == outbox.Sent(0, 0) and inbox.take() == []

    with services.sessions.begin() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == refused)
            .values(tried_at=now - outbox.retry_wait(1) - dt.timedelta(seconds=1))
        )
    assert outbox.retry(services) == outbox.Sent(1, 0)
    assert [r.message["Subject"] for r in inbox.take()] == ["Văn bản chờ ban hành"]
    assert outbox.send_queued(services) == outbox.Sent(1, 0)  # the new one, at once
    assert [r.message["Subject"] for r in inbox.take()] == ["Văn bản chờ ký"]


def test_the_back_off_doubles_up_to_six_hours() -> None:
    waits = [outbox.retry_wait(n) for n in range(1, 10)]
    assert waits[:4] == [dt.timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert waits[-1] == dt.timedelta(hours=6) and waits == sorted(waits)
    now = dt.datetime.now(dt.UTC)
    fresh: dict[str, Any] = {
        "now": now,
        "created_at": now,
        "tried_at": None,
        "attempts": 0,
        "failed": False,
    }
    assert outbox.due(**fresh, fresh=True) and not outbox.due(**fresh, fresh=False)
    lost = {**fresh, "created_at": now - outbox.CLAIM - dt.timedelta(seconds=1)}
    assert outbox.due(**lost, fresh=False)  # its event's sender never came


def test_the_daily_tasks_run_at_the_configured_hour_in_vietnam(
    tmp_path: Path, services: Services
) -> None:
    queue = _queue(_settings(tmp_path, daily_hour=7), services)
    assert queue.periodic_names == [
        "hoso.prune_sign_ins",
        "hoso.recover_jobs",
        "hoso.remind",
        "hoso.renew_archive",
        "hoso.retry_mail",
    ]
    periodic = {t.name: t for t in queue.huey._registry.periodic_tasks}
    seven = dt.datetime(2026, 12, 8, 0, 0)  # 07:00 in Vietnam, as UTC (huey's clock)
    assert periodic["hoso.remind"].validate_datetime(seven)
    assert not periodic["hoso.remind"].validate_datetime(seven + dt.timedelta(hours=1))
    assert periodic["hoso.renew_archive"].validate_datetime(seven + dt.timedelta(minutes=30))
    assert periodic["hoso.retry_mail"].validate_datetime(seven + dt.timedelta(minutes=13))

    without = _queue(_settings(tmp_path, daily_hour=None), services)
    assert "hoso.remind" not in without.periodic_names


def test_old_sign_in_attempts_are_pruned_and_what_the_throttle_reads_is_kept(
    services: Services,
) -> None:
    now = dt.datetime.now(dt.UTC)
    with services.sessions.begin() as session:
        for hours in (50, 25, 2, 0):
            session.add(
                SignInAttempt(
                    at=now - dt.timedelta(hours=hours),
                    login="chutich.haiphong",
                    address="203.0.113.9",
                    outcome="failed",
                )
            )
    assert throttle.prune(services, now=now) == 2
    with services.sessions() as session:
        left = sorted(session.scalars(select(SignInAttempt.at)))
    assert [round((now - t).total_seconds() / 3600) for t in left] == [2, 0]
    assert throttle.prune(services, now=now) == 0


def test_the_daily_reminders_record_and_send_what_is_due(
    tmp_path: Path, services: Services
) -> None:
    """A registry with nothing unsigned or unacknowledged: nothing recorded, and the letters
    already due go all the same (the task sends after recording)."""
    _letter(services, "Văn bản chờ ký", created_at=dt.datetime.now(dt.UTC))
    assert tasks.remind_today(services, _settings(tmp_path)) == 0
    with services.sessions() as session:
        assert session.scalar(select(Notification.sent_at)) is not None


def test_gui_lai_refuses_what_it_cannot_send_again(services: Services, inbox: Inbox) -> None:
    """A letter being sent right now, one without an address, another body's: refused, each
    naming the letter; a refused one goes again at once, audited."""
    van_thu = Actor(1, "vanthu.haiphong", "Phạm Thu Hà", "van_thu", "ubnd-hai-phong")
    now = dt.datetime.now(dt.UTC)
    body = {"issuing_body_id": "ubnd-hai-phong"}
    sending = _letter(services, "Đang gửi", tried_at=now, attempts=1, **body)
    nowhere = _letter(services, "Không có địa chỉ", **body)
    with services.sessions.begin() as session:
        row = session.get(Notification, nowhere)
        assert row is not None
        row.to_address = None
    theirs = _letter(services, "Của cơ quan khác", issuing_body_id="ca-hai-phong")
    for letter_id, error in ((sending, StateError), (nowhere, StateError), (theirs, NotFound)):
        with pytest.raises(error) as refused:
            outbox.resend(services, van_thu, letter_id)
        assert refused.value.field == "letter_id"
    refused_once = _letter(
        services, "Bị từ chối", tried_at=now, attempts=1, last_error="451 bảo trì", **body
    )
    outbox.resend(services, van_thu, refused_once)  # no queue: sent within the call
    assert "Bị từ chối" in [m.message["Subject"] for m in inbox.take()]
    with services.sessions() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "resend_mail"))
    assert entry is not None and entry.detail["letter"] == refused_once
