"""An up-to-date store opens without Alembic (store/schema_revision.py): the newest
revision by the scripts' names is Alembic's own head, and any other schema still goes
through Alembic, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine

from listbridge.store.db import open_store
from listbridge.store.migrate import _scripts, downgrade, head_revision, revisions
from listbridge.store.schema_revision import VERSIONS, at_newest, newest_revision

MODULES_AFTER_OPENING = """
import json, sys
from listbridge.store.db import open_store
open_store(sys.argv[1]).close()
print(json.dumps(sorted(sys.modules)))
"""


def test_the_newest_revision_by_name_is_alembics_head(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert newest_revision() == head_revision(engine) == revisions()[-1]
    engine.dispose()


def test_every_script_is_named_by_its_revision() -> None:
    scripts = list(_scripts().walk_revisions())
    named = {Path(s.path).name.split("_", 1)[0]: s.revision for s in scripts}
    assert all(prefix == revision for prefix, revision in named.items()), named
    on_disk = {p.name for p in VERSIONS.glob("*.py") if p.name != "__init__.py"}
    assert len(on_disk) == len(scripts), "a script Alembic does not see, or one unnamed"


def test_at_newest_only_when_the_schema_is(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        assert not at_newest(engine), "a new store has no revision"
        open_store(db_url).close()
        assert at_newest(engine)
        downgrade(engine, revisions()[-2])
        assert not at_newest(engine), "one revision older"
        open_store(db_url).close()  # Alembic brings it up again
        assert at_newest(engine)
    finally:
        engine.dispose()


def test_opening_an_up_to_date_store_imports_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    open_store(url).close()
    done = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER_OPENING, url],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    modules = set(json.loads(done.stdout))
    assert "listbridge.store.db" in modules
    assert not {m for m in modules if m == "alembic" or m.startswith("alembic.")}
