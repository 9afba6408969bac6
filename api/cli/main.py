"""The `hoso` command: a thin layer over the same functions the API calls.

Every `HosoError` becomes readable lines on stderr and exit code 2; a unit that is not
recognised is a result, not an error (exit 0).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli import agent
from api.cli import archive as cli_archive
from api.cli import db as cli_db
from api.cli import demo as cli_demo
from api.cli import notify as cli_notify
from api.cli import ops as cli_ops
from api.cli import serve as cli_serve
from api.cli import signing as cli_signing
from api.cli import users as cli_users
from api.cli import worker as cli_worker
from api.cli.console import ask_debug, err, errors, out, points, write_atomic
from api.cli.dossier import build_dossier
from api.cli.vi import VietnameseGroup
from api.settings import get_settings
from api.workflow import drafts
from docgen import criteria, inputs, vn
from docgen.errors import Conflict
from docgen.model import (
    MODE_LABELS,
    UNIT_TYPE_LABELS,
    Assessment,
    IssuingBody,
    verdict_label,
)
from docgen.report import result_data
from docgen.scoring import AssessmentResult

if TYPE_CHECKING:  # docxtpl and openpyxl load only for the commands that need them
    from docgen.dossier import Reference


app = typer.Typer(
    help="hoso: hồ sơ xét, công nhận điển hình về phong trào toàn dân bảo vệ ANTQ.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=VietnameseGroup,
)


@app.callback()
def _quiet(
    debug: Annotated[
        bool, typer.Option("--debug", help="on an error, print its English detail and traceback")
    ] = False,
) -> None:
    """hoso: hồ sơ xét, công nhận điển hình về phong trào toàn dân bảo vệ ANTQ."""
    ask_debug(debug)
    # pyHanko and fontTools log what they recovered from (with tracebacks) as warnings; the
    # command prints results and one line per error instead.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


sheet_app = typer.Typer(help="Workbooks (.xlsx) for entering scores.", no_args_is_help=True)
app.add_typer(sheet_app, name="sheet")


def _print_result(result: AssessmentResult, origin: str, *, detail: bool) -> None:
    a = result.assessment
    mode = MODE_LABELS[a.mode]
    out.rule(f"[bold]{a.unit.name}[/] · {UNIT_TYPE_LABELS[a.unit.type]} · {a.year} · {mode}")
    out.print(f"[dim]{origin}[/]")
    table = Table(show_lines=False, expand=True)
    table.add_column("Tiêu chí", no_wrap=True)
    table.add_column("Tối đa", justify="right")
    table.add_column("Tự chấm", justify="right")
    table.add_column("Thẩm định", justify="right")
    table.add_column("Lý do", ratio=1)
    for group in result.groups:
        table.add_row(
            f"[bold]Nhóm {group.id}[/]",
            points(group.max_points),
            points(group.self_points),
            "",
            f"[bold]{group.title}[/]",
        )
        for c in group.criteria:
            failing = [i for i in c.items if i.final < i.max_points]
            reason = "Đạt đủ" if not failing else " | ".join(f"{i.id} {i.reason}" for i in failing)
            style = "" if c.achieved else "red"
            table.add_row(
                f"Tiêu chí {c.id}",
                points(c.max_points),
                points(c.self_points),
                points(c.appraised),
                reason,
                style=style,
            )
            if detail:
                for i in c.items:
                    table.add_row(
                        f"  {i.id}",
                        points(i.max_points),
                        points(i.self_points),
                        points(i.appraised),
                        i.reason,
                        style="dim",
                    )
    table.add_row(
        "[bold]Tổng điểm[/]",
        points(result.max_points),
        points(result.self_points),
        points(result.final) if result.appraised else "—",
        "",
    )
    out.print(table)
    v = result.verdict
    label = verdict_label(result.assessment.mode, v.recognised, full=True)
    if v.recognised:
        out.print(f"[bold green]{label}[/] — {vn.points(result.final)}")
    else:
        out.print(f"[bold red]{label}[/] — {vn.points(result.final)}")
        for s in v.shortfalls:
            out.print(f"  • {s}", markup=False)
    out.print(f"[dim]Chính sách xét: {v.policy}[/]")


PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="YAML file of recognition "
        "policies per criteria set (default: every criterion in full)",
    ),
]


@app.command()
def score(
    paths: Annotated[
        list[Path], typer.Argument(help="assessment files (.yaml, .json, .xlsx) or folders of them")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="show every sub-item")] = False,
    policy: PolicyOpt = None,
) -> None:
    """Score unit assessments and print the totals and the verdict of each."""
    with errors():
        policies = inputs.load_policies(policy)
        loaded = inputs.load_paths(paths)
        results = inputs.score_all(loaded, policies)
    if as_json:
        data = [result_data(r, origin=x.origin) for r, x in zip(results, loaded, strict=True)]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    for r, x in zip(results, loaded, strict=True):
        _print_result(r, x.origin, detail=detail)


@sheet_app.command("new")
def sheet_new(
    target: Annotated[Path, typer.Argument(help="the .xlsx file to write")],
    set_id: Annotated[
        str, typer.Option("--set", help="criteria set: xa_phuong or co_quan")
    ] = "xa_phuong",
    units: Annotated[int, typer.Option(min=1, max=200, help="number of blank unit sheets")] = 1,
    from_: Annotated[
        list[Path] | None, typer.Option("--from", help="pre-fill from these assessments")
    ] = None,
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Write a workbook a clerk can fill in: one sheet per unit, one row per sub-item."""
    with errors():
        if target.exists() and not force:
            raise Conflict(
                f"{target} exists; use --force to overwrite it",
                message_vi=f"{target} đã có; dùng --force để ghi đè",
                field="target",
            )
        filled: list[Assessment] = []
        if from_:
            filled = [
                x.assessment
                for x in inputs.load_paths(from_)
                if x.criteria.id == criteria.load(set_id).id
            ]
        from docgen import sheet  # openpyxl loads only for the commands that write workbooks

        data = sheet.new_workbook(set_id, units=units, assessments=filled)
        write_atomic(target, data)
    out.print(f"Đã tạo {target} ({len(filled) or units} đơn vị, bộ tiêu chí {set_id}).")


def _reference(text: str | None, day: str | None, issuer: str, what: str) -> Reference | None:
    from docgen.dossier import Reference

    if text is None and day is None:
        return None
    return Reference.parse(text or "", day or "", issuer, field=what)


def _issued(
    known: dict[str, IssuingBody], body: str, given: Reference | None, type_code: str = "QĐ"
) -> Reference | None:
    """The QĐ the GCN cite (or the KH the others cite) as the registry holds it issued;
    refused when it is not issued."""
    if given is None:
        return None
    from api.registry import citing

    with cli_signing._registry(known)() as session:
        return citing.issued(
            session, body=body, type_code=type_code, given=given, issuer=known[body].name
        )


@app.command()
def generate(
    paths: Annotated[list[Path], typer.Argument(help="assessments: files, folders, workbooks")],
    year: Annotated[int, typer.Option(help="the year of the dossier")],
    body: Annotated[str, typer.Option(help="id of the issuing body (UBND), e.g. ubnd-hai-phong")],
    proposal: Annotated[
        str | None, typer.Option(help="số ký hiệu of the Tờ trình the QĐ answers, e.g. 15/TTr-CATP")
    ] = None,
    proposal_date: Annotated[str | None, typer.Option(help="its date, e.g. 2026-11-20")] = None,
    decision: Annotated[
        str | None,
        typer.Option(help="số ký hiệu of the issued QĐ the GCN cite (checked in the registry)"),
    ] = None,
    decision_date: Annotated[str | None, typer.Option(help="its date")] = None,
    plan: Annotated[
        str | None,
        typer.Option(help="số ký hiệu of the issued Kế hoạch the others cite, e.g. 06/KH-UBND"),
    ] = None,
    plan_date: Annotated[str | None, typer.Option(help="its date")] = None,
    meeting: Annotated[
        Path | None,
        typer.Option(help="YAML of the appraisal meeting the Biên bản records (samples/meetings/)"),
    ] = None,
    output: Annotated[Path, typer.Option("--out", help="output folder")] = Path("out/dossiers"),
    bodies: Annotated[
        Path | None, typer.Option(help="folder of issuing bodies (default: HOSO_BODIES_DIR)")
    ] = None,
    pdfa: Annotated[bool, typer.Option(help="write PDF/A-2b")] = False,
    draft: Annotated[
        bool, typer.Option("--draft/--final", help="watermark DỰ THẢO, or a final draft to sign")
    ] = True,
    policy: PolicyOpt = None,
    signer: Annotated[
        str | None,
        typer.Option(help="who signs the QĐ: a signer id of the body, e.g. pho-chu-tich (KT.)"),
    ] = None,
) -> None:
    """Build the dossier of an issuing body for a year: .docx and .pdf of every document."""
    with errors():
        known = inputs.load_bodies(bodies or get_settings().bodies_dir)
        government, police = drafts.dossier_bodies(known, body)
        build_dossier(
            inputs.load_paths(paths),
            inputs.load_policies(policy),
            government,
            police,
            year=year,
            output=output,
            pdfa=pdfa,
            draft=draft,
            proposal=_reference(proposal, proposal_date, police.name, "proposal"),
            decision=_issued(known, body, _reference(decision, decision_date, "", "decision")),
            meeting=inputs.load_meeting(meeting) if meeting else None,
            signer=signer,
            plan_ref=_issued(known, body, _reference(plan, plan_date, "", "plan"), "KH"),
        )


templates_app = typer.Typer(help="The .docx templates.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


@templates_app.command("check")
def templates_check(
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="check the templates of this folder instead of templates/vi"),
    ] = None,
) -> None:
    """List the variables each template uses; fail on any the data model does not provide, and
    on a label written again before a placeholder that carries it ("Số: {{ number }}")."""
    from docgen import generate as gen
    from docgen import render

    failed = False
    with errors():
        for name, context in gen.sample_contexts().items():
            used = render.variables(folder / name if folder else name)
            unknown = sorted(used - set(context))
            out.print(f"[bold]{name}[/]: {', '.join(sorted(used))}")
            if unknown:
                failed = True
                err.print(
                    f"  {name}: biến không có trong dữ liệu: {', '.join(unknown)}", markup=False
                )
            for key, label in render.labelled_twice(folder / name if folder else name, context):
                failed = True
                err.print(
                    f"  {name}: «{label}» đứng trước {{{{ {key} }}}}, mà {key} đã mang sẵn "
                    f"«{label}»: văn bản sẽ in «{label} {label}». Hãy xóa «{label}» trước "
                    f"{{{{ {key} }}}}.",
                    markup=False,
                )
    if failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of an assessment file."""
    sys.stdout.write(schema_text())


def schema_text() -> str:
    return json.dumps(Assessment.model_json_schema(), ensure_ascii=False, indent=2) + "\n"


cli_signing.register(app)
app.command()(cli_demo.demo)
app.add_typer(cli_archive.archive_app, name="archive")
app.add_typer(cli_db.db_app, name="db")
app.add_typer(cli_users.users_app, name="users")
app.add_typer(cli_ops.audit_app, name="audit")
app.command("backup")(cli_ops.backup)
app.command("restore")(cli_ops.restore)
app.command("history")(cli_ops.history)
app.add_typer(cli_notify.notify_app, name="notify")
app.add_typer(agent.agent_app, name="agent")  # on the signer's own PC (issue 14)
app.command("serve")(cli_serve.serve)
app.command("worker")(cli_worker.worker)

if __name__ == "__main__":
    app()
