"""What every command shares: the two consoles, the one translator of domain errors for the
command line, atomic writes and paths as a user would type them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from docgen.errors import HosoError, InvalidAssessment

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
        err.print(f"error: {exc.message}", markup=False)
        raise typer.Exit(2) from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it: what a user would type."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
