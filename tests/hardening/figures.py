"""The hardening tests' figures for `make harden`: each test records what it tried and found
(`record("attacks", "tampered files tried", 41)`) in test-output/harden/<section>.json, and
bench/harden.py prints them as one table. A figure is recorded only by a test that passed its
assertions on it, so the table shows what was proven, not what was hoped."""

from __future__ import annotations

import json
import threading

from tests.conftest import REPO

FOLDER = REPO / "test-output" / "harden"
_LOCK = threading.Lock()


def record(section: str, label: str, value: int | float | str) -> None:
    """Set the figure `label` of `section` (a later value replaces an earlier one)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"{section}.json"
    with _LOCK:
        figures = json.loads(path.read_text("utf-8")) if path.exists() else {}
        figures[label] = value
        path.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", "utf-8")
