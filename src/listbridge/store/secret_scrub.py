"""After ``secrets rotate``: no copy of a secret under the old key is left in the database.

Re-encrypting a row leaves its previous bytes behind: SQLite keeps the old page in the
WAL and the old cell in the page's free space, PostgreSQL keeps the old row version until
a vacuum. Anyone holding the old key and a copy of the database file would read the
tokens and the client secret from those leftovers, so rotation rebuilds what held them.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from listbridge.core.errors import UserError
from listbridge.store.db import Store

#: the tables whose rows hold encrypted secrets (store/tokens.py, store/crm_choice.py)
SECRET_TABLES = ("cc_accounts", "crm_choices")


def scrub_old_ciphertext(store: Store) -> None:
    """Rebuild the storage that held secrets, so that only the current rows remain.

    SQLite: VACUUM rewrites every page from the live rows, then a truncating checkpoint
    moves them into the database file and empties the WAL. PostgreSQL: VACUUM FULL writes
    the secret tables anew (they are small) and drops their old files."""
    if store.engine.dialect.name == "sqlite":
        _scrub_sqlite(store)
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in SECRET_TABLES:
            conn.execute(text(f'VACUUM FULL "{table}"'))


_BUSY = (
    "the secrets are re-encrypted under the new key, but another process is using the "
    "database, so it still holds copies under the old key: stop the other listbridge "
    "processes and run `listbridge secrets rotate` again"
)


def _scrub_sqlite(store: Store) -> None:
    # The driver's own connection: VACUUM cannot run in the transaction SQLAlchemy begins.
    raw = store.engine.raw_connection()
    try:
        sqlite = raw.driver_connection
        assert sqlite is not None
        sqlite.execute("VACUUM")
        busy, _frames, _moved = sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError as error:  # locked past the busy timeout
        raise UserError(f"{_BUSY} ({error})") from error
    finally:
        raw.close()
    if busy:
        raise UserError(_BUSY)
