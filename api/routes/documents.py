"""The documents of the registry: list, read, download, send for signature (Trình ký), sign,
issue, revoke, replace, archive, and who they were sent to. What a role may do is decided in
api/workflow/documents.py, once, for the API, the pages and the CLI alike.

Handlers are plain `def`: FastAPI runs them in its thread pool, as conversion, signing and the
database are blocking work.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile
from pydantic import BaseModel, Field, StringConstraints

from api.registry.db import Status
from api.routes.deps import MAX_ID, ActorDep, Id, ServicesDep, SettingsDep, pdf_response
from api.routes.gate import FRAMING, GatedRoute, limit
from api.routes.keys import IMAGE_LIMIT, KEY_LIMIT, KeyDep, signature_upload
from api.routes.models import (
    PDF_RESPONSE,
    REFUSED,
    DocumentPublic,
    IssuedPublic,
    JobPublic,
    RecipientPublic,
    document_public,
    job_public,
)
from api.workflow import access, delivery, key_jobs, remote_signing
from api.workflow import documents as workflow
from api.workflow.users import allow

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])

Prefer = Annotated[
    str | None,
    Header(
        max_length=256,
        description="`respond-async` (RFC 7240): answer 202 at once with the job's URL in "
        "Location, instead of the outcome once done",
    ),
]
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": JobPublic,
        "description": "Prefer: respond-async: the job doing it, run by the process holding "
        "the key; poll its url (Location)",
        "headers": {
            "Location": {"description": "the job: /api/jobs/{id}", "schema": {"type": "string"}},
            "Preference-Applied": {"schema": {"type": "string", "enum": ["respond-async"]}},
        },
    }
}


def _respond_async(prefer: str | None) -> bool:
    """Whether the client prefers the job to the outcome (RFC 7240 §4.1)."""
    tokens = (t.split("=")[0].strip().lower() for t in (prefer or "").replace(";", ",").split(","))
    return "respond-async" in tokens


def _accepted(response: Response, job: JobPublic) -> JobPublic:
    response.status_code = 202
    response.headers["Location"] = job.url
    response.headers["Preference-Applied"] = "respond-async"
    return job


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


@router.get("/documents/{document_id:int}", response_model=DocumentPublic, responses=REFUSED)
def get_document(document_id: Id, actor: ActorDep, services: ServicesDep) -> DocumentPublic:
    return document_public(access.get_document(services, actor, document_id))


@router.get("/documents/{document_id:int}/file", response_class=Response, responses=PDF_RESPONSE)
def document_file(document_id: Id, actor: ActorDep, services: ServicesDep) -> Response:
    """The current file: the draft, the signed draft, the issued or the archived PDF."""
    document, pdf = access.document_file(services, actor, document_id)
    return pdf_response(document, pdf)


@router.post("/documents/{document_id:int}/send", response_model=DocumentPublic, responses=REFUSED)
def send(document_id: Id, actor: ActorDep, services: ServicesDep) -> DocumentPublic:
    """Trình ký: the clerk sends a draft to its signer, who may sign it from then on (it joins
    the signer's queue)."""
    return document_public(workflow.send_for_signature(services, actor, document_id))


@router.post(
    "/documents/{document_id:int}/sign",
    response_model=DocumentPublic | JobPublic,
    responses={200: {"model": DocumentPublic}, **ACCEPTED, **REFUSED},
)
@limit(KEY_LIMIT + IMAGE_LIMIT + FRAMING)
def sign(
    document_id: Id,
    actor: ActorDep,
    services: ServicesDep,
    settings: SettingsDep,
    key: KeyDep,
    response: Response,
    prefer: Prefer = None,
    image: Annotated[
        UploadFile | None,
        File(
            description="the signer's own signature image: a PNG with a transparent background "
            "and blue strokes (ND 30); default: the one registered to the signer, else a "
            "sample drawn from the name"
        ),
    ] = None,
) -> DocumentPublic | JobPublic:
    """The signer signs a draft of their body (ND 30 step 1), with their own registered
    certificate: a PKCS#12 uploaded with its passphrase, or a key on the configured token.
    With `Prefer: respond-async`, once the key opened and the checks passed: 202 and the job
    (`GET /api/jobs/{id}`), whose result is the signed document's id."""
    allow(actor, "ký văn bản", ("signer",))  # before the key is opened
    if key.p12 is not None and not services.key_upload():
        raise remote_signing.key_upload_off()  # the key stays with its holder (issue 14)
    signature = signature_upload(image)
    if _respond_async(prefer):
        with ExitStack() as opened:
            signer = opened.enter_context(key.opened(settings))
            job = key_jobs.start_signing(
                services, actor, document_id, signer, key=opened.pop_all(), signature=signature
            )
        return _accepted(response, job_public(job))
    with key.opened(settings) as signer:
        signed = workflow.sign(services, actor, document_id, signer, signature=signature)
        return document_public(signed)


@router.post(
    "/documents/{document_id:int}/issue",
    response_model=IssuedPublic | JobPublic,
    responses={200: {"model": IssuedPublic}, **ACCEPTED, **REFUSED},
)
@limit(KEY_LIMIT + FRAMING)
def issue(
    document_id: Id,
    actor: ActorDep,
    services: ServicesDep,
    settings: SettingsDep,
    key: KeyDep,
    response: Response,
    date: Annotated[dt.date | None, Form(description="ngày ban hành; default today")] = None,
    prefer: Prefer = None,
) -> IssuedPublic | JobPublic:
    """The văn thư issues a signed document (ND 30 step 2): the next số, the ngày, the
    organisation's signature; each recipient of its Nơi nhận gets a personal link. With
    `Prefer: respond-async`, once the key opened and the checks passed: 202 and the job
    (`GET /api/jobs/{id}`), whose result is the issued document's id and số ký hiệu."""
    allow(actor, "ban hành văn bản", ("van_thu",))  # before the key is opened
    if key.p12 is not None and not services.key_upload():
        raise remote_signing.seal_upload_off()  # the seal's key stays in the HSM (issue 14)
    if _respond_async(prefer):
        with ExitStack() as opened:
            organisation = opened.enter_context(key.opened(settings))
            job = key_jobs.start_issuing(
                services, actor, document_id, organisation, key=opened.pop_all(), day=date
            )
        return _accepted(response, job_public(job))
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


@router.post(
    "/documents/{document_id:int}/revoke", response_model=DocumentPublic, responses=REFUSED
)
def revoke(
    document_id: Id, body: Revocation, actor: ActorDep, services: ServicesDep
) -> DocumentPublic:
    """The văn thư revokes an issued document; the public page shows it, with the reason."""
    return document_public(workflow.revoke(services, actor, document_id, reason=body.reason))


@router.post(
    "/documents/{document_id:int}/replace", response_model=DocumentPublic, responses=REFUSED
)
def replace(
    document_id: Id, body: Replacement, actor: ActorDep, services: ServicesDep
) -> DocumentPublic:
    """The văn thư records which issued document replaces this one, and why."""
    done = workflow.replace(services, actor, document_id, by=body.by, reason=body.reason)
    return document_public(done)


@router.post(
    "/documents/{document_id:int}/archive", response_model=DocumentPublic, responses=REFUSED
)
def archive(document_id: Id, actor: ActorDep, services: ServicesDep) -> DocumentPublic:
    """The văn thư seals an issued document for the archive: a document timestamp over it and
    all its validation data (PAdES B-LTA), kept beside the issued file."""
    return document_public(workflow.archive(services, actor, document_id))


@router.get(
    "/documents/{document_id:int}/recipients",
    response_model=list[RecipientPublic],
    responses=REFUSED,
)
def recipients(document_id: Id, actor: ActorDep, services: ServicesDep) -> list[RecipientPublic]:
    """Who the document was sent to, and who has opened and acknowledged it."""
    return [_recipient(d) for d in delivery.deliveries(services, actor, document_id)]
