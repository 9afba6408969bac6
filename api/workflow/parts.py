"""A big generation split into parts (phần việc) that any worker of the queue runs: a province's
dossier holds the documents of every unit (120 units, some 250 documents) and, as one job, would
keep one worker and its LibreOffice busy while the others idle.

The generation job plans the dossier; above `Services.part_documents` documents it records one
part per slice of the plan, in one transaction, each with the resolved references and the pinned
creation time, so that every part plans the dossier identically and a rerun part makes the same
bytes; the parent stays "running". A part builds its slice with its worker's LibreOffice pool,
puts the PDFs into the content-addressed drafts store and keeps in its result what recording
needs. The part that finishes last — decided under the parent's row lock (PostgreSQL's
FOR UPDATE; SQLite's writers queue) — records every draft in one transaction, as a generation
in one job does (documents.record_drafts), and finishes the parent. A failed part fails the
parent in the same transaction; no draft is recorded. A part lost with its worker is queued
again by jobs.recover like any job; its parent is not lost while it has parts.

Left out: running jobs and recovering them (jobs.py), the queue (queue.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from api.registry.db import Job, now
from api.workflow import documents
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen import dossier
from docgen.errors import StateError

KIND: Final = "generate-part"


def splits(svc: Services) -> bool:
    """Whether the jobs of `svc` may be split: a queue whose workers take them (immediate://
    runs each job inside its request, where a part would wait on itself)."""
    return svc.queue is not None and not getattr(svc.queue, "immediate", False)


def reference_json(ref: dossier.Reference | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {
        "number": ref.number,
        "notation": ref.notation,
        "date": ref.date.isoformat(),
        "issuer": ref.issuer,
    }


def reference(given: dict[str, Any] | None) -> dossier.Reference | None:
    if given is None:
        return None
    return dossier.Reference(
        int(given["number"]),
        str(given["notation"]),
        dt.date.fromisoformat(given["date"]),
        str(given["issuer"]),
    )


def has_parts(job_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: the job `job_id` has parts."""
    part = aliased(Job)
    return exists().where(part.parent_id == job_id)


def done(session: Session, parent_id: int) -> int | None:
    """Documents made so far by the parts of `parent_id`; None when it has none."""
    found = session.scalar(select(func.sum(Job.done)).where(Job.parent_id == parent_id))
    return None if found is None else int(found)


def split(
    svc: Services,
    job_id: int,
    plan: documents.DossierPlan,
    *,
    inputs: dict[str, Any],
    issued_at: dt.datetime,
) -> list[int]:
    """Record the parts of generation `job_id` (its `inputs`, planned as `plan`) and queue
    them. A job split already is left as it is. Returns the parts' ids."""
    size = svc.part_documents
    cited = {name: reference_json(ref) for name, ref in plan.cited.items()}
    with svc.sessions.begin() as session:
        parent = session.get(Job, job_id, with_for_update=True)
        if parent is None or parent.state != "running" or done(session, job_id) is not None:
            return []
        parent.total, parent.done, parent.heartbeat_at = len(plan.planned), 0, now()
        made = []
        for start in range(0, len(plan.planned), size):
            paths = [p.path for p in plan.planned[start : start + size]]
            part = Job(
                user_id=parent.user_id,  # the parent's owner sees them
                kind=KIND,
                key=hashlib.sha256(f"{job_id}/{start}".encode()).hexdigest(),
                parent_id=job_id,
                inputs={
                    "generation": inputs,
                    "cited": cited,
                    "issued_at": issued_at.isoformat(),
                    "start": start,
                    "paths": paths,
                },
                state="queued",
                result={},
                total=len(paths),
            )
            session.add(part)
            made.append(part)
        session.flush()
        ids = [part.id for part in made]
    assert svc.queue is not None
    for part_id in ids:
        svc.queue.enqueue(part_id)
    return ids


def run_part(
    svc: Services,
    actor: Actor,
    job_id: int,
    inputs: dict[str, Any],
    *,
    given: dict[str, Any],
    progress: Callable[[int, int], None],
) -> None:
    """Build part `job_id` (`given`: the generation's arguments) and finish it; the last part
    records the dossier's drafts and finishes the parent."""
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        part = session.get(Job, job_id)
        assert part is not None and part.parent_id is not None
        parent_id = part.parent_id
        parent = session.get(Job, parent_id)
        ended = parent is None or parent.state != "running"
        error = (parent.error if parent is not None else None) or {}
    if ended:  # its parent failed already: nothing to build for
        _end_part(svc, job_id, error=error)
        return
    pinned = {name: reference(ref) for name, ref in inputs["cited"].items()}
    plan = documents.plan_generation(svc, actor, **given, pinned=pinned)
    start, paths = int(inputs["start"]), list(inputs["paths"])
    mine = plan.planned[start : start + len(paths)]
    if [p.path for p in mine] != paths:
        raise StateError(
            "the dossier's assessments changed while it was generated: generate it again",
            message_vi="Kết quả chấm điểm của hồ sơ đã thay đổi trong khi tạo văn bản; hãy tạo "
            "lại hồ sơ",
            field="year",
        )
    made = documents.build_drafts(
        svc,
        mine,
        watermark=given["watermark"],
        issued_at=dt.datetime.fromisoformat(inputs["issued_at"]),
        progress=progress,
    )
    with svc.sessions.begin() as session:
        # The parent's row lock first, always (a failing part takes it too): one part joins.
        parent = session.get(Job, parent_id, with_for_update=True)
        part = session.get(Job, job_id)
        assert part is not None
        part.state, part.error = "done", None
        part.result = {"made": [dataclasses.asdict(m) for m in made]}
        part.done = part.total = len(made)
        part.finished_at = now()
        if parent is None or parent.state != "running":
            return
        siblings = session.scalars(select(Job).where(Job.parent_id == parent_id)).all()
        if any(s.state != "done" for s in siblings):
            return
        every = [
            documents.Made(**m)
            for s in sorted(siblings, key=lambda s: int(s.inputs["start"]))
            for m in s.result["made"]
        ]
        recorded = documents.record_drafts(session, svc, actor, plan, every)
        parent.state, parent.error = "done", None
        parent.result = {"documents": [d.id for d in recorded], "dossier": plan.key}
        parent.done = parent.total
        parent.finished_at = now()


def fail_parent(session: Session, parent_id: int, error: dict[str, Any]) -> None:
    """In the failing part's transaction: its parent fails with the part's error."""
    parent = session.get(Job, parent_id, with_for_update=True)
    if parent is not None and parent.state == "running":
        parent.state, parent.error, parent.result = "failed", error, {}
        parent.finished_at = now()


def _end_part(svc: Services, job_id: int, *, error: dict[str, Any]) -> None:
    with svc.sessions.begin() as session:
        part = session.get(Job, job_id)
        if part is not None:
            part.state, part.error, part.finished_at = "failed", error, now()
