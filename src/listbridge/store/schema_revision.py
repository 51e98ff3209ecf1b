"""Whether a store's schema is at our newest migration, read without Alembic.

Nearly every opening of the store (each command, each worker, the web admin) finds the
schema up to date. Asking Alembic costs its import and a read of every migration script
(about 0.15 s an opening); the newest revision is the largest number among the scripts'
file names (`0024_….py` is revision "0024": tests/integration/test_schema_revision.py
holds the two to Alembic's own head), and the stored one is one row of
`alembic_version`. Anything else (a new store, an older schema, another application's
history) goes to Alembic as before (store/migrate.py, store/opening.py)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, text

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_SCRIPT = re.compile(r"(\d{4})_\w+\.py")


@cache
def newest_revision() -> str:
    """The revision of the newest migration script, by its file name."""
    numbers = [m.group(1) for p in VERSIONS.iterdir() if (m := _SCRIPT.fullmatch(p.name))]
    return max(numbers)


def at_newest(engine: Engine) -> bool:
    """Whether the schema is at `newest_revision` (False for a store with none yet)."""
    with engine.connect() as conn:
        if not conn.dialect.has_table(conn, "alembic_version"):
            return False
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return stored == [newest_revision()]
