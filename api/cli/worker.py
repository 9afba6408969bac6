"""`hoso worker`: a consumer of the job queue (Settings.queue_url) that runs the long work —
generating dossiers — with its own LibreOffice pool, beside `hoso serve` processes that take the
requests (one machine: the embedded default needs none; several: Redis and M of these), and the
queue's own tasks (the outbox's sender, its retry, the daily reminders and archive renewal:
api/workflow/tasks.py). Thin: the jobs are api/workflow/jobs.py's, the engine
api/workflow/queue.py's."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.console import errors, out
from api.settings import get_settings


def worker(
    threads: Annotated[int, typer.Option(min=1, max=64, help="jobs this process runs at once")] = 1,
) -> None:
    """Run the jobs of the queue until Ctrl+C (or SIGTERM); jobs lost with a killed worker are
    queued again first, and every minute after."""
    from api.registry import db
    from api.workflow import jobs, scratch
    from api.workflow.services import build_services

    settings = get_settings()
    with errors():
        services = build_services(settings)
        queue = jobs.job_queue(settings, services)
        if queue.huey.immediate:
            out.print("Hàng đợi immediate:// chạy việc ngay trong yêu cầu: không cần worker.")
            raise typer.Exit(0)
        again = jobs.recover(services, lease=services.job_lease)
        # What a worker killed mid-job left in /tmp (its generation, its LibreOffice profile).
        cleared = scratch.clear_stale()
    out.print(
        f"Worker của hàng đợi {db.shown_url(settings.queue())}: {threads} luồng; "
        f"{len(again)} việc bị gián đoạn được xếp lại; {len(cleared)} thư mục tạm bị bỏ lại "
        "đã được dọn. Ctrl+C để dừng.",
        markup=False,
        soft_wrap=True,
    )
    try:
        queue.consumer(workers=threads).run()
    finally:
        close = getattr(services.converter, "close", None)
        if close is not None:
            close()
