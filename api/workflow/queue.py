"""The job queue (adapter): Huey carries the ids of the registry's jobs (api/workflow/jobs.py)
to whoever runs them. Huey is the engine — storage, delivery, a consumer with its threads, a
periodic scheduler; the registry's `jobs` table is the truth about each job.

Three kinds of URL (Settings.queue_url):
- sqlite:///path — Huey's SqliteHuey, a queue in a file beside the registry: the embedded default
  (`hoso serve` runs the jobs in a thread of its own), and several processes of one machine;
- redis://host:port/db — RedisHuey, for `hoso worker` processes on several machines;
- immediate:// — each job runs inside the call that queues it (tests, one-off commands).

Huey removes a message before its task runs, so a worker killed mid-job takes the message with
it; what brings the job back is the registry: a periodic task (and each worker's start) queues
again the jobs whose lease ran out (`jobs.recover`). Besides the jobs, the queue carries small
tasks of its own (`task`: the outbox's sender after an event) and periodic ones (`periodic`: the
retry of failed letters, the daily reminders and timestamp renewals); what they do is
api/workflow/tasks.py's. Left out: the jobs themselves, who may see them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer

from docgen.errors import ConfigError

log = logging.getLogger("hoso.queue")

TASK = "hoso.run_job"
MAIL_TASK = "hoso.send_mail"


class JobQueue(Protocol):
    """Where a job's id goes once its row is committed."""

    def enqueue(self, job_id: int) -> None: ...


@runtime_checkable
class MailQueue(Protocol):
    """A queue that also runs the outbox's sender (api/workflow/outbox.py `after_event`)."""

    def send_mail(self) -> None: ...


def huey_for(url: str) -> Huey:
    """The Huey instance of `url` (see the module's docstring); ConfigError otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(parts.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("hoso", filename=str(path), timeout=60)
    if parts.scheme in ("redis", "rediss"):
        return RedisHuey("hoso", url=url)
    if parts.scheme == "immediate":
        return SqliteHuey("hoso", immediate=True)
    raise ConfigError(
        f"the job queue is sqlite:///…, redis://… or immediate://, not {parts.scheme or url!r}",
        message_vi=f"Hàng đợi việc phải là sqlite:///…, redis://… hoặc immediate://, không phải "
        f"{parts.scheme or url!r}",
        field="queue_url",
    )


class HueyQueue:
    """Huey with hoso's two tasks: run a job by id, and (each minute) recover the lost ones;
    more by `task` and `periodic`."""

    def __init__(self, url: str, *, run: Callable[[int], None], recover: Callable[[], Any]) -> None:
        self.huey = huey_for(url)
        self._run = self.huey.task(name=TASK)(run)
        self.periodic("hoso.recover_jobs", crontab(minute="*"), recover)
        self._tasks: dict[str, Callable[[], Any]] = {}
        self._consumer: Consumer | None = None

    def enqueue(self, job_id: int) -> None:
        self._run(job_id)

    @property
    def immediate(self) -> bool:
        """Whether each job runs inside the call queuing it (immediate://)."""
        return bool(self.huey.immediate)

    def task(self, name: str, work: Callable[[], Any]) -> None:
        """`work` as a task of the queue, run by `send(name)`."""
        self._tasks[name] = self.huey.task(name=name)(work)

    def periodic(self, name: str, when: Callable[..., bool], work: Callable[[], Any]) -> None:
        """`work` run by the consumer's scheduler `when` (a huey `crontab`)."""
        self.huey.periodic_task(when, name=name)(work)

    def send(self, name: str) -> None:
        """Queue the task `name` (`task`); with immediate:// it runs within this call."""
        self._tasks[name]()

    def send_mail(self) -> None:
        self.send(MAIL_TASK)

    @property
    def periodic_names(self) -> list[str]:
        """The names of the periodic tasks, for tests and the worker's first line."""
        return sorted(t.name for t in self.huey._registry.periodic_tasks)

    def consumer(self, *, workers: int = 1) -> Consumer:
        """A consumer of this queue, with `workers` threads: `hoso worker` runs it."""
        return self.huey.create_consumer(**_consumer_options(workers))

    def start_embedded(self, *, workers: int = 1) -> None:
        """Run the jobs in threads of this process (`hoso serve`'s embedded mode), leaving its
        signals to the web server."""
        if self.huey.immediate or self._consumer is not None:
            return
        consumer = _QuietConsumer(self.huey, **_consumer_options(workers))
        consumer.start()
        self._consumer = consumer

    def stop_embedded(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None


def _consumer_options(workers: int) -> dict[str, Any]:
    # An idle Huey consumer backs off to 10 s between polls: a clerk would wait that long
    # before "Đang tạo văn bản" starts counting. One poll a second of a SQLite file or Redis
    # costs nothing.
    return {
        "workers": workers,
        "worker_type": "thread",
        "check_worker_health": False,
        "max_delay": 1.0,
    }


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """A consumer that does not take the process's signal handlers (the web server has them)."""

    def _set_signal_handlers(self) -> None:
        pass
