"""Several processes issuing at once against one registry database: the check behind "8
processes issuing 125 documents each yield exactly 01…1000 with no duplicate and no gap".

Each worker is a process of its own (spawned, so it inherits no connection, lock or engine),
opens its own engine, waits at a barrier so that all start together, then issues its documents
one transaction each through `record_issue`. Its `make` returns a few unique bytes instead of
signing: real signatures (a second each, with the timestamp) would make the run take many
minutes and test nothing more of the numbering.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
import traceback
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import sessionmaker

from api.registry import db
from api.registry import numbering as registry


@dataclass(frozen=True)
class Run:
    numbers: list[int]
    """Every số taken, in no particular order."""
    seconds: float
    """From the moment all workers started to the last one's end."""


def _issue(
    url: str, barrier: Any, results: Any, index: int, count: int, series: tuple[str, str, int]
) -> None:
    body, type_code, year = series
    try:
        engine = db.engine(url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        token = os.urandom(8)  # the bytes, and so the SHA-256, of each document are unique
        barrier.wait()
        start = time.perf_counter()
        taken = []
        for _ in range(count):
            issued = registry.record_issue(
                sessions,
                body=body,
                type_code=type_code,
                issued_on=dt.date(year, 6, 1),
                make=lambda number: b"%d/%d/" % (index, number) + token,
                actor=f"worker-{index}",
            )
            taken.append(issued.number)
        results.put((index, start, time.perf_counter(), taken, None))
        engine.dispose()
    except BaseException:
        results.put((index, 0.0, 0.0, [], traceback.format_exc()))


def issue_concurrently(
    url: str, *, workers: int, per_worker: int, body: str, type_code: str = "QĐ", year: int = 2026
) -> Run:
    """`workers` processes issue `per_worker` documents each of one series; the database at
    `url` must be at the latest schema and know `body`."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(
            target=_issue,
            args=(url, barrier, results, index, per_worker, (body, type_code, year)),
        )
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=600) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    failures = [error for *_, error in reports if error]
    if failures:
        raise AssertionError("a worker failed:\n" + failures[0])
    numbers = [n for *_, taken, _ in reports for n in taken]
    seconds = max(r[2] for r in reports) - min(r[1] for r in reports)
    return Run(numbers=numbers, seconds=seconds)
