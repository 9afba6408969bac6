"""The tests that read ../shared/seeds: in a clone without ../shared they are reported skipped
with the reason; under CI=true (which always has ../shared) a missing one fails them, and a
present one runs them. Each case runs those tests in a pytest of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

SEED_TESTS = [
    "tests/unit/test_plan.py::test_which_parts_each_seed_has",
    "tests/unit/test_criteria.py::test_every_text_is_in_the_seed_once_its_corrections_are_applied",
    "tests/test_samples.py::test_signer_names_are_fictional",
]
REASON = "../shared/seeds is not beside the repository"


def run(shared: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(HOSO_TEST_SHARED=str(shared), **({"CI": "true"} if ci else {}))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SEED_TESTS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_clone_without_shared_reports_the_seed_tests_skipped(tmp_path: Path) -> None:
    done = run(tmp_path / "no-shared", ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert "skipped" in summary and "passed" not in summary and "failed" not in summary
    assert REASON in done.stdout  # -ra shows each skip's reason


def test_under_ci_a_missing_shared_fails(tmp_path: Path) -> None:
    done = run(tmp_path / "no-shared", ci=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "skipped under CI=true" in done.stdout and REASON in done.stdout
    summary = done.stdout.strip().splitlines()[-1]
    assert "failed" in summary and "skipped" not in summary and "passed" not in summary


def test_under_ci_a_present_shared_runs_the_seed_tests() -> None:
    if not (SHARED / "seeds").is_dir():
        pytest.skip(f"{REASON} ({SHARED / 'seeds'})")
    done = run(SHARED, ci=True)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "failed" not in summary and "skipped" not in summary
