"""`hoso agent` on the chair's PC (api/cli/agent.py): the drafts waiting for him fetched over the
JSON API, the PIN asked once, each hash signed on his SoftHSM2 token, only signature values
and the certificate sent back; the Quyết định then issued and TOTAL_PASSED offline. A wrong
PIN signs nothing. What the agent sent is recorded: no PIN, no key."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.cli import agent
from api.registry.db import Document
from docgen.errors import KeyUnavailable
from signing.verify import Indication, verify_pdf
from tests import softhsm
from tests.api.service import BODY, CHAIR_P12, MEETING, SEAL_P12, XLSX, Service, workbook
from tests.conftest import need
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow
YEAR = 2036  # this module's own dossier
TOKEN = "TEST Khoi PC"


@pytest.fixture(scope="module")
def usb_token(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    with softhsm.tokens(tmp_path_factory.mktemp("agent"), setting.folder, {TOKEN: [CHAIR_P12]}):
        yield


@pytest.fixture(scope="module")
def sent(service: Service) -> list[int]:
    """The chair's two drafts of this module's dossier (Kế hoạch, Quyết định), sent to him."""
    with service.client("clerk") as clerk:
        r = clerk.post(
            "/api/assessments/workbook", files={"file": ("phieu.xlsx", workbook(YEAR), XLSX)}
        )
        assert r.status_code == 201, r.text
        for a in r.json():
            assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200
        meeting = {**MEETING, "start": f"{YEAR}-11-18T08:00", "end": f"{YEAR}-11-18T10:30"}
        proposal = {"reference": "15/TTr-CAHP", "date": f"{YEAR}-11-20"}
        r = clerk.post(
            "/api/dossiers?wait=true",
            json={"body": BODY, "year": YEAR, "proposal": proposal, "meeting": meeting},
        )
        assert r.status_code == 201, r.text
        with service.services.sessions() as session:
            found = list(
                session.scalars(
                    select(Document.id).where(
                        Document.dossier == f"{YEAR}/{BODY}",
                        Document.signer_name == "Trần Minh Khôi",
                    )
                )
            )
        for document_id in found:
            assert clerk.post(f"/api/documents/{document_id}/send").status_code == 200
    assert len(found) == 2
    return found


def ours(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only this module's drafts (other modules' may wait for the chair too)."""
    return [d for d in found if d["dossier"] == f"{YEAR}/{BODY}"]


def recording(service: Service, sent_bodies: list[bytes]) -> httpx.Client:
    def keep(request: httpx.Request) -> None:
        sent_bodies.append(request.read())

    return httpx.Client(
        base_url=service.url,
        headers={"Authorization": f"Bearer {service.tokens['signer']}"},
        timeout=120,
        event_hooks={"request": [keep]},
    )


def test_a_wrong_pin_signs_nothing(service: Service, usb_token: None, sent: list[int]) -> None:
    with recording(service, []) as client, pytest.raises(KeyUnavailable) as caught:
        agent.sign_waiting(
            client,
            module=softhsm.MODULE,
            token_label=TOKEN,
            key_label=CHAIR_P12,
            pin=lambda: "11112222",
            choose=ours,
        )
    assert caught.value.field == "pin"
    with service.client("signer") as signer:
        assert {signer.get(f"/api/documents/{d}").json()["status"] for d in sent} == {"draft"}


def test_the_agent_signs_what_waits_and_the_decision_passes_offline(
    service: Service, setting: Setting, usb_token: None, sent: list[int]
) -> None:
    bodies: list[bytes] = []
    asked: list[int] = []

    def pin() -> str:
        asked.append(1)
        return softhsm.USER_PIN

    with recording(service, bodies) as client:
        shown = ours(agent.waiting(client))
        assert {d["id"] for d in shown} == set(sent)
        assert all(d["subject"] for d in shown)  # the trích yếu the chair reads
        run = agent.sign_waiting(
            client,
            module=softhsm.MODULE,
            token_label=TOKEN,
            key_label=CHAIR_P12,
            pin=pin,
            choose=ours,
        )
    assert sorted(run.signed) == sorted(sent) and run.failed == ()
    assert asked == [1]  # one PIN prompt for the whole run
    for body in bodies:
        assert softhsm.USER_PIN.encode() not in body
        if body:
            assert set(json.loads(body)) <= {"certificate", "chain", "signature_value"}
    [decision] = [d["id"] for d in shown if d["kind"] == "quyet-dinh"]
    key = service.key(SEAL_P12)
    with service.client("van_thu") as van_thu:
        path = f"/api/documents/{decision}"
        r = van_thu.post(
            f"{path}/issue", files=key["files"], data={**key["data"], "date": f"{YEAR}-12-01"}
        )
        assert r.status_code == 200, r.text
        pdf = van_thu.get(f"{path}/file").content
    report = verify_pdf(pdf, [setting.root], online=False)
    assert report.indication is Indication.TOTAL_PASSED, report.message
