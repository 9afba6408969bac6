"""`hoso backup` and `hoso restore` on SQLite and on PostgreSQL: a service with issued
documents (one sealed for the archive), a signed draft and its audit log is backed up into one
file, restored into an empty data folder (and an empty database), and `hoso archive check`
finds no discrepancy there; a folder that is not empty and a damaged backup are refused with
nothing written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tarfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.registry import numbering as registry
from api.registry.db import AuditEntry, Document, Job
from api.settings import Settings, get_settings
from api.workflow import archive, jobs, preservation
from api.workflow.services import build_services
from api.workflow.users import add_user
from tests.databases import postgresql_registry
from tests.signing_setting import Setting, issued, signed_by, write_root

pytestmark = pytest.mark.slow

BODY = "ubnd-hai-phong"
DAY = dt.date(2026, 12, 5)


def _counts(settings: Settings) -> tuple[int, int, list[str]]:
    services = build_services(settings)
    with services.sessions() as session:
        documents = session.scalar(select(func.count()).select_from(Document)) or 0
        entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        digests = sorted(d or "" for d in session.scalars(select(Document.sha256)))
    services.sessions.kw["bind"].dispose()
    return documents, entries, digests


def _fill(settings: Settings, setting: Setting) -> None:
    """Two issued Quyết định (the second sealed for the archive) and a signed draft."""
    services = build_services(settings)
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    ids = []
    for n in (1, 2):

        def make(number: int, n: int = n) -> bytes:
            pdf = issued(setting, signed, number=n)
            services.archive.put(pdf)
            return pdf

        done = registry.record_issue(
            services.sessions,
            body=BODY,
            type_code="QĐ",
            issued_on=DAY,
            make=make,
            actor="user:vanthu.haiphong",
            subject=f"Về việc công nhận (bản {n})",
        )
        ids.append(done.document_id)
    archive.archive_document(
        services.sessions,
        services.archive,
        ids[1],
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
        actor="user:vanthu.haiphong",
    )
    # Renewed: the registry names the new copy, the audit log the one before (a record too).
    timestamped = dataclasses.replace(
        services, tsa_url=setting.urls["tsa"], context=setting.context
    )
    now = dt.datetime.now(dt.UTC)
    renewed = preservation.renew_due(
        timestamped,
        body=BODY,
        within=dt.timedelta(days=36500),
        now=now,
        since=now,
        actor="user:vanthu.haiphong",
    )
    assert renewed.done == [ids[1]]
    # A job queued an hour ago whose message is in the queue's file, which a backup leaves out.
    jobs.job_queue(settings, services)
    with services.sessions.begin() as session:
        user, _ = add_user(
            session, login="vanthu.haiphong", name="Phạm Thu Hà", role="van_thu", body=BODY
        )
        session.flush()
        session.add(
            Job(
                user_id=user.id,
                kind="archive_seal",
                key="backup-test",
                inputs={"body": BODY, "year": 2026},
                state="queued",
                result={},
                created_at=now - dt.timedelta(hours=1),
            )
        )
    with services.sessions.begin() as session:
        session.add(
            Document(
                issuing_body_id=BODY,
                type_code="QĐ",
                year=2026,
                notation="QĐ-UBND",
                status="signed",
                subject="Về việc công nhận (chưa ban hành)",
                sha256=services.drafts.put(signed),
            )
        )
    services.sessions.kw["bind"].dispose()


class _Recorded:
    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def enqueue(self, job_id: int) -> None:
        self.ids.append(job_id)


class Cli:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, roots: Path) -> None:
        self.monkeypatch = monkeypatch
        self.runner = CliRunner()
        monkeypatch.setenv("HOSO_TRUST_ROOTS_DIR", str(roots))
        monkeypatch.delenv("HOSO_STORE_DIR", raising=False)

    def run(self, data_dir: Path, url: str | None, *args: str) -> tuple[int, str, str]:
        from api.cli.main import app

        self.monkeypatch.setenv("HOSO_DATA_DIR", str(data_dir))
        if url is None:
            self.monkeypatch.delenv("HOSO_DATABASE_URL", raising=False)
        else:
            self.monkeypatch.setenv("HOSO_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            done = self.runner.invoke(app, list(args))
        finally:
            get_settings.cache_clear()
        return done.exit_code, " ".join(done.stdout.split()), " ".join(done.stderr.split())


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, setting: Setting, tmp_path: Path) -> Iterator[Cli]:
    yield Cli(monkeypatch, write_root(tmp_path / "roots", setting.root.dump()))


def _postgresql() -> AbstractContextManager[str]:
    return postgresql_registry()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_backup_restore_then_archive_check_is_clean(
    database: str, cli: Cli, setting: Setting, tmp_path: Path
) -> None:
    source_db: AbstractContextManager[str | None] = (
        nullcontext(None) if database == "sqlite" else _postgresql()
    )
    target_db: AbstractContextManager[str | None] = (
        nullcontext(None) if database == "sqlite" else _postgresql()
    )
    with source_db as source_url, target_db as target_url:
        source = Settings(data_dir=tmp_path / "source", database_url=source_url)
        _fill(source, setting)
        before = _counts(source)
        assert before[0] == 3

        out = tmp_path / "sao-luu.tar"
        code, said, err = cli.run(source.data_dir, source_url, "backup", str(out))
        assert code == 0, err
        assert f"cơ sở dữ liệu {database}" in said and "5 tệp văn bản" in said
        with tarfile.open(out) as tar:
            names = tar.getnames()
        assert names[0] == "manifest.json" and "data/secret.key" in names
        assert not any("queue" in n for n in names)  # the registry's jobs table is the truth
        stored = [n for n in names if n.startswith("store/")]
        assert len(stored) == 4  # two issued files, the archived one and its renewal
        assert sum(n.startswith("work/") for n in names) == 1  # the signed draft
        assert out.stat().st_mode & 0o077 == 0  # it holds the secret key

        # Not into a folder that holds anything: named, and nothing written.
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "ghi-chu.txt").write_text("x")
        code, _, err = cli.run(busy, target_url, "restore", str(out))
        assert code == 2 and f"Thư mục dữ liệu {busy}" in err and "không trống" in err
        assert sorted(p.name for p in busy.iterdir()) == ["ghi-chu.txt"]

        target = Settings(data_dir=tmp_path / "target", database_url=target_url)
        code, said, err = cli.run(target.data_dir, target_url, "restore", str(out))
        assert code == 0, err
        assert "Đã khôi phục" in said
        assert _counts(target) == before
        assert (target.data_dir / "secret.key").read_bytes() == source.secret()

        code, said, err = cli.run(target.data_dir, target_url, "archive", "check")
        assert code == 0, said + err
        assert "Đã kiểm tra 3 văn bản: không có sai lệch." in said

        # The job queued at backup time is queued again by the restored service's recovery.
        restored = build_services(target)
        recorded: list[int] = []
        restored.queue = _Recorded(recorded)
        again = jobs.recover(restored, lease=dt.timedelta(minutes=2))
        assert len(again) == 1 and recorded == again
        restored.sessions.kw["bind"].dispose()

        # The restored registry goes on numbering: the next số, a new row (sequences too).
        services = build_services(target)
        done = registry.record_issue(
            services.sessions,
            body=BODY,
            type_code="QĐ",
            issued_on=DAY,
            make=lambda number: issued(
                setting, signed_by(setting, "ubnd-hai-phong--chu-tich"), number=number
            ),
            actor="user:vanthu.haiphong",
        )
        assert done.number == 3
        services.sessions.kw["bind"].dispose()


def test_a_damaged_backup_is_refused_and_nothing_is_written(
    cli: Cli, setting: Setting, tmp_path: Path
) -> None:
    source = Settings(data_dir=tmp_path / "source")
    _fill(source, setting)
    out = tmp_path / "sao-luu.tar"
    assert cli.run(source.data_dir, None, "backup", str(out))[0] == 0
    damaged = tmp_path / "hong.tar"
    with tarfile.open(out) as tar, tarfile.open(damaged, "w") as copy:
        for member in tar.getmembers():
            data = tar.extractfile(member)
            assert data is not None
            body = data.read()
            if member.name.startswith("store/"):
                body = body[:-10] + b"0123456789"
            member.size = len(body)
            import io

            copy.addfile(member, io.BytesIO(body))
    target = tmp_path / "target"
    code, _, err = cli.run(target, None, "restore", str(damaged))
    assert code == 2 and "bị hỏng (sai SHA-256)" in err
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hoso-restore-")]
    code, _, err = cli.run(target, None, "restore", str(tmp_path / "khong-co.tar"))
    assert code == 2 and "Không có tệp sao lưu" in err
