"""The chair signs without the server ever holding the key (issue 14), over HTTP against the
whole service: through a CSC test service (tests/csc_service.py, the key in SoftHSM2) with the
confirmation on the "phone" that the test gives, one draft then a batch under one confirmation;
and through prepare → sign where the key is → finish, as the signing agent on the chair's PC
does. Each is issued afterwards and TOTAL_PASSED offline. Refused with nothing recorded: an
expired prepared signature, a replayed value, another certificate, a value over another
digest, a refusal on the phone; a key sent to a service that takes no keys."""

from __future__ import annotations

import base64
import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pkcs11
import pytest
from asn1crypto import algos, pem, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pkcs11 import Mechanism, ObjectClass
from sqlalchemy import delete, func, select, update

from api.registry.db import AuditEntry, Document, RemoteJob, User
from api.registry.db import PreparedSignature as PreparedRow
from api.settings import Settings
from api.workflow import stale
from api.workflow.services import key_upload
from signing.verify import Indication, verify_pdf
from tests import csc_service, softhsm
from tests.api.service import (
    BODY,
    CHAIR_P12,
    SEAL_P12,
    Service,
    generated,
)
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow
YEARS = (
    2033,
    2034,
    2035,
    2037,
)  # this module's own dossiers (tests/api/service.py: years of its own),
# each with two drafts of the chair (the Kế hoạch and the Quyết định)
TOKEN = "TEST CSC HP"
SECRET = "csc-client-secret-test-only"
CHAIR = "Trần Minh Khôi"


@pytest.fixture(scope="module")
def csc(
    service: Service, setting: Setting, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[csc_service.CSCService]:
    """The chair's remote signing service, registered to him in the registry."""
    with csc_service.registered(
        service,
        setting,
        tmp_path_factory.mktemp("csc"),
        token=TOKEN,
        labels=[CHAIR_P12, "ubnd-hai-phong--pho-chu-tich"],
        client_id="hoso-hp",
        secret=SECRET,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def drafts(service: Service) -> list[int]:
    """The chair's drafts of this module's dossiers, each sent for signature by the clerk."""
    found: list[int] = []
    for year in YEARS:
        generated(service, year)
        with service.services.sessions() as session:
            found += session.scalars(
                select(Document.id)
                .where(Document.dossier == f"{year}/{BODY}", Document.signer_name == CHAIR)
                .order_by(Document.id)
            ).all()
    assert len(found) == 2 * len(YEARS), found
    with service.client("clerk") as clerk:
        for document_id in found:
            assert clerk.post(f"/api/documents/{document_id}/send").status_code == 200
    return found


def phone(csc: csc_service.CSCService, *, accept: bool) -> threading.Thread:
    def answer() -> None:
        waiting = csc.wait_pending(60)
        (csc.confirm if accept else csc.refuse)(waiting)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def status(service: Service, document_id: int) -> str:
    with service.client("signer") as signer:
        found: str = signer.get(f"/api/documents/{document_id}").json()["status"]
        return found


def signs(service: Service, document_id: int) -> int:
    with service.services.sessions() as session:
        count = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.document_id == document_id, AuditEntry.action == "sign")
        )
        return int(count or 0)


def issue_and_verify(service: Service, setting: Setting, document_id: int) -> None:
    path = f"/api/documents/{document_id}"
    key = service.key(SEAL_P12)
    with service.client("van_thu") as van_thu:
        year = van_thu.get(path).json()["dossier"].split("/")[0]
        r = van_thu.post(
            f"{path}/issue", files=key["files"], data={**key["data"], "date": f"{year}-12-01"}
        )
        assert r.status_code == 200, r.text
        pdf = van_thu.get(f"{path}/file").content
    report = verify_pdf(pdf, [setting.root], online=False)
    assert report.indication is Indication.TOTAL_PASSED, report.message
    assert report.signatures[0].signer == f"TEST {CHAIR}"


def test_a_decision_signed_on_the_phone_is_issued_and_passes_offline(
    service: Service, setting: Setting, csc: csc_service.CSCService, drafts: list[int]
) -> None:
    decision = drafts[0]
    before = len(csc.requests)
    answering = phone(csc, accept=True)
    with service.client("signer") as signer:
        r = signer.post("/api/signatures/remote", json={"document_ids": [decision]})
    answering.join(5)
    assert r.status_code == 200, r.text
    assert r.json() == {"signed": [decision], "failed": []}
    assert status(service, decision) == "signed"
    issue_and_verify(service, setting, decision)
    received = csc.requests[before:]
    assert [q.path for q in received].count("signatures/signHash") == 1
    for request in received:  # hashes and identifiers only: never a key or a file
        assert set(request.body) <= {
            "rememberMe",
            "credentialID",
            "certificates",
            "numSignatures",
            "hash",
            "description",
            "transactionID",
            "SAD",
            "hashAlgo",
            "signAlgo",
        }
        assert all(len(h) == 44 for h in request.body.get("hash", []))


def test_three_drafts_in_one_confirmation_and_one_failure_named(
    service: Service, setting: Setting, csc: csc_service.CSCService, drafts: list[int]
) -> None:
    batch, unsent = drafts[1:4], drafts[0]  # drafts[0] is signed already: it fails alone
    before = len(csc.requests)
    answering = phone(csc, accept=True)
    with service.client("signer") as signer:
        r = signer.post("/api/signatures/remote", json={"document_ids": [*batch, unsent]})
    answering.join(5)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["signed"]) == sorted(batch)
    [failure] = r.json()["failed"]
    assert failure["document_id"] == unsent and failure["code"] == "state_error"
    assert failure["message_vi"]
    hashes = [q for q in csc.requests[before:] if q.path == "signatures/signHash"]
    assert len(hashes) == 1 and len(hashes[0].body["hash"]) == 3
    assert [q.path for q in csc.requests[before:]].count("credentials/authorize") == 1
    issue_and_verify(service, setting, batch[0])


def test_a_refusal_on_the_phone_signs_nothing(
    service: Service, csc: csc_service.CSCService, drafts: list[int]
) -> None:
    document_id = drafts[4]
    answering = phone(csc, accept=False)
    with service.client("signer") as signer:
        r = signer.post("/api/signatures/remote", json={"document_ids": [document_id]})
    answering.join(5)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "signature_refused"
    assert r.json()["message_vi"] == "Người ký đã từ chối ký trên ứng dụng ký số"
    assert status(service, document_id) == "draft" and signs(service, document_id) == 0
    answering = phone(csc, accept=True)  # asked again, he confirms: nothing is left waiting
    with service.client("signer") as signer:
        r = signer.post("/api/signatures/remote", json={"document_ids": [document_id]})
    answering.join(5)
    assert r.json()["signed"] == [document_id], r.text


def test_the_api_answers_at_once_and_the_job_is_polled(
    service: Service, csc: csc_service.CSCService, drafts: list[int]
) -> None:
    document_id = drafts[6]
    with service.client("signer") as signer:
        r = signer.post("/api/signatures/remote/jobs", json={"document_ids": [document_id]})
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["state"] == "pending"
        csc.confirm(csc.wait_pending(60))
        for _ in range(120):
            job = signer.get(f"/api/signatures/remote/jobs/{job['job_id']}").json()
            if job["state"] != "pending":
                break
            time.sleep(0.5)
    assert job["state"] == "done" and job["signed"] == [document_id], job
    assert status(service, document_id) == "signed"


def test_the_signing_page_waits_for_the_phone_then_says_what_was_signed(
    service: Service, csc: csc_service.CSCService, drafts: list[int]
) -> None:
    from tests.api.test_ui_office_pages import Browser, text

    document_id = drafts[7]
    with Browser(service, "signer") as browser:
        page = browser.get("/ky-so")
        assert "Ký từ xa (xác nhận trên điện thoại)" in text(page) and "Ký tất cả từ xa" in text(
            page
        )
        r = browser.post(
            "/ky-so/tu-xa", data={"document_ids": str(document_id)}, follow_redirects=False
        )
        assert r.status_code == 303, r.text
        wait = r.headers["location"]
        pending = browser.get(wait)
        assert "Xác nhận trên ứng dụng ký số của bạn" in text(pending)
        # It asks again in the background (static/wait.js), never reloads itself blindly: a
        # meta refresh moves a screen reader's focus every two seconds (axe: meta-refresh).
        assert 'data-wait="2"' in pending.text and "/static/wait.js" in pending.text
        assert 'http-equiv="refresh"' not in pending.text
        csc.confirm(csc.wait_pending(60))
        for _ in range(120):
            done = browser.get(wait)
            if "Xác nhận trên ứng dụng" not in text(done):
                break
            time.sleep(0.5)
    assert "Đã ký 1 văn bản" in text(done) and "data-wait" not in done.text
    assert status(service, document_id) == "signed"
    # Signed remotely, the chair's page opens on that way next time.
    with Browser(service, "signer") as browser:
        assert (
            '<input type="radio" name="way" value="remote" checked>' in browser.get("/ky-so").text
        )


# ---- the key on the chair's PC: prepare, sign there, finish ----------------------------------


def certificate_b64(setting: Setting, label: str) -> str:
    path = setting.folder / "certs" / f"{label}.cert.pem"
    return base64.b64encode(pem.unarmor(path.read_bytes())[2]).decode()


def token_sign(label: str, to_be_signed: str) -> str:
    """What the chair's PC does: the hash signed on the token (SoftHSM2) with its PIN there."""
    digest = base64.b64decode(to_be_signed)
    info = algos.DigestInfo({"digest_algorithm": {"algorithm": "sha256"}, "digest": digest})
    lib = pkcs11.lib(str(softhsm.MODULE))
    with lib.get_token(token_label=TOKEN).open(user_pin=softhsm.USER_PIN) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
        value = key.sign(info.dump(), mechanism=Mechanism.RSA_PKCS)  # type: ignore[attr-defined]
    return base64.b64encode(value).decode()


def prepare(service: Service, setting: Setting, document_id: int) -> dict[str, Any]:
    with service.client("signer") as signer:
        r = signer.post(
            f"/api/documents/{document_id}/signature/prepare",
            json={
                "certificate": certificate_b64(setting, CHAIR_P12),
                "chain": [certificate_b64(setting, softhsm.CA_LABEL)],  # as the token has it
            },
        )
    assert r.status_code == 201, r.text
    prepared: dict[str, Any] = r.json()
    return prepared


def finish(service: Service, prepared_id: str, certificate: str, value: str) -> Any:
    with service.client("signer") as signer:
        return signer.post(
            f"/api/signatures/{prepared_id}/finish",
            json={"certificate": certificate, "signature_value": value},
        )


def test_expired_prepared_signatures_and_their_files_are_removed(
    service: Service, setting: Setting, drafts: list[int]
) -> None:
    document_id = drafts[5]  # still a draft: the next test signs it
    old = prepare(service, setting, document_id)
    with service.services.sessions.begin() as session:
        row = session.get(PreparedRow, old["prepared_id"])
        assert row is not None
        stored = row.prepared_sha256
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert service.services.drafts.exists(stored)

    fresh = prepare(service, setting, document_id)  # each prepare clears what expired
    with service.services.sessions() as session:
        assert session.get(PreparedRow, old["prepared_id"]) is None
        assert session.get(PreparedRow, fresh["prepared_id"]) is not None
        kept = session.scalars(select(PreparedRow.prepared_sha256)).all()
    assert not service.services.drafts.exists(stored) and stored not in kept
    r = finish(
        service,
        old["prepared_id"],
        certificate_b64(setting, CHAIR_P12),
        base64.b64encode(b"\0" * 256).decode(),
    )
    assert r.status_code == 404 and r.json()["field"] == "prepared_id", r.text
    assert status(service, document_id) == "draft"


def test_prepare_sign_on_the_token_finish_and_each_refusal(
    service: Service, setting: Setting, csc: csc_service.CSCService, drafts: list[int]
) -> None:
    document_id = drafts[5]
    chair = certificate_b64(setting, CHAIR_P12)
    deputy = certificate_b64(setting, "ubnd-hai-phong--pho-chu-tich")

    expired = prepare(service, setting, document_id)
    with service.services.sessions.begin() as session:
        session.execute(
            update(PreparedRow)
            .where(PreparedRow.id == expired["prepared_id"])
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    r = finish(
        service, expired["prepared_id"], chair, token_sign(CHAIR_P12, expired["to_be_signed"])
    )
    assert r.status_code == 409 and "hết hạn" in r.json()["message_vi"], r.text

    ready = prepare(service, setting, document_id)
    value = token_sign(CHAIR_P12, ready["to_be_signed"])
    other = prepare(service, setting, document_id)
    r = finish(service, ready["prepared_id"], deputy, value)  # another certificate
    assert r.status_code == 400 and r.json()["code"] == "certificate_rejected", r.text
    elsewhere = token_sign(CHAIR_P12, other["to_be_signed"])  # a value over another digest
    r = finish(service, ready["prepared_id"], chair, elsewhere)
    assert r.status_code == 400 and r.json()["field"] == "signature", r.text
    assert status(service, document_id) == "draft" and signs(service, document_id) == 0

    r = finish(service, ready["prepared_id"], chair, value)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "signed"
    r = finish(service, ready["prepared_id"], chair, value)  # the same value again: a replay
    assert r.status_code == 409 and "đã được dùng" in r.json()["message_vi"], r.text
    assert signs(service, document_id) == 1
    issue_and_verify(service, setting, document_id)


# ---- key upload --------------------------------------------------------------------------------


def test_a_remote_job_whose_worker_died_fails_after_its_timeout(service: Service) -> None:
    from tests.api.test_ui_office_pages import Browser, text

    services = service.services
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=services.confirm_timeout)
    with services.sessions.begin() as session:
        chair = session.scalars(select(User.id).where(User.login == "chutich.haiphong")).one()
        for job, at in (("worker-died-1", started - stale.JOB_GRACE), ("still-waiting", started)):
            session.add(RemoteJob(id=job, user_id=chair, document_ids=[1], created_at=at))
    with service.client("signer") as signer:
        lost = signer.get("/api/signatures/remote/jobs/worker-died-1").json()
        waiting = signer.get("/api/signatures/remote/jobs/still-waiting").json()
    assert lost["state"] == "failed" and lost["code"] == "remote_job_lost"
    assert lost["message_vi"].startswith("Không nhận được kết quả ký từ xa")
    assert waiting["state"] == "pending"  # within its time: the page keeps waiting
    with Browser(service, "signer") as browser:
        page = browser.get("/ky-so/tu-xa/worker-died-1")
    assert "Không nhận được kết quả ký từ xa" in text(page)
    assert 'http-equiv="refresh"' not in page.text  # the page waits no longer
    with services.sessions.begin() as session:  # other modules' signers see no stray job
        session.execute(
            delete(RemoteJob).where(RemoteJob.id.in_(["worker-died-1", "still-waiting"]))
        )


def test_a_key_sent_to_a_service_that_takes_none_is_refused(
    service: Service, drafts: list[int]
) -> None:
    document_id = drafts[-1]
    before = status(service, document_id)
    services = service.services
    kept = services.key_upload
    services.key_upload = lambda: False
    try:
        key = service.key(CHAIR_P12)
        with service.client("signer") as signer:
            r = signer.post(f"/api/documents/{document_id}/sign", **key)
    finally:
        services.key_upload = kept
    assert r.status_code == 403, r.text
    assert r.json()["field"] == "p12"
    assert "dịch vụ ký số từ xa" in r.json()["message_vi"]
    assert status(service, document_id) == before


def test_the_signing_page_says_how_to_sign_when_keys_are_not_taken(
    service: Service, drafts: list[int]
) -> None:
    from tests.api.test_ui_office_pages import Browser, p12, text

    document_id = drafts[-1]
    before = status(service, document_id)
    services = service.services
    kept = services.key_upload
    services.key_upload = lambda: False
    try:
        with Browser(service, "signer") as browser:
            page = browser.get("/ky-so")
            assert page.status_code == 200
            assert "Dịch vụ không nhận tệp khóa của người ký" in text(page)
            assert 'value="p12"' not in page.text  # no way to choose a key file
            r = browser.post(f"/ky-so/{document_id}", **p12(service, CHAIR_P12))
    finally:
        services.key_upload = kept
    assert r.status_code == 403
    assert "hãy ký bằng dịch vụ ký số từ xa đã đăng ký" in text(r)
    assert status(service, document_id) == before


def test_the_seal_key_file_is_refused_for_issuing_when_keys_are_not_taken(
    service: Service, drafts: list[int]
) -> None:
    from tests.api.test_ui_office_pages import Browser, p12, text

    document_id = drafts[-1]
    before = status(service, document_id)
    services = service.services
    kept = services.key_upload
    services.key_upload = lambda: False
    try:
        key = service.key(SEAL_P12)
        with service.client("van_thu") as van_thu:
            r = van_thu.post(f"/api/documents/{document_id}/issue", **key)
        with Browser(service, "van_thu") as browser:
            page = browser.get("/phat-hanh")
            assert page.status_code == 200
            assert "Dịch vụ không nhận tệp khóa của cơ quan" in text(page)
            assert 'value="p12"' not in page.text  # no way to choose a key file
            shown = browser.post(f"/phat-hanh/{document_id}", **p12(service, SEAL_P12))
    finally:
        services.key_upload = kept
    assert r.status_code == 403, r.text
    assert r.json()["field"] == "p12"
    assert "khóa con dấu trên token hoặc HSM của máy chủ (PKCS#11" in r.json()["message_vi"]
    assert shown.status_code == 403
    assert "hãy ban hành bằng khóa con dấu trên token hoặc HSM" in text(shown)
    assert status(service, document_id) == before


def test_key_upload_is_on_only_with_the_development_pki(setting: Setting, tmp_path: Any) -> None:
    class Roots:
        def __init__(self, found: list[Any]) -> None:
            self.found = found

        def get(self) -> list[Any]:
            return self.found

    settings = Settings(data_dir=tmp_path)
    assert key_upload(settings, Roots([setting.root])) is True  # type: ignore[arg-type]
    assert key_upload(settings, Roots([real_root()])) is False  # type: ignore[arg-type]
    forced = Settings(data_dir=tmp_path, allow_key_upload=False)
    assert key_upload(forced, Roots([setting.root])) is False  # type: ignore[arg-type]


def real_root() -> x509.Certificate:
    """A root not of the development PKI (no "TEST " in its name), as a real CA's is."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Root CA of a real kind")])
    now = dt.datetime.now(dt.UTC)
    made = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return x509.Certificate.load(made.public_bytes(serialization.Encoding.DER))
