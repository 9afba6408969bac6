"""Remote signing through a CSC API v1.0.4.0 service (tests/csc_service.py, keys in SoftHSM2):
the chair's draft prepared without the key, the hash signed after the confirmation on the
"phone" that the test gives, finished, issued and TOTAL_PASSED offline; three drafts under one
confirmation and one signHash; a refusal on the phone, no confirmation in time and a wrong PIN,
each with its own error; and nothing the service received carries a key."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator

import pytest

from docgen.errors import ConfirmationTimeout, KeyUnavailable, SignatureRefused
from signing import external, images, remote, sign
from signing.verify import Indication, verify_pdf
from tests import csc_service, softhsm
from tests.conftest import need
from tests.signing_setting import CHAIR, CHAIR_TITLE, Setting, issued

pytestmark = pytest.mark.slow
CHAIR_LABEL = "ubnd-hai-phong--chu-tich"
TOKEN = "TEST CSC"
SECRET = "test-client-secret-not-real"  # clearly-marked test material


@pytest.fixture(scope="module")
def service(
    setting: Setting, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[csc_service.CSCService]:
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    layout = {TOKEN: [CHAIR_LABEL]}
    with softhsm.tokens(tmp_path_factory.mktemp("csc-hsm"), setting.folder, layout):
        accounts = {
            "chair": csc_service.Account(TOKEN, CHAIR_LABEL),
            "chair-pin": csc_service.Account(TOKEN, CHAIR_LABEL, pin="135790"),
        }
        made = csc_service.CSCService(setting.folder, "hoso-test", SECRET, accounts)
        with csc_service.serve(made) as running:
            yield running


def key(service: csc_service.CSCService, credential: str = "chair", **kw: float) -> remote.CSCKey:
    options = {"confirm_timeout": 20.0, "poll_interval": 0.1, **kw}
    return remote.CSCKey(
        remote.CSCProvider(service.url, "hoso-test", SECRET, credential, **options)
    )


def prepared(setting: Setting, credential: remote.Credential) -> external.PreparedSignature:
    return external.prepare(
        setting.draft,
        credential.certificate,
        chain=credential.chain,
        signature=images.signature_image(images.signature_png(CHAIR)),
        placement=sign.find_placement(setting.draft, title=CHAIR_TITLE, name=CHAIR),
        context=setting.context(),
    )


def on_the_phone(service: csc_service.CSCService, *, accept: bool) -> threading.Thread:
    """The signer, answering the next confirmation that appears on their phone."""

    def answer() -> None:
        found = service.wait_pending()
        (service.confirm if accept else service.refuse)(found)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def test_one_draft_confirmed_on_the_phone_is_issued_and_passes_offline(
    setting: Setting, service: csc_service.CSCService
) -> None:
    chair = key(service)
    credential = chair.credential()
    assert credential.certificate.subject.native["common_name"] == f"TEST {CHAIR}"
    ready = prepared(setting, credential)
    before = len(service.requests)
    phone = on_the_phone(service, accept=True)
    [value] = chair.sign([ready.signed_attributes], description="QĐ công nhận")
    phone.join(5)
    signed = external.finish(
        ready,
        certificate=credential.certificate.dump(),
        value=value,
        tsa_url=setting.urls["tsa"],
    )
    external.check_signed(signed, [setting.root])
    report = verify_pdf(issued(setting, signed), [setting.root], online=False)
    assert report.indication is Indication.TOTAL_PASSED, report.message
    sent = [r.path for r in service.requests[before:]]
    assert sent[:3] == ["auth/login", "credentials/info", "credentials/authorize"]
    assert "credentials/authorize/status" in sent and sent[-1] == "signatures/signHash"
    assert_no_key_sent(service)


def test_three_drafts_under_one_confirmation(
    setting: Setting, service: csc_service.CSCService
) -> None:
    chair = key(service)
    credential = chair.credential()
    batch = [prepared(setting, credential) for _ in range(3)]
    before = len(service.requests)
    phone = on_the_phone(service, accept=True)
    values = chair.sign([p.signed_attributes for p in batch], description="3 văn bản")
    phone.join(5)
    calls = [r for r in service.requests[before:] if r.path == "signatures/signHash"]
    assert len(calls) == 1 and len(calls[0].body["hash"]) == 3
    authorize = [r for r in service.requests[before:] if r.path == "credentials/authorize"]
    assert len(authorize) == 1
    for ready, value in zip(batch, values, strict=True):
        signed = external.finish(
            ready,
            certificate=credential.certificate.dump(),
            value=value,
            tsa_url=setting.urls["tsa"],
        )
        external.check_signed(signed, [setting.root])


def test_a_refusal_on_the_phone(setting: Setting, service: csc_service.CSCService) -> None:
    chair = key(service)
    ready = prepared(setting, chair.credential())
    phone = on_the_phone(service, accept=False)
    with pytest.raises(SignatureRefused) as caught:
        chair.sign([ready.signed_attributes], description="QĐ")
    phone.join(5)
    assert caught.value.message_vi == "Người ký đã từ chối ký trên ứng dụng ký số"


def test_no_confirmation_in_time(setting: Setting, service: csc_service.CSCService) -> None:
    chair = key(service, confirm_timeout=0.5)
    ready = prepared(setting, chair.credential())
    with pytest.raises(ConfirmationTimeout) as caught:
        chair.sign([ready.signed_attributes], description="QĐ")
    assert caught.value.message_vi.startswith("Hết thời gian chờ xác nhận")
    for waiting in service.pending():  # the phone shows it no more
        service.refuse(waiting)


def test_a_wrong_pin(setting: Setting, service: csc_service.CSCService) -> None:
    chair = key(service, "chair-pin")
    ready = prepared(setting, chair.credential())
    with pytest.raises(KeyUnavailable) as caught:
        chair.sign([ready.signed_attributes], description="QĐ", pin="000000")
    assert caught.value.field == "pin" and "PIN" in caught.value.message_vi
    assert "000000" not in caught.value.message + caught.value.message_vi


def assert_no_key_sent(service: csc_service.CSCService) -> None:
    """What hoso sent holds hashes and identifiers only: no key, no PKCS#12, no certificate."""
    allowed = {
        "rememberMe",
        "credentialID",
        "certificates",
        "numSignatures",
        "hash",
        "description",
        "PIN",
        "OTP",
        "transactionID",
        "SAD",
        "hashAlgo",
        "signAlgo",
    }
    for request in service.requests:
        assert set(request.body) <= allowed, request
        text = json.dumps(request.body)
        assert "PRIVATE KEY" not in text and "MII" not in text  # no DER/PEM of anything
        for value in request.body.get("hash", []):
            assert len(value) == 44  # base64 of 32 bytes: a SHA-256, nothing bigger
