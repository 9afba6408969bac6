"""JSON endpoints of signing with the key held elsewhere (api/workflow/remote_signing.py): prepare a
draft's signature and finish it with the value the signer's token or service made, or let the
server ask the signer's remote signing service for one or several drafts at once.

Binary values travel as base64 (standard alphabet); certificates as base64 DER or PEM.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from asn1crypto import pem, x509
from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.routes.deps import ActorDep, AgentActorDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import DocumentPublic, ErrorPublic, document_public
from api.workflow import access, remote_signing
from api.workflow import documents as workflow
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["remote signing"])

MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="the document's id")]
PreparedId = Annotated[str, Path(min_length=8, max_length=64, description="the prepared id")]
B64 = Annotated[str, Field(max_length=64 * 1024)]
REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "an input that cannot be used"},
    401: {"model": ErrorPublic, "description": "no valid token"},
    403: {"model": ErrorPublic, "description": "the user's role or body does not allow it"},
    404: {"model": ErrorPublic, "description": "no such thing the user may see"},
    409: {"model": ErrorPublic, "description": "used, expired, or the draft changed"},
    422: {"model": ErrorPublic, "description": "invalid input, each problem located"},
}


class PrepareIn(BaseModel):
    certificate: B64 = Field(description="the signer's certificate (base64 DER or PEM)")
    chain: list[B64] = Field(default_factory=list, max_length=8, description="CA certificates")


class PreparedOut(BaseModel):
    prepared_id: str
    document_id: int
    to_be_signed: str = Field(description="base64 SHA-256 the key signs (CSC signHash)")
    signed_attributes: str = Field(description="base64 DER of the CMS signed attributes")
    hash_algorithm: str = "2.16.840.1.101.3.4.2.1"
    signature_algorithm: str
    expires_at: dt.datetime


class FinishIn(BaseModel):
    certificate: B64 = Field(description="the certificate of the key that signed")
    signature_value: B64 = Field(description="base64 signature value over to_be_signed")


class RemoteIn(BaseModel):
    document_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=20)
    pin: str | None = Field(default=None, max_length=64, json_schema_extra={"format": "password"})
    otp: str | None = Field(default=None, max_length=64, json_schema_extra={"format": "password"})


class FailureOut(BaseModel):
    document_id: int
    code: str
    message: str
    message_vi: str


class BatchOut(BaseModel):
    signed: list[int]
    failed: list[FailureOut]


def _bytes(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HosoError(
            f"{field} is not base64", message_vi=f"{field} không phải dạng base64", field=field
        ) from exc


def _certificate(text: str, field: str = "certificate") -> x509.Certificate:
    raw = text.encode()
    try:
        der = pem.unarmor(raw)[2] if pem.detect(raw) else _bytes(text, field)
        found = x509.Certificate.load(der)
        found.native  # noqa: B018  (parses it all now)
    except (ValueError, TypeError) as exc:
        raise HosoError(
            f"{field} is not an X.509 certificate",
            message_vi=f"{field} không phải chứng thư số X.509",
            field=field,
        ) from exc
    return found


@router.post(
    "/documents/{document_id:int}/signature/prepare",
    response_model=PreparedOut,
    status_code=201,
    responses=REFUSED,
    summary="Prepare a signature for a key held elsewhere",
)
def prepare(document_id: Id, body: PrepareIn, actor: AgentActorDep, services: ServicesDep) -> Any:
    """Chuẩn bị ký: the draft's signature prepared for the signer's registered certificate;
    the hash to sign comes back, valid for a few minutes and once."""
    made = remote_signing.prepare_signature(
        services,
        actor,
        document_id,
        certificate=_certificate(body.certificate),
        chain=tuple(_certificate(c, "chain") for c in body.chain),
    )
    return PreparedOut(
        prepared_id=made.id,
        document_id=made.document_id,
        to_be_signed=base64.b64encode(made.to_be_signed).decode(),
        signed_attributes=base64.b64encode(made.signed_attributes).decode(),
        signature_algorithm=made.signature_algorithm,
        expires_at=made.expires_at,
    )


@router.post(
    "/signatures/{prepared_id}/finish",
    response_model=DocumentPublic,
    responses=REFUSED,
    summary="Finish a prepared signature with its value",
)
def finish(
    prepared_id: PreparedId, body: FinishIn, actor: AgentActorDep, services: ServicesDep
) -> DocumentPublic:
    """Hoàn tất ký: the signature value and the certificate; the signed draft is recorded."""
    certificate = _certificate(body.certificate)
    document_id = remote_signing.finish_signature(
        services,
        actor,
        prepared_id,
        certificate=certificate.dump(),
        value=_bytes(body.signature_value, "signature_value"),
    )
    return document_public(access.get_document(services, actor, document_id))


@router.post(
    "/signatures/remote",
    response_model=BatchOut,
    responses=REFUSED,
    summary="Sign drafts with the signer's remote signing service, one confirmation",
)
def remote(body: RemoteIn, actor: ActorDep, services: ServicesDep) -> BatchOut:
    """Ký từ xa: the server asks the signer's remote signing service to sign the drafts; the
    signer confirms once on their phone. Each draft is signed or listed as failed, with why."""
    done = remote_signing.remote_sign(
        services, actor, body.document_ids, pin=body.pin, otp=body.otp
    )
    return BatchOut(
        signed=list(done.signed),
        failed=[FailureOut(**vars(f)) for f in done.failed],
    )


@router.get(
    "/signatures/waiting",
    response_model=list[DocumentPublic],
    responses=REFUSED,
    summary="The drafts waiting for this signer",
)
def waiting(actor: AgentActorDep, services: ServicesDep) -> list[DocumentPublic]:
    """Văn bản chờ ký: the drafts sent to this signer (what `hoso agent` fetches)."""
    return [document_public(d) for d in workflow.signing_queue(services, actor)]


class JobOut(BaseModel):
    job_id: str
    state: str = Field(description="pending (waiting for the phone), done or failed")
    signed: list[int] = Field(default_factory=list)
    failed: list[FailureOut] = Field(default_factory=list)
    code: str | None = None
    message_vi: str | None = None


def job_out(job: Any) -> JobOut:
    result = job.result or {}
    return JobOut(
        job_id=job.id,
        state=job.state,
        signed=list(result.get("signed", [])),
        failed=[FailureOut(**f) for f in result.get("failed", [])],
        code=result.get("code"),
        message_vi=result.get("message_vi"),
    )


@router.post(
    "/signatures/remote/jobs",
    response_model=JobOut,
    status_code=202,
    responses=REFUSED,
    summary="Start a remote signing and poll it",
)
def start_job(body: RemoteIn, actor: ActorDep, services: ServicesDep) -> JobOut:
    """Ký từ xa, không chờ: answers at once; GET the job until it is no longer pending (the
    signer confirms on their phone meanwhile)."""
    job = remote_signing.start_remote_sign(
        services, actor, body.document_ids, pin=body.pin, otp=body.otp
    )
    return job_out(remote_signing.remote_job(services, actor, job))


@router.get(
    "/signatures/remote/jobs/{job_id}",
    response_model=JobOut,
    responses=REFUSED,
    summary="The state of a remote signing",
)
def get_job(
    job_id: Annotated[str, Path(min_length=8, max_length=64)],
    actor: ActorDep,
    services: ServicesDep,
) -> JobOut:
    return job_out(remote_signing.remote_job(services, actor, job_id))
