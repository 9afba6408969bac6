"""Ký số, phát hành and văn bản: the signer's and the văn thư's pages (ND 30's two steps).

/ky-so lists the drafts sent to the signer, each with its page images and a form for their key
(a PKCS#12 file with its passphrase, or a key on the configured PKCS#11 token with its PIN);
signing shows the signed draft's signatures as the verifier sees them. /phat-hanh lists the
body's signed documents waiting for their số and ngày, and those issued; issuing leads to the
document's page, /van-ban/{id}: the registry record, its preview, and — for the văn thư only —
each recipient's personal link with its QR code and whether it was opened and acknowledged,
with the forms to revoke, replace or archive.

Every action is a use case of api/workflow/documents.py, which decides who may do it; a refusal is
shown
in Vietnamese beside the field at fault, and changes nothing. Passphrases and PINs go to the
key and nowhere else: never logged, never written back into a page. The page images and the
PDF are other routes' (/tai-lieu/…).
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.pages.ui import CsrfChecked, PageActor, problem, refused, render
from api.registry.db import STATUS_VI, Document
from api.routes.deps import MAX_ID, Id, ServicesDep, SettingsDep
from api.routes.errors import http_status
from api.routes.gate import FRAMING, GatedRoute, limit
from api.routes.keys import IMAGE_LIMIT, KEY_LIMIT, KeyForm, signature_upload
from api.routes.models import document_public
from api.workflow import (
    access,
    agents,
    delivery,
    issue_date,
    jobs,
    key_jobs,
    outbox,
    remote_signing,
    signing_way,
    wording,
)
from api.workflow import documents as workflow
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen import vn
from docgen.errors import HosoError, NotFound

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)

P12 = Annotated[UploadFile | None, File()]
Secret = Annotated[str, Form(max_length=256)]
Label = Annotated[str, Form(max_length=128)]
Method = Annotated[Literal["p12", "token"], Form()]
Reason = Annotated[str, Form(max_length=2000)]
JobQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="the job this page follows")]

ENDED = ("issued", "archived", "revoked", "replaced")
PREVIEW_PAGES = 12
"""At most this many page images on a page; the whole document is a click away."""

# Where a refusal is shown: beside the input it names, else at the top of its form.
SLOTS = {
    "p12": "p12",
    "passphrase": "passphrase",
    "token": "token",
    "module": "token",
    "key": "key",
    "pin": "pin",
    "date": "date",
    "image": "image",
    "reason": "reason",
    "by": "by",
}
DONE = {
    "ban-hanh": "Đã ban hành văn bản và gửi đến các nơi nhận.",
    "thu-hoi": "Đã thu hồi văn bản.",
    "thay-the": "Đã ghi nhận văn bản thay thế.",
    "luu-tru": "Đã niêm phong văn bản để lưu trữ (PAdES B-LTA).",
}


@dataclass(frozen=True)
class DocumentView:
    """A document as these pages show it."""

    id: int
    title: str
    subject: str
    status: str
    status_vi: str
    reference: str | None
    issued_on: dt.date | None
    sent_at: dt.datetime | None
    signer: str
    body: str
    pages: tuple[int, ...]
    page_count: int
    verification_code: str
    reason: str | None
    replaced_by: int | None


@dataclass(frozen=True)
class RecipientView:
    """One line of the Nơi nhận: who, their personal link and its QR code, what they did."""

    name: str
    line: str
    link: str
    qr: str
    state: str
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None = None
    acknowledged_position: str | None = None


@dataclass(frozen=True)
class Failure:
    """A refusal as the page shows it: in which document's form, which form, beside what."""

    document_id: int
    form: str
    message: str
    field: str
    slot: str


def _view(services: Services, document: Document) -> DocumentView:
    body = services.bodies.get(document.issuing_body_id)
    count = document.page_count or 1
    signer = document.signer_info or " ".join(
        x for x in (vn.position(document.signer_title or ""), document.signer_name) if x
    )
    return DocumentView(
        id=document.id,
        title=document.title or document.kind or "Văn bản",
        subject=document.subject,
        status=document.status,
        status_vi=STATUS_VI.get(document.status, document.status),
        reference=document_public(document).reference,
        issued_on=document.issued_on,
        sent_at=document.sent_at,
        signer=signer,
        body=body.name if body is not None else document.issuing_body_id,
        pages=tuple(range(1, min(count, PREVIEW_PAGES) + 1)),
        page_count=count,
        verification_code=document.verification_code,
        reason=document.reason,
        replaced_by=document.replaced_by_id,
    )


def _failure(document_id: int, form: str, exc: HosoError, *, method: str = "p12") -> Failure:
    shown = problem(exc)
    slot = SLOTS.get(shown["field"], "form")
    if method == "token" and slot in ("p12", "passphrase"):
        slot = "token"  # the token was chosen: the missing key is the token's
    return Failure(document_id, form, shown["message"], shown["field"], slot)


@dataclass
class KeyChoice:
    """The signing form's key fields, by the method chosen. A browser sends every field, empty
    ones too (a file input with no file is a part with no name)."""

    method: Method = "p12"
    p12: P12 = None
    passphrase: Secret = ""
    token: Label = ""
    key: Label = ""
    pin: Secret = ""

    def chosen(self) -> KeyForm:
        if self.method == "token":
            return KeyForm(
                token=self.token.strip() or None, key=self.key.strip() or None, pin=self.pin
            )
        upload = self.p12 if self.p12 is not None and self.p12.filename else None
        return KeyForm(p12=upload, passphrase=self.passphrase)

    def entered(self) -> dict[str, str]:
        """What was typed, to show again: never the passphrase or the PIN."""
        return {"method": self.method, "token": self.token, "key": self.key}


def _today() -> dt.date:
    return issue_date.today()


# --- ký số ----------------------------------------------------------------------------------------


def _signing_page(
    request: Request,
    actor: Actor,
    services: Services,
    *,
    failure: Failure | None = None,
    entered: dict[str, str] | None = None,
    running: jobs.JobView | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        queue = workflow.signing_queue(services, actor)
    except HosoError as exc:
        return refused(request, actor, exc)
    key_upload = services.key_upload()
    remote = remote_signing.has_provider(services, actor)
    ways = signing_way.offered(remote=remote, key_upload=key_upload)
    context = {
        "queue": [_view(services, d) for d in queue],
        "failure": failure,
        "entered": entered or {"method": "p12", "token": "", "key": ""},
        "key_upload": key_upload,
        "remote": remote,
        "agents": agents.agents(services, actor) if actor.role == "signer" else [],
        "ways": [(w, signing_way.WAY_VI[w]) for w in ways],
        "way": signing_way.chosen(signing_way.remembered(services, actor), ways),
        **_following(running, "/ky-so"),
    }
    return render(request, "app/signing.html", context, actor=actor, status=status)


def _following(running: jobs.JobView | None, page: str) -> dict[str, Any]:
    """What the page shows of the job it follows: its progress in its document's form, whose
    button stays off; tien-do.js asks the job, a "Tải lại" link does without scripts."""
    if running is None:
        return {"job": None, "job_document": None, "job_page": None}
    return {
        "job": running,
        "job_document": running.inputs.get("document_id"),
        "job_page": f"{page}?viec={running.id}",
    }


def _followed(services: Services, actor: Actor, job_id: int, kind: str) -> jobs.JobView:
    """Job `job_id` of `kind`, the actor's: what a page's ?viec= follows."""
    job = jobs.get_job(services, actor, job_id)
    if job.kind != kind:
        raise NotFound(
            f"no {kind} job {job_id}", message_vi=f"Không có việc số {job_id}", field="viec"
        )
    return job


def _running(services: Services, actor: Actor, kind: str) -> jobs.JobView | None:
    """The actor's own job of `kind` still running, when their role does it at all (the page
    refuses the others anyway)."""
    if actor.role != {"sign": "signer", "issue": "van_thu"}[kind]:
        return None
    return jobs.running_job(services, actor, kind)


def _ended(job: jobs.JobView, form: str) -> Failure:
    """A job that failed, as a refusal beside the field it names."""
    error = job.error or {}
    shown = HosoError(
        str(error.get("message", "")),
        message_vi=str(error.get("message_vi", "")),
        field=str(error.get("field", "")),
    )
    return _failure(int(job.inputs.get("document_id", 0)), form, shown)


@router.get("/ky-so", response_class=HTMLResponse)
def signing_page(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    viec: JobQuery = None,
) -> HTMLResponse:
    """The drafts sent to the signer, each with its preview and the form for their key; with
    ?viec= the signing job a form started: its progress, then the signed draft (or why not)."""
    if viec is None:  # a signature still running shows its progress on the page
        return _signing_page(request, actor, services, running=_running(services, actor, "sign"))
    try:
        job = _followed(services, actor, viec, "sign")
    except HosoError as exc:
        return refused(request, actor, exc)
    if job.state in jobs.ACTIVE:
        return _signing_page(request, actor, services, running=job)
    if job.state == "failed":
        return _signing_page(request, actor, services, failure=_ended(job, "sign"))
    return _signed_page(request, actor, services, int(job.inputs["document_id"]))


@router.post("/ky-so/{document_id}", response_class=HTMLResponse, response_model=None)
@limit(KEY_LIMIT + IMAGE_LIMIT + FRAMING)
def sign(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    settings: SettingsDep,
    _: CsrfChecked,
    key: Annotated[KeyChoice, Depends()],
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Sign the draft (ND 30 step 1), with the signer's own image if one is chosen, in a job of
    this process once the key opened and the checks passed; the page follows its progress,
    then shows the signature as a verifier sees it."""
    try:
        allow(actor, "ký văn bản", ("signer",))  # before the key is opened
        if key.method == "p12" and not services.key_upload():
            raise remote_signing.key_upload_off()  # the key stays with its holder (issue 14)
        signature = signature_upload(image)
        with ExitStack() as opened:
            signer = opened.enter_context(key.chosen().opened(settings))
            job = key_jobs.start_signing(
                services, actor, document_id, signer, key=opened.pop_all(), signature=signature
            )
        signing_way.remember(services, actor, "key")
    except HosoError as exc:
        failure = _failure(document_id, "sign", exc, method=key.method)
        return _signing_page(
            request,
            actor,
            services,
            failure=failure,
            entered=key.entered(),
            status=http_status(exc),
        )
    return RedirectResponse(f"/ky-so?viec={job.id}#van-ban-{document_id}", status_code=303)


def _signed_page(
    request: Request, actor: Actor, services: Services, document_id: int
) -> HTMLResponse:
    try:
        signed, pdf = access.document_file(services, actor, document_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    context = {"d": _view(services, signed), **_verification(request, pdf)}
    return render(request, "app/signing_done.html", context, actor=actor)


def _verification(request: Request, pdf: bytes) -> dict[str, Any]:
    """The verdict and each signature of `pdf`, or why they could not be checked."""
    from signing.verify import verify_pdf

    try:
        report = verify_pdf(pdf, request.app.state.trust.get())
    except HosoError as exc:
        return {"verdict": None, "signatures": [], "unchecked": problem(exc)["message"]}
    return {
        "verdict": wording.verdict(report),
        "signatures": [wording.signature_view(c) for c in report.signatures],
        "unchecked": None,
    }


# --- phát hành ------------------------------------------------------------------------------------


def _issuing_page(
    request: Request,
    actor: Actor,
    services: Services,
    *,
    failure: Failure | None = None,
    entered: dict[str, str] | None = None,
    running: jobs.JobView | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        allow(actor, "ban hành văn bản", ("van_thu",))
    except HosoError as exc:
        return refused(request, actor, exc)
    own = [
        d
        for d in access.list_documents(services, actor)
        if d.issuing_body_id == actor.body and d.kind not in workflow.UNIT_KINDS
    ]
    waiting = [_view(services, d) for d in own if d.status == "signed"]
    issued = sorted(
        (d for d in own if d.status in ENDED),
        key=lambda d: (d.issued_on or dt.date.min, d.type_code, d.number or 0),
        reverse=True,
    )
    today = _today().isoformat()
    context = {
        "today": today,
        "waiting": waiting,
        "issued": [_view(services, d) for d in issued],
        "failure": failure,
        "key_upload": services.key_upload(),
        "entered": entered or {"method": "p12", "token": "", "key": "", "date": today},
        "mails": outbox.undelivered(services, actor),
        "mail_configured": services.mailer is not None,
        **_following(running, "/phat-hanh"),
    }
    return render(request, "app/issuing.html", context, actor=actor, status=status)


@router.get("/phat-hanh", response_class=HTMLResponse, response_model=None)
def issuing_page(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    viec: JobQuery = None,
) -> Response:
    """The body's signed documents waiting for their số and ngày, and those issued; with ?viec=
    the issuing job a form started: its progress, then the document's page (or why not)."""
    if viec is None:  # an issue still running shows its progress on the page
        return _issuing_page(request, actor, services, running=_running(services, actor, "issue"))
    try:
        job = _followed(services, actor, viec, "issue")
    except HosoError as exc:
        return refused(request, actor, exc)
    if job.state in jobs.ACTIVE:
        return _issuing_page(request, actor, services, running=job)
    if job.state == "failed":
        failure = _ended(job, "issue")
        return _issuing_page(request, actor, services, failure=failure)
    document_id = int(job.inputs["document_id"])
    return RedirectResponse(f"/van-ban/{document_id}?da=ban-hanh", status_code=303)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else _today()
    except ValueError as exc:
        raise HosoError(
            f"date: not a date: {value!r}",
            message_vi="Ngày ban hành không hợp lệ (ngày/tháng/năm)",
            field="date",
        ) from exc


@router.post("/phat-hanh/{document_id}", response_class=HTMLResponse, response_model=None)
@limit(KEY_LIMIT + FRAMING)
def issue(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    settings: SettingsDep,
    _: CsrfChecked,
    key: Annotated[KeyChoice, Depends()],
    date: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Issue the signed document (ND 30 step 2: số, ngày, the organisation's signature) and
    send it to its Nơi nhận, in a job of this process once the key opened and the checks
    passed; the page follows its progress, then shows the document's page."""
    try:
        allow(actor, "ban hành văn bản", ("van_thu",))  # before the key is opened
        if key.method == "p12" and not services.key_upload():
            raise remote_signing.seal_upload_off()  # the seal's key stays in the HSM (issue 14)
        day = _day(date)
        with ExitStack() as opened:
            organisation = opened.enter_context(key.chosen().opened(settings))
            job = key_jobs.start_issuing(
                services, actor, document_id, organisation, key=opened.pop_all(), day=day
            )
    except HosoError as exc:
        entered = {**key.entered(), "date": date}
        failure = _failure(document_id, "issue", exc, method=key.method)
        return _issuing_page(
            request, actor, services, failure=failure, entered=entered, status=http_status(exc)
        )
    return RedirectResponse(f"/phat-hanh?viec={job.id}#van-ban-{document_id}", status_code=303)


# --- văn bản --------------------------------------------------------------------------------------


def _recipients(deliveries: list[delivery.Delivery]) -> list[RecipientView]:
    views = []
    for d in deliveries:
        qr = segno.make(d.link, error="m").svg_data_uri(scale=3, border=2)
        if d.acknowledged_at is not None:
            state = "Đã xác nhận"
        elif d.opened_at is not None:
            state = "Đã mở"
        else:
            state = "Chưa mở"
        views.append(
            RecipientView(
                d.name,
                d.line,
                d.link,
                qr,
                state,
                d.opened_at,
                d.acknowledged_at,
                d.acknowledged_by,
                d.acknowledged_position,
            )
        )
    return views


def _document_page(
    request: Request,
    actor: Actor,
    services: Services,
    document_id: int,
    *,
    failure: Failure | None = None,
    entered: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        document = access.get_document(services, actor, document_id)
        successor = (
            _view(services, access.get_document(services, actor, document.replaced_by_id))
            if document.replaced_by_id is not None
            else None
        )
    except HosoError as exc:
        return refused(request, actor, exc)
    keeper = actor.role == "van_thu" and actor.body == document.issuing_body_id
    recipients = None
    candidates: list[DocumentView] = []
    mails: list[outbox.Undelivered] = []
    if keeper:
        recipients = _recipients(delivery.deliveries(services, actor, document_id))
        mails = outbox.undelivered(services, actor, document_id=document_id)
        candidates = [
            _view(services, d)
            for d in access.list_documents(services, actor)
            if d.issuing_body_id == document.issuing_body_id
            and d.status in ("issued", "archived")
            and (d.type_code, d.kind) == (document.type_code, document.kind)  # workflow.replace
            and d.id != document.id
        ]
    context = {
        "d": _view(services, document),
        "successor": successor,
        "keeper": keeper,
        "recipients": recipients,
        "links_text": "\n".join(f"{r.name} — {r.link}" for r in recipients or ()),
        "mails": mails,
        "mail_configured": services.mailer is not None,
        "candidates": candidates,
        "failure": failure,
        "entered": entered or {"reason": "", "by": ""},
        "done": DONE.get(done or ""),
    }
    return render(request, "app/document.html", context, actor=actor, status=status)


@router.get("/van-ban/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    da: str | None = None,
) -> HTMLResponse:
    """The registry record, the preview and download, and for the văn thư the Nơi nhận."""
    return _document_page(request, actor, services, document_id, done=da)


def _then(
    request: Request,
    actor: Actor,
    services: Services,
    document_id: int,
    form: str,
    entered: dict[str, str],
    exc: HosoError,
) -> HTMLResponse:
    failure = _failure(document_id, form, exc)
    return _document_page(
        request,
        actor,
        services,
        document_id,
        failure=failure,
        entered=entered,
        status=http_status(exc),
    )


@router.post("/van-ban/{document_id}/thu-hoi", response_class=HTMLResponse, response_model=None)
def revoke(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    reason: Reason = "",
) -> Response:
    try:
        workflow.revoke(services, actor, document_id, reason=reason)
    except HosoError as exc:
        entered = {"reason": reason, "by": ""}
        return _then(request, actor, services, document_id, "revoke", entered, exc)
    return RedirectResponse(f"/van-ban/{document_id}?da=thu-hoi", status_code=303)


@router.post("/van-ban/{document_id}/thay-the", response_class=HTMLResponse, response_model=None)
def replace(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    by: Annotated[str, Form(max_length=16)] = "",
    reason: Reason = "",
) -> Response:
    try:
        if not by.strip().isdigit() or not 1 <= int(by) <= MAX_ID:
            raise HosoError(
                f"by: choose the document that replaces this one, not {by!r}",
                message_vi="Cần chọn văn bản thay thế",
                field="by",
            )
        workflow.replace(services, actor, document_id, by=int(by), reason=reason)
    except HosoError as exc:
        entered = {"reason": reason, "by": by}
        return _then(request, actor, services, document_id, "replace", entered, exc)
    return RedirectResponse(f"/van-ban/{document_id}?da=thay-the", status_code=303)


@router.post("/van-ban/{document_id}/luu-tru", response_class=HTMLResponse, response_model=None)
def archive(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
) -> Response:
    try:
        workflow.archive(services, actor, document_id)
    except HosoError as exc:
        entered = {"reason": "", "by": ""}
        return _then(request, actor, services, document_id, "archive", entered, exc)
    return RedirectResponse(f"/van-ban/{document_id}?da=luu-tru", status_code=303)
