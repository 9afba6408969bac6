"""The `Services` of the workflow made from `Settings`: the registry's sessions (brought to
the latest schema and knowing the configured issuing bodies), the two stores, the PKI's
timestamp authority, the trust roots and a LibreOffice pool started on first use (adapter)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyhanko_certvalidator import ValidationContext
from sqlalchemy.orm import Session, sessionmaker

from api.registry import crash, db
from api.registry import numbering as registry
from api.registry.store import LocalStore, Storage, WorkingStorage
from api.settings import Settings
from api.workflow.bulk_verify import BatchLimits
from api.workflow.mail import Mailer, mailer
from api.workflow.queue import JobQueue
from api.workflow.trust import TrustRoots
from docgen import inputs
from docgen.convert import ConverterPool
from docgen.model import IssuingBody as BodyModel
from docgen.model import Policy


@dataclass
class Services:
    """What the use cases work with, made once per app (api/app.py) or test."""

    sessions: sessionmaker[Session]
    drafts: WorkingStorage
    archive: Storage
    bodies: dict[str, BodyModel]
    policies: dict[str, Policy]
    tsa_url: str
    verify_url: Callable[[str], str]
    link_url: Callable[[str], str]
    link_secret: bytes
    context: Callable[[], ValidationContext]
    seal: Callable[[str], bytes]
    """The seal image of an issuing body, by id (signing.images.body_seal)."""
    converter: Callable[[], ConverterPool]
    issue_window: tuple[int, int] = (30, 0)
    """Days before and after today a văn thư may date an issue (Settings.issue_days_*)."""
    mailer: Mailer | None = None
    """Where notifications go (api/workflow/mail.py); None: they wait in the outbox
    (api/workflow/notify.py)."""
    mail_from: str = ""
    page_url: Callable[[str], str] = str
    """The full address of one of the service's pages, for mails: "/ky-so" → "https://…"."""
    trust_roots: Callable[[], list[Any]] = list
    """The roots signatures are verified against (api/workflow/trust.py), for checking what was
    signed
    elsewhere before it is recorded (api/workflow/remote_signing.py)."""
    prepared_ttl: dt.timedelta = dt.timedelta(minutes=10)
    """How long a prepared signature waits for its value (Settings.prepared_signature_minutes)."""
    confirm_timeout: float = 120.0
    """Seconds a signer has to confirm a remote signature (Settings.remote_confirm_seconds)."""
    key_upload: Callable[[], bool] = lambda: True
    """Whether a PKCS#12 key may be sent to the server to sign (Settings.allow_key_upload)."""
    queue: JobQueue | None = None
    """Where jobs go (api/workflow/jobs.py `job_queue`, set by the app and `hoso worker`);
    None: each runs inside the request making it."""
    job_lease: dt.timedelta = dt.timedelta(minutes=2)
    """How long a running job may be silent before it counts as lost
    (Settings.job_lease_seconds)."""
    part_documents: int = 12
    """Documents per part of a split generation (Settings.part_documents)."""
    uploads: Path | None = None
    """Where the files of a bulk verification wait for their job (the data folder's uploads/,
    not /tmp: a worker on restart must find them); None: bulk verification is off."""
    batch: BatchLimits = field(default_factory=BatchLimits)
    _lock: threading.Lock = field(default_factory=threading.Lock)


class _LazyPool:
    """The converter pool, started by the first generation and closed with the app."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ConverterPool | None = None
        self._lock = threading.Lock()

    def __call__(self) -> ConverterPool:
        with self._lock:
            if self._pool is None:
                self._pool = ConverterPool(
                    size=self._settings.converter_size or 1,
                    timeout=self._settings.converter_timeout,
                    max_conversions=self._settings.converter_max_conversions,
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def key_upload(settings: Settings, roots: TrustRoots) -> bool:
    """Settings.allow_key_upload, or by default whether every trusted root is the development
    PKI's (a service trusting a real CA never takes a signer's key)."""
    from signing import pki

    if settings.allow_key_upload is not None:
        return settings.allow_key_upload
    found = roots.get()
    return bool(found) and all(pki.is_development_root(root) for root in found)


def build_services(settings: Settings, *, trust: TrustRoots | None = None) -> Services:
    from signing import images, pki
    from signing import sign as signing

    crash.arm(settings.crash_at)
    url = settings.database()
    db.upgrade(url)
    sessions = db.session_factory(url)
    bodies = inputs.load_bodies(settings.bodies_dir)
    with sessions.begin() as session:
        registry.add_issuing_bodies(session, bodies.values())
    roots = trust or TrustRoots(settings)

    def context() -> Any:
        return signing.validation_context(roots.get())

    made = Services(
        sessions=sessions,
        drafts=LocalStore(settings.data_dir / "work"),
        archive=LocalStore(settings.store()),
        bodies=bodies,
        policies=inputs.load_policies(None),
        tsa_url=pki.service_urls(settings.pki_url)["tsa"],
        verify_url=settings.verify_url,
        link_url=settings.link_url,
        link_secret=settings.secret(),
        context=context,
        seal=lambda body: images.body_seal(settings.bodies_dir, body, bodies[body].name),
        converter=_LazyPool(settings),
        issue_window=(settings.issue_days_back, settings.issue_days_ahead),
        mailer=mailer(settings),
        mail_from=settings.smtp_from,
        page_url=settings.page_url,
        trust_roots=roots.get,
        prepared_ttl=dt.timedelta(minutes=settings.prepared_signature_minutes),
        confirm_timeout=settings.remote_confirm_seconds,
        key_upload=lambda: key_upload(settings, roots),
        job_lease=dt.timedelta(seconds=settings.job_lease_seconds),
        part_documents=settings.part_documents,
        uploads=settings.data_dir / "uploads",
        batch=BatchLimits(settings.batch_files, settings.batch_limit, settings.upload_limit),
    )
    return made
