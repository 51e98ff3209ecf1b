"""What both sides hold after a job, by address (ids differ between rounds): Constant
Contact's live contacts, the CRM's accounts, the links between them, the CRM's list
members and the campaign rows pulled; and the duplicates none of them may hold."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select
from tests.sync.conftest import Scene

from listbridge.store.models import CampaignEvent, CcCampaign

Snapshot = dict[str, Any]


def snapshot(scene: Scene) -> Snapshot:
    """Both sides by address: CC's contacts, the CRM's accounts, the links between them,
    the CRM's list members and the campaign rows pulled."""
    accounts = scene.accounts()
    by_id = {a.id: a for a in accounts}
    with scene.cc.state.lock:
        names = {i: lst.name for i, lst in scene.cc.state.lists.items()}
        contacts = [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]
        emails = {c.contact_id: (c.email or "").lower() for c in contacts}
        cc = sorted(
            (emails[c.contact_id], c.first_name or "", c.last_name or "", c.permission,
             tuple(sorted(names.get(i, i) for i in c.lists or ())), bool(c.taggings))
            for c in contacts
        )  # fmt: skip
    return {
        "cc": cc,
        "crm": sorted(_person(a) for a in accounts),
        "links": sorted(
            (_person(by_id[a])[:3], emails.get(c, f"gone {c}"))
            for a, c in scene.links().items()
            if a in by_id
        ),
        "crm_lists": {
            name: sorted(_person(by_id[m])[:3] for m in scene.crm.list_members(name) if m in by_id)
            for name in scene.crm.lists()
        },
        "campaign_rows": _campaign_rows(scene, emails),
    }


def _person(account: Any) -> tuple[Any, ...]:
    return (account.email.strip().lower(), account.first_name, account.last_name,
            account.email_opt_out, account.do_not_contact, account.deceased)  # fmt: skip


def _campaign_rows(scene: Scene, emails: dict[str, str]) -> list[tuple[str, str, str, bool]]:
    with scene.store.session() as session:
        names = dict(session.execute(select(CcCampaign.campaign_id, CcCampaign.name)).all())
        rows = session.execute(
            select(
                CampaignEvent.campaign_id,
                CampaignEvent.kind,
                CampaignEvent.cc_contact_id,
                CampaignEvent.account_id,
            )
        ).all()
    counted = Counter(
        (str(names.get(c, c)), kind, emails.get(contact, contact), account is not None)
        for c, kind, contact, account in rows
    )
    return sorted((*key, n) for key, n in counted.items())  # type: ignore[misc]


def run_statuses(scene: Scene) -> list[str]:
    answer = scene.cli("runs", "ls", "--json")
    assert answer.exit_code == 0, answer.output
    runs = json.loads(answer.stdout)
    return [r["status"] for r in sorted(runs, key=lambda r: r["run_id"])]


def assert_no_duplicates(scene: Scene) -> None:
    """One live CC contact an address, one link a contact, one account a link."""
    with scene.cc.state.lock:
        emails = [(c.email or "").lower() for c in scene.cc.state.contacts.by_id.values()
                  if not c.is_deleted]  # fmt: skip
    assert len(emails) == len(set(emails)), Counter(emails).most_common(3)
    links = scene.links()
    assert len(set(links.values())) == len(links)


def difference(found: Snapshot, wanted: Snapshot) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(set(found) | set(wanted)):
        a, b = found.get(key), wanted.get(key)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            out[key] = {
                "extra": [x for x in a if x not in b],
                "missing": [x for x in b if x not in a],
            }
        else:
            out[key] = {"found": a, "wanted": b}
    return out
