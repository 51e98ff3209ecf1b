"""The fewest API calls Constant Contact's documented bulk limits allow for each step's work
(/work/shared/docs/constant-contact-v3-facts.md §4, §7; docs/constant-contact-client.md):
a JSON import carries ≤ 39,999 contacts and ≤ 4,000,000 bytes; an id-based list activity
≤ 500 contact ids; a read page ≤ 500 records. Every activity needs at least one poll of
GET /activities/{id}, counted apart (`polls`), except where a step can wait for a set of
independent activities together: one page of GET /activities (≤ 500 activities) shows
them all, so such a set needs ≥ 1 poll per 500 (the initial push). Each minimum says how
it was computed."""

from __future__ import annotations

import math
from typing import Any

from stats_pull import least_calls

PAGE = 500
IDS = 500


def pages(records: int) -> int:
    return max(1, math.ceil(records / PAGE))


def initial_push(
    fill: dict[str, Any],
    sent: int | None = None,
    created: int | None = None,
    *,
    list_known: bool = False,
    tag_exists: bool = False,
) -> dict[str, Any]:
    """`sent`: the contacts the push sent (created or matched), when known; the payload
    is scaled to them from the eligible accounts' (the push refuses some, e.g. a second
    account of a shared address). `created`: the new contacts among them (all, when not
    known). The same work as the push: import the rows; learn the new contacts' ids (a JSON
    import answers none, so they are read back, a page of 500 at a time); tag them with
    `push.tag` (contacts_taggings_add, ≤ 500 ids; the import carries no tags).

    What the work needs besides, and no client can do without: the id of the list it is
    told by name (`--list All`: the benchmark made the list in CC, so the store does not
    know it: one page of GET /contact_lists, unless `list_known`), and the tag the new
    contacts carry, when CC has none of that name (one POST /contact_tags, unless
    `tag_exists`). Not counted, because a client could do without them: a read of CC's
    contacts before the import (they are learnt after it from what it changed) and of
    CC's opt-outs (an import does not resubscribe).

    Polls: the imports are independent of each other, and so are the taggings, so each set
    can be waited for together with pages of GET /activities (≤ 500 activities a page).
    The taggings wait on the imports (their ids are read after the imports end), so there
    are at least two waits: ≥ ceil(imports / 500) + ceil(taggings / 500) polls."""
    n = sent or fill["eligible_contacts"]
    new = n if created is None else created
    payload = fill["payload_bytes"] * n // fill["eligible_contacts"]
    imports = max(math.ceil(payload / (4_000_000 - 200)), math.ceil(n / 39_999))
    learn = math.ceil(new / PAGE)
    tags = math.ceil(new / IDS)
    lists = 0 if list_known else 1
    tag = 1 if new and not tag_exists else 0
    polls = math.ceil(imports / PAGE) + math.ceil(tags / PAGE)
    return {
        "calls": imports + learn + tags + lists + tag,
        "polls": polls,
        "how": f"{n:,} contacts sent, {payload:,} bytes of rows: "
        f"max(ceil(bytes / 4 MB), ceil(contacts / 39,999)) = {imports} JSON imports "
        f"+ ceil({new:,} new / 500) = {learn} pages of GET /contacts to learn their ids "
        f"+ ceil({new:,} / 500) = {tags} contacts_taggings_add (`push.tag`)"
        + (
            " + 1 GET /contact_lists (the id of the list named; the store does not know it)"
            if lists
            else ""
        )
        + (" + 1 POST /contact_tags (`push.tag` does not exist in CC yet)" if tag else "")
        + f" = {imports + learn + tags + lists + tag}; "
        f"≥ 1 collection poll (GET /activities, ≤ 500 a page) per set of activities "
        f"waited for together: ceil({imports} / 500) for the imports + ceil({tags} / 500) "
        f"for the taggings (they wait on the imports) = {polls}",
    }


def settle(size: dict[str, Any]) -> None:
    """The minimums of the pushes and the import from what the jobs report they did (a
    run's raw figures are corrected the same way when its report is written again)."""
    steps, fill = size["steps"], size["setup"]["fill"]
    push = steps.get("initial push")
    if push:
        r = push["result"]
        sent = sum(r.get(k) or 0 for k in ("created", "matched_existing", "already_linked"))
        if sent:
            _reprice(push, initial_push(fill, sent, r.get("created")))
    again = steps.get("incremental push (1%)")
    if again:
        _reprice(again, incremental_push(again["records"]))
    imported = steps.get("import (CC → CRM)")
    if imported and imported["result"].get("attempted"):
        imported["records"] = imported["result"]["attempted"]
        _reprice(imported, import_from_cc(imported["records"]))
    first = size["setup"].get("unsubscribes first run")
    if first and imported:
        first["records"] = imported["records"]  # every contact CC holds
        first["minimum"] = unsubscribes(first["records"], 0)
    for row in size["setup"].values():
        if isinstance(row, dict) and "minimum" in row:
            _reprice(row, row["minimum"])


def _reprice(row: dict[str, Any], minimum: dict[str, Any]) -> None:
    row["minimum"] = minimum
    least = minimum["calls"] + minimum["polls"]
    row["ratio"] = round(row["api_calls"] / max(1, least), 3)
    row["ratio_without_polls"] = round(
        (row["api_calls"] - row["polls"]) / max(1, minimum["calls"]), 3
    )
    if row["seconds"]:
        row["records_per_s"] = round(row["records"] / row["seconds"])


def incremental_push(changed: int) -> dict[str, Any]:
    """Besides the import, the push needs the journal's old values of the contacts it
    changes (`runs undo` puts them back). The link keeps what the last push left in CC
    (`cc_links.cc_fields`), so the fewest reads are CC's changes since then: at least one
    page of `GET /contacts?updated_after=` (none changed in between costs that page)."""
    imports = math.ceil(changed / 39_999)
    return {
        "calls": imports + 1,
        "polls": imports,
        "how": f"{changed:,} changed accounts: ceil({changed:,} / 39,999) = {imports} JSON "
        "import(s) + 1 page of the contacts changed in CC since the last push (the old "
        "values the journal records are kept with each link), ≥ 1 poll each import",
    }


def import_from_cc(contacts: int) -> dict[str, Any]:
    return {
        "calls": pages(contacts),
        "polls": 0,
        "how": f"{contacts:,} contacts read: ceil({contacts:,} / 500) = {pages(contacts)} "
        "pages of GET /contacts",
    }


def list_fill(members: int) -> dict[str, Any]:
    adds = math.ceil(members / IDS)
    return {
        "calls": adds,
        "polls": adds,
        "how": f"{members:,} members added: ceil({members:,} / 500) = {adds} "
        "add_list_memberships, ≥ 1 poll each",
    }


def lists_sync(added: int, removed: int) -> dict[str, Any]:
    adds, removes = math.ceil(added / IDS), math.ceil(removed / IDS)
    return {
        "calls": 1 + adds + removes,
        "polls": adds + removes,
        "how": f"1 page of the list's CC changes + ceil({added:,} / 500) add_list_memberships "
        f"+ ceil({removed:,} / 500) remove_list_memberships = {1 + adds + removes}, "
        "≥ 1 poll each activity",
    }


def unsubscribes(in_cc: int, in_crm: int) -> dict[str, Any]:
    """A CRM opt-out is a PUT of the contact (v3 has no bulk unsubscribe outside the partner
    API), and a PUT blanks the top-level properties it omits, so the contact is read first."""
    return {
        "calls": pages(in_cc) + 2 * in_crm,
        "polls": 0,
        "how": f"ceil({in_cc:,} contacts changed in CC / 500) = {pages(in_cc)} page(s) of "
        f"GET /contacts + {in_crm:,} × (GET + PUT /contacts/{{id}}) (no bulk unsubscribe "
        "outside the partner API; a PUT blanks the properties it omits)",
    }


def stats_pull(rows_by_report: list[int], campaigns: int) -> dict[str, Any]:
    least = least_calls(rows_by_report, campaigns, campaigns)
    return {
        "calls": least,
        "polls": 0,
        "how": f"{sum(rows_by_report):,} tracking rows in {len(rows_by_report)} reports: "
        "ceil(rows / 500) pages per report + summary pages + ceil(campaigns / 10) stats "
        f"calls + 2 per new campaign = {least}",
    }
