"""The workflow API: assessments, dossiers, documents, signing, issuing, recipients and the
archive export. Every route needs a user's token (Authorization: Bearer …) except the
recipients' links, which are their own credential; what a role may do is decided in
api/workflow/documents.py, once, for the API and the CLI alike.

Handlers are plain `def`: FastAPI runs them in its thread pool, as conversion, signing and the
database are blocking work.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from api.registry.db import Assessment, Status
from api.routes.deps import (
    MAX_ID,
    SHEET_LIMIT,
    ActorDep,
    AssessmentId,
    Id,
    ServicesDep,
    SettingsDep,
    TrustDep,
    pdf_response,
    read_upload,
)
from api.routes.gate import FRAMING, GatedRoute, limit
from api.routes.keys import IMAGE_LIMIT, KEY_LIMIT, KeyDep, signature_upload
from api.routes.models import (
    PDF_RESPONSE,
    REFUSED,
    AssessmentPublic,
    DocumentPublic,
    ErrorPublic,
    IssuedPublic,
    JobPublic,
    RecipientPublic,
    UserPublic,
    document_public,
    job_public,
)
from api.workflow import access, assessments, delivery, jobs, remote_signing
from api.workflow import documents as workflow
from api.workflow.services import Services
from api.workflow.users import ROLE_VI, allow
from docgen import inputs
from docgen.dossier import Meeting, Reference
from docgen.errors import InvalidAssessment, InvalidMeeting, Problem
from docgen.model import Assessment as AssessmentInput

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])


def _assessment(row: Assessment, *, full: bool = False) -> AssessmentPublic:
    result = row.result
    return AssessmentPublic(
        id=row.id,
        unit=str(row.input.get("unit", {}).get("name", "")),
        year=row.year,
        scored=result is not None,
        total=float(result["final"]) if result and result.get("final") is not None else None,
        recognised=bool(result["verdict"]["recognised"]) if result else None,
        result=result if full else None,
    )


@router.get("/me", response_model=UserPublic, responses=REFUSED, summary="Who I am")
def me(actor: ActorDep) -> UserPublic:
    return UserPublic(
        login=actor.login,
        name=actor.name,
        role=actor.role,
        role_vi=ROLE_VI[actor.role],
        issuing_body=actor.body,
    )


# --- assessments ----------------------------------------------------------------------------------


@router.post(
    "/assessments",
    status_code=201,
    response_model=list[AssessmentPublic],
    responses=REFUSED,
    summary="Import assessments (JSON)",
)
def import_json(
    assessments: list[AssessmentInput], actor: ActorDep, services: ServicesDep
) -> list[AssessmentPublic]:
    """Record the units' assessments of the clerk's body; each is checked against its criteria
    set first, and nothing is recorded if one has a problem."""
    allow(actor, "nhập kết quả chấm điểm", ("clerk",))  # before any work on the input
    raw = [a.model_dump(mode="json", exclude_none=True) for a in assessments]
    problems: list[Problem] = []
    loaded: list[inputs.Loaded] = []
    for n, one in enumerate(raw):
        try:
            loaded.append(inputs.check(one, f"assessments[{n}]"))
        except InvalidAssessment as exc:
            problems.extend(exc.problems)
    InvalidAssessment.collect(problems)
    return _imported(services, actor, loaded)


@router.post(
    "/assessments/workbook",
    status_code=201,
    response_model=list[AssessmentPublic],
    responses=REFUSED,
    summary="Import assessments (the filled workbook)",
)
@limit(SHEET_LIMIT + FRAMING)
def import_workbook(
    file: Annotated[UploadFile, File(description="the .xlsx made by `hoso sheet new`")],
    actor: ActorDep,
    services: ServicesDep,
) -> list[AssessmentPublic]:
    """Every unit sheet of the workbook; the problems of all of them, located by sheet and
    cell, if any has one."""
    allow(actor, "nhập kết quả chấm điểm", ("clerk",))  # before the workbook is parsed
    data = read_upload(file, SHEET_LIMIT, "file")
    name = file.filename or "workbook.xlsx"
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return _imported(services, actor, inputs.load_bytes(data, name))


def _imported(
    services: Services, actor: Any, loaded: list[inputs.Loaded]
) -> list[AssessmentPublic]:
    ids = assessments.import_assessments(services, actor, loaded)
    return [_assessment(assessments.get_assessment(services, actor, i)) for i in ids]


@router.get("/assessments", response_model=list[AssessmentPublic], responses=REFUSED)
def list_assessments(
    actor: ActorDep,
    services: ServicesDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[AssessmentPublic]:
    """The assessments of the user's body."""
    return [_assessment(a) for a in assessments.list_assessments(services, actor, year=year)]


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic, responses=REFUSED)
def get_assessment(
    assessment_id: AssessmentId, actor: ActorDep, services: ServicesDep
) -> AssessmentPublic:
    return _assessment(assessments.get_assessment(services, actor, assessment_id), full=True)


@router.post(
    "/assessments/{assessment_id}/score", response_model=AssessmentPublic, responses=REFUSED
)
def score(assessment_id: AssessmentId, actor: ActorDep, services: ServicesDep) -> AssessmentPublic:
    """Score the assessment (every item's points with its reason, the totals, the verdict)."""
    assessments.score(services, actor, assessment_id)
    return _assessment(assessments.get_assessment(services, actor, assessment_id), full=True)


# --- dossiers and documents -----------------------------------------------------------------------


class Cited(BaseModel):
    """A document the dossier cites: "15/TTr-CAHP" of 2026-11-20."""

    reference: str = Field(examples=["15/TTr-CAHP"], pattern=r"^[0-9]{1,6}/[^\s/]{1,32}$")
    date: dt.date = Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))


class DossierRequest(BaseModel):
    """Which dossier to generate."""

    body: str = Field(examples=["ubnd-hai-phong"], max_length=64)
    year: int = Field(ge=2000, le=2100)
    proposal: Cited | None = Field(
        default=None, description="the Tờ trình the QĐ answers; default: the issued one"
    )
    decision: Cited | None = Field(
        default=None, description="the QĐ the certificates cite; default: the issued one"
    )
    meeting: Meeting | None = Field(
        default=None, description="the Công an's appraisal meeting the Biên bản records"
    )
    watermark: bool = Field(default=False, description="print DỰ THẢO on every page")

    @field_validator("meeting", mode="wrap")
    @classmethod
    def _meeting_rules(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """The meeting's rules (docgen.meeting) answer 422 naming `meeting.<field>`."""
        try:
            return handler(value)
        except InvalidMeeting as exc:
            raise exc.under("meeting.") from None

    signer: str | None = Field(
        default=None,
        examples=["pho-chu-tich"],
        max_length=64,
        description="who of the body signs the Quyết định (its signers' ids); default the "
        "Chủ tịch, a deputy signs KT. CHỦ TỊCH",
    )


def _cited(cited: Cited | None, issuer: str, field: str) -> Reference | None:
    if cited is None:
        return None
    return Reference.parse(cited.reference, cited.date.isoformat(), issuer, field=field)


@router.post(
    "/dossiers",
    status_code=202,
    response_model=JobPublic | list[DocumentPublic],
    responses={
        201: {"model": list[DocumentPublic], "description": "?wait=true: the documents made"},
        202: {"model": JobPublic, "description": "the job generating them; poll its url"},
        **REFUSED,
    },
    summary="Generate a dossier",
)
def generate(
    request: DossierRequest,
    actor: ActorDep,
    services: ServicesDep,
    response: Response,
    wait: Annotated[
        bool, Query(description="generate within this request and answer the documents")
    ] = False,
) -> JobPublic | list[DocumentPublic]:
    """Generate (or regenerate) every document of the body's dossier for the year from its
    assessments: PDFs with their QR code, ready to sign. Signed and issued documents stay.
    A job of the queue does it: the answer is 202 with the job's URL (`GET /api/jobs/{id}`:
    progress "7/19", then the documents); the same request while it runs is the same job."""
    government = services.bodies.get(request.body)
    police = next((b for b in services.bodies.values() if b.government == request.body), None)
    given: dict[str, Any] = {
        "body": request.body,
        "year": request.year,
        "proposal": _cited(request.proposal, police.name if police else "", "proposal"),
        "decision": _cited(request.decision, government.name if government else "", "decision"),
        "meeting": request.meeting,
        "watermark": request.watermark,
        "signer": request.signer,
    }
    if wait:
        response.status_code = 201
        return [document_public(d) for d in workflow.generate_dossier(services, actor, **given)]
    job = jobs.submit_generation(services, actor, **given)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_public(job)


@router.get("/documents", response_model=list[DocumentPublic], responses=REFUSED)
def list_documents(
    actor: ActorDep,
    services: ServicesDep,
    dossier: Annotated[str | None, Query(max_length=128)] = None,
    status: Annotated[Status | None, Query()] = None,
) -> list[DocumentPublic]:
    """The documents the user's body issues or whose dossiers it keeps."""
    found = access.list_documents(services, actor, dossier=dossier, status=status)
    return [document_public(d) for d in found]


@router.get("/documents/{document_id}", response_model=DocumentPublic, responses=REFUSED)
def get_document(document_id: Id, actor: ActorDep, services: ServicesDep) -> DocumentPublic:
    return document_public(access.get_document(services, actor, document_id))


@router.get("/documents/{document_id}/file", response_class=Response, responses=PDF_RESPONSE)
def document_file(document_id: Id, actor: ActorDep, services: ServicesDep) -> Response:
    """The current file: the draft, the signed draft, the issued or the archived PDF."""
    document, pdf = access.document_file(services, actor, document_id)
    return pdf_response(document, pdf)


@router.post("/documents/{document_id}/send", response_model=DocumentPublic, responses=REFUSED)
def send(document_id: Id, actor: ActorDep, services: ServicesDep) -> DocumentPublic:
    """Trình ký: the clerk sends a draft to its signer, who may sign it from then on (it joins
    the signer's queue)."""
    return document_public(workflow.send_for_signature(services, actor, document_id))


@router.post("/documents/{document_id}/sign", response_model=DocumentPublic, responses=REFUSED)
@limit(KEY_LIMIT + IMAGE_LIMIT + FRAMING)
def sign(
    document_id: Id,
    actor: ActorDep,
    services: ServicesDep,
    settings: SettingsDep,
    key: KeyDep,
    image: Annotated[
        UploadFile | None,
        File(
            description="the signer's own signature image: a PNG with a transparent background "
            "and blue strokes (ND 30); default: the one registered to the signer, else a "
            "sample drawn from the name"
        ),
    ] = None,
) -> DocumentPublic:
    """The signer signs a draft of their body (ND 30 step 1), with their own registered
    certificate: a PKCS#12 uploaded with its passphrase, or a key on the configured token."""
    allow(actor, "ký văn bản", ("signer",))  # before the key is opened
    if key.p12 is not None and not services.key_upload():
        raise remote_signing.key_upload_off()  # the key stays with its holder (issue 14)
    signature = signature_upload(image)
    with key.opened(settings) as signer:
        signed = workflow.sign(services, actor, document_id, signer, signature=signature)
        return document_public(signed)


@router.post("/documents/{document_id}/issue", response_model=IssuedPublic, responses=REFUSED)
@limit(KEY_LIMIT + FRAMING)
def issue(
    document_id: Id,
    actor: ActorDep,
    services: ServicesDep,
    settings: SettingsDep,
    key: KeyDep,
    date: Annotated[dt.date | None, Form(description="ngày ban hành; default today")] = None,
) -> IssuedPublic:
    """The văn thư issues a signed document (ND 30 step 2): the next số, the ngày, the
    organisation's signature; each recipient of its Nơi nhận gets a personal link."""
    allow(actor, "ban hành văn bản", ("van_thu",))  # before the key is opened
    if key.p12 is not None and not services.key_upload():
        raise remote_signing.seal_upload_off()  # the seal's key stays in the HSM (issue 14)
    with key.opened(settings) as organisation:
        done, sent = workflow.issue(services, actor, document_id, organisation, day=date)
    return IssuedPublic(
        document=document_public(access.get_document(services, actor, document_id)),
        number=done.number,
        reference=done.reference,
        issued_on=done.issued_on,
        recipients=[_recipient(d) for d in sent],
    )


def _recipient(d: delivery.Delivery) -> RecipientPublic:
    return RecipientPublic(
        name=d.name,
        line=d.line,
        link=d.link,
        opened_at=d.opened_at,
        acknowledged_at=d.acknowledged_at,
        acknowledged_by=d.acknowledged_by,
        acknowledged_position=d.acknowledged_position,
    )


class Revocation(BaseModel):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = Field(examples=["Ban hành sai thẩm quyền"])


class Replacement(Revocation):
    by: int = Field(ge=1, le=MAX_ID, description="the issued document that replaces this one")


@router.post("/documents/{document_id}/revoke", response_model=DocumentPublic, responses=REFUSED)
def revoke(
    document_id: Id, body: Revocation, actor: ActorDep, services: ServicesDep
) -> DocumentPublic:
    """The văn thư revokes an issued document; the public page shows it, with the reason."""
    return document_public(workflow.revoke(services, actor, document_id, reason=body.reason))


@router.post("/documents/{document_id}/replace", response_model=DocumentPublic, responses=REFUSED)
def replace(
    document_id: Id, body: Replacement, actor: ActorDep, services: ServicesDep
) -> DocumentPublic:
    """The văn thư records which issued document replaces this one, and why."""
    done = workflow.replace(services, actor, document_id, by=body.by, reason=body.reason)
    return document_public(done)


@router.post("/documents/{document_id}/archive", response_model=DocumentPublic, responses=REFUSED)
def archive(document_id: Id, actor: ActorDep, services: ServicesDep) -> DocumentPublic:
    """The văn thư seals an issued document for the archive: a document timestamp over it and
    all its validation data (PAdES B-LTA), kept beside the issued file."""
    return document_public(workflow.archive(services, actor, document_id))


ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "the export (ZIP)"},
    **REFUSED,
    503: {"model": ErrorPublic, "description": "the service has no trust roots configured"},
}


@router.get("/archive/export", response_class=Response, responses=ZIP_RESPONSE)
def export(
    actor: ActorDep,
    services: ServicesDep,
    trust: TrustDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    dossier: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """The archivist exports their body's documents of a year or of a dossier: the PDFs, the
    ND 30 Phụ lục VI metadata (JSON and XML), SHA-256 checksums and each verification report."""
    allow(actor, "xuất hồ sơ lưu trữ", ("archivist",))  # before the trust roots are read
    data = workflow.export(services, actor, year=year, dossier=dossier, trust_roots=trust.get())
    name = f"hoso-{year or (dossier or '').replace('/', '-')}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/documents/{document_id}/recipients",
    response_model=list[RecipientPublic],
    responses=REFUSED,
)
def recipients(document_id: Id, actor: ActorDep, services: ServicesDep) -> list[RecipientPublic]:
    """Who the document was sent to, and who has opened and acknowledged it."""
    return [_recipient(d) for d in delivery.deliveries(services, actor, document_id)]
