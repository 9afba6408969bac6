"""The signer's step with the key held elsewhere: use cases over the registry (issue 14).

- `prepare_signature`: the same checks as `workflow.sign` (the signer's own draft, sent for
  signature, their registered certificate), then the revision prepared without the key
  (signing/external.py) and kept as a `PreparedSignature` row: used once, before it expires.
- `finish_signature`: the value and certificate that came back, checked against what was
  prepared (the same certificate, a signature of those very attributes), timestamped, verified
  with `verify_pdf`, recorded as `workflow.sign` records; a refusal records nothing.
- `remote_sign`: the server asks the signer's remote signing service (signing/remote.py) for
  one or several drafts under one confirmation on the signer's phone; each draft is its own
  prepared signature with its own checks, and one failing leaves the others signed
  (`BatchResult` says which failed and why).
- `register_provider`: a signer's remote signing service, its client secret encrypted with the
  service's secret (AES-GCM), never shown again.

A signature finished by the signer's paired agent, or signed remotely, is remembered as their
way of signing (api/workflow/signing_way.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.registry.db import PreparedSignature as PreparedRow
from api.registry.db import RemoteJob, RemoteSigning, User
from api.workflow import access, drafts, signing_way, stale
from api.workflow import documents as workflow
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen.errors import ConfigError, Forbidden, HosoError, NotFound, StateError
from signing import external, remote


def key_upload_off() -> Forbidden:
    """The refusal of a key sent to a service that does not take keys (Settings.allow_key_upload),
    saying how to sign instead."""
    return Forbidden(
        "this service does not take signers' keys: sign with your remote signing service (POST "
        "/api/signatures/remote) or sign the prepared digest where your key is (POST "
        "/api/documents/{id}/signature/prepare, then /api/signatures/{id}/finish)",
        message_vi="Dịch vụ không nhận tệp khóa của người ký (khóa phải luôn do người ký nắm giữ): "
        "hãy ký bằng dịch vụ ký số từ xa đã đăng ký, hoặc ký bằng token USB trên máy của mình "
        "(chuẩn bị ký, ký mã băm, hoàn tất)",
        field="p12",
    )


def seal_upload_off() -> Forbidden:
    """The refusal of the organisation's key file sent to a service that does not take keys:
    the seal's key stays in the HSM or token the service reaches (PKCS#11)."""
    return Forbidden(
        "this service does not take the organisation's key file: issue with the seal's key on "
        "the service's token or HSM (PKCS#11: the token's label, the key's label and the PIN; "
        "method=token)",
        message_vi="Dịch vụ không nhận tệp khóa của cơ quan (khóa phải nằm trong token/HSM): hãy "
        "ban hành bằng khóa con dấu trên token hoặc HSM của máy chủ (PKCS#11: nhãn token, nhãn "
        "khóa và mã PIN)",
        field="p12",
    )


@dataclass(frozen=True)
class Prepared:
    """A prepared signature as the signer's side needs it."""

    id: str
    to_be_signed: bytes
    """SHA-256 of `signed_attributes`: what a CSC signHash or a token signs."""
    signed_attributes: bytes
    signature_algorithm: str
    expires_at: dt.datetime
    document_id: int


@dataclass(frozen=True)
class Failure:
    document_id: int
    code: str
    message: str
    message_vi: str


@dataclass(frozen=True)
class BatchResult:
    """What one confirmation signed, and which drafts failed and why."""

    signed: tuple[int, ...] = ()
    failed: tuple[Failure, ...] = field(default_factory=tuple)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- prepare and finish -------------------------------------------------------------------------


def prepare_signature(
    svc: Services,
    actor: Actor,
    document_id: int,
    *,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...] = (),
) -> Prepared:
    """Prepare the signer's signature of a draft for `certificate` (registered to them)."""
    stale.clear_expired(svc)
    document, image = workflow.signing_checks(svc, actor, document_id, certificate)
    draft = access.stored_file(svc, document)
    title, name = document.signer_title or "", document.signer_name or actor.name
    ready = external.prepare(
        draft,
        certificate,
        chain=chain,
        signature=image,
        placement=drafts.check_draft(draft, title=title, name=name),
        context=svc.context(),
    )
    stored = svc.drafts.put(ready.pdf)
    expires = now() + svc.prepared_ttl
    token = secrets.token_urlsafe(24)
    with svc.sessions.begin() as session:
        session.add(
            PreparedRow(
                id=token,
                document_id=document.id,
                user_id=actor.id,
                draft_sha256=document.sha256,
                prepared_sha256=stored,
                document_digest=ready.document_digest,
                region_start=ready.region[0],
                region_end=ready.region[1],
                signed_attributes=ready.signed_attributes,
                certificate=ready.certificate,
                chain=[base64.b64encode(c).decode() for c in ready.chain],
                expires_at=expires,
            )
        )
    return Prepared(
        token,
        ready.to_be_signed,
        ready.signed_attributes,
        ready.signature_algorithm(),
        expires,
        document.id,
    )


def _usable(session: Session, actor: Actor, prepared_id: str, *, lock: bool) -> PreparedRow:
    query = select(PreparedRow).where(PreparedRow.id == prepared_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or row.user_id != actor.id:
        raise NotFound(
            "no such prepared signature",
            message_vi="Không có chữ ký đã chuẩn bị này",
            field="prepared_id",
        )
    if row.used_at is not None:
        raise StateError(
            "this prepared signature was used already: prepare the document again",
            message_vi="Chữ ký đã chuẩn bị này đã được dùng; hãy chuẩn bị ký lại",
            field="prepared_id",
        )
    if row.expires_at <= now():
        raise StateError(
            "this prepared signature has expired: prepare the document again",
            message_vi="Chữ ký đã chuẩn bị đã hết hạn; hãy chuẩn bị ký lại",
            field="prepared_id",
        )
    return row


def finish_signature(
    svc: Services, actor: Actor, prepared_id: str, *, certificate: bytes, value: bytes
) -> int:
    """Embed the signature value; the signed draft is recorded only if everything holds.
    Returns the document's id."""
    allow(actor, "ký văn bản", ("signer",))
    with svc.sessions() as session:
        row = _usable(session, actor, prepared_id, lock=False)
        ready = external.PreparedSignature(
            pdf=svc.drafts.get(row.prepared_sha256),
            document_digest=row.document_digest,
            region=(row.region_start, row.region_end),
            signed_attributes=row.signed_attributes,
            certificate=row.certificate,
            chain=tuple(base64.b64decode(c) for c in row.chain),
        )
        document = access.acting_on(
            session,
            actor,
            row.document_id,
            action="ký văn bản",
            roles=("signer",),
            states=("draft",),
        )
        if document.sha256 != row.draft_sha256:
            raise StateError(
                "the draft changed after the signature was prepared",
                message_vi="Dự thảo đã thay đổi sau khi chuẩn bị ký; hãy chuẩn bị ký lại",
                field="prepared_id",
            )
    signed = external.finish(ready, certificate=certificate, value=value, tsa_url=svc.tsa_url)
    external.check_signed(signed, svc.trust_roots())

    def used(session: Session) -> None:
        again = _usable(session, actor, prepared_id, lock=True)  # once, even when racing
        again.used_at = now()

    workflow.record_signature(
        svc, actor, document, signed, certificate=x509.Certificate.load(certificate), then=used
    )
    if actor.agent is not None:
        signing_way.remember(svc, actor, "agent")
    return document.id


# --- remote signing services --------------------------------------------------------------------


def _cipher(secret: bytes) -> AESGCM:
    return AESGCM(hashlib.sha256(b"hoso remote signing client secret\0" + secret).digest())


def register_provider(
    session: Session,
    secret: bytes,
    login: str,
    *,
    url: str,
    client_id: str,
    client_secret: str,
    credential_id: str,
) -> None:
    """Register (or replace) the remote signing service of the signer `login`."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None or user.role != "signer":
        raise NotFound(
            f"no signer '{login}'", message_vi=f"Không có người ký '{login}'", field="login"
        )
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise HosoError(
            f"the signing service's URL must be https: {url}",
            message_vi=f"Địa chỉ dịch vụ ký số phải dùng https: {url}",
            field="url",
        )
    if not client_id or not client_secret or not credential_id:
        raise HosoError(
            "give the client id, its secret and the credential id",
            message_vi="Cần mã ứng dụng (client id), khóa bí mật và mã chứng thư (credential)",
            field="client_id",
        )
    nonce = secrets.token_bytes(12)
    sealed = nonce + _cipher(secret).encrypt(nonce, client_secret.encode(), login.encode())
    row = session.get(RemoteSigning, user.id) or RemoteSigning(user_id=user.id)
    row.kind, row.url, row.client_id = "csc", url.rstrip("/"), client_id
    row.client_secret, row.credential_id = sealed, credential_id
    session.add(row)


def provider_of(svc: Services, actor: Actor, *, poll: float = 1.0) -> remote.CSCProvider:
    """The registered remote signing service of `actor`."""
    with svc.sessions() as session:
        row = session.get(RemoteSigning, actor.id)
        if row is None:
            raise NotFound(
                f"{actor.login} has no remote signing service registered",
                message_vi="Chưa đăng ký dịch vụ ký số từ xa cho người ký này "
                "(hoso users remote-signing)",
                field="provider",
            )
        try:
            nonce, sealed = row.client_secret[:12], row.client_secret[12:]
            plain = _cipher(svc.link_secret).decrypt(nonce, sealed, actor.login.encode())
        except InvalidTag as exc:
            raise ConfigError(
                "the remote signing service's secret cannot be read with this service's secret",
                message_vi="Không đọc được khóa bí mật của dịch vụ ký số: hãy đăng ký lại",
                field="provider",
            ) from exc
        return remote.CSCProvider(
            row.url,
            row.client_id,
            plain.decode(),
            row.credential_id,
            confirm_timeout=svc.confirm_timeout,
            poll_interval=poll,
        )


def remote_sign(
    svc: Services,
    actor: Actor,
    document_ids: list[int],
    *,
    pin: str | None = None,
    otp: str | None = None,
    key: Callable[[remote.CSCProvider], remote.RemoteKey] = remote.CSCKey,
    poll: float = 1.0,
) -> BatchResult:
    """Sign drafts with the signer's remote signing service, under one confirmation."""
    allow(actor, "ký văn bản", ("signer",))
    if not document_ids:
        raise HosoError(
            "give the documents to sign", message_vi="Chọn văn bản để ký", field="document_ids"
        )
    provider = key(provider_of(svc, actor, poll=poll))
    credential = provider.credential()
    failed: list[Failure] = []
    ready: list[Prepared] = []
    for document_id in dict.fromkeys(document_ids):
        try:
            ready.append(
                prepare_signature(
                    svc,
                    actor,
                    document_id,
                    certificate=credential.certificate,
                    chain=credential.chain,
                )
            )
        except HosoError as exc:
            failed.append(_failure(document_id, exc))
    if not ready:
        return BatchResult((), tuple(failed))
    what = "; ".join(f"văn bản {p.document_id}" for p in ready)
    values = provider.sign(
        [p.signed_attributes for p in ready],
        description=f"hoso: ký {len(ready)} văn bản ({what})",
        pin=pin,
        otp=otp,
    )
    signed: list[int] = []
    certificate = credential.certificate.dump()
    for prepared, value in zip(ready, values, strict=True):
        try:
            signed.append(
                finish_signature(svc, actor, prepared.id, certificate=certificate, value=value)
            )
        except HosoError as exc:
            failed.append(_failure(prepared.document_id, exc))
    if signed:
        signing_way.remember(svc, actor, "remote")
    return BatchResult(tuple(signed), tuple(failed))


def _failure(document_id: int, exc: HosoError) -> Failure:
    return Failure(document_id, exc.code, exc.message, exc.message_vi)


# --- remote signing that the page waits for ------------------------------------------------------


def start_remote_sign(
    svc: Services,
    actor: Actor,
    document_ids: list[int],
    *,
    pin: str | None = None,
    otp: str | None = None,
    key: Callable[[remote.CSCProvider], remote.RemoteKey] = remote.CSCKey,
    poll: float = 1.0,
) -> str:
    """`remote_sign` in a thread of this worker, its state kept in the registry (`remote_job`
    answers it from any worker); returns the job's id at once."""
    allow(actor, "ký văn bản", ("signer",))
    provider_of(svc, actor)  # no provider: refused now, not in the thread
    job = secrets.token_urlsafe(18)
    with svc.sessions.begin() as session:
        session.add(RemoteJob(id=job, user_id=actor.id, document_ids=document_ids, result={}))

    def run() -> None:
        try:
            done = remote_sign(svc, actor, document_ids, pin=pin, otp=otp, key=key, poll=poll)
            state = "done"
            result: dict[str, Any] = {
                "signed": list(done.signed),
                "failed": [vars(f) for f in done.failed],
            }
        except HosoError as exc:
            state, result = "failed", {"code": exc.code, "message_vi": exc.message_vi}
        except Exception as exc:  # a bug must still end the wait on the page
            state, result = "failed", {"code": "internal", "message_vi": f"Lỗi: {exc}"}
        with svc.sessions.begin() as session:
            row = session.get(RemoteJob, job)
            assert row is not None
            row.state, row.result, row.finished_at = state, result, now()

    threading.Thread(target=run, name=f"remote-sign-{job[:6]}", daemon=True).start()
    return job


def remote_job(svc: Services, actor: Actor, job: str) -> RemoteJob:
    """The state of a remote signing of `actor`'s; one whose worker died is concluded."""
    stale.conclude_stale(svc, job)
    with svc.sessions() as session:
        row = session.get(RemoteJob, job)
        if row is None or row.user_id != actor.id:
            raise NotFound(
                "no such remote signing", message_vi="Không có lượt ký từ xa này", field="job"
            )
        return row


def has_provider(svc: Services, actor: Actor) -> bool:
    with svc.sessions() as session:
        return session.get(RemoteSigning, actor.id) is not None
