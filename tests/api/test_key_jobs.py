"""Signing and issuing as in-process jobs, over the real service: with `Prefer: respond-async`
POST /api/documents/{id}/sign and /issue answer 202 with the job's URL once the key opened and
the checks passed (a wrong passphrase is refused at once, and no job exists); the job names its
steps while a slow TSA answers, keeps its heartbeat so that `recover` leaves it alone, and the
same request meanwhile is the same job (one signature, one audit entry). A job whose process
died is marked failed by `recover`, never queued again (no worker has the key), and the Ký số
page says so. Works on the 2047 dossier (the browser's progress test takes 2048)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.registry.db import AuditEntry, Job, User, now
from api.workflow import jobs
from tests.api.service import (
    CHAIR_P12,
    ROLES,
    SEAL_P12,
    Service,
    generated,
)
from tests.api.test_ui_office_pages import Browser, status, text
from tests.slow_tsa import slow_tsa

pytestmark = pytest.mark.slow

YEAR = 2047
ASYNC = {"Prefer": "respond-async"}


def sent_decision(service: Service, year: int) -> dict[str, Any]:
    """The Quyết định of Hải Phòng's dossier for `year`, generated and sent to the chair once."""
    cached = f"decision-{year}"
    if cached in service.cache:
        found: dict[str, Any] = service.cache[cached]
        return found
    documents = generated(service, year)
    with service.client("clerk") as clerk:
        decision: dict[str, Any] = next(d for d in documents if d["kind"] == "quyet-dinh")
        assert clerk.post(f"/api/documents/{decision['id']}/send").status_code == 200
    service.cache[cached] = decision
    return decision


def until_finished(client: httpx.Client, url: str, seen: set[str]) -> dict[str, Any]:
    """Poll the job at `url` until it ends; `seen` collects each progress_vi shown."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = client.get(url)
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        seen.add(job["progress_vi"])
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"{url} did not finish")


def _jobs(service: Service, kind: str) -> int:
    with service.services.sessions() as session:
        return int(session.scalar(select(func.count()).where(Job.kind == kind)) or 0)


def _audit(service: Service, document_id: int, action: str) -> int:
    with service.services.sessions() as session:
        found = select(func.count()).where(
            AuditEntry.document_id == document_id, AuditEntry.action == action
        )
        return int(session.scalar(found) or 0)


def test_sign_and_issue_answer_202_with_a_job_that_tells_its_steps(service: Service) -> None:
    decision = sent_decision(service, YEAR)
    path = f"/api/documents/{decision['id']}"
    svc = service.services
    before = _jobs(service, "sign")
    with service.client("signer") as signer:
        # A wrong passphrase is refused before any job exists, naming the field.
        wrong = service.key(CHAIR_P12, passphrase="khong-dung")
        r = signer.post(f"{path}/sign", headers=ASYNC, **wrong)
        assert (r.status_code, r.json()["field"]) == (400, "passphrase"), r.text
        assert _jobs(service, "sign") == before

        lease = svc.job_lease
        svc.job_lease = dt.timedelta(seconds=0.3)  # the job's heartbeat: every 0.075 s
        seen: set[str] = set()
        try:
            with (
                Browser(service, "signer") as browser,  # signed in before the clock runs
                slow_tsa(svc, seconds=4),  # pyHanko gives up after 5 s
            ):
                r = signer.post(f"{path}/sign", headers=ASYNC, **service.key(CHAIR_P12))
                assert r.status_code == 202, r.text
                job = r.json()
                assert r.headers["Location"] == job["url"] == f"/api/jobs/{job['id']}"
                assert r.headers["Preference-Applied"] == "respond-async"
                assert (job["kind"], job["state"]) == ("sign", "running")
                # Its heartbeat goes on while the TSA thinks: a recovery leaves it running.
                time.sleep(0.5)
                assert job["id"] not in jobs.recover(svc, lease=svc.job_lease)
                now_at = signer.get(job["url"]).json()
                assert now_at["state"] == "running", now_at
                seen.add(now_at["progress_vi"])
                # The same request while it runs is that job: no second signature starts.
                again = signer.post(f"{path}/sign", headers=ASYNC, **service.key(CHAIR_P12))
                assert (again.status_code, again.json()["id"]) == (202, job["id"]), again.text
                # Back on the Ký số page meanwhile, the signer sees it running, the button off.
                shown = browser.get("/ky-so")
                done = until_finished(signer, job["url"], seen)
        finally:
            svc.job_lease = lease
    assert 'id="tien-do"' in shown.text, shown.text
    assert f'data-done="/ky-so?viec={job["id"]}"' in shown.text
    assert 'disabled aria-describedby="sign-' in shown.text
    assert done["state"] == "done", done
    assert done["result"] == path and done["documents"] == [decision["id"]]
    assert "Đang ký số: ký số và lấy dấu thời gian (2/3)" in seen, seen
    assert status(service, decision["id"]) == "signed"
    assert _audit(service, decision["id"], "sign") == 1
    assert _jobs(service, "sign") == before + 1
    with svc.sessions() as session:  # what the job kept: the document's id, no secret
        kept = session.get(Job, job["id"])
        assert kept is not None and kept.inputs == {"document_id": decision["id"]}

    seal = service.key(SEAL_P12)
    seen = set()
    with slow_tsa(svc, seconds=2), service.client("van_thu") as van_thu:
        r = van_thu.post(
            f"{path}/issue",
            headers=ASYNC,
            files=seal["files"],
            data={**seal["data"], "date": f"{YEAR}-12-05"},
        )
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["kind"] == "issue" and r.headers["Location"] == job["url"]
        done = until_finished(van_thu, job["url"], seen)
        issued = van_thu.get(path).json()
    assert done["state"] == "done", done
    assert done["result"] == path
    assert any(s.startswith("Đang ban hành: cho số, ký số của cơ quan") for s in seen), seen
    assert issued["status"] == "issued" and issued["reference"] == "01/QĐ-UBND"
    # A job is its owner's: for the chair the văn thư's job does not exist.
    with service.client("signer") as signer:
        assert signer.get(job["url"]).status_code == 404
    # Without the preference the answer is the outcome, as before (now refused: issued).
    with service.client("van_thu") as van_thu:
        r = van_thu.post(f"{path}/issue", files=seal["files"], data=seal["data"])
        assert r.status_code == 409, r.text


def test_a_lost_signing_job_is_marked_failed_not_queued(service: Service) -> None:
    """A web process that died mid-signature leaves its job running and silent: `recover`
    ends it as failed, saying to sign again; the page that followed it says so."""
    decision = sent_decision(service, YEAR)
    svc = service.services
    with svc.sessions.begin() as session:
        signer = session.scalar(select(User).where(User.login == ROLES["signer"][0]))
        assert signer is not None
        lost = Job(
            user_id=signer.id,
            kind="sign",
            key="lost-" + str(decision["id"]),
            inputs={"document_id": decision["id"]},
            state="running",
            attempts=1,
            heartbeat_at=now() - svc.job_lease * 2,
            result={},
        )
        session.add(lost)
        session.flush()
        lost_id = lost.id
    before = status(service, decision["id"])
    assert lost_id not in jobs.recover(svc, lease=svc.job_lease)  # not queued again
    with svc.sessions() as session:
        row = session.get(Job, lost_id)
        assert row is not None and row.state == "failed" and row.finished_at is not None
        assert row.error is not None and row.error["code"] == "interrupted"
        assert "bị gián đoạn" in row.error["message_vi"] and "hãy ký lại" in row.error["message_vi"]
    assert status(service, decision["id"]) == before  # nothing recorded
    with Browser(service, "signer") as browser:
        page = browser.get(f"/ky-so?viec={lost_id}")
        assert page.status_code == 200
        assert "Việc ký số bị gián đoạn" in text(page) and 'id="tien-do"' not in page.text
        job = browser.client.get(f"/api/jobs/{lost_id}").json()
        assert job["state"] == "failed" and job["error"]["code"] == "interrupted"
