"""`hoso agent` on the chair's PC (api/cli/agent.py): the drafts waiting for him fetched over the
JSON API, the PIN asked once, each hash signed on his SoftHSM2 token, only signature values
and the certificate sent back; the Quyết định then issued and TOTAL_PASSED offline. A wrong
PIN signs nothing. What the agent sent is recorded: no PIN, no key.

The agent signs with its own token, paired once with the one-time code the Ký số page shows:
the token fetches the waiting drafts and prepares and finishes their signatures, nothing else;
a code works once and for ten minutes; revoked on the page, the token stops at once."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.cli import agent
from api.registry.db import AgentToken, Document
from api.workflow import agents
from api.workflow.users import Actor
from docgen.errors import KeyUnavailable
from signing.verify import Indication, verify_pdf
from tests import softhsm
from tests.api.service import (
    BODY,
    CHAIR_P12,
    PASSWORD,
    SEAL_P12,
    Service,
    generated,
)
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
    generated(service, YEAR)
    with service.client("clerk") as clerk:
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


def signed_in(service: Service, login: str = "chutich.haiphong") -> tuple[httpx.Client, str]:
    """A browser-like client signed in to the pages, and the pages' CSRF token."""
    client = httpx.Client(base_url=service.url, timeout=120)
    form = client.get("/dang-nhap", params={"next": "/ky-so"}).text
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found is not None
    data = {"csrf": found.group(1), "login": login, "password": PASSWORD, "next": "/ky-so"}
    r = client.post("/dang-nhap", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/ky-so").text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return client, found.group(1)


def code_from_page(service: Service) -> str:
    """A pairing code, asked for on the Ký số page as the chair would."""
    browser, csrf = signed_in(service)
    with closing(browser):
        assert "Tạo mã ghép nối" in browser.get("/ky-so").text
        r = browser.post("/ky-so/may-ky", data={"csrf": csrf})
    assert r.status_code == 200, r.text
    found = re.search(r'class="pairing-code">([A-Z2-9]{4}-[A-Z2-9]{4})<', r.text)
    assert found is not None, r.text
    assert f"hoso agent pair {found.group(1)} --url {service.url}" in r.text
    return found.group(1)


@pytest.fixture(scope="module")
def paired(service: Service, tmp_path_factory: pytest.TempPathFactory) -> agent.Pairing:
    """The chair's PC paired once: the code from the page, exchanged by the agent, saved."""
    code = code_from_page(service)
    with httpx.Client(base_url=service.url, timeout=60) as client:
        pairing = agent.pair(client, code, name="may-chu-tich")
        again = client.post("/api/agents/pair", json={"code": code, "name": "may-khac"})
    assert again.status_code == 401 and again.json()["field"] == "code"  # once only
    assert pairing.login == "chutich.haiphong" and pairing.url == service.url
    path = tmp_path_factory.mktemp("config") / "hoso" / "agent.json"
    agent.save_pairing(pairing, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert agent.load_pairing(path) == pairing
    with service.services.sessions() as session:
        stored = list(session.scalars(select(AgentToken.token_hash)))
    assert pairing.token not in stored and len(stored) == 1  # kept hashed
    return pairing


def recording(service: Service, sent_bodies: list[bytes], token: str) -> httpx.Client:
    def keep(request: httpx.Request) -> None:
        sent_bodies.append(request.read())

    return httpx.Client(
        base_url=service.url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
        event_hooks={"request": [keep]},
    )


def test_a_wrong_pin_signs_nothing(service: Service, usb_token: None, sent: list[int]) -> None:
    with (
        recording(service, [], service.tokens["signer"]) as client,
        pytest.raises(KeyUnavailable) as caught,
    ):
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


def test_the_paired_agent_signs_what_waits_and_the_decision_passes_offline(
    service: Service, setting: Setting, usb_token: None, sent: list[int], paired: agent.Pairing
) -> None:
    bodies: list[bytes] = []
    asked: list[int] = []

    def pin() -> str:
        asked.append(1)
        return softhsm.USER_PIN

    with recording(service, bodies, paired.token) as client:
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


def test_the_signing_page_remembers_the_way_the_chair_signs(
    service: Service, paired: agent.Pairing
) -> None:
    """The agent signed in the test before: the page opens on the agent; a choice is kept."""
    radio = '<input type="radio" name="way" value="{}" checked>'
    browser, csrf = signed_in(service)
    with closing(browser):
        page = browser.get("/ky-so").text
        assert radio.format("agent") in page and "hoso agent --token NHÃN-TOKEN" in page
        r = browser.post("/ky-so/cach-ky", data={"csrf": csrf, "way": "key"}, follow_redirects=True)
        assert r.status_code == 200 and radio.format("key") in r.text
        assert radio.format("agent") not in r.text
        wrong = browser.post("/ky-so/cach-ky", data={"csrf": csrf, "way": "fax"})
        assert wrong.status_code == 400 and "Cách ký không hợp lệ" in wrong.text
        assert radio.format("key") in browser.get("/ky-so").text  # nothing half-changed


def test_hoso_agent_pair_saves_the_token_for_this_user_only(
    service: Service, tmp_path: Path
) -> None:
    from tests.test_cli import hoso

    code = code_from_page(service)
    config = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "HOSO_DATA_DIR": str(tmp_path / "d")}
    run = hoso("agent", "pair", code, "--url", service.url, "--name", "may-van-phong", **config)
    assert run.returncode == 0, run.stderr
    assert f"Đã ghép nối máy ký với {service.url} cho chutich.haiphong." in run.stdout
    saved = tmp_path / "cfg" / "hoso" / "agent.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    pairing = agent.load_pairing(saved)
    assert pairing is not None and pairing.token not in run.stdout  # never printed
    waiting = httpx.get(
        f"{service.url}/api/signatures/waiting",
        headers={"Authorization": f"Bearer {pairing.token}"},
    )
    assert waiting.status_code == 200
    again = hoso("agent", "pair", code, "--url", service.url, **config)
    assert again.returncode == 2 and "Mã ghép nối sai, đã dùng hoặc đã hết hạn" in again.stderr
    assert agent.load_pairing(saved) == pairing  # the pairing kept is untouched
    [row] = [a for a in agents.agents(service.services, None) if a.name == "may-van-phong"]
    agents.revoke(service.services, None, row.id)


def test_the_agents_token_does_only_what_an_agent_does_and_revoking_stops_it(
    service: Service, paired: agent.Pairing, sent: list[int]
) -> None:
    agent_headers = {"Authorization": f"Bearer {paired.token}"}
    with httpx.Client(base_url=service.url, headers=agent_headers, timeout=60) as client:
        assert client.get("/api/signatures/waiting").status_code == 200
        for method, path in (
            ("GET", f"/api/documents/{sent[0]}"),
            ("GET", "/api/agents"),
            ("POST", "/api/agents/pairing"),
            ("POST", f"/api/documents/{sent[0]}/return"),
        ):
            r = client.request(method, path, json={"comment": "x"})
            assert r.status_code == 403, (path, r.text)
            assert r.json()["message_vi"].startswith("Mã của máy ký chỉ dùng để")

    browser, csrf = signed_in(service)
    with closing(browser):
        page = browser.get("/ky-so").text
        assert "may-chu-tich" in page and "Thu hồi" in page
        [row] = [a for a in agents.agents(service.services, None) if a.name == "may-chu-tich"]
        assert row.last_used_at is not None
        r = browser.post(
            f"/ky-so/may-ky/{row.id}/thu-hoi", data={"csrf": csrf}, follow_redirects=True
        )
        assert r.status_code == 200 and "Đã thu hồi" in r.text, r.text
    with httpx.Client(base_url=service.url, headers=agent_headers, timeout=60) as client:
        assert client.get("/api/signatures/waiting").status_code == 401  # at once

    # Another signer cannot revoke the chair's agent; an expired code pairs nothing.
    with service.client("other_signer") as other:
        assert other.delete(f"/api/agents/{row.id}").status_code == 404
        assert other.get("/api/agents").json() == []
    nhung = Actor(0, "phochutich.haiphong", "Lê Thị Hồng Nhung", "signer", BODY)
    with service.services.sessions() as session:
        from api.registry.db import User

        nhung = Actor.of(session.scalars(select(User).where(User.login == nhung.login)).one())
    old = agents.pairing_code(
        service.services, nhung, at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
    )
    with httpx.Client(base_url=service.url, timeout=60) as client:
        r = client.post("/api/agents/pair", json={"code": old.code, "name": "may-cu"})
        assert r.status_code == 401
        assert r.json()["message_vi"].startswith("Mã ghép nối sai, đã dùng hoặc đã hết hạn")
        fresh = agents.pairing_code(service.services, nhung)
        r = client.post("/api/agents/pair", json={"code": fresh.code.lower(), "name": "may-ph"})
        assert r.status_code == 201 and r.json()["login"] == "phochutich.haiphong"
    with service.client("clerk") as clerk:
        r = clerk.post("/api/agents/pairing")
        assert r.status_code == 403 and r.json()["field"] == "role"
