"""`hoso demo`, the main job of the README's first command: score every sample unit, build the
2026 dossier of UBND thành phố Hải Phòng, then take its Quyết định through the whole signing
chain on the development PKI (signed, numbered, sealed, delivered, archived, verified) and say
where to look next. The keys are the PKI's TEST keys, whose passphrase is public test material.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.console import errors, out, points, shown, write_atomic
from api.cli.signing import _print_report, _registry
from api.settings import get_settings
from docgen import inputs, vn
from docgen.errors import ConfigError
from docgen.model import MODE_LABELS, UNIT_TYPE_LABELS, IssuingBody, verdict_label
from docgen.report import result_data

if TYPE_CHECKING:  # the registry, SQLAlchemy and openpyxl load when the demo runs, not with
    # every `hoso` command (`hoso verify` starts faster)
    from api.registry import numbering as registry


def demo(
    samples: Annotated[
        Path | None,
        typer.Option(help="folder of sample assessments (default: the samples' assessments)"),
    ] = None,
    output: Annotated[Path, typer.Option(help="where to write the demo's files")] = Path("out"),
) -> None:
    """Score every sample unit, write the results and a workbook, and say where to look next."""
    from api.cli import users as cli_users
    from api.cli.dossier import build_dossier
    from docgen import dossier, recipients, sheet
    from docgen.dossier import Reference

    settings = get_settings()
    samples = samples or settings.samples_dir / "assessments"
    with errors():
        known = inputs.load_bodies(settings.bodies_dir)
        missing = [b for b in ("ubnd-hai-phong", "ca-hai-phong") if b not in known]
        if missing:
            raise ConfigError(
                f"the demo needs the issuing bodies {', '.join(missing)} in {settings.bodies_dir}",
                message_vi=f"Bản chạy thử cần cơ quan {', '.join(missing)} trong "
                f"{settings.bodies_dir} (HOSO_BODIES_DIR)",
                field="bodies_dir",
            )
        loaded = inputs.load_paths([samples])
        policies = inputs.load_policies(None)  # read once: the scores and the three builds
        results = inputs.score_all(loaded, policies)
        table = Table(title="Kết quả chấm điểm các đơn vị mẫu", expand=True)
        for name, justify in (
            ("Đơn vị", "left"),
            ("Loại", "left"),
            ("Năm", "right"),
            ("Tự chấm", "right"),
            ("Thẩm định", "right"),
            ("Kết quả", "left"),
        ):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for r in results:
            a = r.assessment
            label = verdict_label(a.mode, r.verdict.recognised)
            verdict = (
                f"[green]{label}[/]"
                if r.verdict.recognised
                else f"[red]{label}:[/] " + escape("; ".join(r.verdict.shortfalls))
            )
            table.add_row(
                a.unit.name,
                f"{UNIT_TYPE_LABELS[a.unit.type]}, {MODE_LABELS[a.mode]}",
                str(a.year),
                f"{points(r.self_points)}/{points(r.max_points)}",
                points(r.final) if r.appraised else "—",
                verdict,
            )
        out.print(table)
        data = [result_data(r, origin=x.origin) for r, x in zip(results, loaded, strict=True)]
        scores = output / "scores.json"
        write_atomic(scores, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
        book = output / "phieu-cham-diem-xa-phuong.xlsx"
        write_atomic(book, sheet.new_workbook("xa_phuong", units=3))
        # The main job: the 2026 dossier of UBND thành phố Hải Phòng, as drafts; then its
        # Quyết định as the final draft, signed, issued, sealed for the archive and verified.
        hai_phong, police = known["ubnd-hai-phong"], known["ca-hai-phong"]
        dossier_args: dict[str, Any] = {
            "year": 2026,
            "pdfa": False,
            "proposal": Reference(15, "TTr-CATP", dt.date(2026, 11, 27), police.name),
            "meeting": inputs.load_meeting(
                settings.samples_dir / "meetings" / "ca-hai-phong-2026.yaml"
            ),
        }
        build_dossier(
            loaded,
            policies,
            hai_phong,
            police,
            output=output / "dossiers",
            draft=True,
            decision=None,
            **dossier_args,
        )
        (decision,) = build_dossier(
            loaded,
            policies,
            hai_phong,
            police,
            output=output / "ky-so",
            draft=False,
            only="quyet-dinh",
            decision=None,
            **dossier_args,
        )
        send_to = recipients.recipients(
            decision.context["recipients"], article_3=dossier.referenced(decision.context)
        )
        signed, code, links, issued = demo_chain(
            output / "ky-so" / f"{decision.path}.pdf",
            hai_phong,
            title=decision.context["signer"]["title"],
            name=decision.context["signer"]["name"],
            day=dt.date(2026, 12, 5),
            send_to=[{"line": r.line, "name": r.name} for r in send_to],
        )
        # The GCN, now that the QĐ is issued: they cite its số and ngày as the registry gave.
        build_dossier(
            loaded,
            policies,
            hai_phong,
            police,
            output=output / "dossiers",
            draft=True,
            only="giay-chung-nhan",
            decision=Reference(
                issued.number, issued.reference.partition("/")[2], issued.issued_on, hai_phong.name
            ),
            **dossier_args,
        )
        users = cli_users.demo_users()
        out.print(f"Đã gửi đến {len(links)} nơi nhận, mỗi nơi một liên kết riêng:")
        for to, link in links:
            out.print(f"  • {to}: {link}", soft_wrap=True, markup=False)
    hoso = Path(sys.argv[0]).name if os.sep not in sys.argv[0] else shown(Path(sys.argv[0]))
    out.print(f"\n{len(results)} đơn vị đã chấm. Tiếp theo:")
    out.print(f"  • chi tiết từng tiêu chí:  {hoso} score {shown(samples)}/<tệp> --detail")
    out.print(f"  • kết quả dạng JSON:       {shown(scores)}")
    out.print(
        f"  • phiếu chấm điểm trống:   {shown(book)}  (điền rồi chạy: {hoso} score {shown(book)})"
    )
    out.print(
        f"  • hồ sơ mẫu (PDF, DOCX):   {shown(output / 'dossiers' / '2026' / 'ubnd-hai-phong')}"
    )
    out.print(f"  • QĐ đã ký, ban hành, lưu trữ: {shown(signed)}  (kiểm tra: {hoso} verify …)")
    base = str(get_settings().public_base_url).rstrip("/")
    out.print(f"  • API và tài liệu OpenAPI: {hoso} serve, rồi mở {base}/docs")
    out.print(f"  • xác minh trên web:       {get_settings().verify_url(code)}")
    if links:
        out.print(f"  • nơi nhận mở văn bản:     {links[0][1]}", soft_wrap=True)
    logins = ", ".join(login for login, _ in users)
    out.print(
        f"  • giao diện web:           {base}/dang-nhap — tài khoản {logins}, "
        f"mật khẩu {cli_users.DEMO_PASSWORD}",
        soft_wrap=True,
    )
    out.print("  • định dạng tệp đánh giá:  docs/assessment-format.md, hoso schema")


def demo_chain(
    final: Path,
    body: IssuingBody,
    *,
    title: str,
    name: str,
    day: dt.date,
    send_to: Sequence[Mapping[str, str]] = (),
) -> tuple[Path, str, list[tuple[str, str]], registry.IssuedDocument]:
    """The demo's signing: the development PKI (made if missing, served in this process on
    the configured port unless `hoso pki serve` already answers there), the chair's signature,
    the văn thư's số, ngày (from the registry) and seal, the archive seal and the verification,
    beside `final`, and the recipients of `send_to` their personal links. Returns the archived
    file, the registry's verification code, each recipient with their link and the issue.
    The keys are the PKI's TEST keys, whose passphrase is public test material."""
    from urllib.parse import urlsplit

    from sqlalchemy import select

    from api.registry import db
    from api.registry.store import LocalStore
    from api.workflow import archive as archiving
    from api.workflow import delivery, drafts, issuing
    from signing import images, pki
    from signing import sign as signing
    from signing import verify as verifying

    settings = get_settings()
    folder = settings.data_dir / "pki"
    if not (folder / "certomancer.yml").is_file():
        pki.init(folder, inputs.load_bodies(settings.bodies_dir), url=settings.pki_url)
    arch = pki.load(folder)
    where = urlsplit(settings.pki_url)
    with contextlib.ExitStack() as stack:
        with contextlib.suppress(OSError):  # taken: `hoso pki serve` answers there already
            stack.enter_context(
                pki.serve(arch, host=where.hostname or "127.0.0.1", port=where.port or 80)
            )
        tsa = pki.service_urls(settings.pki_url)["tsa"]
        context = signing.validation_context([pki.root_certificate(arch)])
        draft = final.read_bytes()
        certs = folder / "certs"
        chair = signing.load_pkcs12(
            (certs / f"{body.id}--{body.signers[0].id}.p12").read_bytes(), pki.TEST_PASSPHRASE
        )
        signed = drafts.sign_file(
            draft,
            chair,
            signature=images.signature_image(images.signature_png(name)),
            placement=drafts.check_draft(draft, title=title, name=name),
            tsa_url=tsa,
            context=context,
        )
        write_atomic(final.with_name(f"{final.stem}-da-ky.pdf"), signed)
        organisation = signing.load_pkcs12(
            (certs / f"{body.id}.p12").read_bytes(), pki.TEST_PASSPHRASE
        )

        # Every run of the demo issues the sample QĐ again, with the next số; the first run's
        # record claims the code printed on the draft (so its QR code finds it), later runs
        # get codes of their own.
        sessions = _registry(inputs.load_bodies(settings.bodies_dir))
        pages, printed = issuing.pages_and_code(signed)
        tokens: list[str] = []
        with sessions() as session:
            taken = session.scalar(
                select(db.Document.id).where(db.Document.verification_code == printed)
            )
        done = issuing.issue_signed(
            sessions,
            signed,
            organisation,
            body=body.id,
            type_code="QĐ",
            day=day,
            seal_image=images.seal_image(images.seal_png(body.name)),
            tsa_url=tsa,
            context=context,
            store=LocalStore(settings.store()),
            actor="demo",
            written=lambda issued: write_atomic(
                final.with_name(f"{final.stem}-ban-hanh.pdf"), issued
            ),
            then=lambda session, issued_id: tokens.extend(
                delivery.deliver(session, settings.secret(), issued_id, send_to)
            ),
            signer_info=f"{vn.position(title)} {name}",
            page_count=pages,
            verification_code=None if taken else printed,
        )
        # Sealed for the archive in the registry: status archived, the sealed file stored too.
        store = LocalStore(settings.store())
        sealed = store.get(
            archiving.archive_document(
                sessions, store, done.document_id, tsa_url=tsa, context=context, actor="demo"
            )
        )
    archived = final.with_name(f"{final.stem}-luu-tru.pdf")
    write_atomic(archived, sealed)
    out.print(
        f"Đã ký, ban hành Số: {done.reference}, "
        f"{vn.nd30_date(day)} và niêm phong lưu trữ; kiểm tra khi dịch vụ PKI đã dừng:"
    )
    _print_report(archived, verifying.verify_pdf(sealed, [pki.root_certificate(arch)]))
    links = [(to["name"], settings.link_url(t)) for to, t in zip(send_to, tokens, strict=True)]
    return archived, done.verification_code, links, done
