"""The archive over a real registry: Quyết định issued through `record_issue` into SQLite and a
store, one of them sealed for the archive by `archive_document`, then exported per dossier and
per year (`export_package`, `hoso archive export`) and checked as an archivist would: the
checksums, the Phụ lục VI metadata and a TOTAL_PASSED report for every file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.registry import db
from api.registry import numbering as registry
from api.registry.store import LocalStore
from api.settings import get_settings
from api.workflow import archive
from docgen.errors import HosoError, NotFound, StateError
from tests.databases import sqlite_registry
from tests.signing_setting import Setting, issued, signed_by

pytestmark = pytest.mark.slow

DOSSIER = "2026/ubnd-hai-phong"
OTHER = "2026/ubnd-kien-an"
DAY = dt.date(2026, 12, 5)  # the day `issued` writes into the file
SUBJECTS = {
    "a": "Về việc công nhận xã, phường đạt tiêu chuẩn “An toàn về an ninh, trật tự” năm 2026",
    "b": "Về việc công nhận cơ quan, doanh nghiệp điển hình năm 2026",
    "c": "Về việc công nhận trường học an toàn năm 2026",
}
DOSSIERS = {"a": DOSSIER, "b": DOSSIER, "c": OTHER}


@dataclass(frozen=True)
class Registry:
    """A registry of its own: three issued QĐ of UBND thành phố Hải Phòng (a and b in DOSSIER,
    c in OTHER; b sealed for the archive), and a signed draft in DOSSIER not issued yet."""

    url: str
    sessions: sessionmaker[Session]
    store: LocalStore
    roots: Path
    ids: dict[str, int]
    files: dict[str, bytes]
    """The issued files (the signed one for the draft)."""
    sealed: str
    """SHA-256 of b's archived file."""


@pytest.fixture(scope="module")
def made(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    folder = tmp_path_factory.mktemp("registry")
    url = sqlite_registry(folder)
    sessions = db.session_factory(url)
    store = LocalStore(folder / "store")
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    ids: dict[str, int] = {}
    files: dict[str, bytes] = {}

    def make(number: int) -> bytes:
        pdf = issued(setting, signed, number=number)
        store.put(pdf)  # as `hoso issue` does: the file is kept before the record commits
        return pdf

    for key, subject in SUBJECTS.items():
        done = registry.record_issue(
            sessions,
            body="ubnd-hai-phong",
            type_code="QĐ",
            issued_on=DAY,
            make=make,
            actor="văn thư",
            subject=subject,
            signer_info="Chủ tịch Trần Minh Khôi",
        )
        with sessions.begin() as session:
            document = session.get(db.Document, done.document_id)
            assert document is not None
            document.dossier, document.kind = DOSSIERS[key], "quyet-dinh"
            document.title = "Quyết định công nhận"
            document.signer_title, document.signer_name = "CHỦ TỊCH", "Trần Minh Khôi"
            document.send_to = [{"line": "- Công an thành phố;", "name": "Công an thành phố"}]
        ids[key], files[key] = done.document_id, done.pdf
    with sessions.begin() as session:
        draft = db.Document(
            issuing_body_id="ubnd-hai-phong",
            type_code="QĐ",
            year=2026,
            notation="QĐ-UBND",
            status="signed",
            subject="Về việc công nhận (chưa ban hành)",
            sha256=store.put(signed),
            dossier=DOSSIER,
        )
        session.add(draft)
        session.flush()
        ids["draft"], files["draft"] = draft.id, signed
    sealed = archive.archive_document(
        sessions,
        store,
        ids["b"],
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
        actor="lưu trữ",
    )
    roots = folder / "roots"
    roots.mkdir()
    (roots / "root.pem").write_bytes(pem.armor("CERTIFICATE", setting.root.dump()))
    return Registry(url, sessions, store, roots, ids, files, sealed)


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def _check_sums(files: dict[str, bytes]) -> None:
    """What `sha256sum --strict -c SHA256SUMS` checks: every line well formed, every file
    listed there with its hash, and every other file of the export listed."""
    listed: dict[str, str] = {}
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(files) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name


def _documents(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    meta = json.loads(files["metadata.json"])
    return {d["file"]: d for d in meta["documents"]}


def _snapshot(made: Registry, document_id: int) -> tuple[Any, ...]:
    with made.sessions() as session:
        document = session.get(db.Document, document_id)
        assert document is not None
        audit = session.scalar(select(func.count()).select_from(db.AuditEntry))
        return (document.status, document.sha256, document.archived_sha256, audit)


def test_archiving_seals_the_issued_file_and_the_registry_finds_both(made: Registry) -> None:
    with made.sessions() as session:
        document = session.get(db.Document, made.ids["b"])
        assert document is not None
        assert document.status == "archived" and document.archived_sha256 == made.sealed
        assert document.sha256 == hashlib.sha256(made.files["b"]).hexdigest()
        (entry,) = session.scalars(
            select(db.AuditEntry).where(
                db.AuditEntry.document_id == document.id, db.AuditEntry.action == "archive"
            )
        )
        assert entry.actor == "lưu trữ" and entry.detail["archived_sha256"] == made.sealed
    sealed = made.store.get(made.sealed)
    assert sealed.startswith(made.files["b"])  # B-LTA: the issued file, then what preserves it
    lookup = registry.DatabaseLookup(made.sessions)
    for digest in (made.sealed, hashlib.sha256(made.files["b"]).hexdigest()):
        record = lookup.by_sha256(digest.upper())
        assert record is not None and record.number == "02/QĐ-UBND", digest
        assert record.status == "in force"


def test_only_an_issued_document_is_archived_and_a_refusal_changes_nothing(
    setting: Setting, made: Registry
) -> None:
    for key, status in (("draft", "signed"), ("b", "archived")):
        before = _snapshot(made, made.ids[key])
        stored = list(made.store.iter())
        with pytest.raises(StateError) as refused:
            archive.archive_document(
                made.sessions,
                made.store,
                made.ids[key],
                tsa_url=setting.urls["tsa"],
                context=setting.context(),
                actor="lưu trữ",
            )
        assert refused.value.field == "document_id"
        assert f"is {status}; only an issued document" in refused.value.message
        assert "chỉ văn bản đã ban hành" in refused.value.message_vi
        assert _snapshot(made, made.ids[key]) == before
        assert list(made.store.iter()) == stored
    with pytest.raises(NotFound, match="no document 9999"):
        archive.archive_document(
            made.sessions,
            made.store,
            9999,
            tsa_url=setting.urls["tsa"],
            context=setting.context(),
            actor="lưu trữ",
        )


def test_a_dossier_export_holds_its_issued_documents_checked(
    setting: Setting, made: Registry
) -> None:
    data = archive.export_package(
        made.sessions, made.store, dossier=DOSSIER, trust_roots=[setting.root]
    )
    files = _unzip(data)
    assert sorted(files) == [
        "01-qd-ubnd.pdf",
        "02-qd-ubnd.pdf",
        "SHA256SUMS",
        "metadata.json",
        "metadata.xml",
        "phieu-theo-doi/01-qd-ubnd.pdf",
        "phieu-theo-doi/02-qd-ubnd.pdf",
        "reports/01-qd-ubnd.json",
        "reports/02-qd-ubnd.json",
    ]
    _check_sums(files)
    # Each document's Phiếu theo dõi: its trail from the audit log, dated by its last event,
    # so the same registry exports the same bytes.
    trail = PdfReader(io.BytesIO(files["phieu-theo-doi/02-qd-ubnd.pdf"]))
    text = " ".join(" ".join(p.extract_text() or "" for p in trail.pages).split())
    assert "PHIẾU THEO DÕI VĂN BẢN" in text and "02/QĐ-UBND" in text
    assert "Ban hành (cấp số, ký số của cơ quan)" in text and "Niêm phong lưu trữ" in text
    again = archive.export_package(
        made.sessions, made.store, dossier=DOSSIER, trust_roots=[setting.root]
    )
    assert again == data
    assert files["01-qd-ubnd.pdf"] == made.files["a"]
    assert hashlib.sha256(files["02-qd-ubnd.pdf"]).hexdigest() == made.sealed  # the archived one
    documents = _documents(files)
    for name, key, ordinal in (("01-qd-ubnd.pdf", "a", 1), ("02-qd-ubnd.pdf", "b", 2)):
        record = documents[name]["metadata"]
        assert record["CodeNumber"] == name[:2] and record["CodeNotation"] == "QĐ-UBND"
        assert record["Subject"] == SUBJECTS[key] and record["DocOrdinal"] == ordinal
        assert record["IssuedDate"] == "2026-12-05" and record["TypeName"] == "Quyết định"
        assert record["OrganName"] == "Ủy ban nhân dân thành phố Hải Phòng"
        assert record["SignerInfo"] == {"Position": "Chủ tịch", "FullName": "Trần Minh Khôi"}
        assert record["FileCode"] == {
            "OrganId": "ubnd-hai-phong",
            "FileCatalog": 2026,
            "FileNotation": DOSSIER,
        }
        assert record["PageAmount"] >= 1 and record["To"] == [{"OrganName": "Công an thành phố"}]
        report = json.loads(files[f"reports/{name.removesuffix('.pdf')}.json"])
        assert report["indication"] == "TOTAL_PASSED", report["message"]
        assert report["sha256"] == documents[name]["sha256"]
    kinds = [s["kind"] for s in json.loads(files["reports/02-qd-ubnd.json"])["signatures"]]
    assert kinds == ["signature", "signature", "document timestamp"]
    xml_root = ET.fromstring(files["metadata.xml"])
    xml_docs = {d.get("file"): d for d in xml_root.iter("Document")}
    assert xml_docs["02-qd-ubnd.pdf"].findtext("Subject") == SUBJECTS["b"]
    assert xml_docs["02-qd-ubnd.pdf"].get("sha256") == made.sealed


def test_a_year_export_holds_every_dossier_of_that_year(setting: Setting, made: Registry) -> None:
    files = _unzip(
        archive.export_package(made.sessions, made.store, year=2026, trust_roots=[setting.root])
    )
    pdfs = sorted(
        n for n in files if n.endswith(".pdf") and not n.startswith(("reports/", "phieu-theo-doi/"))
    )
    assert sorted(n for n in files if n.startswith("phieu-theo-doi/")) == [
        f"phieu-theo-doi/{n}" for n in pdfs
    ]
    assert pdfs == [
        f"{DOSSIER}/01-qd-ubnd.pdf",
        f"{DOSSIER}/02-qd-ubnd.pdf",
        f"{OTHER}/03-qd-ubnd.pdf",
    ]  # not the signed draft: it has no số
    _check_sums(files)
    documents = _documents(files)
    assert {d["metadata"]["Subject"] for d in documents.values()} == set(SUBJECTS.values())
    other = documents[f"{OTHER}/03-qd-ubnd.pdf"]["metadata"]
    assert other["CodeNumber"] == "03" and other["DocOrdinal"] == 1  # first of its own file
    for name in pdfs:
        report = json.loads(files[f"reports/{name.removesuffix('.pdf')}.json"])
        assert report["indication"] == "TOTAL_PASSED", (name, report["message"])


def test_an_export_without_documents_or_selection_is_refused(
    setting: Setting, made: Registry
) -> None:
    with pytest.raises(NotFound, match="no issued document of 2025 to export") as empty:
        archive.export_package(made.sessions, made.store, year=2025, trust_roots=[setting.root])
    assert empty.value.field == "year" and "năm 2025" in empty.value.message_vi
    with pytest.raises(NotFound, match="in dossier 2026/khong-co") as unknown:
        archive.export_package(
            made.sessions, made.store, dossier="2026/khong-co", trust_roots=[setting.root]
        )
    assert unknown.value.field == "dossier"
    for selection in ({}, {"year": 2026, "dossier": DOSSIER}):
        with pytest.raises(HosoError, match="a year or a dossier"):
            archive.export_package(
                made.sessions,
                made.store,
                trust_roots=[setting.root],
                **selection,  # type: ignore[arg-type]
            )


@pytest.fixture
def cli(made: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """`hoso` in this process on the module's registry, store and trust roots."""
    for name, value in {
        "HOSO_DATA_DIR": str(tmp_path / "data"),
        "HOSO_DATABASE_URL": made.url,
        "HOSO_STORE_DIR": str(made.store.folder),
        "HOSO_TRUST_ROOTS_DIR": str(made.roots),
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_hoso_archive_export_writes_the_zip_once(cli: CliRunner, tmp_path: Path) -> None:
    from api.cli.main import app

    target = tmp_path / "exports" / "2026-ubnd-hai-phong.zip"
    args = ["archive", "export", "--dossier", DOSSIER, "--out", str(target)]
    done = cli.invoke(app, args)
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "Đã xuất 2 văn bản" in done.stdout
    first = target.read_bytes()
    files = _unzip(first)
    _check_sums(files)
    assert sorted(_documents(files)) == ["01-qd-ubnd.pdf", "02-qd-ubnd.pdf"]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left

    again = cli.invoke(app, args)
    assert again.exit_code == 2 and "đã có; bản xuất không ghi đè" in " ".join(again.stderr.split())
    assert target.read_bytes() == first

    empty = cli.invoke(app, ["archive", "export", "--year", "2025", "--out", str(tmp_path / "e")])
    assert empty.exit_code == 2
    assert "Sổ đăng ký không có văn bản đã ban hành nào" in " ".join(empty.stderr.split())
    assert not (tmp_path / "e").exists()


def test_hoso_archive_check_counts_the_archived_file_as_recorded(cli: CliRunner) -> None:
    from api.cli.main import app

    checked = cli.invoke(app, ["archive", "check"])
    text = " ".join((checked.stdout + checked.stderr).split())
    assert "không văn bản nào trong sổ đăng ký ghi nhận" not in text
    assert "02/QĐ-UBND (bản lưu trữ) (đã lưu trữ): hợp lệ" in text
    assert checked.exit_code == 0, text
    assert "Đã kiểm tra 4 văn bản: không có sai lệch." in text


def test_hoso_archive_export_seals_each_phieu_with_the_bodys_key(
    cli: CliRunner, setting: Setting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    from api.cli import app
    from signing import pki

    monkeypatch.setenv("HOSO_PKI_URL", setting.urls["tsa"].rsplit(f"/{pki.ARCH}/", 1)[0])
    get_settings.cache_clear()
    key = tmp_path / "ubnd-hai-phong.p12"
    key.write_bytes(setting.p12("ubnd-hai-phong"))
    target = tmp_path / "sealed.zip"
    args = ["archive", "export", "--dossier", DOSSIER, "--out", str(target), "--p12", str(key)]
    done = cli.invoke(app, args, input=pki.TEST_PASSPHRASE.decode() + "\n")
    assert done.exit_code == 0, done.stdout + done.stderr
    files = _unzip(target.read_bytes())
    _check_sums(files)
    for name in ("phieu-theo-doi/01-qd-ubnd.pdf", "phieu-theo-doi/02-qd-ubnd.pdf"):
        (embedded,) = PdfFileReader(io.BytesIO(files[name])).embedded_signatures
        status = validate_pdf_signature(embedded, setting.context())
        assert status.bottom_line, status.pretty_print_details()
        assert "Hải Phòng" in embedded.signer_cert.subject.human_friendly
