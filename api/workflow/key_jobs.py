"""Signing and issuing as in-process jobs (việc ký số, việc ban hành): the request that holds the
key checks everything it can at once — the key opened with its passphrase or PIN, the role, the
draft's state, the certificate's owner, the ngày — so that a refusal comes back on the form; only
then does it record a `jobs` row (the document's id and the ngày, never a secret) and run the
work in a thread of its own process, where the key stays in memory. The job tells its steps
("Đang ký số: ký số và lấy dấu thời gian (2/3)") to the registry, where any web process reads
them for its owner (`jobs.get_job`).

The same request while one runs is that job: the second request's key is closed unused, and no
second signature starts (the document's row is locked while the job is looked up, so two
requests at once find one another on PostgreSQL; SQLite's writers queue). A thread keeps the
job's heartbeat while its step waits on the TSA; a process that dies leaves a silent job, which
`jobs.recover` marks failed (it cannot run it again: it has no key). The registry stays
consistent as the work records its outcome in one transaction at its end.

Left out: the pages and the HTTP shapes (pages/office.py, routes/documents.py); the queue of
jobs without a key (jobs.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from PIL import Image
from pyhanko.sign import signers
from sqlalchemy import select

from api.registry.db import Document, Job, now
from api.workflow import documents, jobs
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen.errors import HosoError

log = logging.getLogger("hoso.jobs")

Work = Callable[[Callable[[int, int], None]], dict[str, Any]]


def start_signing(
    svc: Services,
    actor: Actor,
    document_id: int,
    signer: signers.Signer,
    *,
    key: ExitStack,
    signature: Image.Image | None = None,
) -> jobs.JobView:
    """Sign `document_id` with `signer` in a job of this process (documents.sign), after the
    checks that refuse it at once. `key` holds `signer` open (a token's session): the job
    closes it when done, or at once when the checks refuse or the same job already runs."""
    assert signer.signing_cert is not None
    with _closed_if_refused(key):
        documents.signing_checks(svc, actor, document_id, signer.signing_cert, signature)

    def work(progress: Callable[[int, int], None]) -> dict[str, Any]:
        signed = documents.sign(
            svc, actor, document_id, signer, signature=signature, progress=progress
        )
        return {"document": signed.id}

    return _start(svc, actor, "sign", {"document_id": document_id}, work, key)


def start_issuing(
    svc: Services,
    actor: Actor,
    document_id: int,
    organisation: signers.Signer,
    *,
    key: ExitStack,
    day: dt.date | None = None,
) -> jobs.JobView:
    """Issue `document_id` with the organisation's key in a job of this process
    (documents.issue), after the checks that refuse it at once; `key` as in `start_signing`."""
    with _closed_if_refused(key):
        _, day = documents.issue_checks(svc, actor, document_id, organisation, day=day)

    def work(progress: Callable[[int, int], None]) -> dict[str, Any]:
        done, sent = documents.issue(
            svc, actor, document_id, organisation, day=day, progress=progress
        )
        return {"document": document_id, "reference": done.reference, "recipients": len(sent)}

    inputs = {"document_id": document_id, "day": day.isoformat()}
    return _start(svc, actor, "issue", inputs, work, key)


@contextmanager
def _closed_if_refused(key: ExitStack) -> Iterator[None]:
    try:
        yield
    except BaseException:
        key.close()
        raise


def _start(
    svc: Services,
    actor: Actor,
    kind: str,
    inputs: dict[str, Any],
    work: Work,
    key: ExitStack,
) -> jobs.JobView:
    # One job per document and kind while it runs, whatever else the second request says.
    same_key = jobs.key_of(kind, actor.id, {"document_id": inputs["document_id"]})
    try:
        with svc.sessions.begin() as session:
            session.scalar(
                select(Document.id).where(Document.id == inputs["document_id"]).with_for_update()
            )
            same = session.scalar(
                select(Job).where(Job.key == same_key, Job.state.in_(jobs.ACTIVE)).order_by(Job.id)
            )
            if same is not None:
                key.close()
                return jobs.view(same)
            job = Job(
                user_id=actor.id,
                kind=kind,
                key=same_key,
                inputs=inputs,
                state="running",  # never "queued": no worker of the queue may take it
                attempts=1,
                heartbeat_at=now(),
                result={},
            )
            session.add(job)
            session.flush()
            made = jobs.view(job)
    except BaseException:
        key.close()
        raise
    thread = threading.Thread(
        target=_run, args=(svc, made.id, work, key), name=f"hoso-{kind}-{made.id}"
    )
    thread.start()
    return made


def _run(svc: Services, job_id: int, work: Work, key: ExitStack) -> None:
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(svc, job_id, stop), daemon=True)
    beat.start()
    try:
        result = work(jobs.progress_of(svc, job_id))
    except HosoError as exc:
        jobs.finish(svc, job_id, state="failed", error=jobs.error_of(exc))
        return
    except Exception as exc:
        log.exception("job %s failed", job_id)
        jobs.finish(
            svc,
            job_id,
            state="failed",
            error={
                "code": "internal_error",
                "message": f"the job failed: {type(exc).__name__}",
                "message_vi": "Việc không hoàn thành do lỗi của dịch vụ; hãy thử lại",
                "field": "",
            },
        )
        return
    finally:
        stop.set()
        key.close()  # the key leaves memory (a token's session closes)
    jobs.finish(svc, job_id, state="done", result=result)


def _heartbeat(svc: Services, job_id: int, stop: threading.Event) -> None:
    """The job's sign of life while a step waits (a TSA, a slow token): `recover` takes a job
    silent for a whole lease as lost."""
    every = max(svc.job_lease.total_seconds() / 4, 0.05)
    while not stop.wait(every):
        try:
            with svc.sessions.begin() as session:
                job = session.get(Job, job_id)
                if job is None or job.state != "running":
                    return
                job.heartbeat_at = now()
        except Exception:  # a busy registry: the next beat tries again
            log.warning("job %s: heartbeat not written", job_id, exc_info=True)
