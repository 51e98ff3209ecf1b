"""API calls of a 10,000-contact push through the Constant Contact client, with and
without a 429 storm (30% of requests refused), against the emulator over loopback.

    ./dev bench cc_push_calls [--contacts N] [--storm 0.3]

The push is the client's share of one: read lists and custom fields, create the target
list, bulk-import the contacts (batched to the 4 MB limit), poll the activity, and page
through the list's members (500 a page) to link contact ids back.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from listbridge.constant_contact import oauth
from listbridge.constant_contact.bulk import Bulk, DictMemo
from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.config import ClientConfig
from listbridge.constant_contact.http import ApiSession
from listbridge.constant_contact.limiter import Limiter
from listbridge.constant_contact.polling import Poller
from listbridge.constant_contact.ports import MemoryVault
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.testing import running_emulator


def login(config: ClientConfig) -> MemoryVault:
    pending = oauth.begin(config)
    with httpx.Client() as http:
        code = oauth.code_from_redirect(pending, oauth.follow_authorize(http, pending))
        return MemoryVault(oauth.exchange(http, config, pending, code, datetime.now(UTC)))


def push(client: ConstantContact, contacts: int, run: str) -> int:
    list(client.iter_lists())
    list(client.iter_custom_fields())
    target = client.create_list(f"Push {run}")
    rows = [{"email": f"p{i}.{run}@example.org", "first_name": f"P{i}"} for i in range(contacts)]
    Bulk(client, DictMemo(), Poller(first=0.5, cap=5)).import_contacts(run, rows, [target.list_id])
    return sum(1 for _ in client.iter_contacts(lists=target.list_id))


def measure(base: str, contacts: int, storm: float, run: str) -> dict[str, Any]:
    config = ClientConfig(
        client_id="bench", api_base=f"{base}/v3", auth_base=f"{base}/oauth2/default/v1"
    )
    with httpx.Client(base_url=f"{base}/__emulator__") as control:
        control.post("/counters/reset").raise_for_status()
        control.post("/faults", json={"rate_429": storm}).raise_for_status()
        session = ApiSession(config, login(config), limiter=Limiter(config.rate_per_second))
        client = ConstantContact(session)
        started = time.monotonic()
        linked = push(client, contacts, run)
        seconds = time.monotonic() - started
        client.close()
        control.post("/faults", json={}).raise_for_status()
        counters = control.get("/counters").json()
    return {
        "storm_429_rate": storm,
        "contacts_linked": linked,
        "api_calls_sent": session.stats.attempts,
        "answered_429": session.stats.statuses[429],
        "retries": session.stats.retries,
        "limiter_pauses": session.limiter.pauses,
        "emulator_counted": counters["total"],
        "by_endpoint": counters["by_endpoint"],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--storm", type=float, default=0.3)
    args = parser.parse_args()
    with running_emulator(EmulatorConfig(auto_approve=True, testing_controls=True)) as base:
        calm = measure(base, args.contacts, 0.0, "calm")
        storm = measure(base, args.contacts, args.storm, "storm")
    print(json.dumps({"without_storm": calm, "with_storm": storm}, indent=2))


if __name__ == "__main__":
    main()
