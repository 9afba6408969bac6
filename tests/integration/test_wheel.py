"""The project as a wheel: built with `pip wheel .`, installed (not editable) into a fresh venv
without the system's site-packages, and run from a folder outside the source tree. An audit
hook in the venv fails the process on any file opened under the source tree, so the templates,
the samples, the migrations and the pages must all come from the installed wheel.

The dependencies come from this venv's site-packages through a .pth file (offline; a .pth in
an added folder is not run, so this checkout's editable install does not come along).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO, need
from tests.signing_setting import free_port

pytestmark = pytest.mark.slow

GUARD = """
import os, sys
_SOURCE = {source!r}
_DEPS = {deps!r}  # the dependencies' folder: under the checkout when its .venv is
def _guard(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(_SOURCE + os.sep) and not path.startswith(_DEPS + os.sep):
            sys.stderr.write(f"read from the source tree: {{path}}\\n")
            os._exit(97)
sys.addaudithook(_guard)
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_the_installed_wheel_runs_the_demo_outside_the_source_tree(tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice (soffice) is not installed")
    wheels = tmp_path / "wheels"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(wheels)],
        tmp_path,
        dict(os.environ),
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("hoso-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, system_site_packages=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            text=True,
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    installed = _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        tmp_path,
        env,
    )
    assert installed.returncode == 0, installed.stderr
    (site / "sitecustomize.py").write_text(
        GUARD.format(source=str(REPO), deps=sysconfig.get_path("purelib"))
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env["HOSO_DATA_DIR"] = str(work / "data")
    env["HOSO_PKI_URL"] = f"http://127.0.0.1:{free_port()}"  # the demo serves its PKI there
    where = _run(
        [
            str(python),
            "-c",
            "import api, docgen.resources as r; print(api.__file__); print(r.data_root())",
        ],
        work,
        env,
    )
    assert where.returncode == 0, where.stderr
    module, data = where.stdout.split()
    assert module.startswith(str(site)) and data == str(env_dir / "share" / "hoso")
    hoso = str(env_dir / "bin" / "hoso")
    score = _run(
        [hoso, "score", str(env_dir / "share" / "hoso" / "samples" / "assessments")], work, env
    )
    assert score.returncode == 0 and "Đủ điều kiện công nhận" in score.stdout, score.stderr
    assert _run([hoso, "db", "upgrade"], work, env).returncode == 0
    demo = _run([hoso, "demo", "--output", str(work / "out")], work, env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Đã ký, ban hành Số:" in demo.stdout
    assert (work / "out" / "scores.json").is_file()
    assert list((work / "out" / "dossiers").rglob("quyet-dinh.pdf"))
