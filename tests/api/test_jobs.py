"""The job queue through the API: POST /api/dossiers answers 202 with the job's URL, the job runs
on the app's embedded consumer (Huey on SQLite, a real LibreOffice), its progress and result are
its owner's to read; a redelivered job makes the same drafts and no second file; a job that fails
says why in Vietnamese; the same request while one is queued is that job; Redis carries jobs too.
"""

from __future__ import annotations

import datetime as dt
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.registry.db import Document, Job, User
from api.workflow import jobs
from api.workflow.queue import HueyQueue
from api.workflow.users import Actor
from tests.api.service import BODY, XLSX, Service, running, workbook
from tests.databases import postgresql_registry
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow


def _scored(service: Service) -> None:
    with service.client("clerk") as clerk:
        r = clerk.post("/api/assessments/workbook", files={"file": ("p.xlsx", workbook(), XLSX)})
        assert r.status_code == 201, r.text
        for a in r.json():
            assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200


def _until_finished(service: Service, url: str, *, seen: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    with service.client("clerk") as clerk:
        while time.monotonic() < deadline:
            r = clerk.get(url)
            assert r.status_code == 200, r.text
            job: dict[str, Any] = r.json()
            seen.add(job["progress_vi"])
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.1)
    raise AssertionError(f"{url} did not finish")


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("registry", ["sqlite", "postgresql"])
def test_generation_is_a_job_with_progress_for_its_owner(
    setting: Setting, tmp_path: Path, registry: str
) -> None:
    """On each registry: a job's claim and its recovery are row locks on PostgreSQL."""
    with ExitStack() as stack:
        database = {}
        if registry == "postgresql":
            database["database_url"] = stack.enter_context(postgresql_registry())
        _job_for_its_owner(stack.enter_context(running(setting, tmp_path, **database)))


def _job_for_its_owner(service: Service) -> None:
    _scored(service)
    with service.client("clerk") as clerk:
        r = clerk.post("/api/dossiers", json={"body": BODY, "year": 2026})
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == r.json()["url"] == f"/api/jobs/{r.json()['id']}"
    assert r.json()["state"] in ("queued", "running")
    seen: set[str] = set()
    job = _until_finished(service, r.json()["url"], seen=seen)
    assert job["state"] == "done", job
    assert job["error"] is None
    assert job["done"] == job["total"] == len(job["documents"]) > 1
    assert job["progress"] == f"{job['total']}/{job['total']}"
    assert job["result"] == f"/api/documents?dossier=2026/{BODY}"
    with service.client("clerk") as clerk:
        listed = clerk.get(job["result"]).json()
    assert sorted(d["id"] for d in listed) == sorted(job["documents"])
    assert all(d["status"] == "draft" and d["reference"] is None for d in listed)
    assert any(s.startswith("Đang tạo văn bản ") for s in seen) or "Đã xong" in seen

    # Visible to its owner and the admin only; to anyone else it does not exist.
    with service.client("signer") as signer:
        hidden = signer.get(job["url"])
    assert hidden.status_code == 404, hidden.text
    assert hidden.json()["field"] == "job_id" and hidden.json()["message_vi"]
    with service.client("admin") as admin:
        assert admin.get(job["url"]).json()["state"] == "done"

    # Redelivered (its worker lost it mid-way): the rerun makes the same drafts, byte for
    # byte, and writes no second file.
    svc = service.services
    before = _hashes(service)
    files = _files(service.settings.data_dir / "work")
    with svc.sessions.begin() as session:
        row = session.get(Job, job["id"])
        assert row is not None
        row.state, row.heartbeat_at = "running", row.created_at
    assert jobs.recover(svc, lease=dt.timedelta(0)) == [job["id"]]
    again = _until_finished(service, job["url"], seen=set())
    assert again["state"] == "done"
    assert sorted(again["documents"]) == sorted(job["documents"])
    assert _hashes(service) == before
    assert _files(service.settings.data_dir / "work") == files
    jobs.run(svc, job["id"])  # a second message of a finished job runs nothing
    with svc.sessions() as session:
        assert session.get(Job, job["id"]).attempts == 2  # type: ignore[union-attr]


def _hashes(service: Service) -> dict[int, str]:
    with service.services.sessions() as session:
        return {d.id: d.sha256 for d in session.scalars(select(Document))}


def test_a_failed_job_says_why_and_makes_nothing(setting: Setting, tmp_path: Path) -> None:
    with running(setting, tmp_path) as service:
        _scored(service)
        with service.client("clerk") as clerk:
            r = clerk.post("/api/dossiers", json={"body": BODY, "year": 2026, "signer": "giam-doc"})
            assert r.status_code == 202, r.text
            job = _until_finished(service, r.json()["url"], seen=set())
            assert job["state"] == "failed"
            assert job["error"]["field"] == "signer", job
            assert job["error"]["message_vi"] and job["error"]["message"]
            assert job["documents"] == [] and job["result"] is None
            assert clerk.get("/api/documents", params={"dossier": f"2026/{BODY}"}).json() == []
            # Refused at once, before a job exists: the wrong role, a year without assessments.
            r = clerk.post("/api/dossiers", json={"body": BODY, "year": 2031})
            assert (r.status_code, r.json()["field"]) == (409, "year"), r.text
        with service.client("van_thu") as van_thu:
            r = van_thu.post("/api/dossiers", json={"body": BODY, "year": 2026})
            assert r.status_code == 403, r.text
        with service.services.sessions() as session:
            assert len(session.scalars(select(Job)).all()) == 1


class _Recorded:
    """A queue that keeps the ids it is given (the engine is not what this test is about)."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def enqueue(self, job_id: int) -> None:
        self.ids.append(job_id)


def test_the_same_request_while_queued_is_the_same_job(setting: Setting, tmp_path: Path) -> None:
    with running(setting, tmp_path, queue_embedded=False) as service:
        _scored(service)
        svc = service.services
        recorded = _Recorded()
        svc.queue = recorded
        with svc.sessions() as session:
            user = session.scalar(select(User).where(User.login == "chuyenvien.haiphong"))
            assert user is not None
            clerk = Actor.of(user)
        first = jobs.submit_generation(svc, clerk, body=BODY, year=2026)
        second = jobs.submit_generation(svc, clerk, body=BODY, year=2026)
        other = jobs.submit_generation(svc, clerk, body=BODY, year=2026, watermark=True)
        assert first.id == second.id != other.id
        assert recorded.ids == [first.id, other.id]
        assert first.progress_vi == "Đang chờ đến lượt"


def test_redis_carries_the_jobs() -> None:
    """A real Redis on 127.0.0.1:6379 (CI runs one): what is queued is run by a consumer."""
    ran: list[int] = []
    queue = HueyQueue(
        "redis://127.0.0.1:6379/15",
        run=ran.append,
        recover=lambda: None,
    )
    queue.huey.flush()
    queue.start_embedded()
    try:
        for job_id in (3, 5, 8):
            queue.enqueue(job_id)
        deadline = time.monotonic() + 30
        while len(ran) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        queue.stop_embedded()
        queue.huey.flush()
    assert sorted(ran) == [3, 5, 8]
