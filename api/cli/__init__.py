"""The `hoso` commands (`api.cli.main:app`): parse, call `api.workflow`, print in Vietnamese.

Never a second implementation of a use case.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # `hoso = "api.cli:app"` (pyproject's console script, and the scripts pip already wrote)
    if name == "app":
        from api.cli.main import app

        return app
    raise AttributeError(name)
