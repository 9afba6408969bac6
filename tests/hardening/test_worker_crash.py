"""Crash safety of the job queue: a `hoso worker` process generating a dossier is killed
(SIGKILL, its LibreOffice with it) once it has made a document; a second worker, started after
the job's lease ran out, queues it again and finishes it. In the end the dossier holds each of
its documents once, none has a số, every draft's file is in the store with its hash, and the
job says done after two attempts. The same for a bulk verification: its files wait in the data
folder for the rerun, which gives the same verdicts and removes them.

The registry is the service's SQLite file and the queue Huey's SQLite file beside it, shared by
the web side (which takes the request) and the worker processes, as on one machine.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.registry.db import Document, Job
from api.settings import Settings
from tests.api.service import BODY, XLSX, running, workbook
from tests.conftest import REPO
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow


def _env(settings: Settings, **more: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO),
        HOSO_DATA_DIR=str(settings.data_dir),
        HOSO_PKI_URL=settings.pki_url,
        HOSO_PUBLIC_BASE_URL=str(settings.public_base_url),
        HOSO_CONVERTER_SIZE="1",
        **more,
    )
    if settings.trust_roots_dir is not None:
        env["HOSO_TRUST_ROOTS_DIR"] = str(settings.trust_roots_dir)
    return env


@contextmanager
def _worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import app; app()", "worker"],
        env=env,
        cwd=REPO,
        start_new_session=True,  # its own process group: LibreOffice dies with it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_a_worker_killed_mid_job_is_replaced_and_the_dossier_is_whole(
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
            r = clerk.post("/api/dossiers", json={"body": BODY, "year": 2026})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        sessions = service.services.sessions

        def job() -> Job:
            with sessions() as session:
                found = session.get(Job, job_id)
                assert found is not None
                return found

        with _worker(_env(service.settings)) as first:
            deadline = time.monotonic() + 120
            while job().done < 1:
                assert first.poll() is None and time.monotonic() < deadline, "no progress"
                time.sleep(0.05)
            left = [p for p in Path(tempfile.gettempdir()).glob(f"hoso-*-{first.pid}-*")]
            assert any(p.name.startswith("hoso-gen-") for p in left), left
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        assert all(p.exists() for p in left)  # what the killed worker left behind
        killed = job()
        assert (killed.state, killed.attempts) == ("running", 1)
        assert 1 <= killed.done < killed.total
        with sessions() as session:
            assert session.scalar(select(func.count(Document.id))) == 0  # one transaction

        time.sleep(1.5)  # the lease of the second worker's settings runs out
        with _worker(_env(service.settings, HOSO_JOB_LEASE_SECONDS="1")) as second:
            deadline = time.monotonic() + 300
            while job().state not in ("done", "failed"):
                assert second.poll() is None and time.monotonic() < deadline, "not redelivered"
                time.sleep(0.1)
            os.killpg(second.pid, signal.SIGINT)  # a graceful stop
            second.wait(timeout=60)
        assert not any(p.exists() for p in left), left  # cleared by the second one's start
        finished = job()
        assert (finished.state, finished.attempts, finished.error) == ("done", 2, None)
        assert finished.done == finished.total == len(finished.result["documents"])
        with sessions() as session:
            documents = session.scalars(select(Document)).all()
        keys = [(d.dossier, d.kind, d.unit_id) for d in documents]
        assert len(keys) == len(set(keys)) == finished.total
        assert sorted(d.id for d in documents) == sorted(finished.result["documents"])
        assert all(d.number is None and d.status == "draft" for d in documents)
        work = service.settings.data_dir / "work"
        for d in documents:
            found = [p for p in work.rglob(d.sha256 + "*") if p.is_file()]
            assert found and hashlib.sha256(found[0].read_bytes()).hexdigest() == d.sha256


def test_a_worker_killed_mid_batch_verification_is_replaced_and_the_verdicts_hold(
    setting: Setting, tmp_path: Path
) -> None:
    """Bulk verification (a public job, owned by its token): SIGKILLed after its first file,
    its files wait in the data folder; the next worker verifies them all again, the same
    verdicts in the order sent, and removes them."""
    from tests.signing_setting import issued, signed_by

    pdf = issued(setting, signed_by(setting, "ubnd-hai-phong--chu-tich"))
    changed = bytearray(pdf)
    changed[changed.index(b"stream") + 20] ^= 0xFF
    files = [
        ("files", (f"van-ban-{n:02d}.pdf", pdf if n % 2 == 0 else bytes(changed)))
        for n in range(12)
    ]
    expected = ["TOTAL_PASSED" if n % 2 == 0 else "TOTAL_FAILED" for n in range(12)]
    with running(setting, tmp_path, queue_embedded=False) as service:
        with service.client() as client:
            r = client.post("/api/verify/batch", files=files)
        assert r.status_code == 202, r.text
        job_id, token = r.json()["id"], r.json()["token"]
        folder = service.settings.data_dir / "uploads" / f"job-{job_id}"
        sessions = service.services.sessions

        def job() -> Job:
            with sessions() as session:
                found = session.get(Job, job_id)
                assert found is not None
                return found

        with _worker(_env(service.settings)) as first:
            deadline = time.monotonic() + 120
            while job().done < 1:
                assert first.poll() is None and time.monotonic() < deadline, "no progress"
                time.sleep(0.02)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        killed = job()
        assert (killed.state, killed.attempts) == ("running", 1)
        assert 1 <= killed.done < killed.total == 12
        assert len(list(folder.iterdir())) == 12  # kept for the rerun

        time.sleep(1.5)  # the lease of the second worker's settings runs out
        with _worker(_env(service.settings, HOSO_JOB_LEASE_SECONDS="1")) as second:
            deadline = time.monotonic() + 300
            while job().state not in ("done", "failed"):
                assert second.poll() is None and time.monotonic() < deadline, "not redelivered"
                time.sleep(0.1)
            os.killpg(second.pid, signal.SIGINT)
            second.wait(timeout=60)
        finished = job()
        assert (finished.state, finished.attempts, finished.error) == ("done", 2, None)
        got = finished.result["files"]
        assert [f["file"] for f in got] == [name for _, (name, _) in files]
        assert [f["indication"] for f in got] == expected
        assert not folder.exists()
        with service.client() as client:
            read = client.get(f"/api/jobs/{job_id}", headers={"X-Job-Token": token}).json()
        assert [f["indication"] for f in read["files"]] == expected
        assert read["progress_vi"] == "Đã xong" and read["progress"] == "12/12"
