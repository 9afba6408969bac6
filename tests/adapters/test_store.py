from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

from api.registry.store import ExportEntry, LocalStore, Storage, export_zip, sha256
from docgen.errors import ArchiveError
from docgen.records import FileCode, FileRecord, OutgoingDocument, SignerInfo
from tests.conftest import need

PDF = b"%PDF-1.7\n% Quy\xe1\xba\xbft \xc4\x91\xe1\xbb\x8bnh\n%%EOF\n"


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_round_trip_by_content_hash_with_a_two_level_fan_out(tmp_path: Path) -> None:
    store: Storage = LocalStore(tmp_path / "archive")
    digest = store.put(PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert store.get(digest) == PDF
    assert store.exists(digest) and not store.exists("0" * 64)
    assert files_under(tmp_path / "archive") == [f"{digest[:2]}/{digest[2:4]}/{digest}.pdf"]
    other = store.put(b"%PDF-1.7 another")
    assert list(store.iter()) == sorted([digest, other])


def test_records_are_read_only_and_putting_them_again_changes_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    digest = store.put(PDF)
    path = store.path(digest)
    before = path.stat()
    assert stat.S_IMODE(before.st_mode) & 0o222 == 0
    assert store.put(PDF) == digest
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert files_under(tmp_path) == [str(path.relative_to(tmp_path))]


def corrupt(path: Path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


def test_a_record_changed_on_disk_is_detected_on_read_and_never_overwritten(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path)
    digest = store.put(PDF)
    corrupt(store.path(digest), PDF.replace(b"1.7", b"1.4"))
    with pytest.raises(ArchiveError, match=digest) as caught:
        store.get(digest)
    assert caught.value.field == "sha256" and "changed" in str(caught.value)
    with pytest.raises(ArchiveError, match=digest):
        store.put(PDF)  # the good copy does not silently replace the damaged one
    assert store.path(digest).read_bytes() != PDF


def test_missing_and_malformed_hashes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(ArchiveError, match="not in the archive"):
        store.get("a" * 64)
    for bad in ("../../etc/passwd", "A" * 64, "a" * 63):
        with pytest.raises(ArchiveError, match="SHA-256"):
            store.get(bad)


def test_iter_ignores_what_is_not_a_record(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    digest = store.put(PDF)
    (store.path(digest).parent / ".tmp-abc").write_bytes(b"half")
    (tmp_path / "ab" / "cd").mkdir(parents=True, exist_ok=True)
    (tmp_path / "ab" / "cd" / f"{'ef' * 32}.pdf").write_bytes(b"misplaced")
    assert list(store.iter()) == [digest]


def _fail_on_files(real: Any) -> Any:
    def fsync(fd: int) -> None:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(5, "Input/output error")
        real(fd)

    return fsync


@pytest.mark.parametrize("fail", ["fsync", "link"])
def test_a_failed_write_leaves_no_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    store = LocalStore(tmp_path)
    if fail == "fsync":
        monkeypatch.setattr(os, "fsync", _fail_on_files(os.fsync))
    else:

        def link(src: Any, dst: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "link", link)
    with pytest.raises(ArchiveError, match="cannot write record") as caught:
        store.put(PDF)
    assert isinstance(caught.value.__cause__, OSError)
    assert files_under(tmp_path) == []
    assert not store.exists(sha256(PDF))
    monkeypatch.undo()
    assert store.get(store.put(PDF)) == PDF


def test_without_hard_links_the_record_is_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def link(src: Any, dst: Any) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", link)
    store = LocalStore(tmp_path)
    digest = store.put(PDF)
    assert store.get(digest) == PDF
    assert files_under(tmp_path) == [str(store.path(digest).relative_to(tmp_path))]


# --- export --------------------------------------------------------------------------------------


def metadata(number: int, type_code: str, subject: str) -> dict[str, Any]:
    return OutgoingDocument(
        file_code=FileCode("ubnd-hai-phong", 2026, "01.NC"),
        ordinal=number,
        type_code=type_code,
        number=number,
        body_code="UBND",
        issued=dt.date(2026, 12, number),
        organ_name="Ủy ban nhân dân thành phố Hải Phòng",
        subject=subject,
        page_amount=2,
        signer=SignerInfo("Chủ tịch", "Trần Minh Khôi"),
        to=("Phòng NV&KTGS",),
    ).as_json()


def entries() -> list[ExportEntry]:
    report = {"indication": "TOTAL_PASSED", "checked_at": dt.datetime(2026, 12, 2, 8, 0)}
    return [
        ExportEntry("quyet-dinh.pdf", PDF, metadata(1, "QĐ", "Về việc công nhận <A> & B"), report),
        ExportEntry(
            "xa-yet-kieu/giay-chung-nhan.pdf",
            b"%PDF-1.7 GCN",
            metadata(2, "GCN", "Giấy chứng nhận"),
            {"indication": "TOTAL_PASSED"},
        ),
        ExportEntry("bien-ban.pdf", b"%PDF-1.7 BB", metadata(3, "BB", "Biên bản"), {}),
    ]


def test_export_holds_pdfs_metadata_checksums_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "exports" / "2026-ubnd-hai-phong.zip"
    docs = entries()
    record = FileRecord(
        FileCode("ubnd-hai-phong", 2026, "01.NC"),
        "Hồ sơ công nhận năm 2026",
        "Vĩnh viễn",
        "Công khai",
        "Lê Thị Thụy",
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 3),
        3,
        6,
    )
    assert export_zip(docs, out, dossier=record.as_json()) == out
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names == [
            "metadata.json",
            "metadata.xml",
            "bien-ban.pdf",
            "quyet-dinh.pdf",
            "xa-yet-kieu/giay-chung-nhan.pdf",
            "reports/bien-ban.json",
            "reports/quyet-dinh.json",
            "reports/xa-yet-kieu/giay-chung-nhan.json",
            "SHA256SUMS",
        ]
        assert z.read("quyet-dinh.pdf") == PDF
        meta = json.loads(z.read("metadata.json"))
        report = json.loads(z.read("reports/quyet-dinh.json"))
        xml_root = ET.fromstring(z.read("metadata.xml"))
        sums = z.read("SHA256SUMS").decode()
    assert meta["file"]["Title"] == "Hồ sơ công nhận năm 2026"
    by_file = {d["file"]: d for d in meta["documents"]}
    assert by_file["quyet-dinh.pdf"]["sha256"] == sha256(PDF)
    assert by_file["quyet-dinh.pdf"]["metadata"]["Subject"] == "Về việc công nhận <A> & B"
    assert report == {"indication": "TOTAL_PASSED", "checked_at": "2026-12-02T08:00:00"}
    assert xml_root.tag == "Archive" and xml_root.findtext("File/Title") == meta["file"]["Title"]
    xml_docs = {d.get("file"): d for d in xml_root.iter("Document")}
    assert xml_docs["quyet-dinh.pdf"].get("sha256") == sha256(PDF)
    assert xml_docs["quyet-dinh.pdf"].findtext("Subject") == "Về việc công nhận <A> & B"
    assert xml_docs["quyet-dinh.pdf"].findtext("CodeNumber") == "01"
    assert len(sums.splitlines()) == len(names) - 1


def test_sha256sum_checks_the_extracted_export(tmp_path: Path) -> None:
    need(shutil.which("sha256sum") is not None, "sha256sum (coreutils) is not installed")
    out = export_zip(entries(), tmp_path / "export.zip")
    extracted = tmp_path / "x"
    with zipfile.ZipFile(out) as z:
        z.extractall(extracted)
    run = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"],
        cwd=extracted,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count(": OK") == 8
    (extracted / "quyet-dinh.pdf").write_bytes(PDF + b"tampered")
    run = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=extracted, capture_output=True, check=False
    )
    assert run.returncode != 0


def test_the_export_is_the_same_bytes_whatever_the_order_of_its_entries(tmp_path: Path) -> None:
    docs = entries()
    first = export_zip(docs, tmp_path / "a.zip").read_bytes()
    shuffled = list(docs)
    random.Random(3).shuffle(shuffled)
    assert shuffled != docs
    as_tuples = [tuple(e) for e in shuffled]
    assert export_zip(as_tuples, tmp_path / "b.zip").read_bytes() == first  # type: ignore[arg-type]
    with zipfile.ZipFile(tmp_path / "a.zip") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize(
    "name",
    ["../x.pdf", "/abs.pdf", "a\\b.pdf", "a\nb.pdf", "metadata.json", "reports/a.pdf", "x.docx"],
)
def test_unsafe_or_clashing_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ArchiveError):
        export_zip([ExportEntry(name, PDF, {}, {})], tmp_path / "e.zip")
    assert not (tmp_path / "e.zip").exists()


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    entry = ExportEntry("a.pdf", PDF, {}, {})
    with pytest.raises(ArchiveError, match="same file name"):
        export_zip([entry, entry], tmp_path / "e.zip")


def test_a_failed_export_keeps_the_previous_one_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "export.zip"
    export_zip(entries()[:1], out)
    before = out.read_bytes()
    monkeypatch.setattr(os, "fsync", _fail_on_files(os.fsync))
    with pytest.raises(ArchiveError, match="cannot write the export"):
        export_zip(entries(), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["export.zip"]
