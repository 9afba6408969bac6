"""A pool of warm LibreOffice instances that turns .docx into PDF, supervised by hoso itself
(adapter).

Each instance is Debian's python3 running `_uno_worker.py`, which owns one soffice with its own
profile. The pool hands a conversion to a free instance, waits at most `timeout` seconds, and
kills the whole process group of an instance that crashes or hangs; the conversion is then
retried once on a fresh instance. An instance is restarted after `max_conversions` to bound its
memory. unoserver would do the UNO part, but it must run under Debian's python3 while hoso runs
in its own environment, and its supervision is what we need to own anyway, so the worker is a
small script of ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from docgen.errors import ConversionError, ConversionTimeout, ConverterUnavailable

SYSTEM_PYTHON = "/usr/bin/python3"
WORKER = Path(__file__).with_name("_uno_worker.py")
INSTALL_HINT = "apt-get install libreoffice-writer-nogui python3-uno fonts-liberation2"


def check_available() -> None:
    """Raise ConverterUnavailable, naming the packages to install, when LibreOffice is missing."""
    if shutil.which("soffice") is None:
        raise ConverterUnavailable(
            f"LibreOffice is not installed; run: {INSTALL_HINT}",
            field="soffice",
            message_vi=f"Chưa cài LibreOffice; hãy chạy: {INSTALL_HINT}",
        )
    probe = (
        subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False)
        if Path(SYSTEM_PYTHON).exists()
        else None
    )
    if probe is None or probe.returncode != 0:
        raise ConverterUnavailable(
            f"Debian's python3-uno is missing; run: {INSTALL_HINT}",
            field="python3-uno",
            message_vi=f"Thiếu gói python3-uno của Debian; hãy chạy: {INSTALL_HINT}",
        )


class _Crash(Exception):
    """The instance died or stopped answering; it is killed and the request retried."""


def _owned(prefix: str) -> str:
    """A scratch folder's prefix naming this process ("hoso-lo-4242-"): what a killed process
    left can be cleared by the next (api/workflow/scratch.py)."""
    return f"{prefix}{os.getpid()}-"


@dataclass
class Instance:
    """One worker + soffice, with the number of conversions it has done."""

    number: int
    startup_timeout: float
    proc: subprocess.Popen[str] | None = None
    soffice_pid: int = 0
    conversions: int = 0
    profile: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix=_owned("hoso-lo-"))))

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(WORKER), str(self.profile), f"hoso_{secrets.token_hex(6)}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        line = self._read(self.startup_timeout)
        if not line.startswith("READY"):
            self.kill()
            raise ConverterUnavailable(
                f"LibreOffice did not start: {line.strip()}",
                field="soffice",
                message_vi=f"LibreOffice không khởi động được: {line.strip()}",
            )
        self.soffice_pid = int(line.split()[1])
        self.conversions = 0

    def _read(self, timeout: float) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise _Crash(f"no answer in {timeout:g} s")
        line = self.proc.stdout.readline()
        if not line:
            raise _Crash("the instance exited")
        return line

    def convert(self, src: Path, dst: Path, *, pdfa: bool, timeout: float) -> None:
        if self.proc is None:
            self.start()
        elif self.proc.poll() is not None:
            raise _Crash("the instance exited")
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(
                json.dumps({"src": str(src), "dst": str(dst), "pdfa": pdfa}) + "\n"
            )
            self.proc.stdin.flush()
        except OSError as exc:  # BrokenPipeError: it died since the poll
            raise _Crash("the instance exited") from exc
        line = self._read(timeout)
        try:
            answer = json.loads(line)
            ok, error = bool(answer["ok"]), answer.get("error", "")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise _Crash(f"the instance answered {line.strip()[:200]!r}") from exc
        self.conversions += 1
        if not ok:
            raise ConversionError(
                f"LibreOffice could not convert {src.name}: {error}",
                message_vi=f"LibreOffice không chuyển được {src.name} sang PDF: {error}",
                field=src.stem,
            )

    def peak_rss_kib(self) -> int:
        """Peak resident memory (VmHWM) of this instance's soffice processes; 0 if none runs.

        `soffice` is a shell script that starts `soffice.bin`, so its children count too.
        """
        pids = {self.soffice_pid}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.soffice_pid:
                    pids.add(int(stat.parent.name))
        peak = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        return peak

    def kill(self) -> None:
        """Kill the process group and forget it; never raises (it runs on the error path)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                # After a failed flush, close() flushes the request again into the dead pipe
                # and raises BrokenPipeError; the file is closed all the same.
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)
        self.profile = Path(tempfile.mkdtemp(prefix=_owned("hoso-lo-")))


class ConverterPool:
    """`size` warm instances (default: CPU count); thread-safe `convert(docx) -> pdf`."""

    def __init__(
        self,
        *,
        size: int | None = None,
        timeout: float = 60.0,
        max_conversions: int = 200,
        startup_timeout: float = 60.0,
    ) -> None:
        check_available()
        self.size = size or os.cpu_count() or 1
        self.timeout = timeout
        self.max_conversions = max_conversions
        self.instances = [Instance(n, startup_timeout) for n in range(self.size)]
        self._idle: queue.Queue[Instance] = queue.Queue()
        for instance in self.instances:
            self._idle.put(instance)
        self.restarts = 0
        self._lock = threading.Lock()

    def convert(self, docx: bytes, *, pdfa: bool = False, name: str = "document") -> bytes:
        """The PDF of `docx`, retried once on a fresh instance if the first crashes or hangs."""
        with tempfile.TemporaryDirectory(prefix=_owned("hoso-conv-")) as tmp:
            src, dst = Path(tmp) / f"{name}.docx", Path(tmp) / f"{name}.pdf"
            src.write_bytes(docx)
            instance = self._idle.get()
            try:
                for attempt in (1, 2):
                    try:
                        instance.convert(src, dst, pdfa=pdfa, timeout=self.timeout)
                        break
                    except _Crash as exc:
                        self._replace(instance)
                        if attempt == 2:
                            raise ConversionTimeout(
                                f"{name}: LibreOffice failed twice ({exc})",
                                field=name,
                                message_vi=f"{name}: LibreOffice lỗi hai lần liền ({exc})",
                            ) from exc
                if instance.conversions >= self.max_conversions:
                    self._replace(instance)
            finally:
                self._idle.put(instance)
            return dst.read_bytes()

    def _replace(self, instance: Instance) -> None:
        instance.kill()
        with self._lock:
            self.restarts += 1

    def close(self) -> None:
        for instance in self.instances:
            instance.kill()
            shutil.rmtree(instance.profile, ignore_errors=True)

    def __enter__(self) -> ConverterPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
