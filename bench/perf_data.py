"""The performance report's CRM: N accounts that look like a real CRM's, and the changes
its steps make. Run as a child (`python bench/perf_data.py fill DB N`, …) so that the
report's own process stays small and each job's peak RSS is its own.

The people: households sharing one e-mail (every 20th account), the same address in
another case (every 37th), 2% opted out, 1% without an e-mail, 3% organisations,
unicode names; a choice field "Member Level", Gold for 90%, Bronze for the rest.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from listbridge.core.accounts import Account, AccountType, FieldType
from listbridge.core.batching import IMPORT_MAX_BYTES, IMPORT_MAX_CONTACTS
from listbridge.core.mapping import MappingPolicy, map_account
from listbridge.crm.builtin import writes
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.builtin.records import FieldCatalog
from listbridge.store.connections import connection_id
from listbridge.store.db import open_store

LEVEL = "Member Level"
CHUNK = 50_000
FIRST = ("Anna", "José", "Zoë", "Łukasz", "Øyvind", "Mei", "Siobhán", "Jürgen", "Amélie",
         "Kwame", "Priya", "Olu", "François", "Ines", "Dmitrij", "Haruto", "Nguyễn", "Lars",
         "Ayşe", "Tom")  # fmt: skip
LAST = ("Müller", "García", "O'Brien", "Nakamura", "Kowalski", "Smith", "Dubois", "Øberg",
        "Ndiaye", "Rossi", "Janssen", "Papadopoulos", "Li", "Fernández", "Byrne",
        "Weiß")  # fmt: skip
CITIES = (("Springfield", "IL", "62701", "US"), ("Montréal", "QC", "H2X 1Y4", "CA"),
          ("Köln", "", "50667", "DE"), ("Dublin", "", "D02 X285", "IE"))  # fmt: skip


def account_id(i: int) -> str:
    return f"crm-{i:07d}"


def email_of(i: int) -> str:
    """Every 20th account shares its household's address (the previous one's); every 37th
    writes the previous one's address in upper case; 1% have none."""
    if i % 100 == 99:
        return ""
    if i % 20 == 19:
        return email_of(i - 1)
    if i % 37 == 36:
        return email_of(i - 1).upper()
    return f"{FIRST[i % len(FIRST)].lower()}.{i}@example-{i % 97}.org"


def level_of(i: int) -> str:
    return "Bronze" if i % 10 == 9 else "Gold"


def account(i: int, now: datetime) -> Account:
    city, state, zip_, country = CITIES[i % len(CITIES)]
    organisation = i % 33 == 32
    return Account(
        account_id(i),
        type=AccountType.ORGANIZATION if organisation else AccountType.INDIVIDUAL,
        first_name="" if organisation else FIRST[i % len(FIRST)],
        last_name="" if organisation else LAST[(i // 7) % len(LAST)],
        company_name=f"Verein {LAST[i % len(LAST)]} e.V." if organisation else "",
        email=email_of(i), phone1=f"+1 555 {i % 10_000:04d}", title="Volunteer" if i % 4 else "",
        address_line1=f"{i % 400 + 1} {LAST[i % len(LAST)]} Street", city=city, state=state,
        zip=zip_, country=country, email_opt_out=i % 50 == 7, custom={LEVEL: level_of(i)},
        created_at=now, updated_at=now,
    )  # fmt: skip


def fill(db_url: str, n: int) -> dict[str, Any]:
    """Insert the N accounts in chunks; the push's payload floor of the eligible ones
    (an e-mail, not opted out, each address once whatever its case)."""
    store = open_store(db_url)
    cid = connection_id(store, "default")
    add_field(store, cid, LEVEL, FieldType.CHOICE, ("Gold", "Silver", "Bronze"))
    now = datetime.now(UTC)
    policy, seen, payload, eligible = MappingPolicy(), set[str](), 0, 0
    for start in range(0, n, CHUNK):
        chunk = [account(i, now) for i in range(start, min(n, start + CHUNK))]
        with store.session() as session:
            writes.insert_accounts(session, cid, chunk, FieldCatalog.read(session, cid))
        for a in chunk:
            key = a.email.lower()
            if not key or a.email_opt_out or key in seen:
                continue
            seen.add(key)
            eligible += 1
            row = dict(map_account(a, policy).row)
            payload += len(json.dumps(row, separators=(",", ":")).encode()) + 1
    by_bytes = math.ceil(payload / (IMPORT_MAX_BYTES - 200))  # 200: the body around the rows
    return {
        "accounts": n,
        "eligible_contacts": eligible,
        "payload_bytes": payload,
        "imports_minimum": max(by_bytes, math.ceil(eligible / IMPORT_MAX_CONTACTS)),
    }


def spread(n: int, k: int, offset: int = 0) -> list[int]:
    """k account numbers spread evenly over the N, from `offset`."""
    step = max(1, n // max(1, k))
    return [(offset + j * step) % n for j in range(k)]


def rename(db_url: str, n: int, k: int) -> dict[str, Any]:
    """The incremental push's change: k accounts' first names."""
    crm = _crm(db_url)
    for i in spread(n, k):
        crm.update_fields(account_id(i), {"first_name": "Changed"}, reason="bench")
    return {"changed": k}


def move_levels(db_url: str, n: int, k: int) -> dict[str, Any]:
    """The lists sync's change: k memberships of the Gold segment, half leaving
    (Gold → Bronze), half joining (Bronze → Gold)."""
    crm = _crm(db_url)
    golds = [i for i in spread(n, 4 * k, 3) if level_of(i) == "Gold"][: k - k // 2]
    joinable = [i for i in range(9, n, 10) if email_of(i) and i % 50 != 7]
    bronzes = joinable[:: max(1, len(joinable) // max(1, k // 2))][: k // 2]
    for i in golds:
        crm.update_fields(account_id(i), {f"custom.{LEVEL}": "Bronze"}, reason="bench")
    for i in bronzes:
        crm.update_fields(account_id(i), {f"custom.{LEVEL}": "Gold"}, reason="bench")
    return {"removed": len(golds), "added": len(bronzes)}


def opt_out_in_crm(db_url: str, n: int, k: int) -> dict[str, Any]:
    """k linked, subscribed accounts opt out in the CRM; the CC contact ids of k others
    (for the emulator to unsubscribe), none of them the same person."""
    crm = _crm(db_url)
    chosen: list[Account] = []
    emails: set[str] = set()
    for i in spread(n, 8 * k, 5):
        a = crm.get(account_id(i))
        if a and a.cc_contact_id and not a.email_opt_out and a.email.lower() not in emails:
            emails.add(a.email.lower())
            chosen.append(a)
        if len(chosen) == 2 * k:
            break
    for a in chosen[:k]:
        crm.set_email_opt_out(a.id, True, reason="bench")
    return {"crm": k, "cc_contact_ids": [a.cc_contact_id for a in chosen[k:]]}


def _crm(db_url: str) -> BuiltinCrm:
    store = open_store(db_url)
    return BuiltinCrm(store, connection_id(store, "default"))


def sample(n: int) -> list[Account]:
    """The first n accounts as the naive baseline sends them (in this process)."""
    now = datetime.now(UTC)
    return [replace(account(i, now), custom={}) for i in range(n)]


ACTIONS = {"fill": fill, "rename": rename, "move_levels": move_levels, "opt_out": opt_out_in_crm}

if __name__ == "__main__":
    action, db, *numbers = sys.argv[1:]
    print(json.dumps(ACTIONS[action](db, *map(int, numbers))))  # type: ignore[operator]
