"""Bulk verification (xác minh nhiều tệp): a recipient or an archivist sends many files at once
and reads the verdicts of all of them from one job (api/workflow/jobs.py `submit_verification`).

This module holds what the job does with the files: where they wait (the data folder's
uploads/job-<id>/, kept only until the job finishes), how each is verified (the same
`verify_upload` as POST /api/verify, so each file's result has that endpoint's report shape)
and how the verdicts are kept as JSON in the job's row. A file that is not a PDF is a verdict
too (TOTAL_FAILED, "not a readable PDF"), not a refusal of the batch.

Left out: who owns the job and how it is queued (jobs.py), the HTTP and page shapes
(routes/verify.py, pages/public.py), the limits' values (Settings.batch_files, batch_limit).
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.registry.lookup import RegistryLookup, RegistryRecord
from api.workflow.verification import verify_upload


@dataclass(frozen=True)
class BatchLimits:
    """How much one bulk verification may carry."""

    files: int = 50
    """Most files in one batch."""
    total: int = 100 * 1024 * 1024
    """Largest total size in bytes."""
    each: int = 20 * 1024 * 1024
    """Largest single file in bytes (the upload limit of POST /api/verify)."""


@dataclass(frozen=True)
class Received:
    """One file of a batch as the door received it: its name as the sender gave it, and where
    its bytes wait."""

    name: str
    path: Path


def described(files: Sequence[Received]) -> list[dict[str, Any]]:
    """The files as a job's inputs: name, size and SHA-256 of each, in the order sent; the same
    files give the same inputs (the job's key)."""
    out = []
    for f in files:
        data = f.path.read_bytes()
        out.append({"name": f.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return out


def job_folder(uploads: Path, job_id: int) -> Path:
    return uploads / f"job-{job_id}"


def keep(files: Sequence[Received], folder: Path) -> None:
    """Move the received files into the job's folder as 0.pdf, 1.pdf… (never the sender's name,
    which may hold any path)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, f in enumerate(files):
        shutil.move(f.path, folder / f"{index}.pdf")


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def verify_files(
    folder: Path,
    files: Sequence[dict[str, Any]],
    *,
    trust_roots: Sequence[Any],
    registry: RegistryLookup,
    url: Callable[[str], str],
    progress: Callable[[int, int], None],
) -> list[dict[str, Any]]:
    """Each file of the job's folder verified in turn, its result as JSON; `progress(done,
    total)` after each. A rerun after a crash verifies them all again: a verdict depends on
    the file and the trust roots only, so it comes out the same."""
    results = []
    progress(0, len(files))
    for index, given in enumerate(files):
        path = folder / f"{index}.pdf"
        data = path.read_bytes()
        verification = verify_upload(data, trust_roots=trust_roots, registry=registry)
        results.append(
            {
                "file": given["name"],
                **verification.report.as_data(),
                "registry": None
                if verification.registered is None
                else record_data(verification.registered, url=url),
            }
        )
        progress(index + 1, len(files))
    return results


def record_data(record: RegistryRecord, *, url: Callable[[str], str]) -> dict[str, Any]:
    """The registered document as JSON, with `url(code)`, its public page."""
    data = dataclasses.asdict(record)
    data["date"] = record.date.isoformat()
    data["url"] = url(record.code)
    return data
