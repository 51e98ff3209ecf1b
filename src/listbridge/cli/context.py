"""What every command gets from the global options and the environment: the store, the
connection, and the process configuration read once at start (listbridge/config.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from listbridge.config import ProcessConfig
from listbridge.store.connections import connection_id
from listbridge.store.db import Store, open_store

if TYPE_CHECKING:
    from listbridge.sync.job import JobStart, Progress


@dataclass
class CliContext:
    db_url: str | None
    connection: str
    config: ProcessConfig
    _store: Store | None = field(default=None, repr=False)
    _connection_id: int | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        """The store, opened (and migrated) on first use only."""
        if self._store is None:
            self._store = open_store(self.db_url, config=self.config)
        return self._store

    @property
    def connection_id(self) -> int:
        if self._connection_id is None:
            self._connection_id = connection_id(self.store, self.connection)
        return self._connection_id

    def start(self, progress: Progress | None = None) -> JobStart:
        """How a command starts a job on its connection."""
        # Here, not at the top: the job layer (the Constant Contact client, every CRM) is
        # for the commands that run jobs, and every command imports this module (lazy.py).
        from listbridge.sync.job import JobStart, quiet

        return JobStart(self.store, self.connection_id, "cli", progress=progress or quiet)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def context(ctx: typer.Context) -> CliContext:
    """The CliContext of the root command, from any sub-command."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj
