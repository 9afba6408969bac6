"""`make bench`: what scoring costs per unit, measured side by side in one run.

Prints the time per unit of the pure engine, of reading + checking + scoring YAML files and of
doing the same from a workbook, and their ratios. Later work adds rendering, conversion and
signing here.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docgen import inputs, scoring, sheet  # noqa: E402
from docgen.model import DEFAULT_POLICY  # noqa: E402

SAMPLES = REPO / "samples" / "assessments"


def per_unit(fn: Callable[[], int], repeat: int = 7) -> float:
    """Median seconds per unit over `repeat` runs of `fn`, which returns how many units it did."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        units = fn()
        times.append((time.perf_counter() - start) / units)
    return statistics.median(times)


def main() -> None:
    loaded = inputs.load_paths([SAMPLES])
    policies = inputs.load_policies(None)
    with tempfile.TemporaryDirectory() as tmp:
        books = []
        for set_id in ("xa_phuong", "co_quan"):
            units = [x.assessment for x in loaded if x.criteria.id == set_id]
            path = Path(tmp) / f"{set_id}.xlsx"
            path.write_bytes(sheet.new_workbook(set_id, assessments=units))
            books.append(path)

        def engine() -> int:
            for x in loaded:
                scoring.score(x.assessment, x.criteria, DEFAULT_POLICY)
            return len(loaded)

        def from_yaml() -> int:
            return len(inputs.score_all(inputs.load_paths([SAMPLES]), policies))

        def from_xlsx() -> int:
            return len(inputs.score_all(inputs.load_paths(books), policies))

        rows = [
            ("engine only", per_unit(engine)),
            ("YAML files", per_unit(from_yaml)),
            ("workbooks", per_unit(from_xlsx, repeat=3)),
        ]
    base = rows[0][1]
    print(f"scoring, {len(loaded)} sample units, median of runs")
    print(f"{'path':<14}{'ms/unit':>10}{'× engine':>10}")
    for name, seconds in rows:
        print(f"{name:<14}{seconds * 1000:>10.2f}{seconds / base:>10.1f}")


if __name__ == "__main__":
    main()
