"""`make bench`: what scoring, conversion and signing cost, measured side by side in one run.

Prints the time per unit of the pure engine, of reading + checking + scoring YAML files and of
doing the same from a workbook; LibreOffice's conversion started per document, warm and pooled;
and signing a one-page PDF with pyHanko's default path (PKCS#12 read per document, a dry-run
signature to size the container) against ours (key loaded once per run, size reserved), with
what the RFC 3161 timestamp and the LTV step add per document; issues per second with 8
concurrent workers on SQLite and PostgreSQL (bench/numbering.py); verification in process
against POST /api/verify on loopback, and POST /api/verify on `hoso serve --workers 2` against
`--workers 1` (bench/verification.py); signing with the key elsewhere (prepare + finish) against
in process (bench/external.py); a province's dossier of 120 units through the job queue with 1
and 2 `hoso worker` processes (bench/province.py). Each section prints its ratios and targets.
`bench/run.py signing` (or scoring, conversion, numbering, verification, serving, province)
runs one.
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


def score_units() -> None:
    """Scoring: the pure engine, from YAML files, from workbooks."""
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


def one_page_pdf() -> bytes:
    """An A4 page of Vietnamese text in embedded Liberation Serif, as a phụ lục would be."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from signing.fonts import SERIF

    pdfmetrics.registerFont(TTFont("BenchSerif", str(SERIF)))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setFont("BenchSerif", 14)
    page.drawCentredString(A4[0] / 2, A4[1] - 30 * 72 / 25.4, "PHỤ LỤC")
    for n in range(30):
        page.drawString(85, 700 - 20 * n, f"{n + 1}. Đơn vị đạt danh hiệu điển hình số {n + 1}")
    page.showPage()
    page.save()
    return out.getvalue()


def signing() -> None:
    """Signing one page with a 2048-bit RSA key: pyHanko's default against ours, no timestamp;
    then, on ours, what the RFC 3161 timestamp and the LTV step add per document."""
    import io
    import logging
    import socket

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    from signing import archive, pki, sign

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per OCSP or TSA request
    docs, rounds = 10, 5
    pdf = one_page_pdf()
    meta = signers.PdfSignatureMetadata(
        field_name=sign.SIGNER_FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    bodies = inputs.load_bodies(REPO / "samples" / "bodies")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one_body = {"ubnd-hai-phong": bodies["ubnd-hai-phong"]}
        arch = pki.init(folder, one_body, url=f"http://127.0.0.1:{port}")
        p12 = folder / "certs" / "ubnd-hai-phong--chu-tich.p12"

        def default() -> int:
            for _ in range(docs):
                signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=pki.TEST_PASSPHRASE)
                signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
            return docs

        # (b) is the production path: sign.load_pkcs12 once per run, whose signer keeps the key it
        # parsed (pyHanko's SimpleSigner parses it again in every signature), then sign.run_signer.
        def ours(tsa_url: str | None, out: list[bytes] | None = None) -> Callable[[], int]:
            def run() -> int:
                key = sign.load_pkcs12(p12.read_bytes(), pki.TEST_PASSPHRASE)  # once per run
                for _ in range(docs):
                    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
                    signed = sign.run_signer(signers.PdfSigner(meta, signer=key), writer, tsa_url)
                    if out is not None:
                        out.append(signed)
                return docs

            return run

        runs: dict[str, list[float]] = {
            "default": [],
            "ours": [],
            "timestamped": [],
            "lt": [],
            "lta": [],
        }
        signed: list[bytes] = []
        with pki.serve(arch, port=port) as base:
            tsa = pki.service_urls(base)["tsa"]
            root = pki.root_certificate(arch)
            ours(tsa)()  # warm-up: imports, the TSA's first answer, the OCSP responder
            # Alternating, run after run, so that drift in the machine's speed hits all alike.
            for _ in range(rounds):
                runs["default"].append(per_unit(default, repeat=1))
                runs["ours"].append(per_unit(ours(None), repeat=1))
                runs["timestamped"].append(per_unit(ours(tsa, signed), repeat=1))

            def lt() -> int:  # what issuing adds after the seal (signing/issue.py)
                for doc in signed[:docs]:
                    archive.with_validation_data(doc, context=sign.validation_context([root]))
                return docs

            def lta() -> int:  # what archiving adds (hoso archive seal)
                for doc in signed[:docs]:
                    archive.seal_for_archive(
                        doc, tsa_url=tsa, context=sign.validation_context([root])
                    )
                return docs

            for _ in range(rounds):
                runs["lt"].append(per_unit(lt, repeat=1))
                runs["lta"].append(per_unit(lta, repeat=1))
    a, b, c, lt_, lta_ = (
        statistics.median(runs[k]) for k in ("default", "ours", "timestamped", "lt", "lta")
    )
    print(
        f"\nsigning a one-page PDF, 2048-bit RSA, PAdES, no timestamp "
        f"({docs} documents × {rounds} runs, alternating)"
    )
    print(f"{'path':<52}{'ms/doc':>10}")
    for name, sec in (
        ("(a) pyHanko default: PKCS#12 per doc, dry-run sizing", a),
        ("(b) ours: PKCS#12 once per run, size reserved", b),
    ):
        print(f"{name:<52}{sec * 1000:>10.1f}")
    print(f"(a)/(b) per document: {a / b:.1f}x (target ≥ 4)")
    print(f"on (b), the RFC 3161 timestamp (loopback TSA): +{(c - b) * 1000:.1f} ms/doc")
    print(f"on (b), B-LT at issue (DSS with OCSP and CRLs): +{lt_ * 1000:.1f} ms/doc")
    print(
        f"on (b), B-LTA for the archive (seal_for_archive: fresh DSS and a document "
        f"timestamp): +{lta_ * 1000:.1f} ms/doc"
    )


def external() -> None:
    from bench.external import external as run

    run()


def numbering() -> None:
    from bench.numbering import numbering as run

    run()


def verification() -> None:
    from bench.verification import verification as run

    run()


def province() -> None:
    from bench.province import province as run

    run()


def serving() -> None:
    from bench.verification import serving as run

    run()


SECTIONS: dict[str, Callable[[], None]] = {
    "scoring": score_units,
    "conversion": conversion,
    "signing": signing,
    "external": external,
    "numbering": numbering,
    "verification": verification,
    "province": province,
    "serving": serving,
}


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section {', '.join(unknown)}; sections: {', '.join(SECTIONS)}")
    for name in names or SECTIONS:
        SECTIONS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
