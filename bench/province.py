"""`make bench`, province: the dossier of 120 units of one province (Hải Phòng) generated through
the job queue by 1 `hoso worker` process and then by 2, each with its own LibreOffice, side by
side in one run: documents, seconds, documents per second, the ratio (target ≥ 1.6× on 2 cores)
and the peak memory of each worker (its RSS plus its LibreOffice children, sampled).

The 120 assessments are made from the Hải Phòng wards in samples/assessments/ with varied data:
fictional unit names and heads, figures moved so that scores differ. They are imported into a
fresh registry — a scratch PostgreSQL database if the server answers, else SQLite — and the queue
is Redis (a database of its own, flushed) if it answers, else a SQLite queue file. The big
generation is split into parts that any worker runs (api/workflow/parts.py); the time is from
the request to the job done, workers started and idle before it (their LibreOffice starts with
their first part, as in service). Left out: the web side (the job is submitted in process).

`python bench/province.py [units]` or `bench/run.py province` runs it.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from api.registry.db import Job  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.workflow import assessments, jobs, users  # noqa: E402
from api.workflow.services import Services, build_services  # noqa: E402
from api.workflow.users import Actor  # noqa: E402
from docgen import inputs  # noqa: E402
from docgen.errors import InvalidAssessment  # noqa: E402

BODY = "ubnd-hai-phong"
YEAR = 2026
REDIS = "redis://127.0.0.1:6379/12"
TARGET = 1.6
SAMPLES = sorted(
    p
    for p in (REPO / "samples" / "assessments").glob("phuong-*-2026-*.yaml")
    if b"issuing_body: ubnd-hai-phong" in p.read_bytes()
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Khang", "Thị Lan")


def varied(count: int, seed: int = 16) -> list[inputs.Loaded]:
    """`count` checked assessments of fictional wards of Hải Phòng made from the samples: each
    its own name and head, some figures moved (scores differ, some units fall short)."""
    rng = random.Random(seed)
    made = []
    for n in range(count):
        sample = SAMPLES[n % len(SAMPLES)]
        for attempt in range(20):  # a draw that breaks a rule (a part above its whole): again
            raw: dict[str, Any] = inputs.parse_data(sample.read_bytes(), suffix=".yaml")[0]
            raw["unit"]["name"] = f"Phường Thử Nghiệm Số {n + 1}"
            raw["unit"]["head"] = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
            for item in raw["items"].values() if attempt < 19 else ():
                figures = item.get("figures") if isinstance(item, dict) else None
                for key, value in (figures or {}).items():
                    # Shrink a count a little now and then: a coverage or a share drops.
                    if rng.random() < 0.08 and not isinstance(value, bool) and value > 1:
                        less = rng.randint(1, min(3, int(value) - 1))
                        figures[key] = type(value)(int(value) - less)
            try:
                made.append(inputs.check(raw, f"{sample.name} #{n + 1}"))
                break
            except InvalidAssessment:
                continue
    return made


def _redis() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception:  # any failure: not reachable, the SQLite queue then
        return None
    return REDIS


@contextmanager
def _registry() -> Iterator[tuple[str | None, str]]:
    """(database URL or None for the data folder's SQLite, its name)."""
    import psycopg

    from bench.numbering import POSTGRESQL, scratch_postgresql

    try:
        psycopg.connect(POSTGRESQL, connect_timeout=3).close()
    except psycopg.OperationalError:
        yield None, "SQLite"
        return
    with scratch_postgresql() as url:
        yield url, "PostgreSQL"


def _tree(pid: int) -> set[int]:
    """`pid` and its descendants (LibreOffice's soffice.bin under its shell script)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo.extend(children.get(p, ()))
    return found


def _rss_kib(pid: int) -> int:
    """Resident memory of `pid`'s tree now, KiB (psutil if installed, else /proc)."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        total = 0
        for p in _tree(pid):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total
    with contextlib.suppress(psutil.Error):
        top = psutil.Process(pid)
        return sum(p.memory_info().rss for p in (top, *top.children(recursive=True))) // 1024
    return 0


class _Peaks:
    """Samples the memory of each worker every 0.2 s while it runs."""

    def __init__(self, pids: list[int]) -> None:
        self.peaks = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for pid in self.peaks:
                self.peaks[pid] = max(self.peaks[pid], _rss_kib(pid))

    def stop(self) -> list[int]:
        self._stop.set()
        self._thread.join()
        return list(self.peaks.values())


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO),
        HOSO_DATA_DIR=str(settings.data_dir),
        HOSO_QUEUE_URL=settings.queue(),
        HOSO_PUBLIC_BASE_URL=str(settings.public_base_url),
        HOSO_CONVERTER_SIZE="1",
    )
    if settings.database_url:
        env["HOSO_DATABASE_URL"] = settings.database_url
    return env


def generate(svc: Services, settings: Settings, clerk: Actor, workers: int) -> dict[str, Any]:
    """One generation of the dossier by `workers` fresh worker processes."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", "from api.cli import app; app()", "worker"],
            env=_env(settings),
            cwd=REPO,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        for p in procs:  # each says so once it polls the queue (api/cli/worker.py)
            assert p.stdout is not None
            ready, _, _ = select.select([p.stdout], [], [], 120)
            if not ready or not p.stdout.readline().startswith(b"Worker"):
                raise SystemExit("a worker did not start")
        peaks = _Peaks([p.pid for p in procs])
        start = time.perf_counter()
        job = jobs.submit_generation(svc, clerk, body=BODY, year=YEAR)
        while True:
            with svc.sessions() as session:
                session.connection(execution_options={"sqlite_begin": "DEFERRED"})
                row = session.get(Job, job.id)
                assert row is not None
                state, total, result, error = row.state, row.total, row.result, row.error
            if state in ("done", "failed"):
                break
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker died during the bench")
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        memory = peaks.stop()
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    if state != "done":
        raise SystemExit(f"the generation failed: {error}")
    return {
        "documents": len(result["documents"]),
        "total": total,
        "seconds": seconds,
        "memory_mib": [m / 1024 for m in memory],
    }


def province(units: int = 120) -> None:
    """The `make bench` section."""
    queue = _redis()
    with _registry() as (database, database_name), tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder) / "data",
            database_url=database,
            queue_url=queue,
            converter_size=1,
            queue_embedded=False,
        )
        if queue:
            from huey import RedisHuey

            RedisHuey("hoso", url=queue).flush()
        svc = build_services(settings)
        jobs.job_queue(settings, svc)
        with svc.sessions.begin() as session:
            clerk, _ = users.add_user(
                session, login="chuyenvien.bench", name="Chuyên viên thử", role="clerk", body=BODY
            )
        made = varied(units)
        for assessment_id in assessments.import_assessments(svc, clerk, made):
            assessments.score(svc, clerk, assessment_id)
        print(
            f"Province: {units} units of one province ({BODY}, {YEAR}); registry "
            f"{database_name}, queue {'Redis' if queue else 'SQLite file'}, "
            f"parts of {settings.part_documents} documents, 1 LibreOffice per worker"
        )
        runs = {}
        for workers in (1, 2):
            runs[workers] = run = generate(svc, settings, clerk, workers)
            rate = run["documents"] / run["seconds"]
            memory = ", ".join(f"{m:.0f}" for m in run["memory_mib"])
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '}: {run['documents']} documents in "
                f"{run['seconds']:6.1f} s = {rate:5.2f} documents/s; peak memory per worker "
                f"(with its LibreOffice): {memory} MiB"
            )
        ratio = (runs[2]["documents"] / runs[2]["seconds"]) / (
            runs[1]["documents"] / runs[1]["seconds"]
        )
        met = "met" if ratio >= TARGET else "NOT met"
        print(f"  2 workers / 1: {ratio:.2f}× (target ≥ {TARGET}× on 2 cores: {met})")
        close = getattr(svc.converter, "close", None)
        if close is not None:
            close()
        svc.sessions.kw["bind"].dispose()


if __name__ == "__main__":
    province(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
