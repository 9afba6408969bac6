from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from signing import numbers


def test_numbers_run_per_body_type_and_year_and_restart_each_year(tmp_path: Path) -> None:
    counter = tmp_path / "so.json"
    taken = []
    for body, code, year in [
        ("ubnd", "QĐ", 2026),
        ("ubnd", "QĐ", 2026),
        ("ubnd", "TB", 2026),
        ("ca", "QĐ", 2026),
        ("ubnd", "QĐ", 2027),
        ("ubnd", "QĐ", 2026),
    ]:
        with numbers.reserve(counter, body=body, type_code=code, year=year) as n:
            taken.append(n)
    assert taken == [1, 2, 1, 1, 1, 3]


def test_a_failed_issue_consumes_no_number(tmp_path: Path) -> None:
    counter = tmp_path / "so.json"
    with pytest.raises(RuntimeError), numbers.reserve(counter, body="b", type_code="QĐ", year=2026):
        raise RuntimeError("wrong passphrase")
    with numbers.reserve(counter, body="b", type_code="QĐ", year=2026) as n:
        assert n == 1


def _take(args: tuple[str, int]) -> list[int]:
    path, count = args
    got = []
    for _ in range(count):
        with numbers.reserve(Path(path), body="ubnd", type_code="QĐ", year=2026) as n:
            got.append(n)
    return got


def test_four_processes_get_every_number_once(tmp_path: Path) -> None:
    counter = str(tmp_path / "so.json")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_take, [(counter, 50)] * 4)
    everything = sorted(n for part in results for n in part)
    assert everything == list(range(1, 201))
