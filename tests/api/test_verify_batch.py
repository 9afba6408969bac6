"""Bulk verification as a job (POST /api/verify/batch): a valid, a tampered and a non-PDF file
get their three verdicts through the real queue; only the holder of the job's token reads it;
the count and size limits are refused naming the field; the same files from the same caller are
the same job while it is active; a job whose worker died is recovered and its rerun gives the
same verdicts; the uploaded files are gone once the job has finished.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.registry.db import Job
from api.workflow import jobs
from tests.api.service import Service, running
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow

NOT_PDF = b"Bien ban hop, ban giay scan lai\n" * 20


@pytest.fixture(scope="module")
def sizes(issued_pdf: bytes) -> dict[str, int]:
    """Limits that the three files pass and four files, three issued ones, or a file a few
    kilobytes longer than the issued one do not."""
    return {
        "batch_files": 3,
        "batch_limit": 2 * len(issued_pdf) + 4096,
        "upload_limit": len(issued_pdf) + 1024,
    }


@pytest.fixture(scope="module")
def service(
    setting: Setting, tmp_path_factory: pytest.TempPathFactory, sizes: dict[str, int]
) -> Iterator[Service]:
    with running(setting, tmp_path_factory.mktemp("batch"), **sizes) as served:
        yield served


@pytest.fixture(scope="module")
def idle(
    setting: Setting, tmp_path_factory: pytest.TempPathFactory, sizes: dict[str, int]
) -> Iterator[Service]:
    """A service whose jobs wait: no consumer runs them (as while `hoso worker` is down)."""
    with running(setting, tmp_path_factory.mktemp("idle"), queue_embedded=False, **sizes) as served:
        yield served


def _three(issued_pdf: bytes, tampered_pdf: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", ("quyết định 06.pdf", issued_pdf, "application/pdf")),
        ("files", ("sua-doi.pdf", tampered_pdf, "application/pdf")),
        ("files", ("bien-ban.txt", NOT_PDF, "text/plain")),
    ]


def _until_finished(client: httpx.Client, url: str, token: str, seen: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = client.get(url, headers={"X-Job-Token": token})
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        seen.add(job["progress_vi"])
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"{url} did not finish")


def test_three_files_get_three_verdicts_and_leave_no_upload(
    service: Service, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    with service.client() as client:
        r = client.post("/api/verify/batch", files=_three(issued_pdf, tampered_pdf))
        assert r.status_code == 202, r.text
        made = r.json()
        assert r.headers["location"] == made["url"] == f"/api/jobs/{made['id']}"
        assert made["kind"] == "verify" and len(made["token"]) >= 32
        seen: set[str] = set()
        job = _until_finished(client, made["url"], made["token"], seen)
    assert job["state"] == "done", job["error"]
    assert job["progress"] == "3/3" and job["progress_vi"] == "Đã xong"
    assert seen <= {"Đang chờ đến lượt", "Đã xong"} | {f"Đang xác minh {n}/3" for n in range(4)}
    valid, tampered, text = job["files"]
    assert valid["file"] == "quyết định 06.pdf"
    assert valid["indication"] == "TOTAL_PASSED" and valid["passed"]
    assert valid["level"] == "B-LT" and len(valid["signatures"]) == 2
    assert tampered["file"] == "sua-doi.pdf"
    assert tampered["indication"] == "TOTAL_FAILED" and not tampered["passed"]
    assert tampered["message_vi"] != valid["message_vi"]
    assert text["file"] == "bien-ban.txt"
    assert text["indication"] == "TOTAL_FAILED" and text["signatures"] == []
    assert "not a readable PDF" in text["message"]
    # The same report shape as POST /api/verify gives for one file.
    with service.client() as client:
        one = client.post("/api/verify", files={"file": ("qd.pdf", issued_pdf)}).json()
    assert set(one) == set(valid) - {"file"}
    assert one["indication"] == valid["indication"] and one["sha256"] == valid["sha256"]
    uploads = service.settings.data_dir / "uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_only_the_token_holder_reads_the_job(
    service: Service, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    with service.client() as client:
        r = client.post("/api/verify/batch", files=_three(issued_pdf, tampered_pdf)[1:])
        assert r.status_code == 202, r.text
        made = r.json()
        url = made["url"]
        assert client.get(url).status_code == 401
        other = client.get(url, headers={"X-Job-Token": "x" * 43})
        assert other.status_code == 404 and other.json()["field"] == "job_id"
        assert "sua-doi.pdf" not in other.text
        # Another client's own job token reads its job, not this one.
        r = client.post("/api/verify/batch", files=_three(issued_pdf, tampered_pdf)[2:])
        theirs = r.json()["token"]
        assert client.get(url, headers={"X-Job-Token": theirs}).status_code == 404
        assert client.get(url, headers={"X-Job-Token": made["token"]}).status_code == 200
    with service.client("clerk") as clerk:  # a signed-in user who is not its owner
        assert clerk.get(url).status_code == 404


@pytest.mark.parametrize(
    ("extra", "status", "words"),
    [
        (["files"], 422, "at most 3 files"),
        (["size"], 413, "files together are larger"),
        (["each"], 413, "is larger than the limit of"),
    ],
)
def test_limits_are_refused_naming_the_field(
    service: Service,
    issued_pdf: bytes,
    tampered_pdf: bytes,
    extra: list[str],
    status: int,
    words: str,
) -> None:
    files = _three(issued_pdf, tampered_pdf)
    if extra == ["files"]:
        files.append(("files", ("them.pdf", b"%PDF-1.7\n", "application/pdf")))
    elif extra == ["size"]:
        files[2] = ("files", ("ban-sao.pdf", issued_pdf, "application/pdf"))
    else:
        files[1] = ("files", ("dai.pdf", issued_pdf + b"\n" * 2048, "application/pdf"))
    with service.client() as client:
        r = client.post("/api/verify/batch", files=files)
        assert r.status_code == status, r.text
        assert r.json()["field"] == "files" and words in r.json()["message"]
        assert r.json()["message_vi"]
        r = client.post("/api/verify/batch", data={"note": "không có tệp"}, files={})
        assert r.status_code in (415, 422)
        r = client.post(
            "/api/verify/batch",
            files={"other": ("x.pdf", issued_pdf, "application/pdf")},
        )
        assert r.status_code == 422 and r.json()["field"] == "files"
    incoming = service.settings.data_dir / "uploads" / "incoming"
    assert not incoming.exists() or not any(incoming.iterdir())


def test_same_files_same_job_and_a_lost_worker_is_recovered(
    idle: Service, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    files = _three(issued_pdf, tampered_pdf)
    with idle.client() as client:
        first = client.post("/api/verify/batch", files=files).json()
        token = first["token"]
        again = client.post("/api/verify/batch", files=files, headers={"X-Job-Token": token})
        assert again.status_code == 202 and again.json()["id"] == first["id"]
        other = client.post("/api/verify/batch", files=files).json()  # another caller
        assert other["id"] != first["id"]
    svc = idle.services
    folder = idle.settings.data_dir / "uploads" / f"job-{first['id']}"
    assert sorted(p.name for p in folder.iterdir()) == ["0.pdf", "1.pdf", "2.pdf"]
    jobs.run(svc, first["id"])
    done = jobs.get_public_job(svc, token, first["id"])
    assert done.state == "done" and not folder.exists()
    verdicts = [(f["file"], f["indication"], f["message"]) for f in done.result["files"]]
    assert [v[1] for v in verdicts] == ["TOTAL_PASSED", "TOTAL_FAILED", "TOTAL_FAILED"]

    # The other caller's job: its worker "dies" mid-way (running, its files kept, the heartbeat
    # stopped); recovery queues it again and the rerun gives the same verdicts.
    with svc.sessions.begin() as session:
        job = session.get(Job, other["id"])
        assert job is not None
        job.state, job.done, job.total = "running", 1, 3
    assert jobs.recover(svc, lease=dt.timedelta(0)) == [other["id"]]
    jobs.run(svc, other["id"])
    rerun = jobs.get_public_job(svc, other["token"], other["id"])
    assert rerun.state == "done" and rerun.progress == "3/3"
    assert [(f["file"], f["indication"], f["message"]) for f in rerun.result["files"]] == verdicts
    with svc.sessions() as session:
        rows = session.scalars(select(Job).where(Job.kind == "verify")).all()
        assert all(r.user_id is None and r.token_hash for r in rows)
        assert token not in {r.token_hash for r in rows}  # only its hash is kept
    assert not [p for p in (idle.settings.data_dir / "uploads").rglob("*") if p.is_file()]


def test_the_public_page_checks_many_files_for_this_browser_only(
    service: Service, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    with service.client() as browser:
        page = browser.get("/xac-minh")
        assert 'name="files"' in page.text and "multiple" in page.text
        assert "Tối đa 3 tệp" in page.text
        r = browser.post("/xac-minh/nhieu-tep", files=_three(issued_pdf, tampered_pdf))
        assert r.status_code == 303, r.text
        where = r.headers["location"]
        assert where.startswith("/xac-minh/viec/")
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/xac-minh" in cookie
        deadline = time.monotonic() + 120
        while browser.get(f"{where}/tien-do").json()["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        done = browser.get(where)
        assert done.status_code == 200
        assert "1/3 tệp có chữ ký số hợp lệ" in done.text
        for name in ("quyết định 06.pdf", "sua-doi.pdf", "bien-ban.txt"):
            assert name in done.text
        assert done.text.count("Không hợp lệ") == 2 and done.text.count(">Hợp lệ<") == 1
        assert 'id="tien-do"' not in done.text
        # The same files again from this browser while nothing runs: a new job, same cookie.
        again = browser.post("/xac-minh/nhieu-tep", files=_three(issued_pdf, tampered_pdf))
        assert again.headers["location"] != where
    with service.client() as stranger:  # another browser: no cookie, or its own
        assert stranger.get(where).status_code == 404
        assert stranger.get(f"{where}/tien-do").status_code == 404
