"""The jobs the crash-resume tests kill, each with a world that looks like a real CRM's:
households sharing an address in another case, opted-out, deceased and do-not-contact
people, a role address, unicode names, an organization (where the CRM keeps them), a
contact already in Constant Contact and one unsubscribed there. Small: tens of accounts.
"""

from __future__ import annotations

import json
from typing import Any

from tests.reliability.crash_points import Job
from tests.sync.conftest import Scene
from tests.sync.crms import ORGANIZATIONS

from listbridge.core.accounts import Account, AccountType

NEWS = "News"
NAMES = (
    ("Zoë", "Müller"), ("Chloé", "Cœur"), ("José", "Núñez"), ("Ingrid", "Ødegård"),
    ("Wei", "李"), ("Siobhán", "Ó Briain"), ("Dmitri", "Волков"), ("Aiko", "Itō"),
    ("Mary", "O'Neil"), ("Jean-Luc", "Picard"), ("Ana", "da Silva"), ("Björn", "Åberg"),
    ("Fatima", "Al-Sayed"), ("Tomás", "Ruiz"), ("Grace", "Hopper"), ("Élodie", "Durand"),
)  # fmt: skip
RATES = {"open": 0.5, "click": 0.2, "forward": 0.1, "bounce": 0.15, "optout": 0.15}


def _people() -> list[Account]:
    """Individuals: one a name of NAMES, in Massachusetts every other one."""
    return [
        Account(f"P{n:02}", email=f"{first.lower()}.{n}@example.org", first_name=first,
                last_name=last, state="MA" if n % 2 else "NY")
        for n, (first, last) in enumerate(NAMES)
    ]  # fmt: skip


def _households(scene: Scene) -> list[Account]:
    people = [
        Account("H01", email="ann.orsted@example.org", first_name="Ann", last_name="Ørsted",
                state="MA"),
        Account("H02", email=" Ann.Orsted@Example.ORG", first_name="Erik", last_name="Ørsted",
                state="MA"),
        Account("H03", email="sam.ito@example.org", first_name="Sam", last_name="Itō"),
        Account("H04", email="SAM.ITO@example.org", first_name="Saki", last_name="Itō",
                email_opt_out=True),
        Account("H05", email="olaf.berg@example.org", first_name="Olaf", last_name="Berg",
                email_opt_out=True, state="MA"),
        Account("H06", email="info@example.org", first_name="Front", last_name="Desk"),
        Account("H07", email="kim.nguyen@example.org", first_name="Kim", last_name="Nguyen",
                state="MA"),
        Account("H08", email="lee.park@example.org", first_name="Lee", last_name="Park",
                state="MA"),
    ]  # fmt: skip
    if scene.keeps("deceased"):
        people.append(Account("H09", email="dead@example.org", first_name="Dora",
                              last_name="Gone", deceased=True, state="MA"))  # fmt: skip
    if scene.keeps("do_not_contact"):
        people.append(Account("H10", email="dnc@example.org", first_name="Dan",
                              last_name="Quiet", do_not_contact=True))  # fmt: skip
    if scene.can(ORGANIZATIONS):
        people.append(Account("O01", type=AccountType.ORGANIZATION, email="office@acme.example",
                              company_name="Acme Trust"))  # fmt: skip
    return people


def crm_world(scene: Scene) -> None:
    """The CRM's accounts; in CC the list News, Kim already there and Lee unsubscribed."""
    scene.add_list(NEWS)
    scene.add_contact("Kim.Nguyen@example.org", "Kim", "Nguyen")
    scene.add_contact("lee.park@example.org", "Lee", "Park", unsubscribed=True)
    scene.add_accounts([*_households(scene), *_people()])


def _ok(scene: Scene, *args: str) -> Any:
    answer = scene.cli(*args)
    assert answer.exit_code == 0, answer.output
    return json.loads(answer.stdout) if "--json" in args else answer.stdout


def pushed_world(scene: Scene) -> None:
    crm_world(scene)
    _ok(scene, "push", "--list", NEWS, "--json")


def import_world(scene: Scene) -> None:
    """CC's side full, the CRM's holding some of it: a person to match in another case,
    a household of two at one address (ambiguous), an opted-out contact, a role address."""
    scene.add_list(NEWS)
    for n, (first, last) in enumerate(NAMES):
        scene.add_contact(f"{first.lower()}.{n}@example.org", first, last, lists=(NEWS,),
                          unsubscribed=n % 7 == 3)  # fmt: skip
    scene.add_contact("ann.orsted@example.org", "Ann", "Ørsted", lists=(NEWS,))
    scene.add_contact("info@example.org", "Front", "Desk", lists=(NEWS,))
    scene.add_contact("kim.nguyen@example.org", "Kim", "Nguyen", lists=(NEWS,))
    scene.add_accounts([
        Account("H01", email="Ann.Orsted@example.org", first_name="Ann", last_name="Ørsted"),
        Account("H02", email="ann.orsted@example.org", first_name="Erik", last_name="Ørsted"),
        Account("H07", email="KIM.NGUYEN@example.org", first_name="Kim", last_name="Nguyen"),
    ])  # fmt: skip


def lists_world(scene: Scene) -> None:
    """Everyone pushed to News; the CRM list Members bound to Massachusetts, not yet filled."""
    pushed_world(scene)
    _ok(scene, "lists", "create", "Members")
    _ok(scene, "lists", "bind", "Members", "--where", 'state = "MA"')


def unsubscribes_world(scene: Scene) -> None:
    """Everyone pushed; then three unsubscribe in CC and three are opted out in the CRM."""
    pushed_world(scene)
    links = scene.links()
    accounts = sorted(links)
    for account_id in accounts[:3]:
        scene.unsubscribe(links[account_id])
    for account_id in accounts[3:6]:
        scene.opt_out_in_the_crm(account_id)


def stats_world(scene: Scene) -> None:
    """Everyone pushed, then a campaign sent to News with opens, clicks, bounces, opt-outs."""
    pushed_world(scene)
    body = {"name": "Spring appeal", "list_ids": [scene.lists[NEWS]], "rates": RATES, "seed": 5}
    scene.cc.control.post("/campaigns/send", json=body).raise_for_status()


PUSHED = ("created", "matched_existing", "already_linked")


def push_counts(found: dict[str, Any], unkilled: dict[str, Any]) -> None:
    """The re-run considers every account the unkilled run did; those pushed are linked
    (made by either run, found, or linked before), the same subscriptions fail."""
    every = (*PUSHED, "not_pushed")
    pair = (found, unkilled)
    assert sum(found[k] for k in every) == sum(unkilled[k] for k in every), pair
    assert sum(found[k] for k in PUSHED) == sum(unkilled[k] for k in PUSHED), pair
    assert found["failed_subscriptions"] == unkilled["failed_subscriptions"], pair


def import_counts(found: dict[str, Any], unkilled: dict[str, Any]) -> None:
    """Every contact the re-run reads is created, matched or not imported, the same ones
    not imported; it reads them all again, or, when the killed run had ended (killed after
    its last bookkeeping), those left pending alone."""
    pair = (found, unkilled)
    parts = found["created"] + found["matched"] + found["not_imported"]
    assert found["attempted"] == parts, pair
    assert found["not_imported"] == unkilled["not_imported"], pair
    assert found["attempted"] in (unkilled["attempted"], unkilled["not_imported"]), pair


JOBS = {
    "push": Job("push", crm_world, ("push", "--list", NEWS, "--json"), push_counts),
    "import": Job("import", import_world, ("import", "--json"), import_counts),
    "lists": Job("lists", lists_world, ("lists", "sync", "Members", "--json")),
    "unsubscribes": Job("unsubscribes", unsubscribes_world, ("unsubscribes", "sync", "--json")),
    "stats": Job("stats", stats_world, ("stats", "pull", "--json")),
}
