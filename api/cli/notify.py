"""`hoso notify`: the outbox of e-mail notifications (api/workflow/notify.py). `send` delivers every
letter not delivered yet (new, failed, or left by a stopped process) through the configured
SMTP server; `remind` records the reminders due today — drafts unsigned and recipients who
have not acknowledged after the configured days, one per document, person and day however
often it runs — then sends. The job queue does both by itself (each event's letters, a retry
each minute, the reminders daily at HOSO_DAILY_HOUR: api/workflow/tasks.py); these are for
an operator, or a timer where the queue's daily tasks are off."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from api.cli.console import errors, out
from api.settings import get_settings
from docgen.errors import ConfigError

notify_app = typer.Typer(help="E-mail notifications and reminders.", no_args_is_help=True)


def _report(sent: int, failed: int, *, configured: bool) -> None:
    if not configured:
        out.print(
            "Chưa cấu hình máy chủ thư (HOSO_SMTP_HOST): thư được giữ trong hộp thư đi.",
            markup=False,
        )
        return
    out.print(f"Đã gửi {sent} thư; {failed} thư chưa gửi được (sẽ gửi lại).", markup=False)


@notify_app.command("send")
def send() -> None:
    """Deliver the letters of the outbox not delivered yet."""
    from api.workflow import outbox
    from api.workflow.services import build_services

    with errors():
        services = build_services(get_settings())
        done = outbox.send_pending(services)
    _report(done.sent, done.failed, configured=services.mailer is not None)
    if done.failed:
        raise typer.Exit(1)


@notify_app.command("remind")
def remind(
    unsigned_days: Annotated[
        int | None,
        typer.Option(
            help="remind the signer of a draft sent this many days ago (default: "
            "HOSO_REMIND_UNSIGNED_DAYS, 3)"
        ),
    ] = None,
    unacknowledged_days: Annotated[
        int | None,
        typer.Option(
            help="remind recipients who have not acknowledged this many days after "
            "the issue (default: HOSO_REMIND_UNACKNOWLEDGED_DAYS, 5)"
        ),
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="the day to remind as of (YYYY-MM-DD; default today)")
    ] = None,
) -> None:
    """Record today's reminders (once a day at most per document and person), then send."""
    from api.workflow import issue_date, notify, outbox
    from api.workflow.services import build_services

    with errors():
        settings = get_settings()
        try:
            day = dt.date.fromisoformat(today) if today else issue_date.today()
        except ValueError as exc:
            raise ConfigError(
                f"today: not a date (YYYY-MM-DD): {today!r}",
                message_vi=f"Ngày {today!r} không hợp lệ (năm-tháng-ngày)",
                field="today",
            ) from exc
        for name, value in (
            ("unsigned_days", unsigned_days),
            ("unacknowledged_days", unacknowledged_days),
        ):
            if value is not None and value < 1:
                raise ConfigError(
                    f"{name}: at least 1 day", message_vi="Số ngày phải từ 1 trở lên", field=name
                )
        services = build_services(settings)
        made = notify.remind(
            services,
            today=day,
            unsigned_days=unsigned_days or settings.remind_unsigned_days,
            unacknowledged_days=unacknowledged_days or settings.remind_unacknowledged_days,
            most=settings.remind_unacknowledged_times,
        )
        done = outbox.send_pending(services)
    out.print(f"Đã ghi {made} thư nhắc việc.", markup=False)
    _report(done.sent, done.failed, configured=services.mailer is not None)
    if done.failed:
        raise typer.Exit(1)
