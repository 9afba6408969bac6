"""The operator's commands: `hoso backup`, `hoso restore`, `hoso audit export` and `hoso
history` (a document's trail, or its Phiếu theo dõi sealed with the body's key). Thin: the
work is api/workflow/backup.py, api/workflow/audit_log.py, api/workflow/history.py and
api/workflow/history_pdf.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.console import errors, out, shown, write_atomic
from api.settings import get_settings
from docgen.errors import Conflict, HosoError

audit_app = typer.Typer(help="The audit log (nhật ký).", no_args_is_help=True)


def backup(
    output: Annotated[Path, typer.Argument(help="the backup file to write (.tar)")],
) -> None:
    """Write a consistent snapshot: database, archive store, secret key, development PKI."""
    from api.workflow.backup import backup as make

    with errors():
        if output.exists():
            raise Conflict(
                f"{output} exists; a backup never overwrites a file",
                message_vi=f"Tệp {output} đã có; bản sao lưu không ghi đè tệp",
                field="output",
            )
        done = make(get_settings(), output)
    out.print(
        f"Đã sao lưu vào {shown(output)}: cơ sở dữ liệu {done.database} (phiên bản "
        f"{done.revision}), {done.documents} tệp văn bản, {done.files} tệp, {done.size} byte.",
        markup=False,
    )


def restore(file: Annotated[Path, typer.Argument(help="a backup made by `hoso backup`")]) -> None:
    """Bring a backup back into an empty data folder (HOSO_DATA_DIR) and empty database."""
    from api.workflow.backup import restore as bring_back

    with errors():
        done = bring_back(get_settings(), file)
    out.print(
        f"Đã khôi phục {done.files} tệp từ {shown(file)} vào {shown(get_settings().data_dir)} "
        f"(cơ sở dữ liệu {done.database}, phiên bản {done.revision}). Chạy `hoso archive check` "
        "để kiểm tra.",
        markup=False,
    )


def _moment(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise HosoError(
            f"--{field}: {value!r} is not an ISO 8601 date or time",
            message_vi=f"--{field}: {value!r} không phải ngày giờ dạng 2026-12-01 hoặc "
            "2026-12-01T08:00",
            field=field,
        ) from exc
    if moment.tzinfo is None:  # as people in Vietnam write it
        moment = moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
    return moment


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Argument(help="the file to write (.csv or .json)")],
    body: Annotated[str | None, typer.Option(help="only this issuing body (its id)")] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="from (ISO 8601, inclusive; Vietnam time)")
    ] = None,
    until: Annotated[str | None, typer.Option("--to", help="to (ISO 8601, exclusive)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "",
) -> None:
    """Export the audit log of a period, of one body or all, as CSV or JSON."""
    from api.workflow import audit_log
    from api.workflow.services import build_services

    with errors():
        chosen = fmt or ("json" if output.suffix == ".json" else "csv")
        start, end = _moment(since, "from"), _moment(until, "to")
        services = build_services(get_settings())
        try:
            found = audit_log.entries(services.sessions, None, body=body, since=start, until=end)
        finally:
            services.sessions.kw["bind"].dispose()
        write_atomic(output, audit_log.export_bytes(found, chosen))
    out.print(f"Đã xuất {len(found)} dòng nhật ký vào {shown(output)}.", markup=False)


def history(
    document_id: Annotated[int, typer.Argument(help="the document's id")],
    output: Annotated[
        Path | None, typer.Option("--out", help="write the sealed Phiếu theo dõi (PDF) here")
    ] = None,
    p12: Annotated[Path | None, typer.Option(help="the body's PKCS#12 key, to seal")] = None,
    token: Annotated[str | None, typer.Option(help="label of the PKCS#11 token")] = None,
    key: Annotated[str | None, typer.Option(help="label of the key on the token")] = None,
) -> None:
    """A document's trail as JSON, or with --out its Phiếu theo dõi sealed with the body's key
    (asked for its passphrase or PIN)."""
    from api.cli.signing import _signer
    from api.workflow.history import document_history
    from api.workflow.history_pdf import seal_trail, trail_pdf
    from api.workflow.services import build_services

    with errors():
        services = build_services(get_settings())
        try:
            trail = document_history(services, None, document_id)
        finally:
            services.sessions.kw["bind"].dispose()
        if output is None:
            out.print(
                json.dumps(trail.as_data(), ensure_ascii=False, indent=1),
                markup=False,
                soft_wrap=True,
            )
            return
        if output.exists():
            raise Conflict(f"{output} exists", message_vi=f"Tệp {output} đã có", field="out")
        with _signer(p12, token, key) as organisation:
            pdf = seal_trail(
                trail_pdf(trail),
                organisation,
                tsa_url=services.tsa_url,
                context=services.context(),
            )
        write_atomic(output, pdf)
    out.print(f"Đã ghi phiếu theo dõi có chữ ký số vào {shown(output)}.", markup=False)
