"""`crm load`: a CRM file into the builtin CRM, all of it or (by default) none of it.

One transaction covers the whole file: rows are validated and written batch by
batch as the file streams in; at the first invalid row writing stops (the rest
is still validated, for a complete report) and, unless invalid rows may be
skipped, the transaction is rolled back, so a bad file changes nothing. The accounts
it creates are journaled by one entry of its own (store/journal.py), written last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from listbridge.core.errors import InvalidRowsError, RowError
from listbridge.core.few_collections import few_collections
from listbridge.core.row_columns import ColumnRows, RecordBlock
from listbridge.core.rows import RawRow, RowValidator, ValidRow
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.crm.builtin.bulk import variable_limit
from listbridge.crm.builtin.files import read_chunks
from listbridge.crm.builtin.fresh import ReadyColumns
from listbridge.crm.builtin.load_options import FileReport, ReadOptions
from listbridge.crm.builtin.load_tuning import ACCOUNTS_ASIDE, IndexesAside, load_cache
from listbridge.crm.builtin.prefetch import prefetched
from listbridge.crm.builtin.records import Clock, FieldCatalog, utc_now
from listbridge.crm.builtin.upsert import BatchWriter, Tally
from listbridge.store.db import Store
from listbridge.store.journal import load_entry, record_changes
from listbridge.store.runs import add_run_errors, finish_run, start_run

RUN_KIND = "crm_load"
#: rows a chunk: a power of two, so a chunk's accounts are whole statements of
#: bulk.MOST_ROWS_PER_STATEMENT rows, none of the smaller ones a remainder takes
BATCH = 4096
Progress = Callable[[int], None]


@dataclass(frozen=True)
class LoadResult:
    run_id: int
    created: int
    updated: int
    unchanged: int
    invalid: int
    errors: tuple[RowError, ...] = field(default=(), repr=False)
    #: what the reader found: a CSV file's encoding and delimiter, the header's columns
    report: FileReport = field(default_factory=FileReport, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
        }


@dataclass
class _Options:
    skip_invalid: bool
    clock: Clock
    batch: int
    progress: Progress | None


def load_file(
    store: Store,
    connection_id: int,
    path: Path,
    *,
    started_by: str,
    skip_invalid: bool = False,
    clock: Clock = utc_now,
    batch: int = BATCH,
    progress: Progress | None = None,
    read: ReadOptions | None = None,
) -> LoadResult:
    """Load `path`; raises InvalidRowsError (nothing stored) unless `skip_invalid`."""
    report = FileReport()
    chunks = read_chunks(path, batch, read, report)
    run_id = start_run(store, connection_id, RUN_KIND, started_by)
    options = _Options(skip_invalid, clock, batch, progress)
    try:
        with few_collections():
            tally = _load(store, connection_id, run_id, path, chunks, options)
    except InvalidRowsError as error:
        _finish(store, run_id, RunStatus.FAILED, Tally(), error.errors)
        raise
    except BaseException as error:
        finish_run(store, run_id, RunStatus.FAILED, {}, message=f"{type(error).__name__}: {error}")
        raise
    status = RunStatus.PARTIAL if tally.errors else RunStatus.SUCCEEDED
    _finish(store, run_id, status, tally, tally.errors)
    return LoadResult(
        run_id,
        tally.created,
        tally.updated,
        tally.unchanged,
        tally.invalid,
        tuple(tally.errors),
        report,
    )


def _load(
    store: Store,
    connection_id: int,
    run_id: int,
    path: Path,
    chunks: Iterable[RecordBlock | list[RawRow]],
    options: _Options,
) -> Tally:
    with store.session() as session, load_cache(session):
        catalog = FieldCatalog.read(session, connection_id)
        writer = BatchWriter(session, connection_id, run_id, catalog, path.name, options.clock())
        validator = RowValidator(catalog.defs)
        connection = session.connection()
        aside = IndexesAside(connection, ACCOUNTS_ASIDE)
        dialect = connection.dialect
        limit = variable_limit(connection) if dialect.name == "sqlite" else 0
        made = _made_ready(writer, validated(validator, iter(chunks)), dialect, limit)
        # Reading, validating and making the INSERTs ready in a thread of their own while
        # SQLite writes the chunk before (its driver lets the other thread run meanwhile).
        with prefetched(made) as ready_chunks:
            for checked, ready in ready_chunks:
                _write_chunk(writer, checked, ready, options)
                aside.after(writer.tally.created)
        if writer.tally.errors and not options.skip_invalid:
            raise InvalidRowsError(writer.tally.errors)
        aside.rebuild()
        _journal_created(session, writer)
        return writer.tally


def _journal_created(session: Session, writer: BatchWriter) -> None:
    """The load's one entry for every account it created (each marked with its run)."""
    if writer.tally.created:
        entry = load_entry(writer.reason, writer.now, writer.tally.created)
        record_changes(session, writer.connection_id, writer.run_id, [entry])


#: a chunk validated: its rows as columns when all are valid, else each row's result
Checked = ColumnRows | list[ValidRow | list[RowError]]


def validated(
    validator: RowValidator, chunks: Iterator[RecordBlock | list[RawRow]]
) -> Iterator[Checked]:
    """Each chunk validated column by column; one with any doubt, row by row, which names
    every reason. (No database here: reading and validating alone.)"""
    for chunk in chunks:
        if isinstance(chunk, RecordBlock):
            block = validator.validate_block(chunk)
            raws = _raw_rows(chunk) if block is None else []
        else:
            block, raws = validator.validate_columns(chunk), chunk
        yield block if block is not None else [validator.validate(raw) for raw in raws]


def _made_ready(
    writer: BatchWriter, checked: Iterator[Checked], dialect: Dialect, limit: int
) -> Iterator[tuple[Checked, ReadyColumns | None]]:
    """Each chunk, with its INSERTs made ready where that needs no database (this runs in
    the prefetch thread, which never touches the connection: `limit` is
    `bulk.variable_limit`, asked beforehand)."""
    for chunk in checked:
        ready = writer.ready(chunk, dialect, limit) if isinstance(chunk, ColumnRows) else None
        yield chunk, ready


def _write_chunk(
    writer: BatchWriter, checked: Checked, ready: ReadyColumns | None, options: _Options
) -> None:
    """Valid rows as columns go in as they are; row by row, the valid rows are written
    and the invalid ones counted. After the first invalid row nothing more is written,
    unless invalid rows may be skipped."""
    writing = options.skip_invalid or not writer.tally.errors
    if isinstance(checked, ColumnRows):
        if writing:
            writer.write_columns(checked, ready)
    else:
        batch: list[ValidRow] = []
        for result in checked:
            if isinstance(result, list):
                writer.tally.refuse(result)
            elif options.skip_invalid or not writer.tally.errors:
                batch.append(result)
        writer.write(batch)
    if options.progress is not None:
        options.progress(len(checked))


def _raw_rows(block: RecordBlock) -> list[RawRow]:
    """The block's rows as `read_rows` gives them, for the row path."""
    header, source = block.header, block.source
    pairs = zip(block.numbers, block.records, strict=True)
    return [RawRow(source, n, dict(zip(header, r, strict=True))) for n, r in pairs]


def _finish(
    store: Store, run_id: int, status: RunStatus, tally: Tally, errors: list[RowError]
) -> None:
    counts = {
        "created": tally.created,
        "updated": tally.updated,
        "unchanged": tally.unchanged,
        "invalid": tally.invalid or len({e.row for e in errors}),
    }
    add_run_errors(store, run_id, (_error_row(e) for e in errors))
    message = f"{len(errors)} invalid value(s)" if errors else ""
    finish_run(store, run_id, status, counts, message=message)


def _error_row(error: RowError) -> ErrorRow:
    return ErrorRow(
        reason=f"{error.source}: {error.reason}",
        # Truncated to the run_errors columns: an over-long id is itself a reported error.
        account_id=error.record_id[:100],
        field=error.column[:200],
        row=error.row,
    )
