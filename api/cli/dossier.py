"""Building a dossier's files from the command line (`hoso generate`, `hoso demo`): plan the
documents, convert them on a LibreOffice pool with a progress bar, print where they went. The
registry is not touched: the web and the API generate into it (`api.workflow.documents`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from api.cli.console import err, out, shown
from api.settings import get_settings
from docgen import inputs
from docgen.model import IssuingBody, Policy

if TYPE_CHECKING:
    from docgen.dossier import Reference
    from docgen.meeting import Meeting


def build_dossier(
    loaded: list[inputs.Loaded],
    policies: dict[str, Policy],
    government: IssuingBody,
    police: IssuingBody,
    *,
    year: int,
    output: Path,
    pdfa: bool,
    draft: bool,
    proposal: Reference | None,
    decision: Reference | None,
    meeting: Meeting | None,
    only: str | None = None,
    signer: str | None = None,
    plan_ref: Reference | None = None,
) -> list[Any]:
    """Plan, build and list a dossier (or `only` the document of that name): what `generate`
    and `demo` share. Returns what was planned."""
    from rich.progress import Progress

    from docgen import generate as gen
    from docgen.convert import ConverterPool

    planned = gen.plan(
        government,
        police,
        inputs.score_all(loaded, policies),
        plan_file=inputs.load_plan(get_settings().plans_dir, government.id, year),
        year=year,
        proposal=proposal,
        decision=decision,
        meeting=meeting,
        signer=signer,
        plan_ref=plan_ref,
    )
    if only is not None:
        planned = [p for p in planned if p.path.endswith(f"/{only}")]
    settings = get_settings()
    pool = ConverterPool(
        size=settings.converter_size,
        timeout=settings.converter_timeout,
        max_conversions=settings.converter_max_conversions,
    )
    with pool, Progress(console=err, transient=True) as bar:
        task = bar.add_task("Đang tạo văn bản", total=len(planned))
        written = gen.build(
            planned,
            pool,
            output,
            pdfa=pdfa,
            draft=draft,
            issued_at=dt.datetime.now(dt.UTC),
            verify_url=settings.verify_url,
            progress=lambda _: bar.advance(task),
        )
    table = Table(title=f"Hồ sơ {government.name} năm {year}")
    table.add_column("Văn bản")
    table.add_column("Tệp PDF")
    for doc in planned:
        table.add_row(doc.title, shown(output / f"{doc.path}.pdf"))
    out.print(table)
    for note in gen.absent(government, inputs.score_all(loaded, policies), year=year):
        out.print(note)
    out.print(f"Đã ghi {len(written)} tệp vào {shown(output)}.")
    return planned
