"""The LibreOffice pool under faults while other conversions run (issue 7, part 4): in a pool of
two, a frozen instance (SIGSTOP) or a document that always hangs holds one instance while the
other keeps converting; the frozen one is replaced and its conversion retried, the always-hanging
one fails with ConversionTimeout once its two attempts have timed out.

The always-hanging document is made by the worker, not by LibreOffice: a wrapper around the real
`_uno_worker.py` never answers a request for a file named `always-hangs.docx` and passes every
other request to the real LibreOffice. The pool's supervision, the part under test, is real."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from docgen import convert, generate, render
from docgen.convert import ConverterPool
from docgen.errors import ConversionTimeout
from tests.conftest import need
from tests.hardening.figures import record

pytestmark = pytest.mark.slow

TIMEOUT = 4.0  # the configured timeout of these pools, seconds
HANGS = "always-hangs"
WRAPPER = f"""
import json, runpy, sys, time

class Requests:
    def __init__(self, stream):
        self.stream = stream
    def __iter__(self):
        for line in self.stream:
            if json.loads(line)["src"].endswith("/{HANGS}.docx"):
                time.sleep(3600)  # the document that hangs LibreOffice
            yield line

sys.stdin = Requests(sys.stdin)
sys.argv = [{str(convert.WORKER)!r}, *sys.argv[1:]]
runpy.run_path({str(convert.WORKER)!r}, run_name="__main__")
"""
FAULTS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def docx() -> bytes:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    return render.render("to-trinh.docx", generate.sample_contexts()["to-trinh.docx"])


def warm(pool: ConverterPool, docx: bytes) -> None:
    """Start both instances; the idle queue (FIFO) then hands out instances[0] first."""
    for _ in pool.instances:
        assert pool.convert(docx).startswith(b"%PDF")
    assert all(i.proc is not None for i in pool.instances)


def taken(pool: ConverterPool) -> None:
    """Wait until the thread just started holds an instance."""
    deadline = time.monotonic() + 10
    while pool._idle.qsize() > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool._idle.qsize() == 1


def test_a_frozen_instance_is_replaced_while_the_other_keeps_converting(docx: bytes) -> None:
    with ConverterPool(size=2, timeout=TIMEOUT) as pool:
        warm(pool, docx)
        frozen = pool.instances[0]
        assert frozen.proc is not None
        os.killpg(frozen.proc.pid, signal.SIGSTOP)  # alive, never answers
        FAULTS["injected"] += 1
        results: list[bytes] = []
        stuck = threading.Thread(target=lambda: results.append(pool.convert(docx, name="stuck")))
        stuck.start()
        taken(pool)  # the frozen instance
        others = [pool.convert(docx, name=f"other-{n}") for n in range(3)]
        assert stuck.is_alive(), "the other conversions waited for the frozen one"
        stuck.join(TIMEOUT * 2 + 60)
        assert not stuck.is_alive()
        assert all(pdf.startswith(b"%PDF") for pdf in others)
        assert len(results) == 1 and results[0].startswith(b"%PDF")  # retried on a fresh one
        assert pool.restarts == 1
        FAULTS["recovered"] += 1


def test_an_always_hanging_document_fails_in_time_without_blocking_others(
    docx: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapper = tmp_path / "hanging_worker.py"
    wrapper.write_text(WRAPPER, "utf-8")
    monkeypatch.setattr(convert, "WORKER", wrapper)
    with ConverterPool(size=2, timeout=TIMEOUT) as pool:
        warm(pool, docx)
        failure: list[BaseException] = []
        took: list[float] = []

        def hang() -> None:
            start = time.monotonic()
            try:
                pool.convert(docx, name=HANGS)
            except ConversionTimeout as exc:
                failure.append(exc)
            took.append(time.monotonic() - start)

        FAULTS["injected"] += 2  # two attempts, each on an instance that hangs
        stuck = threading.Thread(target=hang)
        stuck.start()
        taken(pool)
        others = [pool.convert(docx, name=f"other-{n}") for n in range(3)]
        assert stuck.is_alive(), "the other conversions waited for the hanging one"
        stuck.join(TIMEOUT * 2 + 60)
        assert not stuck.is_alive()
        assert all(pdf.startswith(b"%PDF") for pdf in others)
        assert len(failure) == 1, "the hanging document did not fail with ConversionTimeout"
        assert HANGS in str(failure[0]) and "failed twice" in str(failure[0])
        # Two attempts of TIMEOUT each, plus one LibreOffice start for the second attempt.
        restart_allowance = 30.0
        assert TIMEOUT * 2 <= took[0] < TIMEOUT * 2 + restart_allowance
        assert pool.restarts == 2
        assert pool.convert(docx).startswith(b"%PDF")  # the pool still works afterwards
        FAULTS["recovered"] += 2  # both hung instances killed and replaced
    record("converter", "faults injected", FAULTS["injected"])
    record("converter", "recovered", FAULTS["recovered"])
    record("converter", "always-hanging document refused within (s)", round(took[0], 1))
    record("converter", "configured timeout (s)", TIMEOUT)
