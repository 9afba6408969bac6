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


def conversion() -> None:
    """LibreOffice: started per document, one warm instance, the full pool; memory per instance."""
    import os
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    from docgen import generate, render
    from docgen.convert import ConverterPool

    docx = render.render("to-trinh.docx", generate.sample_contexts()["to-trinh.docx"])
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.docx"
        src.write_bytes(docx)

        def cold() -> int:
            for n in range(3):
                subprocess.run(
                    [
                        "soffice",
                        "--headless",
                        f"-env:UserInstallation=file://{tmp}/p{n}",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        tmp,
                        str(src),
                    ],
                    capture_output=True,
                    check=True,
                )
            return 3

        a = per_unit(cold, repeat=2)
    size = os.cpu_count() or 1
    # (b) and (c) alternate, run after run, so that drift in the machine's speed hits both alike.
    b_runs: list[float] = []
    c_runs: list[float] = []
    with (
        ConverterPool(size=1) as one,
        ConverterPool(size=size) as full,
        ThreadPoolExecutor(size) as ex,
    ):
        one.convert(docx)
        list(ex.map(lambda _: full.convert(docx), range(size)))
        for _ in range(5):
            b_runs.append(per_unit(lambda: [one.convert(docx) for _ in range(40)] and 40, repeat=1))
            c_runs.append(
                per_unit(
                    lambda: len(list(ex.map(lambda _: full.convert(docx), range(40 * size)))),
                    repeat=1,
                )
            )
    b, c = statistics.median(b_runs), statistics.median(c_runs)
    print(f"\nconversion of a one-page document ({size} CPUs)")
    print(f"{'path':<32}{'ms/doc':>10}{'docs/s':>10}")
    for name, sec in (
        ("(a) soffice per document", a),
        ("(b) one warm instance", b),
        (f"(c) pool of {size}, {size} at once", c),
    ):
        print(f"{name:<32}{sec * 1000:>10.1f}{1 / sec:>10.1f}")
    print(f"(a)/(b) per document: {a / b:.1f}x (target ≥ 8)")
    print(f"(c)/(b) throughput:   {b / c:.2f}x (target ≥ 1.6)")
    for quota in (10_000, 100):
        with (
            ConverterPool(size=size, max_conversions=quota) as pool,
            ThreadPoolExecutor(size) as ex,
        ):
            peaks = [0] * size

            def one_doc(_: int, pool: ConverterPool = pool, peaks: list[int] = peaks) -> None:
                pool.convert(docx)
                for i, inst in enumerate(pool.instances):
                    peaks[i] = max(peaks[i], inst.peak_rss_kib())

            list(ex.map(one_doc, range(300)))
            label = "no restart" if quota == 10_000 else f"restart every {quota}"
            mib = ", ".join(f"{p / 1024:.0f}" for p in peaks)
            print(
                f"300 documents, {label:<18} peak RSS per instance (MiB): {mib}; "
                f"restarts {pool.restarts}"
            )


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
    conversion()


if __name__ == "__main__":
    main()
