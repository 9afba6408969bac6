"""The one settings object of hoso (pydantic-settings, environment prefix HOSO_).

Built by the cached `get_settings()`, never at import, and passed into the adapters that need a
value; tests build their own.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from docgen import resources


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOSO_", frozen=True)

    data_dir: Path = Path("data")
    """Where hoso keeps its state: the development PKI under pki/, the database, the store."""

    pki_url: str = "http://127.0.0.1:9787"
    """Where `hoso pki serve` answers; certificates of the development PKI point there."""

    public_base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    """Where recipients verify documents: the QR code on each document leads to {this}/v/{code}."""

    converter_timeout: float = 60.0
    """Seconds one LibreOffice conversion may take before its instance is killed."""

    converter_max_conversions: int = 200
    """Conversions after which a LibreOffice instance is restarted, to bound its memory."""

    converter_size: int | None = None
    """Warm LibreOffice instances; default: the number of CPUs."""

    trust_roots_dir: Path | None = None
    """A folder of PEM root certificates that verification trusts; default: the development
    PKI's root in {data_dir}/pki."""

    pkcs11_module: Path = Path("/usr/lib/softhsm/libsofthsm2.so")
    """The PKCS#11 module (driver) of the signers' tokens; in production the CA's own driver."""

    database_url: str | None = None
    """SQLAlchemy URL of the registry, e.g. postgresql+psycopg://hoso@127.0.0.1/hoso; default:
    SQLite in {data_dir}/hoso.db."""

    store_dir: Path | None = None
    """The archive store (issued PDFs by SHA-256); default: {data_dir}/store."""

    upload_limit: int = 20 * 1024 * 1024
    """Largest PDF (bytes) the verification endpoint accepts."""

    batch_files: int = Field(default=50, ge=1)
    """Most files one bulk verification takes (POST /api/verify/batch, the /xac-minh page)."""

    batch_limit: int = Field(default=100 * 1024 * 1024, ge=1)
    """Largest total size (bytes) of the files of one bulk verification; each file is also
    under `upload_limit`."""

    cookie_secure: bool | None = None
    """Send the session cookie over HTTPS only (its Secure flag); default: when
    `public_base_url` is https. Set it when TLS ends at a proxy in front of an http URL."""

    trusted_proxies: str = ""
    """The reverse proxies (addresses or networks, comma-separated: "10.0.0.5,10.1.0.0/16";
    "*" for any) whose X-Forwarded-For and X-Forwarded-Proto the service believes: the
    client's address (sign-in counting per address, the logs) is then the one they forward.
    Empty: none — the address is the connection's, and a forwarded header is ignored."""

    issue_days_back: int = Field(default=30, ge=0)
    """How many days before today a văn thư may date an issue (api/workflow/issue_date.py)."""

    issue_days_ahead: int = Field(default=0, ge=0)
    """How many days after today a văn thư may date an issue; 0: never in the future."""

    log_format: Literal["text", "json"] = "text"
    """`hoso serve`'s log lines: text, or JSON objects with request id, user and action
    (api/routes/json_log.py)."""

    bodies_dir: Path = Field(default_factory=lambda: resources.samples_dir() / "bodies")
    """The issuing bodies (YAML, one per body): names, signers, Nơi nhận; default: the samples
    (the checkout's samples/bodies, or the copy an installed wheel carries)."""

    plans_dir: Path = Field(default_factory=lambda: resources.samples_dir() / "plans")
    """The bodies' Kế hoạch data (YAML, <body>-<year>.yaml); default: the samples'."""

    samples_dir: Path = Field(default_factory=resources.samples_dir)
    """The demo's inputs (`hoso demo`): assessments/ and meetings/ under it."""

    crash_at: str | None = None
    """Tests only: the crash point (api.registry.crash.POINTS) at which the process kills
    itself, to prove a killed issue or archiving leaves the registry and store consistent."""

    smtp_host: str | None = None
    """The SMTP server notifications go through; None: they stay in the outbox (the
    notifications table) and are listed for the văn thư, sent by nothing."""

    smtp_port: int = Field(default=25, ge=1, le=65535)

    smtp_user: str | None = None
    """Sign in to the SMTP server as this user (with `smtp_password`); None: no sign-in."""

    smtp_password: SecretStr | None = None

    smtp_from: str = "hoso <khong-tra-loi@hoso.invalid>"
    """The From of every notification."""

    smtp_starttls: bool = False
    """Upgrade the connection with STARTTLS (the server's certificate checked) before
    signing in or sending."""

    smtp_timeout: float = Field(default=20.0, gt=0)
    """Seconds one SMTP exchange may take before the send is recorded as failed."""

    remind_unsigned_days: int = Field(default=3, ge=1)
    """`hoso notify remind`: a draft sent for signature this many days ago and unsigned
    reminds its signer."""

    remind_unacknowledged_days: int = Field(default=5, ge=1)
    """`hoso notify remind`: a recipient who has not acknowledged a document issued this many
    days ago is sent their link again."""

    remind_unacknowledged_times: int = Field(default=3, ge=1)
    """How many reminders in all a recipient who does not acknowledge is sent."""
    prepared_signature_minutes: int = Field(default=10, ge=1, le=24 * 60)
    """How long a signature prepared for a key held elsewhere waits for its value
    (api/workflow/remote_signing.py)."""

    remote_confirm_seconds: float = Field(default=120.0, gt=0)
    """How long the server waits for a signer to confirm on their phone (remote signing)."""

    allow_key_upload: bool | None = None
    """Whether a signer may send their PKCS#12 key to the server to sign (POST
    /api/documents/{id}/sign with a key file): a key that leaves its holder fails the law's sole
    control. Default: only when every trusted root is the development PKI's (`hoso pki init`:
    signing/pki.py), never with a real CA's root."""

    queue_url: str | None = None
    """The job queue (api/workflow/queue.py): sqlite:///path (the embedded default,
    {data_dir}/queue.db), redis://127.0.0.1:6379/0 for workers on several machines, or
    immediate:// (each job runs inside the request that makes it)."""

    queue_embedded: bool = True
    """Whether each `hoso serve` process also runs the queue's jobs, in a thread of its own
    (one machine); switch off when `hoso worker` processes run them."""

    job_lease_seconds: float = Field(default=120.0, gt=0)
    """A running job whose worker gave no sign of life for this long is taken as lost with
    its worker (killed, machine down) and queued again."""

    part_documents: int = Field(default=12, ge=1)
    """A generation planning more documents than this is split into parts of this many
    documents, which any worker of the queue runs (api/workflow/parts.py); not with
    immediate://, where each job runs inside its request."""

    daily_hour: int | None = Field(default=7, ge=0, le=23)
    """The hour (in Vietnam) at which the queue's daily tasks run: the reminders (as `hoso
    notify remind`) and the renewal of archived documents' timestamps; None: none run (a
    timer calls the commands instead)."""

    renew_within_days: int = Field(default=365, ge=1)
    """Renew an archived document's timestamp when its certificate expires within this many
    days (the daily task, `hoso archive renew --registry`)."""

    def secret(self) -> bytes:
        """The service's secret (recipients' links are derived from it): {data_dir}/secret.key,
        made on first use, readable by the service's user only."""
        path = self.data_dir / "secret.key"
        if not path.exists():
            import os
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # made meanwhile by another worker
                return path.read_bytes()
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
                f.flush()
                os.fsync(f.fileno())
        return path.read_bytes()

    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return str(self.public_base_url).startswith("https://")

    def page_url(self, path: str) -> str:
        """The address of one of this service's pages, for mails: "/ky-so" → its full URL."""
        return f"{str(self.public_base_url).rstrip('/')}{path}"

    def link_url(self, token: str) -> str:
        return f"{str(self.public_base_url).rstrip('/')}/r/{token}"

    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'hoso.db').resolve()}"

    def queue(self) -> str:
        return self.queue_url or f"sqlite:///{(self.data_dir / 'queue.db').resolve()}"

    def store(self) -> Path:
        return self.store_dir or self.data_dir / "store"

    def verify_url(self, code: str) -> str:
        return f"{str(self.public_base_url).rstrip('/')}/v/{code}"


@cache
def get_settings() -> Settings:
    return Settings()
