"""A CSV download in pieces: a streamed response holds a piece at a time in memory, not
the whole file. The cells come already made safe (core/spreadsheet.py ``safe_cell``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

#: rows per piece of a streamed download
CHUNK_ROWS = 500


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[str]], per_chunk: int = CHUNK_ROWS
) -> Iterator[str]:
    """The header, then `rows`, as CSV text in pieces of `per_chunk` rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for written, cells in enumerate(rows, start=1):
        writer.writerow(cells)
        if written % per_chunk == 0:
            yield _drained(buffer)
    yield _drained(buffer)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
