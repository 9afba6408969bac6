"""The registry's database: SQLAlchemy 2 models of what SPEC §1, §6 and §7 keep, the engines
hoso opens on them, and `upgrade()`, which brings a database to the latest Alembic migration.

SQLite in the data folder is the embedded default; PostgreSQL (postgresql+psycopg://…) holds
the same schema through the same migrations (api/registry/migrations/). No engine exists at import:
callers build one from `Settings.database()`, so a test only touches the database it made.

SQLite quirks handled here, once: foreign keys are switched on for every connection (SQLite
leaves them off), a busy timeout makes a writer wait for the lock instead of failing, and every
transaction begins IMMEDIATE — it takes the write lock at BEGIN, so two writers queue instead of
one failing when it upgrades a read lock (a deadlock SQLite can only break with an error). Work
that only reads and must not wait behind a long issue may ask for a deferred start:
`session.connection(execution_options={"sqlite_begin": "DEFERRED"})` before its first query.

Left out: queries and use cases (api/registry/numbering.py, api/registry/store.py), the files
themselves (the
archive store), everything the PDFs carry (signatures, certificates' content).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from docgen.errors import ConfigError

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT: Final = 60.0
"""Seconds a SQLite writer waits for the lock. An issue holds it while the văn thư's signature
and its timestamp are made (about a second), so several queued issues must fit."""

MIGRATION_LOCK: Final = 30_2020  # PostgreSQL advisory lock key of `upgrade` (ND 30/2020)

Role = Literal["clerk", "signer", "van_thu", "archivist", "admin"]
ROLES: Final[tuple[Role, ...]] = ("clerk", "signer", "van_thu", "archivist", "admin")
Status = Literal["draft", "signed", "issued", "archived", "revoked", "replaced"]
STATUSES: Final[tuple[Status, ...]] = (
    "draft",
    "signed",
    "issued",
    "archived",
    "revoked",
    "replaced",
)
STATUS_VI: Final[dict[str, str]] = {
    "draft": "Dự thảo",
    "sent": "Đã trình ký",
    "signed": "Đã ký",
    "issued": "Đã ban hành",
    "archived": "Đã lưu trữ",
    "revoked": "Đã thu hồi",
    "replaced": "Đã được thay thế",
}
"""A document's status in Vietnamese, as messages and pages name it; "sent" is a draft sent to
its signer (a page's distinction, not a status of its own)."""

# Named constraints, so that later migrations (and SQLite's batch mode) can refer to them.
NAMING: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now() -> dt.datetime:
    """The current instant, timezone-aware (stored in UTC, shown in +07:00)."""
    return dt.datetime.now(dt.UTC)


def new_verification_code() -> str:
    """A random code in the printed form 'ABCDE-FGHIJ' (50 bits), for a document whose draft
    carries none."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # base32, as docgen.stamp writes codes
    letters = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


class Moment(TypeDecorator[dt.datetime]):
    """A timezone-aware instant, stored in UTC: SQLite keeps no zone, PostgreSQL's timestamptz
    answers in the session's. Naive datetimes are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime ({value}) cannot be stored; give its zone")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# JSON documents are replaced, not changed in place: no mutation tracking on these columns.
JSONData = JSON().with_variant(JSONB(), "postgresql")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class IssuingBody(Base):
    """An issuing body (cơ quan ban hành): UBND or Công an of a xã, phường or tỉnh; its id is
    the slug of samples/bodies, e.g. "ubnd-hai-phong"."""

    __tablename__ = "issuing_bodies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("issuing_bodies.id"))
    abbreviation: Mapped[str] = mapped_column(String(32))
    """Chữ viết tắt in the số ký hiệu: "UBND" in 06/QĐ-UBND."""
    place: Mapped[str] = mapped_column(String(128))
    """Địa danh of the date line: "Hải Phòng"."""


class User(Base):
    """A person who works in hoso (người dùng) with one role: clerk (chuyên viên), signer (người
    ký), van_thu (văn thư), archivist (lưu trữ) or admin."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(16))
    issuing_body_id: Mapped[str | None] = mapped_column(ForeignKey("issuing_bodies.id"))
    """The body the user works for; None only for an administrator of the whole service."""
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the user's random API token; the token itself is never stored."""
    login: Mapped[str | None] = mapped_column(String(64), unique=True)
    """The name the user signs in with, e.g. "vanthu.haiphong"."""
    password_hash: Mapped[str | None] = mapped_column(String(255))
    """scrypt hash of the web password (api/workflow/users.py); None: no web sign-in."""
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """A signer's own signature image (checked by signing.images); None: a sample drawn from
    their name."""
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Web sessions opened under another version no longer work: signing out and a new
    password move it on (api/routes/session.py)."""
    disabled_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    """When an admin disabled the user (api/workflow/user_admin.py): no sign-in, session or token
    works; None: active."""
    email: Mapped[str | None] = mapped_column(String(320))
    """Where hoso mails what waits for this user (api/workflow/notify.py); None: no mail."""
    signing_way: Mapped[str | None] = mapped_column(String(16))
    """How a signer last chose to sign on the Ký số page ("remote", "agent" or "key"), which
    the page preselects; None: not chosen yet (migration 0010)."""


class SignerCertificate(Base):
    """A signing certificate (chứng thư số) registered to a signer: they may sign only with it."""

    __tablename__ = "signer_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the certificate's DER encoding."""
    subject: Mapped[str] = mapped_column(Text)
    not_after: Mapped[dt.datetime] = mapped_column(Moment)


class Unit(Base):
    """A unit (đơn vị) being assessed: a xã, phường, cơ quan, doanh nghiệp or school."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("issuing_body_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuing_body_id: Mapped[str] = mapped_column(ForeignKey("issuing_bodies.id"))
    """The body that assesses the unit and issues its documents."""
    name: Mapped[str] = mapped_column(String(255))
    unit_type: Mapped[str] = mapped_column(String(32))
    """docgen.model.UnitType: "xa", "phuong", "co_quan", …"""


class Assessment(Base):
    """One unit's assessment (kết quả chấm điểm) for one year: the input as the clerk gave it
    and the scored result, both as JSON (docgen.model.Assessment, docgen.report)."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    input: Mapped[dict[str, Any]] = mapped_column(JSONData)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONData)
    """None until scored."""


class Document(Base):
    """A document (văn bản) from draft to issued record: its số ký hiệu, ngày ban hành, trích
    yếu, status and the SHA-256 of its current file."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("issuing_body_id", "type_code", "year", "number"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuing_body_id: Mapped[str] = mapped_column(ForeignKey("issuing_bodies.id"))
    type_code: Mapped[str] = mapped_column(String(16))
    """Tên loại code: "QĐ", "TTr", "KH", …"""
    year: Mapped[int] = mapped_column(Integer)
    """The calendar year the số belongs to (of ngày ban hành once issued)."""
    number: Mapped[int | None] = mapped_column(Integer)
    """The số, from the number registry; None until issued."""
    notation: Mapped[str] = mapped_column(String(64))
    """Ký hiệu: "QĐ-UBND"."""
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    """Ngày ban hành; None until issued."""
    subject: Mapped[str] = mapped_column(Text, default="")
    """Trích yếu: "Về việc công nhận …"."""
    status: Mapped[Status] = mapped_column(String(16), default="draft")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    """Why it was revoked or replaced."""
    verification_code: Mapped[str] = mapped_column(
        String(16), unique=True, default=new_verification_code
    )
    """The code printed under the QR code, "ABCDE-FGHIJ"; the public page is /v/{code}."""
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the current file: the draft, the signed or the issued PDF."""
    archived_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the archived file: the issued one with its document timestamp (B-LTA)."""
    page_count: Mapped[int | None] = mapped_column(Integer)
    signer_info: Mapped[str | None] = mapped_column(String(255))
    """Chức vụ and full name of the signer: "Chủ tịch Trần Minh Khôi" (ND 30 Phụ lục VI)."""
    dossier: Mapped[str | None] = mapped_column(String(128), index=True)
    """The dossier the document belongs to: "2026/ubnd-hai-phong" (year and assessing body)."""
    kind: Mapped[str | None] = mapped_column(String(32))
    """The template it was made from, without suffix: "quyet-dinh", "bao-cao", …"""
    title: Mapped[str | None] = mapped_column(String(255))
    """What the dossier calls it: "Quyết định công nhận", "Báo cáo · Phường Lê Chân"."""
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    """The unit a per-unit document is about (Bản đăng ký, Báo cáo, Giấy chứng nhận)."""
    signer_title: Mapped[str | None] = mapped_column(String(128))
    """The chức vụ line the signature goes under: "CHỦ TỊCH"."""
    signer_name: Mapped[str | None] = mapped_column(String(255))
    """The name the signature goes above."""
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    """When the clerk sent the draft to its signer (it is then in the signer's queue)."""
    returned_comment: Mapped[str | None] = mapped_column(Text)
    """The signer's comments when they returned the draft instead of signing it (Trả lại, cho ý
    kiến: api/workflow/returning.py); cleared when the clerk sends it again."""
    returned_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    send_to: Mapped[list[dict[str, str]] | None] = mapped_column(JSONData)
    """Its Nơi nhận as recipients ({"line", "name"}), made when generated, sent when issued."""
    created_at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(Moment, default=now, onupdate=now)


class NumberCounter(Base):
    """The number registry (sổ đăng ký số văn bản): the last số given per issuing body,
    document type and calendar year. Only api/registry/numbering.py writes it."""

    __tablename__ = "number_counters"

    issuing_body_id: Mapped[str] = mapped_column(ForeignKey("issuing_bodies.id"), primary_key=True)
    type_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Recipient(Base):
    """A recipient (nơi nhận) of an issued document: one line of its Nơi nhận, with the
    personal link's token (hashed) and when it was opened and acknowledged."""

    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    line: Mapped[str] = mapped_column(Text)
    """The line as written: "- Bộ Công an (qua V05);"."""
    name: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the personal link's token."""
    opened_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    """The name the recipient typed when acknowledging."""
    acknowledged_position: Mapped[str | None] = mapped_column(String(255))
    """Their chức vụ, as typed."""


class Notification(Base):
    """One e-mail of the outbox (hộp thư đi): recorded in the transaction of the event it tells
    about, delivered after the commit by api/workflow/outbox.py, kept with its outcome. Never
    deleted:
    what was not delivered stays visible to the văn thư."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """"sent_for_signature", "signed", "awaiting_issue", "issued", "remind_unsigned", …"""
    issuing_body_id: Mapped[str | None] = mapped_column(ForeignKey("issuing_bodies.id"))
    """The body whose văn thư sees it while it is not delivered."""
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_name: Mapped[str] = mapped_column(String(255))
    to_address: Mapped[str | None] = mapped_column(String(320))
    """None: no address known; never sent, shown to the văn thư."""
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """Set for reminders: one per document, person and day."""
    created_at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    tried_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    """When a sender last took it (claimed, so another sender leaves it)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(Moment, index=True)


class AuditEntry(Base):
    """One line of the audit log (nhật ký): who did what to which document, when. Append-only:
    a trigger in the database refuses UPDATE and DELETE (migration 0001)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    actor: Mapped[str] = mapped_column(String(128))
    """A user id, "cli:<login>" or "system"."""
    action: Mapped[str] = mapped_column(String(32))
    """"issue", "sign", "revoke", …"""
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)


class SignInAttempt(Base):
    """One sign-in attempt (api/workflow/throttle.py counts the failures per login and per address
    over
    a window; a login's success starts its count again). Each is in the audit log too."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_login_at", "login", "at"),
        Index("ix_sign_in_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    """"ok", "failed" (wrong login or password) or "refused" (asked during a lockout)."""


# --- signing with the key elsewhere (api/workflow/remote_signing.py, migration 0009) ---------


class RemoteSigning(Base):
    """A signer's remote signing service (dịch vụ ký số từ xa): a CSC API endpoint, the
    service's client there and the signer's credential. The client secret is kept encrypted
    with the service's secret (api/workflow/remote_signing.py)."""

    __tablename__ = "remote_signing"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="csc")
    url: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[bytes] = mapped_column(LargeBinary)
    """AES-GCM nonce and ciphertext of the client secret."""
    credential_id: Mapped[str] = mapped_column(String(255))


class PreparedSignature(Base):
    """A signature of a draft prepared for a key held elsewhere (signing/external.py), waiting
    for its value: used once, before `expires_at`."""

    __tablename__ = "prepared_signatures"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """A random token: who finishes must know it."""
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    draft_sha256: Mapped[str] = mapped_column(String(64))
    """The draft it was prepared from: finishing refuses if the draft changed meanwhile."""
    prepared_sha256: Mapped[str] = mapped_column(String(64))
    """The prepared revision, its /Contents empty, in the drafts store."""
    document_digest: Mapped[bytes] = mapped_column(LargeBinary)
    region_start: Mapped[int] = mapped_column(Integer)
    region_end: Mapped[int] = mapped_column(Integer)
    signed_attributes: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    chain: Mapped[list[str]] = mapped_column(JSONData, default=list)
    """The CA certificates sent with it, base64 DER."""
    created_at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(Moment)
    used_at: Mapped[dt.datetime | None] = mapped_column(Moment)


class RemoteJob(Base):
    """A remote signing waiting for the signer's confirmation on their phone, run by the worker
    that received it; any worker answers its state (the Ký số page polls it)."""

    __tablename__ = "remote_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    document_ids: Mapped[list[int]] = mapped_column(JSONData, default=list)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """"pending" (waiting for the confirmation), "done" (see result) or "failed" (see result)."""
    result: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(Moment)


class Job(Base):
    """A piece of long work (việc chạy nền) run by the job queue (api/workflow/queue.py): who
    asked, what, with which inputs, how far it got and how it ended. The queue carries only the
    job's id; this row is the truth a worker reads, and what `GET /api/jobs/{id}` answers."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    """Who asked; None for a job of the public pages, owned by its token (`token_hash`)."""
    token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """SHA-256 of the token that owns a public job (bulk verification), never the token."""
    kind: Mapped[str] = mapped_column(String(32))
    """"generate" (a dossier), "generate-part" (a slice of a big one: api/workflow/parts.py),
    "archive_seal", "archive_renew", "verify" (a batch of files: api/workflow/bulk_verify.py)
    (queued); "sign", "issue" (a document, run by the web
    process holding the key: api/workflow/key_jobs.py)."""
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    """The job a part belongs to; the parent stays running until its last part joins them."""
    key: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 of the kind, the owner and the inputs: the same request while one runs is the
    same job."""
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    """"queued", "running", "done" or "failed"."""
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONData)
    """{"code", "message", "message_vi", "field"} of the HosoError that ended it."""
    created_at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    """Last sign of life of the worker running it; a running job silent for longer than its
    lease was lost with its worker and is queued again."""
    finished_at: Mapped[dt.datetime | None] = mapped_column(Moment)


class AgentToken(Base):
    """A signing agent paired with the service (`hoso agent pair`, api/workflow/agents.py): its
    own token, hashed, which may only fetch the signer's waiting drafts and prepare and finish
    their signatures; revoked, it stops at once."""

    __tablename__ = "agent_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the agent's token; the token itself lives only on the signer's PC."""
    name: Mapped[str] = mapped_column(String(128))
    """What the agent called its PC when it paired, e.g. "may-chu-tich"."""
    created_at: Mapped[dt.datetime] = mapped_column(Moment, default=now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(Moment)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Moment)


class AgentPairing(Base):
    """A one-time pairing code shown on the Ký số page: exchanged once, before it expires, for
    an agent token of the signer who asked for it."""

    __tablename__ = "agent_pairings"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    """SHA-256 (hex) of the code."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(Moment)
    used_at: Mapped[dt.datetime | None] = mapped_column(Moment)


# --- engines -------------------------------------------------------------------------------------


def engine(url: str) -> Engine:
    """An engine on `url`: SQLite (sqlite:///path) or PostgreSQL (postgresql+psycopg://…;
    plain postgresql:// means psycopg 3 too)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"not a database URL: {url!r}",
            field="database_url",
            message_vi=f"Không phải địa chỉ cơ sở dữ liệu: {url!r}",
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        made = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        event.listen(made, "connect", _sqlite_connect)
        event.listen(made, "begin", _sqlite_begin)
        return made
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    raise ConfigError(
        f"hoso keeps its registry in SQLite or PostgreSQL, not {backend}",
        message_vi=f"hoso lưu sổ đăng ký trong SQLite hoặc PostgreSQL, không phải {backend}",
        field="database_url",
    )


def session_factory(url: str) -> sessionmaker[Session]:
    """Sessions on a new engine for `url`; objects stay readable after commit."""
    return sessionmaker(engine(url), expire_on_commit=False)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own BEGIN handling is switched off: `_sqlite_begin` says when and how.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
        raise ValueError(f"sqlite_begin must be DEFERRED, IMMEDIATE or EXCLUSIVE, not {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def shown_url(url: str) -> str:
    """`url` with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def upgrade(url: str) -> str:
    """Bring the database at `url` to the latest migration (creating it for SQLite); returns
    the revision it is at. Safe to run again, and from several processes at once."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.util import CommandError

    made = engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    try:
        if made.dialect.name == "sqlite":
            _prepare_sqlite(made)
        with made.begin() as connection:
            if made.dialect.name == "postgresql":
                # Two processes upgrading at once: the second waits, then finds nothing to do.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            revision = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise ConfigError(
            f"cannot bring the database {shown_url(url)} up to date: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}",
            message_vi=f"Không cập nhật được cơ sở dữ liệu {shown_url(url)}",
            field="database_url",
        ) from exc
    except CommandError as exc:  # e.g. a database migrated by a newer hoso
        raise ConfigError(
            f"cannot bring the database {shown_url(url)} up to date: {exc}",
            message_vi=f"Không cập nhật được cơ sở dữ liệu {shown_url(url)}: {exc}",
            field="database_url",
        ) from exc
    finally:
        made.dispose()
    return revision or ""


def _prepare_sqlite(made: Engine) -> None:
    """The folder of the file, and write-ahead logging: readers do not block the writer, and a
    commit is one append to the log (a persistent setting of the file, so set here once)."""
    database = made.url.database
    if not database or database == ":memory:":
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    raw = made.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode = WAL")  # type: ignore[union-attr]
    finally:
        raw.close()
