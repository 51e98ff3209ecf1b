"""The five jobs' worlds for the fault tests.

The people look like a small charity's CRM: a couple sharing one address, the same
address in two spellings of case, names with accents, an opted-out donor, a deceased
one, a do-not-contact one. Each scenario prepares its world in a fresh round without
faults, then names the command that is run under one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.reliability.faults_support import Round

from listbridge.constant_contact.models import ContactBody
from listbridge.core.accounts import Account

PEOPLE = (
    Account("p1", first_name="Ann", last_name="Archer", email="ann@example.org", state="MA"),
    Account("p2", first_name="Bob", last_name="Baker", email="Bob@Example.org", state="MA"),
    Account("p3", first_name="Bobby", last_name="Baker", email=" bob@example.org"),
    Account("p4", first_name="Chloé", last_name="Cœur", email="chloé@example.org", state="MA"),
    Account("p5", first_name="Dan", last_name="Dunn", email="dan@example.org", email_opt_out=True),
    Account("p6", first_name="Eve", last_name="Evans", email="eve@example.org", deceased=True),
    Account("p7", first_name="Fay", last_name="Fox", email="fox.home@example.org", state="MA"),
    Account("p8", first_name="Gus", last_name="Fox", email="fox.home@example.org", state="MA"),
    Account("p9", first_name="Zoë", last_name="Ångström", email="zoe@example.org", state="MA"),
    Account(
        "p10", first_name="Hal", last_name="Hill", email="hal@example.org", do_not_contact=True
    ),
    Account("p11", first_name="Ines", last_name="Ibarra", email="ines@example.org"),
    Account("p12", first_name="Jo", last_name="Jones", email="jo@example.org", state="MA"),
)

#: contacts already in Constant Contact: (address, first, last, unsubscribed)
CONTACTS = (
    ("ann@example.org", "Ann", "Archer", False),
    ("kai@example.org", "Kai", "Kōno", False),
    ("lea@example.org", "Léa", "Leclerc", True),
    ("mo@example.org", "Mo", "Müller", False),
    ("nia@example.org", "Nia", "N'Diaye", False),
    ("oli@example.org", "Oli", "Øster", False),
    ("pat@example.org", "Pat", "Price", False),
    ("info@example.org", "", "", False),  # a role address: reported, not imported
)
RATES = {"open": 0.5, "click": 0.2, "forward": 0.1, "bounce": 0.15, "optout": 0.15}


@dataclass(frozen=True)
class Scenario:
    #: the kind of the job's run (`runs ls`)
    kind: str
    prepare: Callable[[Round], None]
    command: tuple[str, ...]


def _cc_contacts(r: Round, list_name: str) -> None:
    list_id = r.add_list(list_name)
    client = r.cc.client()
    for email, first, last, unsubscribed in CONTACTS:
        body = {
            "email_address": {"address": email, "permission_to_send": "implicit"},
            "first_name": first,
            "last_name": last,
            "create_source": "Account",
            "list_memberships": [list_id],
        }
        contact, _ = client.create_contact(ContactBody.model_validate(body))
        if unsubscribed:
            r.cc.control.post(f"/contacts/{contact.contact_id}/unsubscribe").raise_for_status()


def _push_world(r: Round) -> None:
    r.add_accounts(*PEOPLE)
    r.add_list("News")


def _import_world(r: Round) -> None:
    r.add_accounts(*PEOPLE[:3])
    _cc_contacts(r, "News")


def _lists_world(r: Round) -> None:
    r.add_accounts(*PEOPLE)
    r.add_list("All")
    r.ok("push", "--list", "All", "--json")
    r.ok("lists", "create", "Members")
    r.ok("lists", "bind", "Members", "--where", 'state = "MA"')


def _unsubscribes_world(r: Round) -> None:
    r.add_accounts(*PEOPLE)
    r.add_list("News")
    r.ok("push", "--list", "News", "--json")
    links = r.links()
    for account_id in ("p1", "p4"):  # each unsubscribes through a link in an e-mail
        r.cc.control.post(f"/contacts/{links[account_id]}/unsubscribe").raise_for_status()
    for account_id in ("p9", "p12"):  # staff set the opt-out in the CRM
        r.crm.set_email_opt_out(account_id, True, reason="asked by phone")


def _stats_world(r: Round) -> None:
    _cc_contacts(r, "News")
    r.ok("import", "--json")
    body = {"name": "Spring appeal", "list_ids": [r.lists["News"]], "rates": RATES, "seed": 7}
    r.cc.control.post("/campaigns/send", json=body).raise_for_status()


SCENARIOS = {
    "push": Scenario("push", _push_world, ("push", "--list", "News", "--json")),
    "import": Scenario("import", _import_world, ("import", "--json")),
    "lists": Scenario(
        "lists", _lists_world, ("lists", "sync", "Members", "--direction", "both", "--json")
    ),
    "unsubscribes": Scenario(
        "unsubscribes", _unsubscribes_world, ("unsubscribes", "sync", "--json")
    ),
    "stats": Scenario("stats", _stats_world, ("stats", "pull", "--json")),
}
