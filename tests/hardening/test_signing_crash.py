"""Crash safety of an in-process signing job: a `hoso serve` process signing a draft is killed
(SIGKILL) while its job waits on the TSA, the chair's key dying with it. `recover` does not
queue the job again — no process has the key — but marks it failed with a message saying to
sign again; the draft is as it was (no signature recorded, no audit entry, the same file), and
signing it again works.

The registry is the service's SQLite file, shared by the in-test service and the `hoso serve`
process, as two web processes on one machine share it.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from api.registry.db import AuditEntry, Document, Job
from api.workflow import jobs
from tests.api.service import BODY, CHAIR_P12, MEETING, XLSX, running, workbook
from tests.hardening.test_worker_crash import _env
from tests.serving import hoso_serve
from tests.signing_setting import Setting
from tests.slow_tsa import slow_pki

pytestmark = pytest.mark.slow


def test_a_web_process_killed_mid_signature_leaves_a_failed_job_and_the_draft_as_it_was(
    setting: Setting, tmp_path: Path
) -> None:
    with running(setting, tmp_path, queue_embedded=False) as service:
        with service.client("clerk") as clerk:
            r = clerk.post(
                "/api/assessments/workbook", files={"file": ("p.xlsx", workbook(), XLSX)}
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
                    "meeting": MEETING,
                },
            )
            assert r.status_code == 201, r.text
            decision = next(d for d in r.json() if d["kind"] == "quyet-dinh")
            path = f"/api/documents/{decision['id']}"
            assert clerk.post(f"{path}/send").status_code == 200
        svc = service.services
        with svc.sessions() as session:
            before = session.get(Document, decision["id"])
            assert before is not None
            draft = before.sha256

        key = service.key(CHAIR_P12)
        chair = {"Authorization": f"Bearer {service.tokens['signer']}"}
        env = _env(service.settings, HOSO_QUEUE_EMBEDDED="false")
        with (
            slow_pki(service.settings.pki_url, seconds=120) as pki_url,
            hoso_serve({**env, "HOSO_PKI_URL": pki_url}) as served,
            httpx.Client(base_url=served.url, headers=chair, timeout=60) as other,
        ):
            r = other.post(f"{path}/sign", headers={"Prefer": "respond-async"}, **key)
            assert r.status_code == 202, r.text
            url = r.json()["url"]
            deadline = time.monotonic() + 60
            while other.get(url).json()["done"] < 2:  # waiting on the TSA
                assert time.monotonic() < deadline, other.get(url).text
                time.sleep(0.1)
            os.kill(served.proc.pid, signal.SIGKILL)
            served.proc.wait(timeout=30)
        job_id = r.json()["id"]
        with svc.sessions() as session:
            lost = session.get(Job, job_id)
            assert lost is not None and lost.state == "running"

        time.sleep(1.2)
        assert job_id not in jobs.recover(svc, lease=dt.timedelta(seconds=1))
        with svc.sessions() as session:
            lost = session.get(Job, job_id)
            assert lost is not None and lost.state == "failed" and lost.attempts == 1
            assert lost.error is not None and lost.error["code"] == "interrupted"
            assert "hãy ký lại" in lost.error["message_vi"]
            after = session.get(Document, decision["id"])
            assert after is not None
            assert (after.status, after.sha256) == ("draft", draft)
            signed = select(func.count()).where(
                AuditEntry.document_id == decision["id"], AuditEntry.action == "sign"
            )
            assert session.scalar(signed) == 0
        with service.client("signer") as signer:
            job = signer.get(url).json()
            assert job["state"] == "failed" and job["error"]["code"] == "interrupted"
            r = signer.post(f"{path}/sign", **key)  # signing again works
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "signed"
