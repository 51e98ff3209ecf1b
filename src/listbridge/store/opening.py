"""Why a database cannot be opened, in a sentence that names it (its password masked).

A wrong `--db` is bad input (exit 2), not a bug of ours; yet the driver's own words
("file is not a database", "unable to open database file", "Connection refused",
"Can't locate revision") name neither the database nor what to do about it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from listbridge.core.errors import UserError
from listbridge.store.schema_revision import at_newest


def describe(url: str) -> str:
    """A SQLite file by its path; any other database by its URL with the password masked."""
    parsed = make_url(url)
    if _sqlite_file(url):
        return str(parsed.database)
    return parsed.render_as_string(hide_password=True)


def require_directory(url: str) -> None:
    """SQLite creates a missing file but not a missing directory: say which one is missing."""
    if not _sqlite_file(url):
        return
    directory = Path(str(make_url(url).database)).parent
    if not directory.is_dir():
        raise UserError(
            f"directory {directory} does not exist, so the database {describe(url)} cannot "
            "be opened there; create the directory or give --db another path"
        )


def check_openable(engine: Engine) -> bool:
    """Read the schema's revision once, so that a database we cannot use fails here,
    clearly. True when the schema is at our newest revision (nothing to migrate)."""
    url = engine.url.render_as_string(hide_password=False)
    try:
        if at_newest(engine):
            return True
        # Alembic only now: a new store, an older schema or another application's
        from listbridge.store.migrate import current_revision, is_known_revision

        revision = current_revision(engine)
    except DBAPIError as error:
        raise UserError(_unopenable(url, error)) from None
    if revision is not None and not is_known_revision(engine, revision):
        raise UserError(
            f"{describe(url)} is not a listbridge database: its schema is at revision "
            f"{revision!r}, which listbridge does not know (another application's database, "
            "or one a newer listbridge has upgraded)"
        )
    return False


def _unopenable(url: str, error: DBAPIError) -> str:
    detail = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    where = describe(url)
    if url.startswith("sqlite"):
        if "not a database" in detail:
            return f"{where} is not a listbridge database (SQLite: {detail})"
        return f"cannot open the SQLite database {where}: {detail}"
    if isinstance(error, OperationalError):
        return f"cannot reach PostgreSQL at {where}: {detail}"
    return f"cannot read the database at {where}: {detail}"


def _sqlite_file(url: str) -> bool:
    """A SQLite URL naming a plain file path (not :memory:, not a file: URI)."""
    parsed = make_url(url)
    database = parsed.database or ""
    return (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
        and "uri" not in parsed.query
    )
