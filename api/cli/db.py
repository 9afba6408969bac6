"""`hoso db`: the registry's database. Thin: `upgrade` calls `api.registry.db.upgrade` on the
configured
database (HOSO_DATABASE_URL, default SQLite in the data folder) and says where it stands."""

from __future__ import annotations

import typer

from api.cli.console import errors, out
from api.settings import get_settings

db_app = typer.Typer(help="The registry's database (SQLite or PostgreSQL).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring the database to the latest schema (creating it when it is a new SQLite file).

    Safe to run again; every command that needs the registry does it first anyway."""
    from api.registry import db

    url = get_settings().database()
    with errors():
        revision = db.upgrade(url)
    out.print(f"Cơ sở dữ liệu {db.shown_url(url)}: phiên bản {revision} (mới nhất)", markup=False)
