"""Document numbers per issuing body, document type and calendar year — a file-backed stand-in
for the registry (issue 5 replaces it with a database table behind the same two calls).

`reserve` holds an exclusive lock on the counter file and hands out the next number; the number
is consumed only if the block that uses it finishes without an exception, so a failed issue
(a wrong passphrase, a refused certificate, a crash before the write) leaves no gap. Numbers
restart at 1 each calendar year (ND 30 Điều 15).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def reserve(counter_file: Path, *, body: str, type_code: str, year: int) -> Iterator[int]:
    """The next number for (body, type, year); committed only when the block succeeds."""
    counter_file.parent.mkdir(parents=True, exist_ok=True)
    # The lock lives on a file that is never replaced; the counters file is replaced atomically.
    with open(counter_file.with_suffix(".lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the number is committed or dropped
        text = counter_file.read_text(encoding="utf-8") if counter_file.exists() else ""
        counters: dict[str, int] = json.loads(text) if text.strip() else {}
        key = f"{body}/{type_code}/{year}"
        number = counters.get(key, 0) + 1
        yield number
        counters[key] = number
        tmp = counter_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(counters, ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, counter_file)
