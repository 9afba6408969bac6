"""What every command shares: the two consoles, the one translator of domain errors for the
command line, atomic writes and paths as a user would type them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from api.registry.store import write_atomic
from docgen import vn
from docgen.errors import HosoError, InvalidAssessment

__all__ = ["err", "errors", "out", "points", "shown", "write_atomic"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@contextmanager
def errors() -> Iterator[None]:
    """The one translator of domain errors for the command line."""
    try:
        yield
    except InvalidAssessment as exc:
        err.print(
            f"[bold red]Invalid input[/] — {len(exc.problems)} problem(s), nothing scored:",
            markup=True,
        )
        for problem in exc.problems:
            err.print(f"  • {problem}", markup=False)
        raise typer.Exit(2) from None
    except HosoError as exc:
        # Vietnamese like the rest of the output; the English after it, where it says more
        # (the words an operator searches for, the technical detail).
        detail = "" if exc.message == exc.message_vi else f" ({exc.message})"
        err.print(f"lỗi: {exc.message_vi}{detail}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it: what a user would type."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def points(value: Any) -> str:
    """A score as the tables print it: Vietnamese decimals, a dash for none."""
    return "—" if value is None else vn.number(value)
