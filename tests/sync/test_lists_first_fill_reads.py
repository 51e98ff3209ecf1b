"""A list's first fill reads Constant Contact's contacts once (issue 19: 3,517 pages of
`GET /contacts` at 1,000,000 accounts where 1,760 hold every contact).

The first list job reads every contact (it has no cursor yet). Its additions go through the
push, which looks up the address of each unlinked account it is given (more than 20: a scan
of every contact page again). Those the push must refuse in any case are not given to it
(sync/lists/refusals.py): among them the household member of an opted-out account, whose
address is held for both. A CRM that folds case in SQL may fold ASCII letters only
(SQLite's `lower()`) and not find `ZOË.H1@…` for `zoë.h1@…`: then the member was given
to the push, which found no opted-out housemate either, looked the address up and
subscribed it."""

from __future__ import annotations

from dataclasses import replace

from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.lists_support import cc_members, pushed_and_bound, reset_counters, sync
from tests.sync.test_lists_incremental_calls import OTHERS, mail, member, others_in_cc

MEMBERS = [f"m{i}" for i in range(24)]
#: pushed contacts and the others in CC, all read by the first list job (status=all)
EVERY_CONTACT_PAGE = -(-(OTHERS + 30) // 500)
HELD = "opted-out or do-not-contact account"
#: a member's address, which an opted-out housemate writes in capitals
HELD_ADDRESSES = {"zoë": "zoë.h1@example.org", "siobhán": "siobhán.h2@example.org"}


def crm_with_households(scene: Scene) -> dict[str, str]:
    """24 members in MA (m7 opted out); an opted-out housemate writing zoë.h1's address
    in capitals, another siobhán.h2's; a partner sharing m3's address, a twin writing
    m5's in capitals. Names → ids."""
    first = [member(n, email_opt_out=n == "m7") for n in MEMBERS]
    first += [
        member("m20", id="zoë", email=HELD_ADDRESSES["zoë"], first_name="Zoë"),
        member("m21", id="siobhán", email=HELD_ADDRESSES["siobhán"], first_name="Siobhán"),
    ]
    later = [
        replace(first[-2], id="zoë-housemate", email="ZOË.H1@EXAMPLE.ORG", email_opt_out=True,
                first_name="Łukasz"),
        replace(first[-1], id="siobhán-housemate", email="SIOBHÁN.H2@EXAMPLE.ORG",
                email_opt_out=True, first_name="Mei"),
        replace(first[3], id="m3-partner", first_name="Partner"),
        replace(first[5], id="m5-twin", email=first[5].email.upper(), first_name="Twin"),
    ]  # fmt: skip
    for batch in (first, later):
        made = scene.add_accounts(batch)
        scene.ids.update(zip((a.id for a in batch), made, strict=True))
    return scene.ids


@edge
def test_a_first_fill_reads_every_contact_once(scene: Scene) -> None:
    others_in_cc(scene)
    ids = crm_with_households(scene)
    pushed_and_bound(scene)

    reset_counters(scene)
    fill = sync(scene, "Members", direction="crm_to_cc", extra=("--confirm",))
    said = {e["account_id"]: e["reason"] for e in fill["errors"]}
    for name in ("zoë", "siobhán"):
        assert HELD in said[ids[name]], said
        assert (
            scene.cc.state.contacts.find_email(f"{name}.h{1 + (name != 'zoë')}@example.org") is None
        )
    on_list = {e.lower() for e in cc_members(scene, "Members")}
    assert not {"zoë.h1@example.org", "siobhán.h2@example.org"} & on_list
    # m7 opted out; m3's and m5's households on it once each (the one the push linked)
    assert on_list == {mail(n) for n in MEMBERS if n != "m7"}
    calls: dict[str, int] = dict(scene.cc.counters()["by_endpoint"])
    polls = calls.pop("GET /v3/activities", 0) + calls.pop("GET /v3/activities/{activity_id}", 0)
    assert calls == {
        "GET /v3/contact_lists": 2,  # the job's, the push's
        # every contact once (the job has no cursor yet), then the push's consent first
        "GET /v3/contacts": EVERY_CONTACT_PAGE + 1,
        "POST /v3/activities/add_list_memberships": 1,
    }
    assert 1 <= polls <= 3
