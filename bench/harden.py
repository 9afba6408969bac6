"""`make harden`: the figures the hardening tests recorded (tests/hardening/figures.py) as one
table — attack files tried and passed wrongly, fuzz cases, crash points and inconsistencies,
converter faults recovered, load-test errors and latencies."""

from __future__ import annotations

import json
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "test-output" / "harden"
ORDER = ("attacks", "fuzzing", "crashes", "converter", "load", "sign-in", "input")


def main() -> int:
    files = sorted(FOLDER.glob("*.json"), key=lambda p: (*ORDER, p.stem).index(p.stem))
    if not files:
        print("no figures: run the hardening tests first (make harden)", file=sys.stderr)
        return 1
    width = max(len(label) for f in files for label in json.loads(f.read_text("utf-8")))
    print(f"{'section':<10} {'figure':<{width}}  value")
    for path in files:
        for label, value in json.loads(path.read_text("utf-8")).items():
            print(f"{path.stem:<10} {label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
