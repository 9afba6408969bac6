"""Long work as jobs (việc chạy nền): a request records a job and gets its id at once; a worker
of the queue (api/workflow/queue.py) runs it, telling its progress ("7/19") to the registry,
where its owner (or an admin) reads it (`GET /api/jobs/{id}`, the Hồ sơ page).

Idempotent and crash-safe:
- a job is keyed on its kind, its owner and its inputs: the same request while the first is
  queued or running is that job, not a second one;
- a generation pins the instant its PDFs carry when it is recorded, so a redelivered job makes
  byte-identical drafts — the content-addressed store writes no second file — and drafts take no
  số (the số is taken at issue, in the registry's numbering transaction);
- a worker killed mid-job leaves its job "running" with a heartbeat that stops: `recover`
  queues it again once its lease ran out, and the rerun replaces the drafts it had made;
- a big generation runs as parts any worker takes (api/workflow/parts.py): its job waits on
  them, is never taken for lost while it has parts, and reads their sum as its progress.

Kinds: "generate" (a dossier), "archive_seal" and "archive_renew" (a body's archive:
api/workflow/preservation.py, where a rerun seals or renews nothing twice).
Who owns a job: the signed-in user who asked, or — for bulk verification on the public pages,
where nobody signs in — whoever holds the job's token, a random secret given once to the
caller (the 202 answer, the page's cookie) and kept here only as its SHA-256. Job ids count up
and can be guessed, so the id alone shows nothing: a recipient sees only the verdicts on the
files they sent, as a signed-in user sees only their own jobs. The same caller (the same token)
sending the same files while their job runs gets that job again.

Signing and issuing are not queued: they need a key, and a PKCS#12 passphrase or a private key
must never be written into a queue or the registry. They run as in-process jobs
(api/workflow/key_jobs.py): a row here for their progress, the work in a thread of the web
process that holds the key. `recover` cannot run such a job again (no key): a lost one is
marked failed, to be signed again.
Left out: the engine (queue.py), the HTTP and page shapes (routes/jobs.py, pages/).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter
from sqlalchemy import func, select

from api.registry.db import Job, User, now
from api.registry.numbering import DatabaseLookup
from api.settings import Settings
from api.workflow import bulk_verify, documents, parts, preservation
from api.workflow.queue import HueyQueue
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen import dossier
from docgen.errors import ConfigError, HosoError, NotFound

log = logging.getLogger("hoso.jobs")

KIND_VI: Final = {
    "generate": "Đang tạo văn bản",
    parts.KIND: "Đang tạo văn bản",
    "archive_seal": "Đang niêm phong lưu trữ",
    "archive_renew": "Đang gia hạn dấu thời gian lưu trữ",
    "sign": "Đang ký số",
    "issue": "Đang ban hành",
    "verify": "Đang xác minh",
}
ACTIVE: Final = ("queued", "running")
IN_PROCESS: Final = ("sign", "issue")
"""Kinds run in the thread of the web process holding the key (key_jobs.py), never queued."""
STEPS_VI: Final = {
    "sign": ("kiểm tra bản thảo", "ký số và lấy dấu thời gian", "ghi vào sổ văn bản"),
    "issue": (
        "kiểm tra văn bản",
        "cho số, ký số của cơ quan, dấu thời gian và dữ liệu xác minh",
        "gửi đến các nơi nhận",
    ),
}
"""The steps of an in-process job, as its progress names them: step `done` of `total` runs."""
LOST_VI: Final = {
    "sign": "Việc ký số bị gián đoạn (dịch vụ đã dừng giữa chừng); hãy ký lại nếu văn bản "
    "vẫn còn trong danh sách chờ ký",
    "issue": "Việc ban hành bị gián đoạn (dịch vụ đã dừng giữa chừng); hãy ban hành lại nếu "
    "văn bản vẫn còn trong danh sách chờ ban hành",
}
_MEETING: Final = TypeAdapter(dossier.Meeting)


@dataclass(frozen=True)
class JobView:
    """A job as its owner sees it."""

    id: int
    kind: str
    state: str
    done: int
    total: int
    result: dict[str, Any]
    error: dict[str, Any] | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def progress(self) -> str:
        """ "7/19"; "" before the total is known."""
        return f"{self.done}/{self.total}" if self.total else ""

    @property
    def progress_vi(self) -> str:
        """ "Đang tạo văn bản 7/19", as the pages show it."""
        if self.state == "done":
            return "Đã xong"
        if self.state == "failed":
            return "Không thành công"
        if self.state == "queued":
            return "Đang chờ đến lượt"
        steps = STEPS_VI.get(self.kind)
        if steps and 1 <= self.done <= len(steps):
            return f"{KIND_VI[self.kind]}: {steps[self.done - 1]} ({self.progress})"
        return f"{KIND_VI.get(self.kind, 'Đang chạy')} {self.progress}".strip()


def view(job: Job) -> JobView:
    """`job` as its owner sees it."""
    return JobView(
        job.id,
        job.kind,
        job.state,
        job.done,
        job.total,
        dict(job.result or {}),
        job.error,
        job.created_at,
        job.finished_at,
        dict(job.inputs or {}),
    )


def key_of(kind: str, owner: int | str, inputs: dict[str, Any]) -> str:
    """What makes two requests the same job."""
    canonical = json.dumps([kind, owner, inputs], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- making jobs ---------------------------------------------------------------------------------


def generation_inputs(
    *,
    body: str,
    year: int,
    proposal: dossier.Reference | None = None,
    decision: dossier.Reference | None = None,
    meeting: dossier.Meeting | None = None,
    watermark: bool = False,
    signer: str | None = None,
) -> dict[str, Any]:
    """The inputs of a generation, as JSON the job keeps."""

    return {
        "body": body,
        "year": year,
        "proposal": parts.reference_json(proposal),
        "decision": parts.reference_json(decision),
        "meeting": None if meeting is None else _MEETING.dump_python(meeting, mode="json"),
        "watermark": watermark,
        "signer": signer,
    }


def submit_generation(svc: Services, actor: Actor, **given: Any) -> JobView:
    """Queue the generation of a dossier (documents.generate_dossier's arguments); what would
    refuse it at once (role, body, no assessment) refuses it here, before any job exists."""
    inputs = generation_inputs(**given)
    documents.check_generation(svc, actor, body=inputs["body"], year=inputs["year"])
    return _submit(svc, "generate", inputs, user_id=actor.id)


def submit_sealing(svc: Services, actor: Actor, *, body: str | None, year: int) -> JobView:
    """Queue the sealing for the archive of every document `body` issued in `year` and not
    archived yet (api/workflow/preservation.py); a văn thư's own body, any for an admin."""
    chosen = preservation.archiving_body(actor, body)
    if chosen is None:
        raise HosoError(
            "name the body whose documents to seal",
            message_vi="Cần chọn cơ quan có văn bản cần niêm phong lưu trữ",
            field="body",
        )
    _known_body(svc, chosen)
    return _submit(svc, "archive_seal", {"body": chosen, "year": year}, user_id=actor.id)


def submit_renewal(
    svc: Services, actor: Actor, *, body: str | None, within_days: int, year: int | None = None
) -> JobView:
    """Queue the renewal of the archived documents' timestamps due within `within_days` (of a
    văn thư's own body; of the one given, or every body, for an admin; of `year` if given)."""
    chosen = preservation.archiving_body(actor, body)
    if chosen is not None:
        _known_body(svc, chosen)
    inputs = {"body": chosen, "year": year, "within_days": within_days}
    return _submit(svc, "archive_renew", inputs, user_id=actor.id)


def _known_body(svc: Services, body: str) -> None:
    if body not in svc.bodies:
        raise NotFound(
            f"no issuing body {body!r}",
            message_vi=f"Không có cơ quan ban hành '{body}'",
            field="body",
        )


TOKEN_PATTERN: Final = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def uploads_folder(svc: Services) -> Path:
    """Where a bulk verification's files wait; ConfigError when the service has none."""
    if svc.uploads is None:
        raise ConfigError(
            "this service has no folder for uploads: bulk verification is off",
            message_vi="Dịch vụ chưa có thư mục nhận tệp nên không xác minh nhiều tệp được",
            field="data_dir",
        )
    return svc.uploads


def submit_verification(
    svc: Services, files: list[bulk_verify.Received], *, token: str | None = None
) -> tuple[JobView, str]:
    """Queue the verification of `files` (already received, under the limits) for the holder
    of `token`, or of a new token; returns the job and the token that reads it. The files move
    into the job's folder, or are dropped when this caller's same batch is already running."""
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise HosoError(
            "token: a job token is 32 to 128 letters, digits, '-' or '_'",
            message_vi="Mã việc phải gồm 32 đến 128 chữ cái, chữ số, '-' hoặc '_'",
            field="token",
        )
    uploads = uploads_folder(svc)
    svc.trust_roots()  # a service that cannot verify says so before any job exists
    token = token or secrets.token_urlsafe(32)
    inputs = {"files": bulk_verify.described(files)}
    made = _submit(
        svc,
        "verify",
        inputs,
        token_hash=token_hash(token),
        attach=lambda job_id: bulk_verify.keep(files, bulk_verify.job_folder(uploads, job_id)),
    )
    for f in files:  # those of a batch already running, which has its own copies
        f.path.unlink(missing_ok=True)
    return made, token


def _submit(
    svc: Services,
    kind: str,
    inputs: dict[str, Any],
    *,
    user_id: int | None = None,
    token_hash: str | None = None,
    attach: Callable[[int], None] | None = None,
) -> JobView:
    """Record the job (or find the owner's same one still active) and queue it; `attach(id)`
    runs before the row is committed, for what the job needs beside its inputs (files)."""
    owner: int | str = user_id if user_id is not None else f"token:{token_hash}"
    key = key_of(kind, owner, inputs)
    with svc.sessions.begin() as session:
        same = session.scalar(
            select(Job).where(Job.key == key, Job.state.in_(ACTIVE)).order_by(Job.id)
        )
        if same is not None:
            return view(same)
        job = Job(
            user_id=user_id,
            token_hash=token_hash,
            kind=kind,
            key=key,
            inputs=inputs,
            state="queued",
            result={},
        )
        session.add(job)
        session.flush()
        if attach is not None:
            attach(job.id)
        made = view(job)
    _enqueue(svc, made.id)
    return made


def _enqueue(svc: Services, job_id: int) -> None:
    if svc.queue is None:
        run(svc, job_id)
    else:
        svc.queue.enqueue(job_id)


# --- reading jobs --------------------------------------------------------------------------------


def get_job(svc: Services, actor: Actor, job_id: int) -> JobView:
    """The job, for its owner or an admin; for anyone else it does not exist."""
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        job = session.get(Job, job_id)
        if job is None or (job.user_id != actor.id and actor.role != "admin"):
            raise _no_job(job_id)
        found = view(job)
        if job.state == "running" and job.total:
            done = parts.done(session, job.id)
            if done is not None:  # split: the parts' sum ("Đang tạo văn bản 57/243")
                found = dataclasses.replace(found, done=done)
        return found


def get_public_job(svc: Services, token: str, job_id: int) -> JobView:
    """The job, for the holder of its token; for anyone else it does not exist."""
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        job = session.get(Job, job_id)
        # Compared in constant time: the hash of a wrong token says nothing of the right one.
        if job is None or not secrets.compare_digest(job.token_hash or "", token_hash(token)):
            raise _no_job(job_id)
        return view(job)


def _no_job(job_id: int) -> NotFound:
    return NotFound(f"no job {job_id}", message_vi=f"Không có việc số {job_id}", field="job_id")


def running_job(svc: Services, actor: Actor, kind: str) -> JobView | None:
    """The actor's latest job of `kind` still queued or running, if any: what their page shows
    when they come back to it."""
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        job = session.scalar(
            select(Job)
            .where(Job.user_id == actor.id, Job.kind == kind, Job.state.in_(ACTIVE))
            .order_by(Job.id.desc())
        )
        return None if job is None else view(job)


# --- running jobs --------------------------------------------------------------------------------


def run(svc: Services, job_id: int) -> None:
    """Run job `job_id` (a worker's task). A job running or finished is left as it is: a
    message delivered twice runs nothing twice."""
    with svc.sessions.begin() as session:
        # Only a queued job is taken, under a row lock (PostgreSQL; SQLite's writers queue):
        # two messages of one job — a recovery racing a slow worker — never run it twice.
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.state != "queued":
            return
        job.state = "running"
        job.attempts += 1
        job.heartbeat_at = now()
        kind, inputs, user_id, created = job.kind, dict(job.inputs), job.user_id, job.created_at
    try:
        actor = None
        if user_id is not None:
            with svc.sessions() as session:
                user = session.get(User, user_id)
                assert user is not None
                actor = Actor.of(user)
        result = _RUNNERS[kind](svc, actor, inputs, created, progress_of(svc, job_id), job_id)
    except HosoError as exc:
        finish(svc, job_id, state="failed", error=error_of(exc))
        return
    except Exception as exc:
        log.exception("job %s failed", job_id)
        finish(
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
    if result is not None:  # None: its parts finish it (api/workflow/parts.py)
        finish(svc, job_id, state="done", result=result)


def error_of(exc: HosoError) -> dict[str, Any]:
    """What a job keeps of the error that ended it."""
    return {
        "code": exc.code,
        "message": str(exc),
        "message_vi": exc.message_vi,
        "field": exc.field,
    }


def progress_of(svc: Services, job_id: int) -> Callable[[int, int], None]:
    """The callback telling job `job_id`'s progress (and heartbeat) to the registry."""

    def told(done: int, total: int) -> None:
        with svc.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is not None:
                job.done, job.total, job.heartbeat_at = done, total, now()

    return told


def finish(
    svc: Services,
    job_id: int,
    *,
    state: str,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> None:
    """Job `job_id` ended: `state` "done" with its `result`, or "failed" with its `error`."""
    with svc.sessions.begin() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        if job.parent_id is not None and state == "failed":
            parts.fail_parent(session, job.parent_id, error or {})
        job.state = state
        job.result = result or {}
        job.error = error
        job.finished_at = now()
        if state == "done" and job.total:
            job.done = job.total
        kind = job.kind
    if kind == "verify" and svc.uploads is not None:
        # Kept only until the job has an end; a worker killed before this line leaves them
        # for the rerun, and `recover` removes those of jobs that ended anyway.
        bulk_verify.discard(bulk_verify.job_folder(svc.uploads, job_id))


def recover(svc: Services, *, lease: dt.timedelta) -> list[int]:
    """Queue again the jobs lost with their worker: running with no heartbeat for `lease`, or
    queued for `lease` without a worker taking them (their message lost; one merely waiting
    behind others gets a second message, which finds it taken). Returns their ids.

    An in-process job lost with its web process (IN_PROCESS) is not queued: no worker has its
    key. It is marked failed, saying to sign (issue) again; its work recorded nothing, as the
    signature is written in one transaction at its end."""
    limit = now() - lease
    with svc.sessions.begin() as session:
        lost = session.scalars(
            select(Job)
            .where(
                Job.state.in_(ACTIVE),
                func.coalesce(Job.heartbeat_at, Job.created_at) < limit,
                ~parts.has_parts(Job.id),  # a parent waits on its parts, which are recovered
            )
            .with_for_update(skip_locked=True)  # two recoveries at once take each job once
        ).all()
        ids = [job.id for job in lost if job.kind not in IN_PROCESS]
        for job in lost:
            if job.kind in IN_PROCESS:
                log.warning("job %s was lost with its web process: marked failed", job.id)
                job.state, job.finished_at = "failed", now()
                job.error = {
                    "code": "interrupted",
                    "message": f"the {job.kind} job was interrupted: its process stopped",
                    "message_vi": LOST_VI[job.kind],
                    "field": "",
                }
                continue
            job.state = "queued"
            job.heartbeat_at = now()  # its lease starts again
    _sweep_uploads(svc, older_than=lease)
    for job_id in ids:
        log.warning("job %s was lost with its worker: queued again", job_id)
        _enqueue(svc, job_id)
    return ids


def _sweep_uploads(svc: Services, *, older_than: dt.timedelta) -> None:
    """Remove the uploaded files of jobs that ended (their worker died between recording the
    end and removing them) or never came to be (a submission that failed). A folder younger
    than `older_than` is left: its job's row may not be committed yet."""
    if svc.uploads is None or not svc.uploads.is_dir():
        return
    settled = time.time() - older_than.total_seconds()
    with svc.sessions() as session:
        active = set(
            session.scalars(select(Job.id).where(Job.kind == "verify", Job.state.in_(ACTIVE)))
        )
    for folder in svc.uploads.glob("job-*"):
        number = folder.name.removeprefix("job-")
        if number.isdigit() and int(number) not in active and folder.stat().st_mtime < settled:
            bulk_verify.discard(folder)
    # Uploads a web process was receiving when it died.
    for folder in svc.uploads.glob("incoming/*"):
        if folder.stat().st_mtime < settled:
            bulk_verify.discard(folder)


def job_queue(settings: Settings, svc: Services) -> HueyQueue:
    """The queue of `settings` whose tasks run the jobs with `svc` (its `queue` from then on)."""
    from api.workflow import tasks

    queue = HueyQueue(
        settings.queue(),
        run=lambda job_id: run(svc, job_id),
        recover=lambda: recover(svc, lease=svc.job_lease),
    )
    tasks.add_tasks(queue, settings, svc)
    svc.queue = queue
    return queue


# --- what each kind does -------------------------------------------------------------------------


def _generate(
    svc: Services,
    actor: Actor,
    inputs: dict[str, Any],
    created: dt.datetime,
    progress: Callable[[int, int], None],
    job_id: int,
) -> dict[str, Any] | None:
    given = generation_arguments(inputs)
    # The same steps as documents.generate_dossier, with a choice between planning and building.
    plan = documents.plan_generation(svc, actor, **given)
    if parts.splits(svc) and len(plan.planned) > svc.part_documents:
        parts.split(svc, job_id, plan, inputs=inputs, issued_at=created)
        return None
    made_files = documents.build_drafts(
        svc, plan.planned, watermark=given["watermark"], issued_at=created, progress=progress
    )
    with svc.sessions.begin() as session:
        made = documents.record_drafts(session, svc, actor, plan, made_files)
    return {"documents": [d.id for d in made], "dossier": plan.key}


def generation_arguments(inputs: dict[str, Any]) -> dict[str, Any]:
    """`generation_inputs` back into documents.generate_dossier's keywords."""
    return {
        "body": inputs["body"],
        "year": int(inputs["year"]),
        "proposal": parts.reference(inputs["proposal"]),
        "decision": parts.reference(inputs["decision"]),
        "meeting": None
        if inputs["meeting"] is None
        else _MEETING.validate_python(inputs["meeting"]),
        "watermark": bool(inputs["watermark"]),
        "signer": inputs["signer"],
    }


def _generate_part(
    svc: Services,
    actor: Actor,
    inputs: dict[str, Any],
    created: dt.datetime,
    progress: Callable[[int, int], None],
    job_id: int,
) -> None:
    parts.run_part(
        svc,
        actor,
        job_id,
        inputs,
        given=generation_arguments(inputs["generation"]),
        progress=progress,
    )


def _seal(
    svc: Services,
    actor: Actor,
    inputs: dict[str, Any],
    created: dt.datetime,
    progress: Callable[[int, int], None],
    job_id: int,
) -> dict[str, Any]:
    return preservation.seal_issued(
        svc, body=inputs["body"], year=int(inputs["year"]), actor=actor.audit, progress=progress
    ).as_result()


def _renew(
    svc: Services,
    actor: Actor,
    inputs: dict[str, Any],
    created: dt.datetime,
    progress: Callable[[int, int], None],
    job_id: int,
) -> dict[str, Any]:
    # "Since the job was made": a rerun after a killed worker does not renew twice.
    return preservation.renew_due(
        svc,
        body=inputs["body"],
        year=inputs.get("year"),
        within=dt.timedelta(days=int(inputs["within_days"])),
        now=dt.datetime.now(dt.UTC),
        since=created,
        actor=actor.audit,
        progress=progress,
    ).as_result()


def _verify(
    svc: Services,
    actor: Actor | None,
    inputs: dict[str, Any],
    created: dt.datetime,
    progress: Callable[[int, int], None],
    job_id: int,
) -> dict[str, Any]:
    assert svc.uploads is not None
    files = bulk_verify.verify_files(
        bulk_verify.job_folder(svc.uploads, job_id),
        inputs["files"],
        trust_roots=svc.trust_roots(),
        registry=DatabaseLookup(svc.sessions),
        url=svc.verify_url,
        progress=progress,
    )
    return {"files": files}


_RUNNERS: Final[dict[str, Callable[..., dict[str, Any] | None]]] = {
    "generate": _generate,
    parts.KIND: _generate_part,
    "archive_seal": _seal,
    "archive_renew": _renew,
    "verify": _verify,
}
