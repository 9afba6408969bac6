"""The signing commands of `hoso`: the development PKI, the signer's and the văn thư's steps
(PKCS#12 file or PKCS#11 token), the attachments' signature and verification (the archive's
commands are in api/cli/archive.py). Thin: each command reads its inputs, calls one function of
`signing`, writes atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.console import err, errors, out, shown, write_atomic
from api.registry.store import LocalStore
from api.settings import get_settings
from docgen import inputs, vn
from docgen.errors import ConfigError, Conflict, HosoError, NotFound
from docgen.model import IssuingBody

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


pki_app = typer.Typer(help="The development PKI (TEST certificates only).", no_args_is_help=True)


@pki_app.command("init")
def pki_init() -> None:
    """Generate the development PKI: keys, certificates and PKCS#12 files of the sample signers."""
    from signing import pki

    settings = get_settings()
    folder = settings.data_dir / "pki"
    with errors():
        arch = pki.init(folder, inputs.load_bodies(settings.bodies_dir), url=settings.pki_url)
    p12 = sorted((folder / "certs").glob("*.p12"))
    out.print(
        f"PKI thử nghiệm (TEST) {arch.arch_label} tại {shown(folder)}: {len(p12)} tệp "
        f".p12 trong {shown(folder / 'certs')} (mật khẩu thử nghiệm: "
        f"{pki.TEST_PASSPHRASE.decode()})."
    )


@pki_app.command("serve")
def pki_serve() -> None:
    """Serve OCSP, CRLs and the timestamp authority of the development PKI on loopback."""
    from urllib.parse import urlsplit

    from signing import pki

    where = urlsplit(get_settings().pki_url)
    with errors():
        arch = pki.load(_pki_folder())
    with pki.serve(arch, host=where.hostname or "127.0.0.1", port=where.port or 80) as base:
        for name, url in pki.service_urls(base).items():
            out.print(f"{name}: {url}")
        out.print("Ctrl+C để dừng.")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def sign(
    document: Annotated[Path, typer.Argument(help="the final draft (PDF) to sign")],
    title: Annotated[str, typer.Option(help="the chức vụ line above the signature")],
    name: Annotated[str, typer.Option(help="the signer's name below the signature")],
    output: Annotated[Path, typer.Option("--out", help="where to write the signed PDF")],
    p12: P12 = None,
    token: Token = None,
    key: KeyLabel = None,
    image: Annotated[
        Path | None,
        typer.Option(help="signature image (PNG); default: a sample drawn from the name"),
    ] = None,
) -> None:
    """Sign a final draft as the signer (ND 30 step 1).

    The key is a PKCS#12 file or a PKCS#11 token; its passphrase or PIN is asked for, or read
    from standard input, never taken from the command line."""
    from api.workflow import drafts
    from signing import images, pki

    settings = get_settings()
    with errors():
        _refuse_existing(output)
        pdf = _read(document, "document")
        # The draft's checks and the image's, before the passphrase is asked for.
        placement = drafts.check_draft(pdf, title=title, name=name)
        png = _read(image, "image") if image else images.signature_png(vn.nfc(name))
        signature = images.signature_image(png)
    with errors(), _signer(p12, token, key) as signer:
        signed = drafts.sign_file(
            pdf,
            signer,
            placement=placement,
            tsa_url=pki.service_urls(settings.pki_url)["tsa"],
            signature=signature,
            context=_signing_context(),
        )
        write_atomic(output, signed)
    out.print(f"Đã ký: {shown(output)}")


P12 = Annotated[Path | None, typer.Option("--p12", help="the key as a PKCS#12 file")]
Token = Annotated[
    str | None, typer.Option("--token", metavar="LABEL", help="or: label of the PKCS#11 token")
]
KeyLabel = Annotated[
    str | None,
    typer.Option("--key", metavar="LABEL", help="label of the key (and certificate) on the token"),
]


@contextmanager
def _signer(p12: Path | None, token: str | None, key: str | None) -> Iterator[Any]:
    """The key of this run, from a PKCS#12 file or a token, loaded once; its passphrase or PIN
    is read here and forgotten when the run ends."""
    from signing import sign as signing
    from signing import token as tokens

    if (p12 is None) == (token is None) or (token is not None and key is None):
        raise HosoError(
            "give --p12 FILE, or --token LABEL with --key LABEL",
            message_vi="Cần --p12 TỆP, hoặc --token NHÃN cùng --key NHÃN",
            field="p12",
        )
    if token is not None and key is not None:
        pin = _passphrase("Mã PIN của token")
        with tokens.open_token(
            get_settings().pkcs11_module, token_label=token, key_label=key, pin=pin
        ) as signer:
            yield signer
    elif p12 is not None:
        if not p12.is_file():
            raise NotFound(
                f"no PKCS#12 file at {p12}", message_vi=f"Không có tệp khóa {p12}", field="p12"
            )
        yield signing.load_pkcs12(p12.read_bytes(), _passphrase("Mật khẩu tệp khóa"))


def _passphrase(prompt: str) -> bytes:
    """Asked for on a terminal, else one line of standard input; never an argument."""
    text = (
        typer.prompt(prompt, hide_input=True)
        if sys.stdin.isatty()
        else sys.stdin.readline().rstrip("\n")
    )
    return text.encode()


def _refuse_existing(output: Path) -> None:
    if output.exists():
        raise Conflict(
            f"{output} exists; signed documents are never overwritten",
            message_vi=f"{output} đã có; văn bản đã ký không bao giờ bị ghi đè",
            field="out",
        )


def _read(path: Path, field: str) -> bytes:
    if not path.is_file():
        raise NotFound(f"no file at {path}", message_vi=f"Không có tệp {path}", field=field)
    return path.read_bytes()


def _pki_folder() -> Path:
    folder = get_settings().data_dir / "pki"
    if not (folder / "certomancer.yml").is_file():
        raise ConfigError(
            f"no development PKI in {folder}: run `hoso pki init` first",
            message_vi=f"Chưa có PKI thử nghiệm trong {folder}: chạy `hoso pki init` trước",
            field="data_dir",
        )
    return folder


def _trust_roots() -> list[Any]:
    """The configured roots, or the development PKI's root."""
    from api.workflow.trust import trust_roots

    return trust_roots(get_settings())


def _signing_context() -> Any:
    from signing import sign as signing

    return signing.validation_context(_trust_roots())


def issue_command(
    document: Annotated[Path, typer.Argument(help="the document the chair has signed")],
    body: Annotated[str, typer.Option(help="id of the issuing body, e.g. ubnd-hai-phong")],
    type_code: Annotated[str, typer.Option("--type", help="tên loại code: QĐ, TTr, KH, …")],
    output: Annotated[Path, typer.Option("--out", help="where to write the issued PDF")],
    p12: P12 = None,
    token: Token = None,
    key: KeyLabel = None,
    day: Annotated[
        str | None, typer.Option("--date", help="ngày ban hành (default: today)")
    ] = None,
    seal: Annotated[
        Path | None,
        typer.Option(
            help="the body's seal image: a red PNG on a transparent background that records its "
            "dpi; default: <bodies>/seals/<body>.png, else a TEST sample"
        ),
    ] = None,
    login: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="LOGIN",
            help="issue as this registered văn thư (their certificate); default: the operator "
            "of this machine, with a certificate of a văn thư of the body once it has any",
        ),
    ] = None,
) -> None:
    """Issue a signed document (ND 30 step 2): the next số, the ngày, the organisation's seal.

    The số comes from the registry (HOSO_DATABASE_URL, default SQLite in the data folder) in
    the transaction that records the issued document; a failed issue consumes no number. The
    rules are the web's and the API's (api.workflow.issuing)."""
    from api.workflow import issuing
    from api.workflow.issue_date import InvalidIssueDate, issue_day, today
    from api.workflow.users import Actor
    from signing import images, pki

    settings = get_settings()
    with errors():
        _refuse_existing(output)
        bodies = inputs.load_bodies(settings.bodies_dir)
        if body not in bodies:
            raise ConfigError(
                f"unknown issuing body '{body}'",
                message_vi=f"Không có cơ quan ban hành '{body}'",
                field="body",
            )
        try:
            given = vn.parse_date(day) if day else None
        except ValueError as exc:
            raise InvalidIssueDate(
                f"--date: not a date like 05/12/2026 or 2026-12-05: {day!r}",
                message_vi=f"--date: ngày không hợp lệ (dạng 05/12/2026 hoặc 2026-12-05): {day!r}",
                field="date",
            ) from exc
        when = issue_day(
            given,
            today=today(),
            printed_year=None,  # a file from outside the registry: its year is not known
            days_back=settings.issue_days_back,
            days_ahead=settings.issue_days_ahead,
        )
        context = _signing_context()
        signed = _read(document, "document")
        seal_image = images.seal_image(  # refused before the passphrase is asked for
            _read(seal, "seal")
            if seal
            else images.body_seal(settings.bodies_dir, body, bodies[body].name)
        )
        issuing.pages_and_code(signed)  # an unreadable file is refused before the passphrase
        sessions = _registry(bodies)
        who: Actor | issuing.Operator
        if login is not None:
            with sessions() as session:
                who = issuing.acting_for(session, login)
        else:
            who = issuing.Operator(body, _login())
    # The key is opened before a number is taken: a wrong passphrase or PIN takes none.
    with errors(), _signer(p12, token, key) as organisation:
        try:
            done = issuing.issue_file(
                sessions,
                who,
                signed,
                organisation,
                body=body,
                type_code=type_code,
                day=when,
                seal_image=seal_image,
                tsa_url=pki.service_urls(settings.pki_url)["tsa"],
                context=context,
                store=LocalStore(settings.store()),
                written=lambda issued: write_atomic(output, issued),
            )
        except BaseException:
            output.unlink(missing_ok=True)  # made, perhaps, but not recorded: not issued
            raise
    out.print(f"Đã ban hành Số: {done.reference}, {vn.nd30_date(when)}: {shown(output)}")


def _registry(bodies: dict[str, IssuingBody]) -> sessionmaker[Session]:
    """Sessions on the configured registry, brought to the latest schema and knowing `bodies`."""
    from api.registry import db
    from api.registry import numbering as registry

    url = get_settings().database()
    db.upgrade(url)
    sessions = db.session_factory(url)
    with sessions.begin() as session:
        registry.add_issuing_bodies(session, bodies.values())
    return sessions


def _login() -> str:
    """The operator's login on this machine ("cli" when it has none)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _actor() -> str:
    """Who acts from the command line, for the audit log: "cli:<login>"."""
    return f"cli:{_login()}"


def sign_attachment_command(
    document: Annotated[Path, typer.Argument(help="the phụ lục (PDF) in a file of its own")],
    reference: Annotated[str, typer.Option(help="số ký hiệu of its document, e.g. 06/QĐ-UBND")],
    output: Annotated[Path, typer.Option("--out", help="where to write the signed PDF")],
    p12: P12 = None,
    token: Token = None,
    key: KeyLabel = None,
) -> None:
    """Sign a separate-file attachment as the organisation (ND 30).

    Top right of page 1, text only: the số ký hiệu and the signing time."""
    from signing import attachment, pki

    settings = get_settings()
    with errors():
        _refuse_existing(output)
        context = _signing_context()
    with errors(), _signer(p12, token, key) as organisation:
        signed = attachment.sign_attachment(
            document.read_bytes(),
            organisation,
            reference=vn.nfc(reference),
            tsa_url=pki.service_urls(settings.pki_url)["tsa"],
            context=context,
        )
        write_atomic(output, signed)
    out.print(f"Đã ký phụ lục ({vn.nfc(reference)}): {shown(output)}")


def verify(
    documents: Annotated[list[Path], typer.Argument(help="signed PDF files")],
    as_json: Annotated[bool, typer.Option("--json", help="print the reports as JSON")] = False,
    offline: Annotated[
        bool, typer.Option(help="use only the revocation data the files carry")
    ] = False,
    at: Annotated[
        str | None, typer.Option(help="validate as of this ISO 8601 time instead of now")
    ] = None,
) -> None:
    """Validate every signature of each file against the trusted roots.

    Prints ETSI EN 319 102-1 indications; exit code 0 only when every file is TOTAL_PASSED."""
    from rich.progress import Progress

    from signing import verify as verifying

    with errors():
        roots = _trust_roots()
        moment = _moment(at)
        for path in documents:  # every name checked before the first (slow) verification
            if not path.is_file():
                raise NotFound(
                    f"no file at {path}", message_vi=f"Không có tệp {path}", field="documents"
                )
        reports = {}
        # A bar for a batch (on stderr, gone when done): one file needs none.
        with Progress(console=err, transient=True, disable=len(documents) < 2) as bar:
            task = bar.add_task("Đang xác minh", total=len(documents))
            for path in documents:
                reports[path] = verifying.verify_pdf(
                    path.read_bytes(), roots, online=not offline, moment=moment
                )
                bar.advance(task)
    if as_json:
        data = [{"file": str(p), **r.as_data()} for p, r in reports.items()]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        for path, report in reports.items():
            _print_report(path, report)
    if not all(r.passed for r in reports.values()):
        raise typer.Exit(1)


def _moment(at: str | None) -> dt.datetime | None:
    if at is None:
        return None
    try:
        moment = vn.parse_moment(at)
    except ValueError:
        raise HosoError(
            f"--at: '{at}' is not a time like 05/12/2026 14:00 or 2026-12-05T14:00",
            message_vi=f"--at: '{at}' không phải thời điểm (ví dụ 05/12/2026 14:00 hoặc "
            "2026-12-05T14:00)",
            field="at",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))


VERDICT = {
    "TOTAL_PASSED": "[green]HỢP LỆ[/]",
    "INDETERMINATE": "[yellow]CHƯA XÁC ĐỊNH[/]",
    "TOTAL_FAILED": "[red]KHÔNG HỢP LỆ[/]",
}


def _print_report(path: Path, report: Any) -> None:
    """One block per signature, then the verdict, every sentence in Vietnamese (the ETSI codes
    stay as codes, on their own line, for whoever needs them): readable in 80 columns."""
    from api.workflow import wording

    def yes(value: bool) -> str:
        return "có" if value else "[red]không[/]"

    out.print(f"[bold]{shown(path)}[/]  SHA-256 {report.sha256}")
    for c in report.signatures:
        kind = "Chữ ký số" if c.kind == "signature" else "Dấu thời gian tài liệu"
        out.print(f"  • {kind} «{c.field}»: {VERDICT[c.indication.value]}")
        who = c.signer or "?"
        if c.organisation and c.organisation != c.signer:
            who += f" — {c.organisation}"
        label = "Người ký" if c.kind == "signature" else "Đơn vị cấp"
        out.print(f"      {label}: {who}", markup=False)
        if c.kind == "signature":
            out.print(f"      Thời điểm ký (người ký khai): {wording.when(c.signing_time)}")
        stamp = wording.when(c.timestamp_time)
        if c.timestamp_time is not None and c.timestamp_authority and c.kind == "signature":
            stamp += f", do {c.timestamp_authority} cấp"
        out.print(f"      Dấu thời gian: {stamp}", markup=False)
        out.print(
            f"      Nguyên vẹn: {yes(c.intact)}; chữ ký đúng: {yes(c.valid)}; chứng thư số "
            f"được tin cậy: {yes(c.trusted)}; thu hồi: "
            f"{wording.REVOCATION.get(c.revocation, c.revocation).lower()}"
        )
        out.print(
            f"      Phạm vi được ký: {wording.COVERAGE.get(c.coverage, c.coverage).lower()}; "
            f"thay đổi sau khi ký: {wording.CHANGES.get(c.modification, c.modification).lower()}"
        )
        if c.sub_indication:
            out.print(f"      Lý do: {c.message_vi}", markup=False)
            out.print(f"      Mã ETSI: {c.indication.value} / {c.sub_indication}")
    sub = f" / {report.sub_indication}" if report.sub_indication else ""
    out.print(f"  Kết luận: {VERDICT[report.indication.value]} ({report.indication.value}{sub})")
    out.print(f"  {report.message_vi}", markup=False)
    if report.level:
        out.print(f"  {wording.level(report.level)}")


def roots_command() -> None:
    """List the trusted roots (HOSO_TRUST_ROOTS_DIR, else the development root) with each one's
    SHA-256 fingerprint, to check against the fingerprints the issuer publishes."""
    from signing.verify import load_root_files

    with errors():
        folder = get_settings().trust_roots_dir
        found = (
            load_root_files(folder)
            if folder is not None and folder.is_dir()
            else [(None, root) for root in _trust_roots()]
        )
    for path, root in found:
        subject = root.subject.native
        fingerprint = ":".join(f"{b:02X}" for b in root.sha256)
        name = subject.get("common_name") or root.subject.human_friendly
        out.print(f"[bold]{name}[/]", markup=True)
        if subject.get("organization_name"):
            out.print(f"  Tổ chức: {subject['organization_name']}", markup=False)
        out.print(
            f"  Hiệu lực: từ {root.not_valid_before:%d/%m/%Y} đến {root.not_valid_after:%d/%m/%Y}"
        )
        if path is not None:
            out.print(f"  Tệp: {shown(path)}", markup=False, soft_wrap=True)
        out.print(f"  SHA-256: {fingerprint}", soft_wrap=True)
    out.print(f"{len(found)} chứng thư gốc tin cậy.")


def register(app: typer.Typer) -> None:
    """Add the signing commands to `hoso`."""
    app.add_typer(pki_app, name="pki")
    app.command()(sign)
    app.command("issue")(issue_command)
    app.command("sign-attachment")(sign_attachment_command)
    app.command()(verify)
    app.command("roots")(roots_command)
