"""The LibreOffice pool under faults: a crashed or hung instance is killed and replaced and the
conversion retried once; instances restart after their quota; a missing LibreOffice is named."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from docgen import generate, render
from docgen.convert import ConverterPool
from docgen.errors import ConversionTimeout
from tests.conftest import REPO, need

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docx() -> bytes:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    return render.render("to-trinh.docx", generate.sample_contexts()["to-trinh.docx"])


def test_a_killed_instance_is_replaced_and_the_conversion_retried(docx: bytes) -> None:
    with ConverterPool(size=1, timeout=30) as pool:
        assert pool.convert(docx).startswith(b"%PDF")
        instance = pool.instances[0]
        assert instance.proc is not None
        os.killpg(instance.proc.pid, signal.SIGKILL)  # LibreOffice crashes between requests
        # Dead before the next request, whatever the machine's load (not reaped: the pool
        # finds out by itself); the request's pipe breaking under it is the next test.
        os.waitid(os.P_PID, instance.proc.pid, os.WEXITED | os.WNOWAIT)
        assert pool.convert(docx).startswith(b"%PDF")
        assert pool.restarts == 1


def test_an_instance_that_stops_reading_is_replaced_and_nothing_escapes(docx: bytes) -> None:
    """A worker alive but no longer reading its requests: the request's flush fails with a
    broken pipe, and killing the worker closes that pipe with the request still buffered,
    which flushes (and breaks) again. The pool replaces it and converts on a fresh one."""
    with ConverterPool(size=1, timeout=30) as pool:
        instance = pool.instances[0]
        instance.proc = subprocess.Popen(
            ["sh", "-c", "exec 0<&-; exec sleep 60"],  # its end of the request pipe closed
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deaf = instance.proc
        assert pool.convert(docx).startswith(b"%PDF")
        assert pool.restarts == 1
        assert deaf.returncode == -signal.SIGKILL and instance.proc is not deaf


def test_a_hung_instance_is_killed_and_a_second_hang_is_an_error(docx: bytes) -> None:
    with ConverterPool(size=1, timeout=30) as pool:
        pool.convert(docx)
        instance = pool.instances[0]
        assert instance.proc is not None
        os.killpg(instance.proc.pid, signal.SIGSTOP)  # hangs: alive, never answers
        pool.timeout = 2
        assert pool.convert(docx).startswith(b"%PDF")  # retried on a fresh instance
        assert pool.restarts == 1
        pool.timeout = 0.001  # no instance can answer this fast: fails twice
        with pytest.raises(ConversionTimeout, match="failed twice"):
            pool.convert(docx, name="slow")
        assert pool.restarts == 3


def test_instances_restart_after_their_quota(docx: bytes) -> None:
    with ConverterPool(size=1, timeout=30, max_conversions=2) as pool:
        pids = []
        for _ in range(5):
            pool.convert(docx)
            pids.append(pool.instances[0].soffice_pid)
        assert pool.restarts == 2
        assert len(set(pids)) == 3


def test_missing_libreoffice_names_the_package(tmp_path: Path) -> None:
    code = "from docgen.convert import ConverterPool\nConverterPool()"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path)},
    )
    assert run.returncode != 0
    assert "LibreOffice is not installed" in run.stderr
    assert "libreoffice-writer-nogui" in run.stderr


def test_pdfa_on_request(docx: bytes) -> None:
    with ConverterPool(size=1) as pool:
        pdf = pool.convert(docx, pdfa=True)
        plain = pool.convert(docx)
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf and b"<pdfaid:conformance>B" in pdf
    assert b"pdfaid:part" not in plain


def test_libreoffice_dying_under_its_worker_is_a_crash_too(docx: bytes) -> None:
    with ConverterPool(size=1, timeout=30) as pool:
        pool.convert(docx)
        instance = pool.instances[0]
        assert instance.proc is not None
        children = subprocess.run(
            ["pgrep", "-g", str(instance.proc.pid), "soffice.bin"], capture_output=True, text=True
        ).stdout.split()
        assert children
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        assert pool.convert(docx).startswith(b"%PDF")
        assert pool.restarts == 1


def test_two_pools_in_one_process_do_not_share_instances(docx: bytes) -> None:
    with ConverterPool(size=1) as one, ConverterPool(size=1) as two:
        assert one.convert(docx).startswith(b"%PDF")
        assert two.convert(docx).startswith(b"%PDF")
        assert one.instances[0].soffice_pid != two.instances[0].soffice_pid
