"""What the API sends back, as pydantic models, so that its OpenAPI schema says exactly what a
client receives. The domain objects (`signing.verify.Report`, `api.registry.lookup.RegistryRecord`)
stay
dataclasses; these are their public forms (`…Public`), and `ErrorPublic` is every refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.registry.db import Document
from api.registry.lookup import RegistryRecord, status_text, status_vi
from api.workflow.jobs import JobView
from api.workflow.verification import Verification
from docgen import vn
from signing.verify import Indication


class ErrorPublic(BaseModel):
    """A refusal: stable code, English and Vietnamese message, the field at fault."""

    code: str = Field(examples=["upload_too_large"])
    message: str = Field(examples=["file: the file is larger than the limit of 20 MiB"])
    message_vi: str = Field(examples=["Tệp tải lên vượt quá giới hạn 20 MiB"])
    field: str = Field(examples=["file"], description="the input at fault; '' for none")
    request_id: str = Field(
        default="",
        examples=["3f2b9c4e8d7a41f0b6c5e2d1a0f9e8d7"],
        description="the request's id, also in the X-Request-ID header and the server's log",
    )


class SignaturePublic(BaseModel):
    """One signature or document timestamp of the file."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="the signature field's name, e.g. chu_ky, con_dau")
    kind: Literal["signature", "document timestamp"]
    signer: str | None = Field(description="common name of the signer's certificate")
    organisation: str | None
    signing_time: dt.datetime | None = Field(description="the time the signer claims")
    timestamp_time: dt.datetime | None = Field(description="the RFC 3161 timestamp's time")
    intact: bool = Field(description="the signed bytes are unchanged")
    valid: bool = Field(description="the signature value matches them")
    trusted: bool = Field(description="the certificate chains to a trusted root")
    revocation: Literal["good", "revoked", "unknown", "not checked"]
    coverage: str = Field(
        description="ENTIRE_FILE, ENTIRE_REVISION, CONTIGUOUS_BLOCK_FROM_START or UNCLEAR"
    )
    modification: str = Field(
        description="what changed after it: NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS, OTHER"
    )
    certifying: bool
    docmdp_ok: bool | None
    indication: Indication
    sub_indication: str | None
    message: str = Field(description="why, in English ('valid' when it passed)")
    message_vi: str = Field(
        description="why, in Vietnamese, for the reader",
        examples=["chứng thư số của người ký đã hết hạn ngày 20/11/2024"],
    )
    timestamp_authority: str | None = Field(
        description="who made the timestamp: common name (organisation) of its certificate"
    )


class RegistryRecordPublic(BaseModel):
    """The registered issued document the uploaded file is, bit for bit."""

    code: str = Field(description="verification code, as under the QR code")
    url: str = Field(description="its public verification page")
    number: str = Field(description="số ký hiệu", examples=["06/QĐ-UBND"])
    date: dt.date = Field(description="ngày ban hành")
    subject: str = Field(description="trích yếu")
    issuing_body: str
    status: Literal["in force", "revoked", "replaced"]
    status_text: str = Field(examples=["replaced by 07/QĐ-UBND"])
    status_vi: str = Field(examples=["Đã được thay thế bởi 07/QĐ-UBND"])
    replaced_by: str | None = Field(description="số ký hiệu of the replacing document")
    reason: str | None

    @classmethod
    def of(cls, record: RegistryRecord, *, url: str) -> RegistryRecordPublic:
        return cls(
            code=record.code,
            url=url,
            number=record.number,
            date=record.date,
            subject=record.subject,
            issuing_body=record.issuing_body,
            status=record.status,
            status_text=status_text(record),
            status_vi=status_vi(record),
            replaced_by=record.replaced_by,
            reason=record.reason,
        )


class VerificationPublic(BaseModel):
    """The verification report (ETSI EN 319 102-1 style) and the registry's match."""

    sha256: str = Field(description="SHA-256 of the uploaded file, lowercase hex")
    signatures: list[SignaturePublic]
    indication: Indication
    sub_indication: str | None
    message: str = Field(description="the verdict's reason in English")
    message_vi: str = Field(
        description="the verdict's reason in Vietnamese", examples=["mọi chữ ký số đều hợp lệ"]
    )
    passed: bool = Field(description="indication is TOTAL_PASSED")
    level: str | None = Field(
        description="PAdES baseline level of the file's structure (B-B, B-T, B-LT, B-LTA); "
        "null without a signature"
    )
    registry: RegistryRecordPublic | None = Field(
        description="the registered issued document this file is bit-identical to, or null"
    )

    @classmethod
    def of(cls, verification: Verification, *, url: Callable[[str], str]) -> VerificationPublic:
        """From the use case's result; `url(code)` is a document's public page."""
        found = verification.registered
        return cls.model_validate(
            {
                **verification.report.as_data(),
                "registry": None
                if found is None
                else RegistryRecordPublic.of(found, url=url(found.code)),
            }
        )


class VerifiedFilePublic(VerificationPublic):
    """One file of a bulk verification: its name as sent, and POST /api/verify's report."""

    file: str = Field(description="the file's name as it was sent")

    @classmethod
    def of_data(cls, data: dict[str, Any]) -> VerifiedFilePublic:
        """From the job's stored result (api/workflow/bulk_verify.py)."""
        found = data.get("registry")
        registry = None
        if found is not None:
            fields = {k: v for k, v in found.items() if k != "url"}
            fields["date"] = dt.date.fromisoformat(fields["date"])
            registry = RegistryRecordPublic.of(RegistryRecord(**fields), url=found["url"])
        return cls.model_validate({**data, "registry": registry})


# --- the workflow ---------------------------------------------------------------------------------


class UserPublic(BaseModel):
    """The user a token belongs to."""

    login: str
    name: str
    role: str
    role_vi: str
    issuing_body: str | None


class AssessmentPublic(BaseModel):
    """An imported assessment; `result` once scored (docgen.report's form)."""

    id: int
    unit: str
    year: int
    scored: bool
    total: float | None = Field(description="final points, once scored")
    recognised: bool | None = Field(description="whether the unit qualifies, once scored")
    result: dict[str, object] | None = None


class DocumentPublic(BaseModel):
    """A document of a dossier, from draft to issued record."""

    id: int
    dossier: str | None = Field(examples=["2026/ubnd-hai-phong"])
    kind: str | None = Field(examples=["quyet-dinh"])
    title: str | None = Field(examples=["Quyết định công nhận"])
    issuing_body: str
    type_code: str = Field(examples=["QĐ"])
    reference: str | None = Field(examples=["06/QĐ-UBND"], description="số ký hiệu once issued")
    issued_on: dt.date | None
    subject: str
    status: str = Field(examples=["draft", "signed", "issued", "archived", "revoked", "replaced"])
    verification_code: str
    sha256: str | None = Field(description="SHA-256 of the current file")
    page_count: int | None
    signer_info: str | None
    reason: str | None = Field(description="why it was revoked or replaced")
    replaced_by: int | None
    file: str = Field(description="where to download the current file")


class RecipientPublic(BaseModel):
    """One recipient (nơi nhận) of an issued document and what they did with their link."""

    name: str
    line: str
    link: str = Field(description="the personal link; it opens this document only")
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None = Field(default=None, description="the name typed on receipt")
    acknowledged_position: str | None = Field(
        default=None, description="the position (chức vụ) typed on receipt"
    )


class IssuedPublic(BaseModel):
    """What issuing gave: the số ký hiệu, the ngày and the recipients' links."""

    document: DocumentPublic
    number: int
    reference: str = Field(examples=["06/QĐ-UBND"])
    issued_on: dt.date
    recipients: list[RecipientPublic]


class LinkPublic(BaseModel):
    """What a recipient's personal link shows: their document, and when they opened and
    acknowledged it."""

    recipient: str
    reference: str | None
    issued_on: dt.date | None
    subject: str
    issuing_body: str
    status: str
    verification_code: str
    verify_page: str
    file: str
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None = Field(default=None, description="the name typed on receipt")
    acknowledged_position: str | None = Field(
        default=None, description="the position (chức vụ) typed on receipt"
    )


REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "an input that cannot be used"},
    401: {"model": ErrorPublic, "description": "no valid token"},
    403: {"model": ErrorPublic, "description": "the user's role or body does not allow it"},
    404: {"model": ErrorPublic, "description": "no such thing the user may see"},
    409: {"model": ErrorPublic, "description": "the document's state does not allow it"},
    413: {"model": ErrorPublic, "description": "an uploaded file larger than its limit"},
    422: {"model": ErrorPublic, "description": "invalid input, each problem located"},
}

PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the PDF"},
    **REFUSED,
}


def document_public(document: Document) -> DocumentPublic:
    reference = (
        f"{vn.code_number(document.number)}/{document.notation}"
        if document.number is not None
        else None
    )
    return DocumentPublic(
        id=document.id,
        dossier=document.dossier,
        kind=document.kind,
        title=document.title,
        issuing_body=document.issuing_body_id,
        type_code=document.type_code,
        reference=reference,
        issued_on=document.issued_on,
        subject=document.subject,
        status=document.status,
        verification_code=document.verification_code,
        sha256=document.archived_sha256 or document.sha256,
        page_count=document.page_count,
        signer_info=document.signer_info,
        reason=document.reason,
        replaced_by=document.replaced_by_id,
        file=f"/api/documents/{document.id}/file",
    )


class JobErrorPublic(BaseModel):
    """Why a job failed: the refusal it ended with."""

    code: str = Field(examples=["conflict"])
    message: str
    message_vi: str
    field: str


class JobFailurePublic(BaseModel):
    """One document a job left as it was, and why."""

    id: int
    message: str
    message_vi: str


class JobPublic(BaseModel):
    """A piece of long work (việc chạy nền): poll `url` until `state` is done or failed."""

    id: int
    kind: Literal["generate", "archive_seal", "archive_renew", "sign", "issue", "verify"] = Field(
        description="generate: a dossier's documents; archive_seal: sealing a body's issued "
        "documents of a year for the archive; archive_renew: renewing archived timestamps; "
        "sign, issue: a document, in the web process holding the key; verify: a batch of files"
    )
    state: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="steps done (documents made); sign, issue: the step running")
    total: int = Field(description="steps in all; 0 before they are known")
    progress: str = Field(examples=["7/19"], description="done/total; '' before it is known")
    progress_vi: str = Field(
        examples=["Đang tạo văn bản 7/19", "Đang ký số: ký số và lấy dấu thời gian (2/3)"]
    )
    url: str = Field(examples=["/api/jobs/12"])
    result: str | None = Field(
        default=None,
        examples=["/api/documents?dossier=2026/ubnd-hai-phong", "/api/documents/42"],
        description="where the outcome is, once done",
    )
    documents: list[int] = Field(
        default_factory=list, description="the documents made, signed, issued, sealed or renewed"
    )
    failed: list[JobFailurePublic] = Field(
        default_factory=list, description="documents the job could not seal or renew, and why"
    )
    files: list[VerifiedFilePublic] = Field(
        default_factory=list,
        description="a verification's verdict on each file, in the order sent, once done",
    )
    error: JobErrorPublic | None = None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class BatchJobPublic(JobPublic):
    """A bulk verification just queued: poll `url` with the header X-Job-Token: `token`."""

    token: str = Field(
        description="the job's token, shown once: only who holds it reads the job; send it "
        "again (X-Job-Token) with the same files to get this job back while it runs"
    )


def job_public(job: JobView) -> JobPublic:
    """`job` as the API sends it."""
    dossier = job.result.get("dossier")
    made = job.result.get("documents") or (
        [job.result["document"]] if "document" in job.result else []
    )
    result = None
    if job.state == "done":
        if dossier:
            result = f"/api/documents?dossier={dossier}"
        elif made:
            result = f"/api/documents/{made[0]}"
    return JobPublic(
        id=job.id,
        kind=job.kind,
        state=job.state,
        done=job.done,
        total=job.total,
        progress=job.progress,
        progress_vi=job.progress_vi,
        url=f"/api/jobs/{job.id}",
        result=result,
        documents=list(made),
        failed=[JobFailurePublic(**f) for f in job.result.get("failed", [])],
        files=[VerifiedFilePublic.of_data(f) for f in job.result.get("files", [])],
        error=JobErrorPublic(**job.error) if job.error else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
