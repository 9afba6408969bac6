"""The archive's commands of `hoso archive`: sealing a file for long-term preservation (PAdES
B-LTA), renewing the last timestamp of sealed files (each of them, or every issued or archived
document of the registry: api/workflow/preservation.py, with a progress bar), checking the
store against the registry, and exporting a year or a dossier as a ZIP. Thin: each command
reads its inputs, calls one function of `signing` or `api.workflow`, writes atomically.

Left out: the keys, signing and verification commands (api/cli/signing.py, whose helpers for
the registry, the trust roots and refusing an existing output are shared here).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from api.cli.console import err, errors, out, shown, write_atomic
from api.cli.signing import (
    _actor,
    _moment,
    _refuse_existing,
    _registry,
    _signing_context,
    _trust_roots,
)
from api.registry.store import LocalStore, sha256
from api.settings import get_settings
from docgen import inputs
from docgen.errors import ConfigError, Conflict, HosoError, NotFound

if TYPE_CHECKING:
    from api.workflow.preservation import Outcome
    from api.workflow.services import Services

archive_app = typer.Typer(help="Long-term preservation of issued documents.", no_args_is_help=True)


@archive_app.command("seal")
def archive_seal(
    document: Annotated[
        Path | None, typer.Argument(help="an issued (signed) PDF; none: the registry's")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", help="where to write the sealed PDF")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="without a file: the documents numbered in this year")
    ] = None,
    body: Annotated[
        str | None, typer.Option(help="without a file: only this issuing body's")
    ] = None,
) -> None:
    """Bring a signed PDF to PAdES B-LTA: validation data of every signature, then a document
    timestamp. The input is never modified. A registered issued document is archived in the
    registry too: status archived, the sealed file kept in the store beside the issued one.
    Without a file: every issued document of the registry of --year (and --body) not archived
    yet, with a progress bar."""
    from sqlalchemy import select

    from api.registry import db
    from api.workflow import archive as archiving
    from signing import archive, pki

    if document is None:
        if output is not None:
            with errors():
                raise ConfigError(
                    "--out goes with a file to seal; the registry's documents stay in its store",
                    message_vi="--out chỉ dùng khi chỉ ra một tệp; văn bản trong sổ đăng ký được "
                    "niêm phong trong kho lưu trữ",
                    field="out",
                )
        _seal_registry(year=year, body=body)
        return
    settings = get_settings()
    with errors():
        if output is None:
            raise ConfigError(
                "--out: where to write the sealed PDF",
                message_vi="Cần --out: nơi ghi tệp đã niêm phong",
                field="out",
            )
        _refuse_existing(output)
        pdf = document.read_bytes()
        tsa, context = pki.service_urls(settings.pki_url)["tsa"], _signing_context()
        url = settings.database()
        db.upgrade(url)
        sessions = db.session_factory(url)
        with sessions() as session:
            registered = session.scalar(
                select(db.Document.id).where(
                    db.Document.sha256 == sha256(pdf), db.Document.status == "issued"
                )
            )
        if registered is None:
            sealed = archive.seal_for_archive(pdf, tsa_url=tsa, context=context)
        else:
            store = LocalStore(settings.store())
            digest = archiving.archive_document(
                sessions, store, registered, tsa_url=tsa, context=context, actor=_actor()
            )
            sealed = store.get(digest)
        write_atomic(output, sealed)
    out.print(f"Đã niêm phong lưu trữ (PAdES B-LTA): {shown(output)}")


def _registry_run(
    what: str, run: Callable[[Services, Callable[[int, int], None]], Outcome]
) -> None:
    """`run` over the registry's services with a progress bar; its outcome in one line each."""
    from rich.progress import Progress

    from api.workflow.services import build_services

    with errors():
        services = build_services(get_settings())
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(what, total=None)

            def told(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            with errors():
                outcome = run(services, told)
    finally:
        services.sessions.kw["bind"].dispose()
    for failure in outcome.failed:
        err.print(f"  • văn bản #{failure['id']}: {failure['message_vi']}", markup=False)
    return_code = 2 if outcome.failed else 0
    out.print(
        f"{what}: {len(outcome.done)} văn bản; {len(outcome.skipped)} không cần; "
        f"{len(outcome.failed)} không thực hiện được.",
        markup=False,
    )
    if return_code:
        raise typer.Exit(return_code)


def _seal_registry(*, year: int | None, body: str | None) -> None:
    from api.workflow import preservation

    with errors():
        if year is None:
            raise ConfigError(
                "--year: the year whose issued documents to seal (or give a file)",
                message_vi="Cần --year: năm có văn bản cần niêm phong (hoặc chỉ ra một tệp)",
                field="year",
            )
    _registry_run(
        "Niêm phong lưu trữ",
        lambda svc, told: preservation.seal_issued(
            svc, body=body, year=year, actor=_actor(), progress=told
        ),
    )


@archive_app.command("renew")
def archive_renew(
    documents: Annotated[
        list[Path] | None, typer.Argument(help="sealed (PAdES B-LTA) PDFs; none: the registry's")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="where the renewed copies go")
    ] = None,
    within_days: Annotated[
        int,
        typer.Option(
            "--within-days",
            min=1,
            help="renew when the last timestamp's certificate expires within this many days",
        ),
    ] = 365,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="decide as of this ISO 8601 time, not now")
    ] = None,
    body: Annotated[
        str | None, typer.Option(help="without a file: only this issuing body's")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="without a file: only those numbered in this year")
    ] = None,
) -> None:
    """Add a new document timestamp to the records whose last one nears expiry.

    PAdES B-LTA renewal: the validation data of the last timestamp, then a new one, in a new
    file under --out-dir; the inputs are never modified. Without a file: every archived
    document of the registry that is due, the renewed copy kept in the store beside the
    previous one."""
    from signing import archive, pki

    settings = get_settings()
    refused = 0
    with errors():
        now = _moment(as_of) or dt.datetime.now(dt.UTC)
        margin = dt.timedelta(days=within_days)
        if not documents:
            _renew_registry(body=body, year=year, within=margin, now=now)
            return
        if out_dir is None:
            raise ConfigError(
                "--out-dir: where the renewed copies go",
                message_vi="Cần --out-dir: thư mục ghi các bản đã gia hạn",
                field="out_dir",
            )
        tsa = pki.service_urls(settings.pki_url)["tsa"]
        context = _signing_context()
    for path in documents:
        try:
            if not path.is_file():
                raise NotFound(
                    f"no file at {path}", message_vi=f"Không có tệp {path}", field="documents"
                )
            pdf = path.read_bytes()
            if not archive.needs_renewal(pdf, now=now, margin=margin):
                expiry = archive.last_timestamp_expiry(pdf)
                out.print(f"{shown(path)}: chưa cần (dấu thời gian hết hạn {expiry:%Y-%m-%d})")
                continue
            target = out_dir / path.name
            _refuse_existing(target)
            write_atomic(target, archive.renew(pdf, tsa_url=tsa, context=context))
            out.print(f"{shown(path)}: đã gia hạn → {shown(target)}")
        except HosoError as exc:
            refused += 1
            out.print(f"{shown(path)}: từ chối: {exc.message_vi}", markup=False)
    if refused:
        raise typer.Exit(2)


def _renew_registry(
    *, body: str | None, year: int | None, within: dt.timedelta, now: dt.datetime
) -> None:
    from api.workflow import preservation

    started = dt.datetime.now(dt.UTC)
    _registry_run(
        "Gia hạn dấu thời gian lưu trữ",
        lambda svc, told: preservation.renew_due(
            svc,
            body=body,
            year=year,
            within=within,
            now=now,
            since=started,
            actor=_actor(),
            progress=told,
        ),
    )


@archive_app.command("check")
def check_archive(
    offline: Annotated[
        bool, typer.Option(help="use only the revocation data the files carry")
    ] = False,
) -> None:
    """Re-hash every stored file, re-validate its signatures and compare store and registry.

    Exit code 0 only when every registered document has its file (and its archived file, once
    sealed for the archive), intact and TOTAL_PASSED, and no file lies in the store without
    its record."""
    from api.registry.db import STATUS_VI
    from api.workflow import archive_check

    def shown_file(checked: archive_check.CheckedFile) -> None:
        name = escape(checked.name_vi)
        if not checked.name.endswith(f"({checked.status})"):  # "Văn bản #12 (đã ký, …)" says it
            name += f" ({STATUS_VI[checked.status].lower()})"
        if checked.indication is None:
            out.print(f"{name}: nguyên vẹn (dự thảo chưa ký)")
            return
        mark = "[green]hợp lệ[/]" if checked.passed else "[red]KHÔNG HỢP LỆ[/]"
        out.print(f"{name}: {mark} — {escape(checked.message_vi or checked.message)}")

    settings = get_settings()
    with errors():
        sessions = _registry(inputs.load_bodies(settings.bodies_dir))
        try:
            report = archive_check.check_store(
                sessions,
                LocalStore(settings.store()),
                trust_roots=_trust_roots(),
                online=not offline,
                drafts=LocalStore(settings.data_dir / "work"),  # the web workflow's working files
                progress=shown_file,
            )
        finally:
            sessions.kw["bind"].dispose()  # its connections closed, not left to the collector
    for problem in report.problems:
        err.print(f"  • {problem.subject_vi}: {problem.message_vi}", markup=False)
    if report.set_aside:
        out.print(
            f"Đã chuyển {len(report.set_aside)} tệp do lần ban hành bị dừng giữa chừng để lại "
            "vào thư mục quarantine của kho lưu trữ.",
            markup=False,
        )
    out.print(
        f"Đã kiểm tra {report.documents} văn bản: "
        + ("không có sai lệch." if report.clean else f"{len(report.problems)} sai lệch.")
    )
    if not report.clean:
        raise typer.Exit(1)


@archive_app.command("export")
def archive_export(
    output: Annotated[Path, typer.Option("--out", help="where to write the ZIP")],
    year: Annotated[
        int | None, typer.Option(help="every document numbered in this year, e.g. 2026")
    ] = None,
    dossier: Annotated[
        str | None, typer.Option(help="every document of this dossier, e.g. 2026/ubnd-hai-phong")
    ] = None,
    offline: Annotated[
        bool, typer.Option(help="use only the revocation data the files carry")
    ] = False,
    p12: Annotated[
        Path | None, typer.Option(help="the body's PKCS#12 key: seal each Phiếu theo dõi")
    ] = None,
    token: Annotated[str | None, typer.Option(help="or the label of a PKCS#11 token")] = None,
    key: Annotated[str | None, typer.Option(help="and the label of the key on it")] = None,
) -> None:
    """Export the issued documents of a year or a dossier as one ZIP.

    It holds the PDFs (the archived file where there is one), metadata.json and metadata.xml
    (ND 30 Phụ lục VI), SHA256SUMS, each document's verification report and its Phiếu theo
    dõi (sealed with the body's key when --p12 or --token is given). An existing --out is
    never replaced."""
    from contextlib import nullcontext

    from api.cli.signing import _signer
    from api.workflow import archive
    from api.workflow.history_pdf import seal_trail
    from signing import pki

    settings = get_settings()
    with errors():
        if output.exists():
            raise Conflict(
                f"{output} exists; an export never replaces a file",
                message_vi=f"{output} đã có; bản xuất không ghi đè tệp có sẵn",
                field="out",
            )
        keyed = _signer(p12, token, key) if p12 is not None or token is not None else None
        with keyed if keyed is not None else nullcontext() as organisation:
            tsa = pki.service_urls(settings.pki_url)["tsa"]

            def seal(pdf: bytes) -> bytes:
                assert organisation is not None
                return seal_trail(pdf, organisation, tsa_url=tsa, context=_signing_context())

            sessions = _registry(inputs.load_bodies(settings.bodies_dir))
            try:
                data = archive.export_package(
                    sessions,
                    LocalStore(settings.store()),
                    year=year,
                    dossier=dossier,
                    trust_roots=_trust_roots(),
                    online=not offline,
                    seal=seal if organisation is not None else None,
                )
            finally:
                sessions.kw["bind"].dispose()
        write_atomic(output, data, mode=0o644)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        reports = [n for n in z.namelist() if n.startswith("reports/")]
    out.print(f"Đã xuất {len(reports)} văn bản: {shown(output)}")
