"""Scratch folders named with their owner's pid: a dead owner's are cleared at a worker's
start, a live one's (this process's, another's) stay, an old unnamed one goes after a day."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from api.workflow import scratch


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_only_the_folders_of_dead_owners_are_cleared(tmp_path: Path) -> None:
    dead = tmp_path / f"hoso-gen-{_dead_pid()}-abc"
    lo = tmp_path / f"hoso-lo-{_dead_pid()}-xyz"
    mine = tmp_path / f"{scratch.prefix()}def"
    parent = tmp_path / f"hoso-conv-{os.getppid()}-ghi"  # alive: the test's parent
    old, young = tmp_path / "hoso-gen-k2j3h4", tmp_path / "hoso-gen-q9w8e7"
    other = tmp_path / f"khac-{_dead_pid()}"
    for folder in (dead, lo, mine, parent, old, young, other):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "f.docx").write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    removed = scratch.clear_stale(tmp_path)
    assert sorted(removed) == sorted([dead, lo, old])
    assert not dead.exists() and not lo.exists() and not old.exists()
    assert mine.exists() and parent.exists() and young.exists() and other.exists()
    assert scratch.clear_stale(tmp_path) == []


def test_this_process_names_its_folders() -> None:
    assert scratch.prefix() == f"hoso-gen-{os.getpid()}-"
    assert scratch.prefix("hoso-lo-").startswith("hoso-lo-")
