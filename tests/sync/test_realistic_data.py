"""Every job on realistic data (issue 12): households, case variants, people with two
addresses or two accounts, nicknames, role addresses, organisations, Unicode names,
deceased, do-not-contact and opted-out people, CC unsubscribes, CC-only contacts and
CRM-only accounts, from `listbridge.sample` with a few fixed seeds.

For each job, through the CLI with --json, on SQLite and PostgreSQL: exit 0 or a clear
2, never 1; one contact per address and one link per contact; every account or contact
accounted for; nobody opted out ends subscribed; a second run makes no write call.
bench/realistic_soak.py runs the same tests over more seeds and bigger samples.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.lists_support import reset_counters, writes
from tests.sync.realistic_support import (  # noqa: F401  (quick_polls: a fixture)
    SEEDS,
    Seen,
    cc_seen,
    crm_opt_outs_not_in_cc,
    errors_have_reasons,
    load,
    nobody_opted_out_subscribed,
    one_contact_per_address,
    one_link_per_contact,
    opted_out_keys,
    pairs_agree,
    quick_polls,
    run_json,
    the_crm_keeps_cc_opt_outs,
)

from listbridge.core.accounts import Account
from listbridge.core.push_plan import Reason
from listbridge.sample import Sample

seeded = pytest.mark.parametrize("seed", SEEDS)
pytestmark = pytest.mark.usefixtures("quick_polls")


def _checked(scene: Scene, before: dict[str, Seen], sample: Sample) -> dict[str, Account]:
    """The properties every job keeps; the links by contact id."""
    after = cc_seen(scene)
    one_contact_per_address(after)
    by_contact = one_link_per_contact(scene, after)
    nobody_opted_out_subscribed(before, after, opted_out_keys(list(sample.accounts)))
    return by_contact


def _second_run_writes_nothing(scene: Scene, *args: str) -> dict[str, Any] | None:
    reset_counters(scene)
    again = run_json(scene, *args)
    assert writes(scene) == {}, args
    return again


@seeded
def test_import(scene: Scene, seed: int) -> None:
    sample = load(scene, seed)
    before = cc_seen(scene)
    result = run_json(scene, "import")
    assert result is not None
    parts = ("created", "matched", "not_imported")
    assert result["attempted"] == sum(result[k] for k in parts) > 0
    assert len(result["errors"]) == result["not_imported"]
    errors_have_reasons(result, "cc_contact_id")
    by_contact = _checked(scene, before, sample)
    assert len(by_contact) == result["created"] + result["matched"]
    assert all(a.type == "individual" for a in by_contact.values()), "an organisation linked"
    the_crm_keeps_cc_opt_outs(by_contact, cc_seen(scene))
    accounts = scene.accounts()
    again = _second_run_writes_nothing(scene, "import")
    assert again is not None
    assert again["created"] == 0
    assert scene.accounts() == accounts, "a second import changed the CRM"


def _not_pushed(result: dict[str, Any]) -> set[str]:
    """The accounts reported as not pushed (a failed subscription is a pushed account's)."""
    failed = Reason.CONTACT_OPTED_OUT.message
    return {e["account_id"] for e in result["errors"] if not e["reason"].startswith(failed)}


@seeded
def test_push(scene: Scene, seed: int) -> None:
    sample = load(scene, seed)
    before = cc_seen(scene)
    result = run_json(scene, "push", "--list", "Newsletter")
    assert result is not None
    parts = ("created", "matched_existing", "already_linked", "not_pushed")
    assert sum(result[k] for k in parts) == len(sample.accounts)
    errors_have_reasons(result, "account_id")
    by_contact = _checked(scene, before, sample)
    linked = {a.id for a in by_contact.values()}
    not_pushed = _not_pushed(result)
    assert len(not_pushed) == result["not_pushed"]
    assert linked | not_pushed == {a.id for a in sample.accounts}
    assert not linked & not_pushed
    again = _second_run_writes_nothing(scene, "push", "--list", "Newsletter")
    assert again is not None
    assert again["already_linked"] == len(linked)
    assert again["created"] == again["matched_existing"] == 0


@seeded
def test_lists_sync(scene: Scene, seed: int) -> None:
    sample = load(scene, seed, crm_lists=True)
    before = cc_seen(scene)
    result = run_json(scene, "lists", "sync", "--direction", "both")
    assert result is not None
    by_contact = _checked(scene, before, sample)
    errors_have_reasons(result, "account_id")
    _members_accounted_for(scene, result, by_contact)
    _second_run_writes_nothing(scene, "lists", "sync", "--direction", "both")


def _members_accounted_for(
    scene: Scene, result: dict[str, Any], by_contact: dict[str, Account]
) -> None:
    """Each CRM list member is on the CC list of that name, or reported with a reason."""
    reported, seen = {e["account_id"] for e in result["errors"]}, cc_seen(scene)
    for name, list_id in scene.lists.items():
        if name not in scene.crm.lists():
            continue
        on_cc = {a.id for c, a in by_contact.items() if list_id in seen[c].lists}
        missing = set(scene.crm.list_members(name)) - on_cc - reported
        assert not missing, (name, sorted(missing))


@seeded
def test_unsubscribes_sync(scene: Scene, seed: int) -> None:
    sample = load(scene, seed)
    assert run_json(scene, "import") is not None
    assert run_json(scene, "push", "--list", "Newsletter") is not None
    _consent_changes(scene, random.Random(seed))
    before = cc_seen(scene)
    result = run_json(scene, "unsubscribes", "sync")
    assert result is not None
    errors_have_reasons(result, "account_id")
    by_contact = _checked(scene, before, sample)
    pairs_agree(by_contact, cc_seen(scene))
    again = _second_run_writes_nothing(scene, "unsubscribes", "sync")
    assert again is not None
    assert (again["crm_opted_out"], again["cc_unsubscribed"]) == (0, 0)


def _consent_changes(scene: Scene, rng: random.Random) -> None:
    """After the first syncs, a few linked people opt out in the CRM, a few in CC."""
    links = scene.links()
    linked = sorted(a for a in links if scene.crm.get(a) is not None)
    for account_id in rng.sample(linked, min(3, len(linked))):
        scene.crm.set_email_opt_out(account_id, True, reason="staff")
    seen = cc_seen(scene)
    subscribed = [a for a in linked if not seen[links[a]].unsubscribed]
    for account_id in rng.sample(subscribed, min(3, len(subscribed))):
        scene.unsubscribe(links[account_id])


@seeded
def test_sync_full(scene: Scene, seed: int) -> None:
    sample = load(scene, seed, crm_lists=True)
    before = cc_seen(scene)
    result = run_json(scene, "sync", "full")
    assert result is not None
    assert result["status"] in ("succeeded", "partial"), result
    by_contact = _checked(scene, before, sample)
    after = cc_seen(scene)
    the_crm_keeps_cc_opt_outs(by_contact, after)
    # an opt-out the CRM held before the import linked its pair reaches CC in the same run
    assert crm_opt_outs_not_in_cc(by_contact, after) == []
    _second_run_writes_nothing(scene, "sync", "full")


def test_a_crm_opt_out_older_than_its_link_reaches_cc(scene: Scene) -> None:
    """The pair is linked after the reconciliation that read the account's opt-out: the
    next reconciliation takes the opt-out as news to the new pair."""
    scene.add_list("Newsletter")
    contact_id = scene.add_contact("ann@example.org", "Ann", "Lee", lists=("Newsletter",))
    ann = scene.add_account("A1", "ann@example.org", "Ann", "Lee", email_opt_out=True)
    assert run_json(scene, "unsubscribes", "sync") is not None  # the scheduler's, say
    assert run_json(scene, "import") is not None
    assert scene.contact_of(ann) == contact_id
    assert run_json(scene, "unsubscribes", "sync") is not None
    assert cc_seen(scene)[contact_id].unsubscribed


def test_a_person_signed_up_twice_is_pushed_without_a_refused_write(scene: Scene) -> None:
    """Ann signed up with her work address, then her home address; the import links the
    first (the other: "already linked to another contact"). The push keeps the linked
    contact's address instead of asking CC for a move it refuses (409) on every run."""
    scene.add_list("Newsletter")
    scene.add_contact("ann@work.example.com", "Ann", "Lee", lists=("Newsletter",))
    scene.add_contact("ann@example.org", "Ann", "Lee", lists=("Newsletter",))
    scene.add_account("A1", "ann@example.org", "Ann", "Lee", email2="ann@work.example.com")
    assert run_json(scene, "import") is not None
    first = run_json(scene, "push", "--list", "Newsletter")
    assert first is not None
    assert not [e for e in first["errors"] if e["reason"].startswith("update refused")]
    shown = scene.cli("runs", "show", str(first["run_id"]), "--json")
    assert "keeps its address" in shown.stdout
    _second_run_writes_nothing(scene, "push", "--list", "Newsletter")
