"""The archive's search and integrity check over a real registry: SQLite and two stores in a
temporary data folder, with Quyết định issued through `record_issue` (one of them sealed for
the archive), one of another body, and a signed and an unsigned draft in the drafts store.

Each test that damages something works on a copy of that folder (the database copied with
SQLite's backup API), so the check sees exactly one kind of damage at a time: a changed file,
a missing one, one that no longer verifies, a file no document names."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.registry import db
from api.registry import numbering as registry
from api.registry.store import LocalStore
from api.settings import get_settings
from api.workflow import archive, archive_check
from tests.databases import sqlite_registry
from tests.signing_setting import Setting, issued, signed_by, write_root

pytestmark = pytest.mark.slow

BODY, OTHER_BODY = "ubnd-hai-phong", "ubnd-bac-ninh"
DOSSIER = "2026/ubnd-hai-phong"
DAY = dt.date(2026, 12, 5)
SUBJECTS = {
    "a": "Về việc công nhận phường đạt tiêu chuẩn “An toàn về an ninh, trật tự” năm 2026",
    "b": "Về việc công nhận cơ quan, doanh nghiệp điển hình năm 2026",
    "other": "Triển khai phong trào toàn dân bảo vệ an ninh Tổ quốc năm 2026",
}


@dataclass(frozen=True)
class Folder:
    """A data folder: hoso.db, store/ (issued and archived files), work/ (drafts)."""

    path: Path
    ids: dict[str, int]
    sealed: str
    """SHA-256 of b's archived file."""
    sha256: dict[str, str]
    """The SHA-256 of each document's current file."""

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path / 'hoso.db'}"

    def sessions(self) -> sessionmaker[Session]:
        return db.session_factory(self.url)

    @property
    def store(self) -> LocalStore:
        return LocalStore(self.path / "store")

    @property
    def drafts(self) -> LocalStore:
        return LocalStore(self.path / "work")


@pytest.fixture(scope="module")
def made(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Folder:
    folder = tmp_path_factory.mktemp("archive-check")
    url = sqlite_registry(folder)
    sessions = db.session_factory(url)
    store, drafts = LocalStore(folder / "store"), LocalStore(folder / "work")
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    ids: dict[str, int] = {}
    sha256: dict[str, str] = {}
    for n, (key, subject) in enumerate(SUBJECTS.items(), start=1):
        body = OTHER_BODY if key == "other" else BODY

        def make(number: int, n: int = n) -> bytes:
            pdf = issued(setting, signed, number=n)  # distinct files, whichever body numbers
            store.put(pdf)
            return pdf

        done = registry.record_issue(
            sessions,
            body=body,
            type_code="KH" if key == "other" else "QĐ",
            issued_on=DAY,
            make=make,
            actor="văn thư",
            subject=subject,
        )
        with sessions.begin() as session:
            document = session.get(db.Document, done.document_id)
            assert document is not None
            document.dossier = f"2026/{body}"
        ids[key], sha256[key] = done.document_id, done.sha256
    with sessions.begin() as session:
        for key, status, pdf in (("signed", "signed", signed), ("draft", "draft", setting.draft)):
            draft = db.Document(
                issuing_body_id=BODY,
                type_code="QĐ",
                year=2026,
                notation="QĐ-UBND",
                status=status,
                subject="Về việc công nhận (chưa ban hành)",
                sha256=drafts.put(pdf),
                dossier=DOSSIER,
            )
            session.add(draft)
            session.flush()
            ids[key], sha256[key] = draft.id, draft.sha256 or ""
    sealed = archive.archive_document(
        sessions,
        store,
        ids["b"],
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
        actor="lưu trữ",
    )
    sessions.kw["bind"].dispose()
    return Folder(folder, ids, sealed, sha256)


@pytest.fixture
def copy(made: Folder, tmp_path: Path) -> Folder:
    """The module's folder copied: this test may damage it."""
    target = tmp_path / "data"
    target.mkdir()
    for name in ("store", "work"):
        shutil.copytree(made.path / name, target / name)
    with (
        sqlite3.connect(made.path / "hoso.db") as source,
        sqlite3.connect(target / "hoso.db") as copied,
    ):
        source.backup(copied)
    source.close()
    copied.close()
    return Folder(target, made.ids, made.sealed, made.sha256)


def _check(folder: Folder, setting: Setting, **options: object) -> archive_check.CheckReport:
    return archive_check.check_store(
        folder.sessions(),
        folder.store,
        trust_roots=[setting.root],
        online=True,
        drafts=folder.drafts,
        **options,  # type: ignore[arg-type]
    )


def _writable(path: Path) -> Path:
    path.chmod(0o644)  # the store keeps its files read-only
    return path


# ---- the check ---------------------------------------------------------------------------------


def test_an_intact_store_checks_clean_file_by_file(setting: Setting, made: Folder) -> None:
    heard: list[str] = []
    report = _check(made, setting, progress=lambda f: heard.append(f.name))
    assert report.clean and report.problems == ()
    assert report.documents == 5
    names = [f.name for f in report.files]
    draft, signed = f"#{made.ids['draft']} (draft)", f"#{made.ids['signed']} (signed)"
    assert names == [
        "01/QĐ-UBND",
        "02/QĐ-UBND",
        "02/QĐ-UBND (bản lưu trữ)",
        "01/KH-UBND",
        signed,
        draft,
    ]
    assert heard == names
    by_name = {f.name: f for f in report.files}
    assert by_name["02/QĐ-UBND (bản lưu trữ)"].sha256 == made.sealed
    assert by_name["02/QĐ-UBND (bản lưu trữ)"].status == "archived"
    assert by_name[draft].indication is None and by_name[draft].passed  # only its hash counts
    assert by_name[draft].name_vi == f"Văn bản #{made.ids['draft']} (dự thảo)"
    assert by_name["02/QĐ-UBND (bản lưu trữ)"].name_vi == "02/QĐ-UBND (bản lưu trữ)"
    assert all(f.passed for f in report.files)
    assert all(f.indication == "TOTAL_PASSED" for f in report.files if f.name != draft)


def test_one_body_checks_its_own_documents_and_no_other_file_is_unnamed(
    setting: Setting, made: Folder
) -> None:
    report = _check(made, setting, body=BODY)
    assert report.clean, report.problems
    assert report.documents == 4
    assert "01/KH-UBND" not in [f.name for f in report.files]  # of Bắc Ninh
    other = _check(made, setting, body=OTHER_BODY)
    assert other.clean and [f.name for f in other.files] == ["01/KH-UBND"]


def test_a_changed_file_is_named_by_its_so_ky_hieu(setting: Setting, copy: Folder) -> None:
    path = _writable(copy.store.path(copy.sha256["a"]))
    path.write_bytes(path.read_bytes() + b"%")
    report = _check(copy, setting)
    (problem,) = report.problems
    assert problem.subject == "01/QĐ-UBND"
    assert f"record {copy.sha256['a']} has changed on disk" in problem.message
    assert problem.message_vi.startswith(f"Bản lưu {copy.sha256['a']} đã bị thay đổi")
    assert "01/QĐ-UBND" not in [f.name for f in report.files]
    assert len(report.files) == 5


def test_missing_files_and_a_file_without_record_are_named(setting: Setting, copy: Folder) -> None:
    copy.store.path(copy.sealed).unlink()
    copy.drafts.path(copy.sha256["signed"]).unlink()
    stray = copy.store.put(b"%PDF-1.7\n% a file no document names\n")
    with copy.sessions().begin() as session:
        other = session.get(db.Document, copy.ids["other"])
        assert other is not None
        other.status = "archived"  # as if its seal had not been recorded
    report = _check(copy, setting)
    problems = {p.subject: p for p in report.problems}
    assert list(problems) == [
        "02/QĐ-UBND (bản lưu trữ)",
        "01/KH-UBND",
        f"#{copy.ids['signed']} (signed)",
        stray,
    ]
    assert problems["02/QĐ-UBND (bản lưu trữ)"].message_vi == (
        f"Không có bản lưu {copy.sealed} trong kho lưu trữ"
    )
    assert problems["01/KH-UBND"].message == "archived, but the registry has no archived file"
    assert problems["01/KH-UBND"].message_vi == "đã lưu trữ nhưng sổ đăng ký không ghi tệp lưu trữ"
    signed = problems[f"#{copy.ids['signed']} (signed)"]
    assert "not in the archive" in signed.message
    assert signed.subject_vi == f"Văn bản #{copy.ids['signed']} (đã ký, chưa ban hành)"
    assert problems[stray].subject_vi == stray
    assert problems[stray].message == "in the store without a record in the registry"
    assert "không văn bản nào trong sổ đăng ký ghi nhận" in problems[stray].message_vi
    assert not report.clean and report.documents == 5


def test_a_file_whose_signature_fails_is_named_with_the_reason(
    setting: Setting, copy: Folder
) -> None:
    pdf = bytearray(copy.store.get(copy.sha256["a"]))
    pdf[pdf.index(b"stream") + 20] ^= 0xFF  # one signed byte changed
    tampered = copy.store.put(bytes(pdf))
    with copy.sessions().begin() as session:
        document = session.get(db.Document, copy.ids["a"])
        assert document is not None
        document.sha256 = tampered  # the registry now names the tampered file
    report = _check(copy, setting)
    problems = {p.subject: p for p in report.problems}
    # The untampered issued file is no longer named by any document.
    assert list(problems) == ["01/QĐ-UBND", copy.sha256["a"]]
    failed = problems["01/QĐ-UBND"]
    assert failed.message.startswith("TOTAL_FAILED: ")
    assert failed.message_vi.startswith("chữ ký số không hợp lệ: ")
    (checked,) = [f for f in report.files if f.name == "01/QĐ-UBND"]
    assert checked.sha256 == tampered and not checked.passed


# ---- the command ---------------------------------------------------------------------------------


@pytest.fixture
def cli(
    setting: Setting, copy: Folder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    """`hoso` in this process on the copied folder (its work/ is the drafts store)."""
    roots = write_root(tmp_path / "roots", setting.root.dump())
    monkeypatch.setenv("HOSO_DATA_DIR", str(copy.path))
    monkeypatch.setenv("HOSO_TRUST_ROOTS_DIR", str(roots))
    monkeypatch.delenv("HOSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOSO_STORE_DIR", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_hoso_archive_check_prints_the_report(cli: CliRunner, copy: Folder) -> None:
    from api.cli.main import app

    clean = cli.invoke(app, ["archive", "check"])
    text = " ".join(clean.stdout.split())
    assert clean.exit_code == 0, clean.stdout + clean.stderr
    # In Vietnamese throughout: the files, their states and the reasons.
    assert "02/QĐ-UBND (bản lưu trữ) (đã lưu trữ): hợp lệ" in text
    assert f"Văn bản #{copy.ids['draft']} (dự thảo): nguyên vẹn (dự thảo chưa ký)" in text
    assert f"Văn bản #{copy.ids['signed']} (đã ký, chưa ban hành): hợp lệ" in text
    assert "(archived)" not in text and "(signed)" not in text
    assert "Đã kiểm tra 5 văn bản: không có sai lệch." in text

    path = _writable(copy.store.path(copy.sha256["b"]))
    path.write_bytes(b"%PDF-1.7 changed")
    damaged = cli.invoke(app, ["archive", "check"])
    assert damaged.exit_code == 1
    errors = " ".join(damaged.stderr.split())
    assert f"• 02/QĐ-UBND: Bản lưu {copy.sha256['b']} đã bị thay đổi" in errors
    assert "Đã kiểm tra 5 văn bản: 1 sai lệch." in " ".join(damaged.stdout.split())
    assert "Traceback" not in damaged.stdout + damaged.stderr


# ---- the search ----------------------------------------------------------------------------------


def _found(made: Folder, **criteria: object) -> list[str]:
    found = archive.find_records(made.sessions(), **criteria)  # type: ignore[arg-type]
    assert not found.truncated
    return [r.reference for r in found.records]


def test_the_search_finds_issued_documents_by_each_criterion(made: Folder) -> None:
    assert _found(made, body=BODY) == ["02/QĐ-UBND", "01/QĐ-UBND"]  # not the drafts
    assert _found(made, body=None) == ["02/QĐ-UBND", "01/KH-UBND", "01/QĐ-UBND"]
    assert _found(made, body=BODY, year=2026, type_code="QĐ") == ["02/QĐ-UBND", "01/QĐ-UBND"]
    assert _found(made, body=BODY, year=2025) == []
    assert _found(made, body=BODY, type_code="KH") == []
    assert _found(made, body=BODY, number=1) == ["01/QĐ-UBND"]
    assert _found(made, body=BODY, number=1, notation="qđ-ubnd") == ["01/QĐ-UBND"]
    assert _found(made, body=BODY, number=1, notation="TTr-UBND") == []
    (record,) = archive.find_records(made.sessions(), body=BODY, number=2).records
    assert record.status == "archived" and record.subject == SUBJECTS["b"]
    assert record.issued_on == DAY and record.dossier == DOSSIER and record.id == made.ids["b"]


@pytest.mark.parametrize(
    "typed",
    [
        "an toàn về an ninh",
        "AN TOÀN VỀ AN NINH",
        "an toan ve an ninh",
        unicodedata.normalize("NFD", "An toàn về  an ninh"),  # decomposed, two spaces
    ],
)
def test_the_trich_yeu_matches_without_case_or_diacritics(made: Folder, typed: str) -> None:
    assert _found(made, body=BODY, subject=typed) == ["01/QĐ-UBND"]


def test_the_search_lists_at_most_its_limit(made: Folder) -> None:
    found = archive.find_records(made.sessions(), body=None, limit=2)
    assert [r.reference for r in found.records] == ["02/QĐ-UBND", "01/KH-UBND"]
    assert found.truncated
    assert not archive.find_records(made.sessions(), body=None, limit=3).truncated


def test_holdings_name_what_can_be_exported(made: Folder) -> None:
    assert archive.holdings(made.sessions(), body=BODY) == ([2026], [DOSSIER])
    assert archive.holdings(made.sessions(), body=None) == (
        [2026],
        ["2026/ubnd-hai-phong", "2026/ubnd-bac-ninh"],
    )
    assert archive.holdings(made.sessions(), body="ubnd-lai-chau") == ([], [])
