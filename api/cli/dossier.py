"""Building a dossier's files from the command line (`hoso generate`, `hoso demo`): plan the
documents, convert them on a LibreOffice pool with a progress bar, print where they went. The
registry is not touched: the web and the API generate into it (`api.workflow.documents`). The
rules of both are one: `api.workflow.drafts` (plan_dossier, build_dossier_files).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from api.cli.console import err, out, shown
from api.settings import get_settings
from api.workflow import drafts
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

    settings = get_settings()
    results = inputs.score_all(loaded, policies)
    planned = drafts.plan_dossier(
        government,
        police,
        results,
        year=year,
        proposal=proposal,
        decision=decision,
        meeting=meeting,
        signer=signer,
        plan_ref=plan_ref,
        plan_file=inputs.load_plan(settings.plans_dir, government.id, year),
        only=only,
    )
    pool = ConverterPool(
        size=settings.converter_size,
        timeout=settings.converter_timeout,
        max_conversions=settings.converter_max_conversions,
    )
    with pool, Progress(console=err, transient=True) as bar:
        task = bar.add_task("Đang tạo văn bản", total=len(planned))
        written = drafts.build_dossier_files(
            planned,
            converter=pool,
            out=output,
            verify_url=settings.verify_url,
            watermark=draft,
            pdfa=pdfa,
            progress=lambda _: bar.advance(task),
        )
    table = Table(title=f"Hồ sơ {government.name} năm {year}")
    table.add_column("Văn bản")
    table.add_column("Tệp PDF")
    for doc in planned:
        table.add_row(doc.title, shown(output / f"{doc.path}.pdf"))
    out.print(table)
    for note in gen.absent(government, results, year=year):
        out.print(note)
    out.print(f"Đã ghi {len(written)} tệp vào {shown(output)}.")
    return planned
