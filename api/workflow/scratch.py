"""Scratch folders of the long work (dossiers generated, LibreOffice's profiles and conversions)
in the system's temporary folder, named with the process that owns them —
`hoso-gen-<pid>-…`, `hoso-lo-<pid>-…`, `hoso-conv-<pid>-…` — so that what a killed worker
left can be told from what a live one uses. `clear_stale` removes the first kind at a worker's
start (`hoso worker`, and `hoso serve` when it runs the jobs itself): a folder whose owner is
no longer alive, and one from before the pid was in the name once a day old.

Left out: a pid reused by an unrelated live process keeps its dead namesake's folder until that
process ends (harmless: the next start clears it); folders outside the temporary folder.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Final

log = logging.getLogger("hoso.scratch")

PREFIXES: Final = ("hoso-gen-", "hoso-lo-", "hoso-conv-")
_OWNED = re.compile(r"hoso-(?:gen|lo|conv)-(\d+)-")
_UNOWNED_AGE: Final = 24 * 3600.0


def prefix(kind: str = "hoso-gen-") -> str:
    """The prefix of a scratch folder this process owns: "hoso-gen-4242-"."""
    return f"{kind}{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def clear_stale(folder: Path | None = None, *, now: float | None = None) -> list[Path]:
    """Remove the scratch folders in `folder` (the system's temporary folder) that no live
    process owns; returns them."""
    where = folder or Path(tempfile.gettempdir())
    moment = time.time() if now is None else now
    removed: list[Path] = []
    try:
        found = [p for p in where.iterdir() if p.name.startswith(PREFIXES) and p.is_dir()]
    except OSError:
        return removed
    for path in found:
        owned = _OWNED.match(path.name)
        try:
            stale = (
                not _alive(int(owned.group(1)))
                if owned
                else moment - path.stat().st_mtime > _UNOWNED_AGE
            )
        except OSError:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if removed:
        log.info("removed %s scratch folder(s) left by stopped processes", len(removed))
    return removed
