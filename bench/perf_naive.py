"""The naive baseline: one POST /contacts per account, its list membership in the body,
as an integration without the bulk endpoints would do it. Plain httpx on the emulator's
token, at most 4 requests a second when `paced` (Constant Contact's rate), a refused
request (429) retried after a second."""

from __future__ import annotations

import sys
import tempfile
import time
from typing import Any

import httpx

from common import run_job
from perf_data import sample
from perf_steps import Harness


def token(harness: Harness) -> str:
    run_job([*harness.cli, "connect", "--emulator", harness.base])
    return str(harness.control.get("/tokens").json()["access_tokens"][-1])


def body(account: Any, list_id: str) -> dict[str, Any]:
    return {
        "email_address": {"address": account.email, "permission_to_send": "implicit"},
        "first_name": account.first_name,
        "last_name": account.last_name,
        "company_name": account.company_name,
        "create_source": "Account",
        "list_memberships": [list_id],
    }


def run(base: str, accounts: int, paced: bool) -> dict[str, Any]:
    """Create the first `accounts` accounts' contacts one request each; calls by endpoint
    (the emulator's counters), wall seconds and contacts created."""
    with tempfile.TemporaryDirectory() as tmp:
        harness = Harness(base, f"sqlite:///{tmp}/naive.db")
        headers = {"Authorization": f"Bearer {token(harness)}"}
        harness.control.post("/counters/reset").raise_for_status()
        seen: set[str] = set()
        created = 0
        began = time.perf_counter()
        with httpx.Client(base_url=f"{base}/v3", headers=headers, timeout=60) as api:
            list_id = api.post("/contact_lists", json={"name": "Naive"}).json()["list_id"]
            for account in sample(accounts):
                key = account.email.lower()
                if not key or account.email_opt_out or key in seen:
                    continue
                seen.add(key)
                created += _create(api, body(account, list_id), paced)
        seconds = time.perf_counter() - began
        counters = harness.control.get("/counters").json()
    return {
        "accounts": accounts,
        "contacts_created": created,
        "api_calls": counters["total"],
        "by_endpoint": counters["by_endpoint"],
        "seconds": round(seconds, 1),
        "paced_at_4_per_s": paced,
    }


_last = 0.0


def _create(api: httpx.Client, payload: dict[str, Any], paced: bool) -> int:
    global _last
    while True:
        if paced:
            time.sleep(max(0.0, _last + 0.25 - time.perf_counter()))
            _last = time.perf_counter()
        answer = api.post("/contacts", json=payload)
        if answer.status_code == 429:
            time.sleep(1)
            continue
        if answer.status_code not in (200, 201, 409):
            sys.exit(f"naive create failed: {answer.status_code} {answer.text[:300]}")
        return 1 if answer.status_code != 409 else 0
