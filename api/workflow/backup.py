"""Backups (sao lưu): `backup` writes one consistent snapshot of the service — the registry's
database, the archive store's and the drafts store's files it names, the secret key (the
recipients' links derive from it) and the development PKI when there is one — as one tar file
with a manifest of SHA-256s; `restore` brings it back into an empty data folder.

The database: SQLite is copied with its online backup API (a page-by-page copy that sees one
committed state while the service keeps working, triggers and all). PostgreSQL is exported
logically through SQLAlchemy, table by table in one REPEATABLE READ READ ONLY transaction (one
snapshot of every table), and restored into a fresh database brought to the same migration:
no pg_dump whose major version must match the server's, the same code path on every
deployment, and the restore goes through the same schema and constraints as the service.

Why the snapshot is consistent: a file enters the store before the transaction that records
it commits (api/registry/numbering.py), so every file the database snapshot names is already in the
store when the files are copied after it. Only the files the snapshot names are copied: a file
of an issue still in flight (no record yet) stays out, so `hoso archive check` finds nothing
without its record after a restore.

Left out: incremental backups, encryption of the file (the operator's storage does that; the
file holds the secret key, so keep it as secret as the data folder), other databases.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Integer, func, insert, select, text
from sqlalchemy.engine import make_url

from api.registry import crash, db
from api.settings import Settings
from docgen.errors import BackupError, ConfigError

__all__ = ["FORMAT", "Summary", "backup", "restore"]

FORMAT = "hoso-backup/1"
MANIFEST = "manifest.json"
_SQLITE_MEMBER = "database/hoso.db"
_ROWS_MEMBER = "database/rows.json"


@dataclass(frozen=True)
class Summary:
    """What a backup holds, or what a restore brought back."""

    database: str
    """"sqlite" or "postgresql"."""
    revision: str
    documents: int
    files: int
    size: int


def _latest_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS).replace("%", "%%"))
    head = ScriptDirectory.from_config(config).get_current_head()
    return head or ""


# --- JSON of table rows ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$base64": base64.b64encode(bytes(value)).decode()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "$datetime":
            return dt.datetime.fromisoformat(inner)
        if key == "$date":
            return dt.date.fromisoformat(inner)
        if key == "$base64":
            return base64.b64decode(inner)
    return value


def _export_rows(url: str) -> tuple[bytes, str]:
    """Every table's rows as JSON, in one snapshot; and the migration the database is at."""
    engine = db.engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with connection.begin():
                revision = connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar_one()
                tables = {
                    table.name: [
                        {k: _plain(v) for k, v in row._mapping.items()}
                        for row in connection.execute(select(table))
                    ]
                    for table in db.Base.metadata.sorted_tables
                }
    finally:
        engine.dispose()
    data = {"revision": revision, "tables": tables}
    return json.dumps(data, ensure_ascii=False).encode(), str(revision)


def _import_rows(url: str, data: bytes) -> None:
    """The rows into the database at `url`, brought to the backup's migration and empty."""
    loaded = json.loads(data)
    if loaded["revision"] != _latest_revision():
        raise BackupError(
            f"the backup is at migration {loaded['revision']}, this hoso at "
            f"{_latest_revision()}: restore with the hoso that made it, then upgrade",
            message_vi=f"Bản sao lưu ở phiên bản cơ sở dữ liệu {loaded['revision']}, khác "
            f"phiên bản {_latest_revision()} của hoso này",
            field="file",
        )
    db.upgrade(url)
    engine = db.engine(url)
    try:
        with engine.begin() as connection:
            for table in db.Base.metadata.sorted_tables:
                count = connection.execute(select(func.count()).select_from(table)).scalar_one()
                if count and table.name != "issuing_bodies":
                    raise BackupError(
                        f"the database {db.shown_url(url)} is not empty ({table.name}: {count} "
                        "rows): restore into an empty database",
                        message_vi=f"Cơ sở dữ liệu {db.shown_url(url)} không trống "
                        f"(bảng {table.name} có {count} dòng)",
                        field="database_url",
                    )
            for table in db.Base.metadata.sorted_tables:
                rows = [{k: _typed(v) for k, v in r.items()} for r in loaded["tables"][table.name]]
                if table.name == "issuing_bodies":
                    known = set(connection.execute(select(table.c.id)).scalars())
                    rows = [r for r in rows if r["id"] not in known]
                if rows:
                    connection.execute(insert(table), rows)
                if "id" in table.c and isinstance(table.c.id.type, Integer):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                        )
                    )
    finally:
        engine.dispose()


# --- the files the snapshot names ---------------------------------------------------------------


def _named_hashes(database: Path | None, rows: bytes | None) -> set[str]:
    """The SHA-256s of the documents' files (current and archived) in the snapshot, and the
    archived copies a timestamp renewal replaced (api/registry/crash.py `superseded`)."""
    if database is not None:
        connection = sqlite3.connect(database)
        try:
            found = connection.execute(
                "SELECT sha256 FROM documents UNION SELECT archived_sha256 FROM documents"
            ).fetchall()
            renewals = connection.execute(
                "SELECT detail FROM audit_entries WHERE action = ?", (crash.RENEW,)
            ).fetchall()
        finally:
            connection.close()
        details = [json.loads(d) if isinstance(d, str) else d for (d,) in renewals]
        return {h for (h,) in found if h} | _previous(details)
    assert rows is not None
    tables = json.loads(rows)["tables"]
    documents = tables["documents"]
    details = [e.get("detail") for e in tables["audit_entries"] if e.get("action") == crash.RENEW]
    named = {d[k] for d in documents for k in ("sha256", "archived_sha256") if d.get(k)}
    return named | _previous(details)


def _previous(details: list[Any]) -> set[str]:
    return {str(d["previous_sha256"]) for d in details if d and d.get("previous_sha256")}


def _store_file(folder: Path, digest: str) -> Path:
    return folder / digest[:2] / digest[2:4] / f"{digest}.pdf"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(settings: Settings, out: Path) -> Summary:
    """Write the snapshot of `settings`' service to `out` (a .tar file, written atomically)."""
    url = settings.database()
    db.upgrade(url)
    kind = make_url(url).get_backend_name()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".hoso-backup-") as work:
        staged = Path(work)
        members: list[tuple[str, Path]] = []
        rows: bytes | None = None
        snapshot: Path | None = None
        if kind == "sqlite":
            snapshot = staged / "hoso.db"
            source = sqlite3.connect(make_url(url).database or "")
            target = sqlite3.connect(snapshot)
            try:
                source.backup(target)
                (revision,) = target.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                target.close()
                source.close()
            members.append((_SQLITE_MEMBER, snapshot))
        else:
            rows, revision = _export_rows(url)
            (staged / "rows.json").write_bytes(rows)
            members.append((_ROWS_MEMBER, staged / "rows.json"))
        named = _named_hashes(snapshot, rows)
        for prefix, folder in (("store", settings.store()), ("work", settings.data_dir / "work")):
            for digest in sorted(named):
                path = _store_file(folder, digest)
                if path.is_file():
                    members.append((f"{prefix}/{path.relative_to(folder).as_posix()}", path))
        secret = settings.data_dir / "secret.key"
        settings.secret()  # made if it was not yet: a backup always carries the secret
        members.append(("data/secret.key", secret))
        pki = settings.data_dir / "pki"
        if pki.is_dir():
            members += [
                (f"data/pki/{p.relative_to(pki).as_posix()}", p)
                for p in sorted(pki.rglob("*"))
                if p.is_file()
            ]
        manifest = {
            "format": FORMAT,
            "made_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": kind,
            "revision": revision,
            "documents": len(named),
            "files": {name: _sha256(path) for name, path in members},
        }
        tmp = staged / "backup.tar"
        with tarfile.open(tmp, "w") as tar:
            info = tarfile.TarInfo(MANIFEST)
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)
        os.chmod(tmp, 0o600)  # it holds the secret key
        os.replace(tmp, out)
    return Summary(kind, str(revision), len(named), len(members), out.stat().st_size)


# --- restore -----------------------------------------------------------------------------------


def _empty(folder: Path, *, what_vi: str) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(
            f"{folder} is not empty: restore into an empty data folder",
            message_vi=f"Thư mục {what_vi} {folder} không trống: chỉ khôi phục vào thư mục trống",
            field="data_dir",
        )


def _safe(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(
            f"the backup names an unsafe path {name!r}",
            field="file",
            message_vi=f"Bản sao lưu có đường dẫn không an toàn {name!r}",
        )
    return path


@contextmanager
def _read(file: Path) -> Iterator[tuple[dict[str, Any], tarfile.TarFile]]:
    if not file.is_file():
        raise BackupError(
            f"no backup file at {file}", message_vi=f"Không có tệp sao lưu {file}", field="file"
        )
    try:
        with tarfile.open(file, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
            if manifest.get("format") != FORMAT:
                raise BackupError(
                    f"{file} is not a hoso backup ({FORMAT})",
                    field="file",
                    message_vi=f"{file} không phải bản sao lưu của hoso ({FORMAT})",
                )
            yield manifest, tar
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(
            f"{file} is not a readable hoso backup: {exc}",
            message_vi=f"Tệp {file} không phải bản sao lưu hoso đọc được",
            field="file",
        ) from exc


def restore(settings: Settings, file: Path) -> Summary:
    """Bring the backup `file` back into `settings`' data folder, which must be empty (or not
    exist), and its database (SQLite: made in the data folder; PostgreSQL: must be empty).
    Every file is checked against the manifest before anything is put in place."""
    data_dir = settings.data_dir.resolve()
    store = settings.store().resolve()
    _empty(data_dir, what_vi="dữ liệu")
    _empty(store, what_vi="kho lưu trữ")
    url = settings.database()
    kind = make_url(url).get_backend_name()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with (
        _read(file) as (manifest, tar),
        tempfile.TemporaryDirectory(dir=data_dir.parent, prefix=".hoso-restore-") as work,
    ):
        if manifest["database"] != kind:
            raise ConfigError(
                f"the backup holds a {manifest['database']} database; the configured one is "
                f"{kind} ({db.shown_url(url)})",
                message_vi=f"Bản sao lưu chứa cơ sở dữ liệu {manifest['database']}, cấu hình "
                f"hiện tại là {kind}",
                field="database_url",
            )
        staged = Path(work)
        expected: dict[str, str] = manifest["files"]
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if not member.isfile() or member.name not in expected:
                raise BackupError(
                    f"unexpected entry {member.name!r} in the backup",
                    field="file",
                    message_vi=f"Bản sao lưu có mục lạ {member.name!r}",
                )
            target = staged / _safe(member.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with target.open("wb") as f:
                shutil.copyfileobj(source, f)
            if _sha256(target) != expected[member.name]:
                raise BackupError(
                    f"{member.name} does not match its SHA-256 in the manifest: damaged backup",
                    message_vi=f"Tệp {member.name} trong bản sao lưu bị hỏng (sai SHA-256)",
                    field="file",
                )
        missing = set(expected) - {
            str(p.relative_to(staged).as_posix()) for p in staged.rglob("*") if p.is_file()
        }
        if missing:
            raise BackupError(
                f"the backup lacks {sorted(missing)[0]}",
                field="file",
                message_vi=f"Bản sao lưu thiếu {sorted(missing)[0]}",
            )
        new_data = staged / "data"
        new_data.mkdir(exist_ok=True)
        if (staged / "work").is_dir():
            (staged / "work").rename(new_data / "work")
        if kind == "sqlite":
            sqlite_path = Path(make_url(url).database or "")
            if sqlite_path.exists():
                raise BackupError(
                    f"the database file {sqlite_path} exists: restore into an empty place",
                    message_vi=f"Tệp cơ sở dữ liệu {sqlite_path} đã có",
                    field="database_url",
                )
            snapshot = staged / _SQLITE_MEMBER
        else:
            _import_rows(url, (staged / _ROWS_MEMBER).read_bytes())
        # Into place: the store, then the data folder (renames within one file system).
        new_store = staged / "store"
        if store.is_relative_to(data_dir):
            if new_store.is_dir():
                (new_data / store.relative_to(data_dir)).parent.mkdir(parents=True, exist_ok=True)
                new_store.rename(new_data / store.relative_to(data_dir))
        elif new_store.is_dir():
            store.parent.mkdir(parents=True, exist_ok=True)
            if store.exists():
                store.rmdir()
            shutil.move(new_store, store)
        if kind == "sqlite" and sqlite_path.is_relative_to(data_dir):
            target_db = new_data / sqlite_path.relative_to(data_dir)
            target_db.parent.mkdir(parents=True, exist_ok=True)
            snapshot.rename(target_db)
        elif kind == "sqlite":
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(snapshot, sqlite_path)
        if data_dir.exists():
            data_dir.rmdir()
        new_data.rename(data_dir)
    db.upgrade(url)
    return Summary(
        manifest["database"],
        manifest["revision"],
        int(manifest["documents"]),
        len(expected),
        file.stat().st_size,
    )
