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
            f"[bold red]Dữ liệu không hợp lệ[/] — {len(exc.problems)} lỗi, chưa chấm điểm "
            "đơn vị nào:",
            markup=True,
        )
        for problem in exc.problems:
            err.print(f"  • {problem.location}: {_file_problem(problem.message)}", markup=False)
        raise typer.Exit(2) from None
    except HosoError as exc:
        # Vietnamese like the rest of the output; the English after it, where it says more
        # (the words an operator searches for, the technical detail).
        detail = "" if exc.message == exc.message_vi else f" ({exc.message})"
        err.print(f"lỗi: {exc.message_vi}{detail}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        # A file named on the command line that is not there, is a folder, or may not be read.
        what = {
            FileNotFoundError: "không có tệp",
            IsADirectoryError: "đây là thư mục, không phải tệp:",
            PermissionError: "không có quyền đọc hoặc ghi tệp",
        }[type(exc)]
        err.print(f"lỗi: {what} {exc.filename}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


# What a command line finds wrong with the files themselves, in Vietnamese (the problems
# inside an assessment keep the words of docgen.scoring, with their field and cell).
_FILE_PROBLEMS = (
    ("cannot be read: No such file or directory", "không có tệp này"),
    ("cannot be read: Is a directory", "đây là thư mục, không phải tệp"),
    ("cannot be read: Permission denied", "không có quyền đọc tệp"),
    ("cannot be read:", "không đọc được tệp:"),
    ("no assessment files found", "không tìm thấy tệp chấm điểm nào"),
    ("no assessment in the file", "tệp không có phiếu chấm điểm của đơn vị nào"),
)


def _file_problem(message: str) -> str:
    for english, vietnamese in _FILE_PROBLEMS:
        if message.startswith(english):
            return vietnamese + message.removeprefix(english)
    return message


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it: what a user would type."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def points(value: Any) -> str:
    """A score as the tables print it: Vietnamese decimals, a dash for none."""
    return "—" if value is None else vn.number(value)
