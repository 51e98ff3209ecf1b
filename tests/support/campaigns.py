"""Building sent campaigns in a running emulator through its public controls."""

from __future__ import annotations

from typing import Any

import httpx

# Rates high enough that a couple of hundred recipients produce every kind of row.
BUSY_RATES = {"open": 0.5, "click": 0.2, "forward": 0.1, "bounce": 0.1, "optout": 0.05}


def seed(control: httpx.Client, **counts: int) -> dict[str, Any]:
    answer = control.post("/seed", json=counts)
    answer.raise_for_status()
    created: dict[str, Any] = answer.json()
    return created


def send(
    control: httpx.Client,
    list_ids: list[str],
    name: str = "Spring newsletter",
    rates: dict[str, float] | None = None,
    seed_value: int = 7,
) -> dict[str, Any]:
    body = {"name": name, "list_ids": list_ids, "rates": rates or BUSY_RATES, "seed": seed_value}
    answer = control.post("/campaigns/send", json=body)
    answer.raise_for_status()
    sent: dict[str, Any] = answer.json()
    return sent


def all_pages(api: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a paged report, following ``_links.next.href`` and refusing a loop."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    answer = api.get(path, params=params)
    while True:
        answer.raise_for_status()
        page = answer.json()
        rows.extend(page[key])
        href = page.get("_links", {}).get("next", {}).get("href")
        if not href:
            return rows
        assert href not in seen, f"cursor loop at {href}"
        assert href.startswith("/v3/"), href
        seen.add(href)
        answer = api.get(href.removeprefix("/v3"))
