"""The demo's CRM half: the sample's accounts, loaded as a file through `crm load`'s code.

A run, a journal and every row validated, as for any file a user loads; the
custom fields are defined first, typed, so a load does not define them as text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from listbridge.crm.builtin.fields import add_field, list_fields
from listbridge.crm.builtin.load import LoadResult, load_file
from listbridge.sample import demo_sample
from listbridge.sample.files import write_file
from listbridge.store.db import Store


def write_sample_file(directory: Path) -> Path:
    """The demo's CRM as a file `crm load` takes (`sample_crm.csv` in `directory`)."""
    return write_file(demo_sample(), directory)


def load_sample_crm(store: Store, connection_id: int, *, started_by: str) -> LoadResult:
    """Define the sample's custom fields (typed), then load its accounts; ids already
    there are updated, so a second demo on the same database loads over the first."""
    known = {f.name for f in list_fields(store, connection_id)}
    for field in demo_sample().fields:
        if field.name not in known:
            add_field(store, connection_id, field.name, field.type, field.choices)
    with tempfile.TemporaryDirectory(prefix="listbridge-demo-") as directory:
        path = write_sample_file(Path(directory))
        return load_file(store, connection_id, path, started_by=started_by)
