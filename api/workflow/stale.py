"""What signing with the key elsewhere leaves behind, ended (issue 14):

- a prepared signature past its expiry can never be finished: its row and its prepared PDF in
  the drafts store are removed (`clear_expired`, run before each prepare);
- a remote signing whose worker died (a restart, a killed process) would stay "pending" and
  the Ký số page would wait forever: past the confirmation timeout and a grace for the
  preparing and finishing around it, whichever worker answers its state marks it failed
  (`conclude_stale`). A worker that was merely slow still writes its true outcome after.

Left out: a periodic sweeper; both happen when someone asks.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from api.registry.db import Document, RemoteJob
from api.registry.db import PreparedSignature as PreparedRow
from api.workflow.services import Services

JOB_GRACE = dt.timedelta(minutes=2)
"""Beyond the confirmation timeout: preparing and finishing up to twenty drafts."""

STALE_JOB = {
    "code": "remote_job_lost",
    "message_vi": "Không nhận được kết quả ký từ xa (quá thời gian chờ, máy chủ xử lý đã dừng): "
    "hãy kiểm tra văn bản và ký lại nếu chưa được ký",
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clear_expired(svc: Services, *, at: dt.datetime | None = None) -> int:
    """Remove the prepared signatures that expired and their prepared PDFs; how many."""
    moment = at or now()
    with svc.sessions.begin() as session:
        expired = dict(
            session.execute(
                select(PreparedRow.id, PreparedRow.prepared_sha256).where(
                    PreparedRow.expires_at <= moment
                )
            ).all()
        )
        if not expired:
            return 0
        session.execute(delete(PreparedRow).where(PreparedRow.id.in_(expired)))
        digests = set(expired.values())
        # A file still named by a live prepared signature or by a document stays.
        kept = set(
            session.scalars(
                select(PreparedRow.prepared_sha256).where(PreparedRow.prepared_sha256.in_(digests))
            )
        ) | set(session.scalars(select(Document.sha256).where(Document.sha256.in_(digests))))
    for digest in digests - kept:  # after the commit: a file never goes before its row
        svc.drafts.remove(digest)
    return len(expired)


def conclude_stale(svc: Services, job: str, *, at: dt.datetime | None = None) -> bool:
    """Mark remote job `job` failed if it is still pending past the confirmation timeout and
    JOB_GRACE (its worker died); whether it did."""
    moment = at or now()
    deadline = moment - dt.timedelta(seconds=svc.confirm_timeout) - JOB_GRACE
    with svc.sessions() as session:  # a look first: the page polls, writing each time would not do
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        found = session.get(RemoteJob, job)
        if found is None or found.state != "pending" or found.created_at >= deadline:
            return False
    with svc.sessions.begin() as session:
        done = session.execute(
            update(RemoteJob)
            .where(
                RemoteJob.id == job,
                RemoteJob.state == "pending",
                RemoteJob.created_at < deadline,
            )
            .values(state="failed", result=dict(STALE_JOB), finished_at=moment)
        )
        return bool(getattr(done, "rowcount", 0))
