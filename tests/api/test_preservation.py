"""Sealing and renewing the archive of a body as jobs of the queue (api/workflow/preservation.py)
through the API of the shared service: the văn thư seals every document issued in 2049 and not
archived yet (202, a job with progress, each document archived and audited, a second run seals
nothing); renewing 2050's archived QĐ with the session's PKI (its TSA certificate expires
within the days asked) stores the renewed copy beside the previous one, which the store check
and the sweep keep as a record; the daily run renews nothing already renewed today. Who may:
a văn thư for their own body, an admin for any; a clerk never.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.registry import crash
from api.registry.db import AuditEntry, Document
from api.workflow import archive_check, jobs, preservation, tasks
from api.workflow.issue_date import VIETNAM
from signing import archive as sealing
from tests.api.service import BODY, CHAIR_P12, SEAL_P12, Service, generated
from tests.conftest import REPO
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow

SEALED_YEAR, RENEWED_YEAR = 2049, 2050  # years of their own in the shared service


def _issued(service: Service, year: int, kinds: tuple[str, ...]) -> list[int]:
    """The documents of `kinds` of Hải Phòng's `year` dossier, generated, signed and issued."""
    documents = generated(service, year)
    with service.client("clerk") as clerk:
        made = [d for d in documents if d["kind"] in kinds]
        assert len(made) == len(kinds)
        for d in made:
            assert clerk.post(f"/api/documents/{d['id']}/send").status_code == 200
    chair, seal = service.key(CHAIR_P12), service.key(SEAL_P12)
    with service.client("signer") as signer, service.client("van_thu") as van_thu:
        for d in made:
            r = signer.post(f"/api/documents/{d['id']}/sign", **chair)
            assert r.status_code == 200, r.text
            r = van_thu.post(
                f"/api/documents/{d['id']}/issue",
                files=seal["files"],
                data={**seal["data"], "date": f"{year}-12-05"},
            )
            assert r.status_code == 200, r.text
    return [int(d["id"]) for d in made]


def _finished(service: Service, who: str, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    with service.client(who) as user:
        while time.monotonic() < deadline:
            job: dict[str, Any] = user.get(url).json()
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.1)
    raise AssertionError(f"{url} did not finish")


def _document(service: Service, document_id: int) -> Document:
    with service.services.sessions() as session:
        found = session.get(Document, document_id)
        assert found is not None
        session.expunge(found)
        return found


def test_the_van_thu_seals_a_years_issued_documents_as_a_job(service: Service) -> None:
    ids = _issued(service, SEALED_YEAR, ("quyet-dinh", "ke-hoach"))
    with service.client("van_thu") as van_thu:
        r = van_thu.post("/api/archive/seal", json={"year": SEALED_YEAR})
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == r.json()["url"]
    assert r.json()["kind"] == "archive_seal"
    job = _finished(service, "van_thu", r.json()["url"])
    assert job["state"] == "done", job
    assert sorted(job["documents"]) == sorted(ids) and job["failed"] == []
    assert job["done"] == job["total"] == 2 and job["progress"] == "2/2"
    for document_id in ids:
        document = _document(service, document_id)
        assert document.status == "archived" and document.archived_sha256
        assert document.archived_sha256 != document.sha256
        # Sealed beside the issued file, which stays: what recipients received.
        assert service.services.archive.exists(document.sha256 or "")
        assert sealing.last_timestamp_expiry(service.services.archive.get(document.archived_sha256))
    with service.services.sessions() as session:
        actors = session.scalars(
            select(AuditEntry.actor).where(
                AuditEntry.action == "archive", AuditEntry.document_id.in_(ids)
            )
        ).all()
    assert sorted(actors) == ["user:vanthu.haiphong"] * 2

    # Again: nothing left to seal, nothing sealed twice.
    with service.client("van_thu") as van_thu:
        r = van_thu.post("/api/archive/seal", json={"year": SEALED_YEAR})
    again = _finished(service, "van_thu", r.json()["url"])
    assert again["state"] == "done" and again["documents"] == [] and again["total"] == 0


def test_progress_reads_as_the_pages_show_it() -> None:
    moment = dt.datetime.now(dt.UTC)
    view = jobs.JobView(5, "archive_seal", "running", 3, 12, {}, None, moment, None)
    assert view.progress_vi == "Đang niêm phong lưu trữ 3/12"


@pytest.mark.parametrize(
    ("who", "given", "field"),
    [
        ("clerk", {"year": SEALED_YEAR}, "role"),
        ("archivist", {"year": SEALED_YEAR}, "role"),
        ("van_thu", {"year": SEALED_YEAR, "body": "ca-hai-phong"}, "body"),
        ("admin", {"year": SEALED_YEAR}, "body"),  # an admin names the body
        ("admin", {"year": SEALED_YEAR, "body": "khong-co"}, "body"),
    ],
)
def test_who_may_seal_a_bodys_archive(
    service: Service, who: str, given: dict[str, Any], field: str
) -> None:
    with service.client(who) as user:
        r = user.post("/api/archive/seal", json=given)
    assert r.status_code in (400, 403, 404, 422), r.text
    assert r.json()["field"] == field
    assert r.json()["message_vi"]


def test_renewal_stores_the_renewed_copy_beside_the_previous_one(
    service: Service, setting: Setting
) -> None:
    (decision,) = _issued(service, RENEWED_YEAR, ("quyet-dinh",))
    # Sealed from the command line: the registry's documents of the year, with a progress bar.
    run = _hoso(service, "archive", "seal", "--year", str(RENEWED_YEAR), "--body", BODY)
    assert run.returncode == 0, run.stderr
    assert "Niêm phong lưu trữ: 1 văn bản; 0 không cần; 0 không thực hiện được." in run.stdout
    previous = _document(service, decision).archived_sha256
    assert previous is not None
    old = service.services.archive.get(previous)
    expiry = sealing.last_timestamp_expiry(old)
    assert expiry is not None
    # Due: the session PKI's TSA certificate expires within the days asked.
    days = (expiry - dt.datetime.now(dt.UTC)).days + 30
    with service.client("admin") as admin:
        r = admin.post(
            "/api/archive/renew", json={"body": BODY, "year": RENEWED_YEAR, "within_days": days}
        )
    assert r.status_code == 202, r.text
    job = _finished(service, "admin", r.json()["url"])
    assert job["state"] == "done" and job["documents"] == [decision], job
    renewed = _document(service, decision).archived_sha256
    assert renewed is not None and renewed != previous
    new = service.services.archive.get(renewed)
    assert new.startswith(old)  # the previous copy followed by the new revisions
    assert service.services.archive.get(previous) == old  # never changed in place
    with service.services.sessions() as session:
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "renew", AuditEntry.document_id == decision
            )
        )
        assert entry is not None
        assert entry.actor == "user:quantri"
        assert entry.detail["previous_sha256"] == previous
        assert entry.detail["archived_sha256"] == renewed

    # The previous copy is a record: the check names nothing about it, the sweep keeps it.
    report = archive_check.check_store(
        service.services.sessions,
        service.services.archive,
        trust_roots=[setting.root],
        body=BODY,
    )
    assert not [p for p in report.problems if previous in p.subject], report.problems
    assert previous not in report.set_aside and service.services.archive.exists(previous)

    # The daily run renews nothing renewed today, however often it comes.
    now = dt.datetime.now(dt.UTC)
    today = dt.datetime.combine(now.astimezone(VIETNAM).date(), dt.time(), VIETNAM)
    again = preservation.renew_due(
        service.services,
        body=BODY,
        year=RENEWED_YEAR,
        within=dt.timedelta(days=days),
        now=now,
        since=today,
        actor="system:test",
    )
    assert again.done == [] and again.skipped == [decision]
    assert _document(service, decision).archived_sha256 == renewed
    daily = tasks.renew_today(service.services, service.settings)  # the queue's daily task
    assert decision in daily.skipped and daily.done == [] and daily.failed == []

    # Asked for from the command line, it is renewed again: a third copy, the two before kept.
    run = _hoso(
        service, "archive", "renew", "--year", str(RENEWED_YEAR), "--within-days", str(days)
    )
    assert run.returncode == 0, run.stderr
    assert "Gia hạn dấu thời gian lưu trữ: 1 văn bản" in run.stdout
    third = _document(service, decision).archived_sha256
    assert third not in (None, previous, renewed)
    assert all(service.services.archive.exists(h) for h in (previous, renewed))
    with service.services.sessions() as session:
        assert crash.superseded(session) >= {previous, renewed}


def _hoso(service: Service, *args: str) -> subprocess.CompletedProcess[str]:
    settings = service.settings
    env = {
        **os.environ,
        "HOSO_DATA_DIR": str(settings.data_dir),
        "HOSO_PKI_URL": settings.pki_url,
        "HOSO_PUBLIC_BASE_URL": str(settings.public_base_url),
        "HOSO_TRUST_ROOTS_DIR": str(settings.trust_roots_dir),
    }
    hoso = str(Path(sys.executable).parent / "hoso")
    return subprocess.run(
        [hoso, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_van_thu_renews_only_their_own_bodys_archive(service: Service) -> None:
    with service.client("van_thu") as van_thu:
        r = van_thu.post("/api/archive/renew", json={"body": "ca-hai-phong", "within_days": 30})
    assert r.status_code == 403 and r.json()["field"] == "body"
    with service.client("clerk") as clerk:
        r = clerk.post("/api/archive/renew", json={"within_days": 30})
    assert r.status_code == 403 and r.json()["field"] == "role"
