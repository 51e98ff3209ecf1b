"""Generated realistic data on both sides of a `scene`, and the properties every job keeps.

`load` puts a `listbridge.sample` sample in: the CRM accounts and lists through the CRM
protocol, the contacts through the API (our own client) and their unsubscribes through
the emulator's control (the contact's own action). Each account is as the connection's
CRM can hold it (`fitted`): a column it has no place for at its default, no custom
values where it has no custom fields, no organisation where it syncs people only. `Seen`
is the emulator's state at one moment; the checks compare two of them or look at one
with the CRM beside it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, replace
from typing import Any

import pytest
from tests.sync.conftest import Scene
from tests.sync.crms import CUSTOM_FIELDS, ORGANIZATIONS

from listbridge.constant_contact.models import ContactBody
from listbridge.constant_contact.polling import Poller
from listbridge.core.accounts import Account, AccountType
from listbridge.core.emails import match_key
from listbridge.crm.builtin.fields import add_field
from listbridge.sample import Sample, Sizes, generate

# Small by default (CI has two cores); bench/realistic_soak.py widens both.
SEEDS = [int(s) for s in os.environ.get("LISTBRIDGE_SAMPLE_SEEDS", "3,11").split(",")]
SIZES = Sizes(
    people=int(os.environ.get("LISTBRIDGE_SAMPLE_PEOPLE", "32")),
    organizations=int(os.environ.get("LISTBRIDGE_SAMPLE_ORGANIZATIONS", "4")),
    newcomers=int(os.environ.get("LISTBRIDGE_SAMPLE_NEWCOMERS", "6")),
)
#: "bad usage or bad input" (a guard that stopped, say) is a clear answer; 1 never is
CLEAR_EXITS = (0, 2)


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs poll bulk activities from 0.5 s up; the emulator finishes them in milliseconds.
    Polling from 20 ms keeps the many small runs here from waiting for nothing."""
    wait = Poller.wait

    def quick(self: Poller, *args: Any) -> Any:
        return wait(replace(self, first=0.02, cap=0.2), *args)

    monkeypatch.setattr(Poller, "wait", quick)


def load(scene: Scene, seed: int, *, crm_lists: bool = False) -> Sample:
    """The sample as loaded: its accounts as the CRM stored them, under the CRM's ids."""
    sample = generate(seed, SIZES)
    for name in sample.lists:
        scene.add_list(name)
    if scene.can(CUSTOM_FIELDS):
        for field in sample.fields:
            add_field(scene.store, scene.connection_id, field.name, field.type, field.choices)
    stored = {}
    for account in sample.accounts:
        if (held := fitted(scene, account)) is not None:
            stored[account.id] = scene.crm.create(held, reason="sample")
    for contact in sample.contacts:
        made, _ = scene.client.create_contact(ContactBody.model_validate(contact.body(scene.lists)))
        if contact.unsubscribed:
            scene.unsubscribe(made.contact_id)
    lists = {
        n: tuple(stored[i].id for i in ids if i in stored) for n, ids in sample.crm_lists.items()
    }
    if crm_lists:
        for name, ids in lists.items():
            scene.crm.create_list(name, reason="sample")
            scene.crm.add_to_list(name, list(ids), reason="sample")
    return replace(sample, accounts=tuple(stored.values()), crm_lists=lists)


def fitted(scene: Scene, account: Account) -> Account | None:
    """The account as the connection's CRM can hold it; None when it holds none such."""
    if account.type is AccountType.ORGANIZATION and not scene.can(ORGANIZATIONS):
        return None
    blank = Account("")
    lacking = {f.name: getattr(blank, f.name) for f in fields(Account) if not scene.keeps(f.name)}
    custom = account.custom if scene.can(CUSTOM_FIELDS) else {}
    return replace(account, **lacking, custom=custom)


def run_json(scene: Scene, *args: str) -> dict[str, Any] | None:
    """`listbridge ARGS --json`: its result, or None after a clear refusal (exit 2), which
    must have written nothing to Constant Contact. The tests here expect a result: their
    data is what real syncs meet, so a refusal fails them (with its message) too."""
    before = cc_seen(scene)
    answer = scene.cli(*args, "--json")
    assert answer.exit_code in CLEAR_EXITS, (args, answer.exit_code, answer.output)
    if answer.exit_code == 2:
        assert answer.output.strip(), "exit 2 without a word"
        assert "unexpected" not in answer.output, answer.output
        assert cc_seen(scene) == before, "a refused run wrote to Constant Contact"
        return None
    result: dict[str, Any] = json.loads(answer.stdout)
    return result


@dataclass(frozen=True)
class Seen:
    """A live CC contact: its address as matching sees it, its consent and its lists."""

    key: str
    unsubscribed: bool
    lists: frozenset[str]


def cc_seen(scene: Scene) -> dict[str, Seen]:
    with scene.cc.state.lock:
        contacts = [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]
        return {
            c.contact_id: Seen(
                match_key(c.email or ""), c.is_unsubscribed, frozenset(c.lists or ())
            )
            for c in contacts
        }


def one_contact_per_address(after: dict[str, Seen]) -> None:
    keys = [seen.key for seen in after.values()]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def one_link_per_contact(scene: Scene, after: dict[str, Seen]) -> dict[str, Account]:
    """No contact linked to two accounts, every link to a live contact; links by contact."""
    links = scene.links()
    linked = [(links[a.id], a) for a in scene.accounts() if a.id in links]
    by_contact = dict(linked)
    assert len(by_contact) == len(linked), "a contact is linked to two accounts"
    assert set(by_contact) <= set(after), "a link to a contact that does not exist"
    return by_contact


def opted_out_keys(accounts: list[Account]) -> set[str]:
    """Every address of an account that is opted out or do-not-contact."""
    blocked = (a for a in accounts if a.email_opt_out or a.do_not_contact)
    return {match_key(e) for a in blocked for e in a.emails}


def nobody_opted_out_subscribed(
    before: dict[str, Seen], after: dict[str, Seen], blocked: set[str]
) -> None:
    """A job never subscribes an opted-out person: an address opted out in the CRM or a
    contact unsubscribed in CC gains no list, and no one unsubscribed comes back; an
    address opted out in the CRM is not created in CC."""
    for contact_id, now in after.items():
        then = before.get(contact_id)
        if then is None:
            assert now.key not in blocked, f"created {now.key}, opted out in the CRM"
            continue
        if then.unsubscribed:
            assert now.unsubscribed, f"{now.key} re-subscribed"
            assert not now.lists, f"{now.key}, unsubscribed, put on a list"
        if now.key in blocked:
            assert now.lists <= then.lists, f"{now.key}, opted out in the CRM, put on a list"


def the_crm_keeps_cc_opt_outs(by_contact: dict[str, Account], after: dict[str, Seen]) -> None:
    """unsubscribe.cc_to_crm (default true): a linked account of an unsubscribed contact
    is opted out once a job that reads consent has run."""
    for contact_id, account in by_contact.items():
        if after[contact_id].unsubscribed:
            assert account.email_opt_out, f"{account.id} linked to an unsubscribed contact"


def pairs_agree(by_contact: dict[str, Account], after: dict[str, Seen]) -> None:
    """After an unsubscribes sync every linked pair agrees: the opt-out won on both sides."""
    differ = crm_opt_outs_not_in_cc(by_contact, after)
    assert not differ, f"opted out in the CRM, subscribed in CC: {differ}"


def crm_opt_outs_not_in_cc(by_contact: dict[str, Account], after: dict[str, Seen]) -> list[str]:
    """The linked accounts opted out in the CRM whose contact is still subscribed."""
    return sorted(
        a.id for c, a in by_contact.items() if a.email_opt_out and not after[c].unsubscribed
    )


def errors_have_reasons(result: dict[str, Any], key: str) -> None:
    for error in result["errors"]:
        assert error.get(key), error
        assert error["reason"].strip(), error
