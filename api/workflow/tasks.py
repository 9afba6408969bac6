"""The queue's small and periodic tasks, beside its jobs (api/workflow/jobs.py): what runs
without a person waiting for it.

    hoso.send_mail         the outbox's sender, queued after each event (outbox.after_event)
    hoso.retry_mail        each minute: failed letters whose back-off is over (outbox.retry)
    hoso.prune_sign_ins    each hour: sign-in attempts older than the throttle looks back
    hoso.remind            daily at Settings.daily_hour (Vietnam): the reminders, then a send
    hoso.renew_archive     daily, half an hour later: renew the archive's timestamps due

Each is idempotent: the outbox's claims, the reminders' one-per-day keys and the renewal's
"not since today" make a task that runs twice (two workers' schedulers, a redelivery) do the
work once. Left out: the engine (queue.py), the work itself (outbox, notify, preservation,
throttle).
"""

from __future__ import annotations

import datetime as dt
import logging

from huey import crontab

from api.settings import Settings
from api.workflow import issue_date, notify, outbox, preservation, throttle
from api.workflow.issue_date import VIETNAM
from api.workflow.queue import MAIL_TASK, HueyQueue
from api.workflow.services import Services

log = logging.getLogger("hoso.tasks")

SYSTEM = "system:hang-doi"
"""How the audit log names what the queue's daily tasks do."""


def add_tasks(queue: HueyQueue, settings: Settings, svc: Services) -> None:
    """Give `queue` the tasks of the module's docstring, working with `svc`."""
    queue.task(MAIL_TASK, lambda: outbox.send_queued(svc))
    queue.periodic("hoso.retry_mail", crontab(minute="*"), lambda: outbox.retry(svc))
    queue.periodic("hoso.prune_sign_ins", crontab(minute="7"), lambda: throttle.prune(svc))
    if settings.daily_hour is not None:
        hour = str(_utc_hour(settings.daily_hour))  # huey's crontab reads the clock in UTC
        queue.periodic(
            "hoso.remind", crontab(minute="0", hour=hour), lambda: remind_today(svc, settings)
        )
        queue.periodic(
            "hoso.renew_archive",
            crontab(minute="30", hour=hour),
            lambda: renew_today(svc, settings),
        )


def _utc_hour(vietnam_hour: int) -> int:
    offset = dt.datetime.now(VIETNAM).utcoffset() or dt.timedelta(hours=7)
    return (vietnam_hour - int(offset.total_seconds() // 3600)) % 24


def remind_today(svc: Services, settings: Settings, *, today: dt.date | None = None) -> int:
    """Record today's reminders (as `hoso notify remind`), then send what is due."""
    made = notify.remind(
        svc,
        today=today or issue_date.today(),
        unsigned_days=settings.remind_unsigned_days,
        unacknowledged_days=settings.remind_unacknowledged_days,
        most=settings.remind_unacknowledged_times,
    )
    outbox.send_pending(svc, backoff=True)
    log.info("%s reminders recorded", made)
    return made


def renew_today(
    svc: Services, settings: Settings, *, now: dt.datetime | None = None
) -> preservation.Outcome:
    """Renew every archived document due (Settings.renew_within_days), once a day at most."""
    moment = now or dt.datetime.now(dt.UTC)
    start = dt.datetime.combine(moment.astimezone(VIETNAM).date(), dt.time(), VIETNAM)
    done = preservation.renew_due(
        svc,
        body=None,
        within=dt.timedelta(days=settings.renew_within_days),
        now=moment,
        since=start,
        actor=SYSTEM,
    )
    log.info("archive renewal: %s renewed, %s failed", len(done.done), len(done.failed))
    return done
