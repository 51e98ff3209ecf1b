"""``--state FILE``: the whole state in SQLite, loaded at start and saved on a timer and at exit.

One table of JSON rows per record kind keeps the file readable with the sqlite3 shell and
independent of Python's pickle. A save writes a fresh file and renames it over the old one,
so a crash mid-save leaves the previous state intact.
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from listbridge.core.errors import UserError
from listbridge.emulator.account_profile import dump_account, load_account
from listbridge.emulator.activities import Activity
from listbridge.emulator.model import Contact, ContactList, CustomField, Tag, Token
from listbridge.emulator.state import EmulatorState

KINDS: dict[str, Any] = {
    "contact": Contact,
    "list": ContactList,
    "custom_field": CustomField,
    "tag": Tag,
    "token": Token,
    "activity": Activity,
}


def save(state: EmulatorState, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with state.lock:  # copy under the lock; encode and write without holding it
        rows = list(_rows(state))
    encoded = ((kind, json.dumps(data, separators=(",", ":"))) for kind, data in rows)
    db = sqlite3.connect(tmp)
    try:
        db.execute("CREATE TABLE records (kind TEXT NOT NULL, data TEXT NOT NULL)")
        db.executemany("INSERT INTO records VALUES (?, ?)", encoded)
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)


def _rows(state: EmulatorState) -> Iterator[tuple[str, dict[str, Any]]]:
    groups: list[tuple[str, Iterable[Any]]] = [
        ("contact", state.contacts.by_id.values()),
        ("list", state.lists.values()),
        ("custom_field", state.custom_fields.values()),
        ("tag", state.tags.values()),
        ("token", state.tokens.values()),
        ("activity", state.activities.values()),
    ]
    for kind, records in groups:
        for record in records:
            yield kind, record.dump()
    for client_id, secret in state.clients.items():
        yield "client", {"client_id": client_id, "client_secret": secret}
    for export_id, text in state.exports.items():
        yield "export", {"id": export_id, "text": text}
    for name, extension in state.extensions.items():
        if hasattr(extension, "dump"):
            kind = f"{type(extension).__module__}:{type(extension).__qualname__}"
            yield "extension", {"name": name, "type": kind, "data": extension.dump()}
    yield "account", dump_account(state.account)
    yield "meta", {"sequence": state.sequence, "last_stamp": state.now()}


def fingerprint(state: EmulatorState) -> tuple[int, ...]:
    """Changes whenever something worth saving does (every change takes a new stamp)."""
    return (state.now(), len(state.tokens), len(state.clients), len(state.extensions))


class StateFileError(UserError):
    """The ``--state`` file cannot be used."""


def read_rows(path: Path) -> list[tuple[str, str]]:
    """Every record in the file; a file that is not an emulator state is a clear error."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT kind, data FROM records").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StateFileError(f"{path}: not an emulator state file ({exc})") from exc


def load(state: EmulatorState, path: Path) -> None:
    if not path.exists():
        return
    rows = read_rows(path)
    with state.lock:
        state.reset()
        contacts = [_restore(state, kind, json.loads(data)) for kind, data in rows]
        for contact in sorted(
            (c for c in contacts if isinstance(c, Contact)), key=lambda c: c.updated_at
        ):
            state.contacts.add(contact)
            for list_id in contact.lists or ():
                state.members.setdefault(list_id, set()).add(contact.contact_id)


def _restore(state: EmulatorState, kind: str, data: dict[str, Any]) -> Any:
    if kind == "meta":
        state.sequence = data["sequence"]
        state._last_stamp = data["last_stamp"]
        return None
    if kind == "client":
        state.clients[data["client_id"]] = data["client_secret"]
        return None
    if kind == "export":
        state.exports[data["id"]] = data["text"]
        return None
    if kind == "account":
        state.account = load_account(data)
        return None
    if kind == "extension":
        state.extensions[data["name"]] = extension_type(data["type"]).load(data["data"])
        return None
    record = KINDS[kind].load(data)
    if kind == "contact":
        return record
    targets: dict[str, dict[str, Any]] = {
        "list": state.lists,
        "custom_field": state.custom_fields,
        "tag": state.tags,
        "token": state.tokens,
        "activity": state.activities,
    }
    targets[kind][_key(kind, record)] = record
    return None


def extension_type(path: str) -> Any:
    """The class an extension was saved from; only emulator modules may be named."""
    module_name, _, qualname = path.partition(":")
    if not module_name.startswith("listbridge.emulator."):
        raise ValueError(f"state file names a foreign extension type {path!r}")
    return getattr(importlib.import_module(module_name), qualname)


KEYS = {
    "list": "list_id",
    "custom_field": "custom_field_id",
    "tag": "tag_id",
    "token": "value",
    "activity": "activity_id",
}


def _key(kind: str, record: Any) -> str:
    return str(getattr(record, KEYS[kind]))


class PeriodicSaver:
    """Saves every ``interval`` seconds on a daemon thread until stopped (then saves once more)."""

    def __init__(self, state: EmulatorState, path: Path, interval: float) -> None:
        self.state, self.path, self.interval = state, path, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emulator-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        saved = fingerprint(self.state)
        while not self._stop.wait(self.interval):
            current = fingerprint(self.state)
            if current != saved:  # a million idle contacts are not rewritten every minute
                save(self.state, self.path)
                saved = current

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        save(self.state, self.path)
