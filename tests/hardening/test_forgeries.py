"""The forgeries of `tests.hardening.forgeries` (made with keys the verifier trusts) against
`verify_pdf`, `hoso verify` and POST /api/verify: none passes, each answers with the
sub-indication that names it; the untampered issued (B-LT) and archived (B-LTA) files still
pass offline; the issued file keeps passing with the PKI's services stopped 30 days and 2 years
on; the signing steps refuse the planted draft and the wrong body's seal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from docgen.errors import CertificateRejected, SigningError
from signing import archive
from signing.verify import Indication, verify_pdf
from tests.api.conftest import TestClient, app_factory
from tests.hardening import forgeries as f
from tests.hardening.figures import record
from tests.signing_setting import (
    Setting,
    archived_record,
    issued,
    signed_by,
    write_root,
)
from tests.test_cli import hoso

pytestmark = pytest.mark.slow

CHAIR_KEY = "ubnd-hai-phong--chu-tich"
MODIFIED = frozenset({"FORMAT_FAILURE"})

FORGERIES: tuple[f.Forgery, ...] = (
    f.Forgery(
        "số changed, then signed by another body", f.countersigned("ubnd-bac-ninh"), MODIFIED
    ),
    f.Forgery("số changed, then signed by an expired key", f.countersigned("expired"), MODIFIED),
    f.Forgery(
        "số changed, then signed by the Phó Chủ tịch",
        f.countersigned("ubnd-hai-phong--pho-chu-tich"),
        MODIFIED,
    ),
    f.Forgery(
        "archived: số changed, then signed by another body",
        f.countersigned("ubnd-bac-ninh"),
        MODIFIED,
        archived=True,
    ),
    f.Forgery(
        "sealed today with an expired key", f.sealed_with("expired", checked=False), {"EXPIRED"}
    ),
    f.Forgery(
        "sealed with another body's seal",
        f.sealed_with("ubnd-bac-ninh", checked=False),
        frozenset({"SIG_CONSTRAINTS_FAILURE"}),
    ),
    f.Forgery(
        "another body's signature between the chair and the seal",
        f.countersigned_before_seal("ubnd-bac-ninh"),
        frozenset({"SIG_CONSTRAINTS_FAILURE"}),
        indication="INDETERMINATE",
    ),
    f.Forgery("a ZIP after %%EOF", f.zip_appended, MODIFIED),
    f.Forgery("text after %%EOF", f.garbage_appended, MODIFIED),
    f.Forgery("hidden bytes in the seal's /Contents", f.padding_data, MODIFIED),
    f.Forgery("/Info changed after the seal", f.info_changed, MODIFIED),
    f.Forgery(
        "cut back to the chair's revision",
        f.cut_to_chair,
        frozenset({"SIG_CONSTRAINTS_FAILURE"}),
        indication="INDETERMINATE",
    ),
)
BY_NAME = {forgery.name: forgery for forgery in FORGERIES}
PLANTED = "planted field filled between the chair and the seal"


@dataclasses.dataclass(frozen=True)
class Built:
    issued: bytes
    archived: bytes
    forged: dict[str, bytes]


@pytest.fixture(scope="module")
def built(setting: Setting) -> Built:
    plain = issued(setting, signed_by(setting, CHAIR_KEY))
    sealed = archive.seal_for_archive(plain, tsa_url=setting.urls["tsa"], context=setting.context())
    forged = {
        forgery.name: forgery.build(setting, sealed if forgery.archived else plain)
        for forgery in FORGERIES
    }
    planted = dataclasses.replace(setting, draft=f.plant_field(setting.draft))
    forged[PLANTED] = f.reveal_planted(setting, f.sign_planted(planted))
    return Built(plain, sealed, forged)


def _expected(name: str) -> tuple[str, frozenset[str]]:
    if name == PLANTED:
        return "TOTAL_FAILED", MODIFIED
    forgery = BY_NAME[name]
    return forgery.indication, frozenset(forgery.sub_indications)


NAMES = [*BY_NAME, PLANTED]


def test_the_untampered_files_pass_offline(setting: Setting, built: Built) -> None:
    for pdf in (built.issued, built.archived):
        report = verify_pdf(pdf, [setting.root], online=False)
        assert report.indication is Indication.TOTAL_PASSED, report.message


@pytest.mark.parametrize("name", NAMES)
def test_verify_pdf_never_passes_a_forgery(setting: Setting, built: Built, name: str) -> None:
    indication, subs = _expected(name)
    for online in (False, True):
        report = verify_pdf(built.forged[name], [setting.root], online=online)
        assert report.indication.value == indication, (online, report.message)
        assert report.sub_indication in subs, (online, report.message)


def test_the_reasons_name_the_forgery(setting: Setting, built: Built) -> None:
    """The verdict says what is wrong in words, not only in a code."""
    expected = {
        "sealed today with an expired key": "expired on 01/01/2021",
        "sealed with another body's seal": "Bắc Ninh",
        "a ZIP after %%EOF": "follow the end of the PDF",
        "hidden bytes in the seal's /Contents": "hidden data",
        "/Info changed after the seal": "metadata",
        "cut back to the chair's revision": "not issued",
        "another body's signature between the chair and the seal": "Bắc Ninh",
        PLANTED: "ghi_chu",
    }
    for name, words in expected.items():
        report = verify_pdf(built.forged[name], [setting.root], online=False)
        assert words in report.message, (name, report.message)


@pytest.fixture(scope="module")
def roots(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_root(tmp_path_factory.mktemp("forgery-roots"), setting.root.dump())


def test_hoso_verify_passes_none(built: Built, roots: Path, tmp_path: Path) -> None:
    paths = []
    for number, name in enumerate(NAMES):
        path = tmp_path / f"{number:02d}.pdf"
        path.write_bytes(built.forged[name])
        paths.append(str(path))
    (tmp_path / "issued.pdf").write_bytes(built.issued)
    run = hoso(
        "verify",
        "--offline",
        "--json",
        *paths,
        str(tmp_path / "issued.pdf"),
        HOSO_TRUST_ROOTS_DIR=str(roots),
    )
    assert run.returncode == 1, run.stderr
    reports = json.loads(run.stdout)
    assert [r["passed"] for r in reports] == [False] * len(NAMES) + [True]
    for name, report in zip(NAMES, reports, strict=False):
        assert (report["indication"], report["sub_indication"] in _expected(name)[1]) == (
            _expected(name)[0],
            True,
        ), (name, report["message"])


@pytest.fixture(scope="module")
def client(roots: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    make = app_factory(tmp_path_factory.mktemp("forgery-app"), roots)
    with TestClient(make()) as c:
        yield c


@pytest.mark.parametrize("name", NAMES)
def test_the_api_passes_none(client: TestClient, built: Built, name: str) -> None:
    files = {"file": ("quyet-dinh.pdf", built.forged[name], "application/pdf")}
    body = client.post("/api/verify", files=files).json()
    assert body["passed"] is False
    indication, subs = _expected(name)
    assert body["indication"] == indication and body["sub_indication"] in subs, body["message"]


def test_signing_refuses_a_planted_draft(setting: Setting) -> None:
    planted = dataclasses.replace(setting, draft=f.plant_field(setting.draft))
    with pytest.raises(SigningError) as refused:
        signed_by(planted, CHAIR_KEY)
    assert f.PLANTED in refused.value.message and refused.value.field == "document"
    assert "trường biểu mẫu" in refused.value.message_vi


def test_issuing_refuses_another_bodys_seal(setting: Setting, built: Built) -> None:
    with pytest.raises(CertificateRejected) as refused:
        f.sealed_with("ubnd-bac-ninh", checked=True)(setting, built.issued)
    assert "Bắc Ninh" in refused.value.message and refused.value.field == "certificate"


def test_the_issued_file_stays_valid_offline(tmp_path: Path, setting: Setting) -> None:
    """B-LT: verified 30 days and 2 years after issue with the PKI's services stopped (fetching
    allowed, and failing), and offline: its signature timestamps prove when it was signed, the
    revocation data it carries proves the certificates good then."""
    record_ = archived_record(tmp_path / "pki", setting.draft)
    now = dt.datetime.now(dt.UTC)
    for days in (30, 730):
        for online in (False, True):
            report = verify_pdf(
                record_.issued, [record_.root], online=online, moment=now + dt.timedelta(days=days)
            )
            assert report.indication is Indication.TOTAL_PASSED, (days, online, report.message)
            assert report.level == "B-LT"
    folder = write_root(tmp_path / "roots", record_.root.dump())
    path = tmp_path / "issued.pdf"
    path.write_bytes(record_.issued)
    for days in (30, 730):
        at = (now + dt.timedelta(days=days)).isoformat()
        run = hoso("verify", str(path), "--at", at, HOSO_TRUST_ROOTS_DIR=str(folder))
        assert run.returncode == 0, run.stdout + run.stderr
    # A year past the signers' certificates (2030-01-01): only the archived B-LTA file holds.
    late = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    assert verify_pdf(record_.sealed, [record_.root], online=False, moment=late).passed
    record("forgeries", "issued B-LT verified offline at +30 d and +2 y", "TOTAL_PASSED")


def test_the_figures(setting: Setting, built: Built) -> None:
    passed = sum(
        verify_pdf(pdf, [setting.root], online=False).passed for pdf in built.forged.values()
    )
    assert passed == 0
    record("forgeries", "forgeries with trusted keys tried", len(built.forged))
    record("forgeries", "passed wrongly (must be 0)", passed)
