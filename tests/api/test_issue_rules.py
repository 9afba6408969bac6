"""Who may issue, written once (api/workflow/issuing.py): the command line's door keeps the
web's and the API's rules. A registered văn thư issues only with the certificate registered to
them and for their own body; the machine's operator (`hoso issue` without --as) only with a
certificate of a văn thư of the body once the body has registered any."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from api.registry import db
from api.registry import numbering as registry
from api.workflow import issuing
from api.workflow.users import Actor, add_user, register_certificate
from docgen import inputs
from docgen.errors import Forbidden, HosoError, NotFound
from tests.conftest import REPO
from tests.databases import sqlite_registry


def _certificate(name: str) -> asn1_x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    url = sqlite_registry(tmp_path / "registry")
    made = db.session_factory(url)
    with made.begin() as session:
        registry.add_issuing_bodies(
            session, inputs.load_bodies(REPO / "samples" / "bodies").values()
        )
    return made


def test_the_operator_issues_with_any_key_until_the_body_registers_its_van_thu(
    sessions: sessionmaker[Session],
) -> None:
    own, other = _certificate("UBND Hải Phòng"), _certificate("Someone else")
    operator = issuing.Operator("ubnd-hai-phong", "vanhanh")
    with sessions() as session:
        issuing.check_issuer(session, operator, other, body="ubnd-hai-phong")  # nothing yet
    with sessions.begin() as session:
        add_user(session, login="vt", name="Trần Thị Bích", role="van_thu", body="ubnd-hai-phong")
        register_certificate(session, "vt", own)
    with sessions() as session:
        issuing.check_issuer(session, operator, own, body="ubnd-hai-phong")
        with pytest.raises(Forbidden) as refused:
            issuing.check_issuer(session, operator, other, body="ubnd-hai-phong")
        assert refused.value.field == "certificate"
        assert "văn thư" in refused.value.message_vi
        # Another body's operator is not held by Hải Phòng's certificates.
        issuing.check_issuer(
            session, issuing.Operator("ubnd-bim-son", "x"), other, body="ubnd-bim-son"
        )


def test_a_named_user_issues_only_as_a_van_thu_of_the_body_with_their_own_key(
    sessions: sessionmaker[Session],
) -> None:
    own, theirs = _certificate("Trần Thị Bích"), _certificate("Lê Văn An")
    with sessions.begin() as session:
        add_user(session, login="vt", name="Trần Thị Bích", role="van_thu", body="ubnd-hai-phong")
        add_user(session, login="cv", name="Lê Văn An", role="clerk", body="ubnd-hai-phong")
        register_certificate(session, "vt", own)
        register_certificate(session, "cv", theirs)
    with sessions() as session:
        van_thu: Actor = issuing.acting_for(session, "vt")
        issuing.check_issuer(session, van_thu, own, body="ubnd-hai-phong")
        with pytest.raises(Forbidden) as wrong_key:
            issuing.check_issuer(session, van_thu, theirs, body="ubnd-hai-phong")
        assert wrong_key.value.field == "certificate"
        with pytest.raises(Forbidden) as wrong_body:
            issuing.check_issuer(session, van_thu, own, body="ubnd-bim-son")
        assert wrong_body.value.field == "issuing_body"
        with pytest.raises(Forbidden) as wrong_role:
            issuing.check_issuer(
                session, issuing.acting_for(session, "cv"), theirs, body="ubnd-hai-phong"
            )
        assert wrong_role.value.field == "role"
        with pytest.raises(NotFound) as nobody:
            issuing.acting_for(session, "khong-co")
        assert nobody.value.field == "as" and "khong-co" in nobody.value.message_vi


def test_a_file_that_is_no_pdf_is_refused_naming_the_document() -> None:
    with pytest.raises(HosoError) as refused:
        issuing.pages_and_code(b"not a pdf")
    assert refused.value.field == "document" and refused.value.message_vi
