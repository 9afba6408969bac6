"""The attack corpus of `tests.hardening.attacks` against `verify_pdf` and POST /api/verify: no
attacked file ever passes, each gets the indication and sub-indication that name its problem,
nothing escapes `verify_pdf` as an exception, and each check stays within a time and a memory
bound (measured in a child process: wall time, and peak resident memory above what it held
before the check)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signing.verify import Indication, verify_pdf
from tests.api.conftest import TestClient, app_factory
from tests.conftest import REPO
from tests.hardening.attacks import CORPUS, UPLOAD_LIMIT, Attack
from tests.hardening.figures import record
from tests.signing_setting import Setting, issued, signed_by, write_root

pytestmark = pytest.mark.slow

TIME_LIMIT = 20.0
"""Seconds one check may take."""

MEMORY_LIMIT_MIB = 256
"""Peak resident memory one check may add (a decompression bomb inflates to 1 GiB)."""

CHAIR_KEY = "ubnd-hai-phong--chu-tich"
BY_NAME = {attack.name: attack for attack in CORPUS}
CHECKED = [attack.name for attack in CORPUS if not attack.api_only]

# The child: verifies each file in turn; per file its peak resident memory (VmHWM, reset before
# the check through /proc/self/clear_refs; where that is refused, the process's peak so far,
# which can only overstate) above its resident memory before the check.
CHILD = r"""
import json, re, resource, sys, time, traceback
from asn1crypto import x509
from signing.verify import verify_pdf

def status(key):
    return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read())[1])

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False

manifest = json.loads(open(sys.argv[1]).read())
roots = [x509.Certificate.load(open(sys.argv[2], "rb").read())]
results = {}
for name, path in manifest:
    pdf = open(path, "rb").read()
    exact = reset_peak()
    before = status("VmRSS")
    start = time.perf_counter()
    try:
        report = verify_pdf(pdf, roots)
        result = {
            "indication": report.indication.value,
            "sub_indication": report.sub_indication,
            "message": report.message,
            "signatures": [c.indication.value for c in report.signatures],
        }
    except BaseException:
        result = {"error": traceback.format_exc()}
    result["seconds"] = time.perf_counter() - start
    peak = status("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_mib"] = max(0, peak - before) / 1024
    results[name] = result
print(json.dumps(results))
"""


@dataclasses.dataclass(frozen=True)
class Corpus:
    attacked: dict[str, bytes]
    prepared: dict[str, bytes]
    """For each shadow attack: the issued document signed from its prepared draft."""


@pytest.fixture(scope="module")
def corpus(setting: Setting) -> Corpus:
    plain = issued(setting, signed_by(setting, CHAIR_KEY))
    attacked: dict[str, bytes] = {}
    prepared: dict[str, bytes] = {}
    for attack in CORPUS:
        base = plain
        if attack.prepare is not None:
            own = dataclasses.replace(setting, draft=attack.prepare(setting.draft))
            base = prepared[attack.name] = issued(own, signed_by(own, CHAIR_KEY))
        attacked[attack.name] = attack.build(base)
        assert attacked[attack.name] != base
    return Corpus(attacked, prepared)


@pytest.fixture(scope="module")
def roots_folder(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_root(tmp_path_factory.mktemp("attack-roots"), setting.root.dump())


@pytest.fixture(scope="module")
def measured(
    setting: Setting, corpus: Corpus, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Every non-API attack verified by `verify_pdf` in one child process."""
    folder = tmp_path_factory.mktemp("attacks")
    (folder / "root.der").write_bytes(setting.root.dump())
    manifest = []
    for number, name in enumerate(CHECKED):
        path = folder / f"{number:02d}.pdf"
        path.write_bytes(corpus.attacked[name])
        manifest.append((name, str(path)))
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(folder / "manifest.json"),
            str(folder / "root.der"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT * len(CHECKED) + 60,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    results: dict[str, dict[str, Any]] = json.loads(run.stdout.splitlines()[-1])
    return results


def _check(attack: Attack, result: dict[str, Any]) -> None:
    assert "error" not in result, f"verify_pdf raised:\n{result['error']}"
    assert result["indication"] != Indication.TOTAL_PASSED.value, result
    assert result["indication"] == attack.indication.value, result
    assert result["sub_indication"] in attack.sub_indications, result
    assert result["seconds"] < TIME_LIMIT, result
    assert result["peak_mib"] < MEMORY_LIMIT_MIB, result


@pytest.mark.parametrize("name", CHECKED)
def test_verify_pdf_never_passes_an_attack(measured: dict[str, dict[str, Any]], name: str) -> None:
    _check(BY_NAME[name], measured[name])


def test_the_shadow_documents_pass_before_the_reveal(setting: Setting, corpus: Corpus) -> None:
    """The shadow is in the signed draft and the issued file passes: only the reveal fails."""
    assert corpus.prepared
    for name, pdf in corpus.prepared.items():
        report = verify_pdf(pdf, [setting.root])
        assert report.indication is Indication.TOTAL_PASSED, (name, report.message)


@pytest.fixture(scope="module")
def client(roots_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    make = app_factory(tmp_path_factory.mktemp("attack-app"), roots_folder)
    with TestClient(make(upload_limit=UPLOAD_LIMIT)) as c:
        yield c


@pytest.mark.parametrize("name", list(BY_NAME))
def test_the_api_never_passes_an_attack(client: TestClient, corpus: Corpus, name: str) -> None:
    attack = BY_NAME[name]
    files = {"file": ("quyet-dinh.pdf", corpus.attacked[name], "application/pdf")}
    response = client.post("/api/verify", files=files)
    assert response.status_code == attack.api_status, response.text
    body = response.json()
    if attack.api_status == 200:
        assert body["passed"] is False
        assert body["indication"] == attack.indication.value, body["message"]
        assert body["sub_indication"] in attack.sub_indications, body["message"]
    else:
        assert body["code"] and body["message"] and body["message_vi"]


def test_the_figures(measured: dict[str, dict[str, Any]]) -> None:
    """The whole corpus, asserted again, then recorded for `make harden`."""
    for name in CHECKED:
        _check(BY_NAME[name], measured[name])
    passed = sum(r["indication"] == Indication.TOTAL_PASSED.value for r in measured.values())
    assert passed == 0
    slowest = max(r["seconds"] for r in measured.values())
    largest = max(r["peak_mib"] for r in measured.values())
    record("attacks", "attack files tried", len(CORPUS))
    record("attacks", "passed wrongly (must be 0)", passed)
    record("attacks", "slowest check (s)", round(slowest, 2))
    record("attacks", "largest peak memory (MiB)", round(largest, 1))
