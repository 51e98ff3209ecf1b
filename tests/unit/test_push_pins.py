"""What a push sends and stores, pinned to the values it had before planning was made
faster (issue 19): a fingerprint is stored in every link, so one that changed would make
every linked contact look changed and be sent again.

The pins were taken from the code as it was (commit 1eec3a7) and must never move: the
rows and fingerprints of a few accounts written out, and a digest of whole plans over a
few thousand accounts like a real CRM's (households, case variants, unicode names,
opt-outs, organisations, states by name and code, cut values, custom fields).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from listbridge.core.accounts import Account, AccountType, CustomValue
from listbridge.core.eligibility import why_not_pushed
from listbridge.core.mapping import MappedContact, MappingPolicy, fingerprint, map_account
from listbridge.core.push_plan import CcState, Plan, PushPolicy, plan_push
from listbridge.core.setting_values import FieldPair, StateFormat

CUSTOM = (
    FieldPair("Member Level", "custom.Member Level"),
    FieldPair("Joined", "custom.Joined"),
    FieldPair("Gift Total", "custom.Gift Total"),
    FieldPair("Volunteer", "custom.Volunteer"),
    FieldPair("Type", "individual_type"),
    FieldPair("Middle", "middle_name"),
)
FIRST = ("Anna", "José", "Zoë", "Łukasz", "Siobhán", "Nguyễn", "Mary Ann", "Jean-Luc", "Ayşe")
LAST = ("Müller", "O'Brien", "Øberg", "van der Berg", "Weiß", "Nguyễn-Tran", "Smith")
PLACES = (
    ("Springfield", "IL", "62701", "US"),
    ("Chicago", "Illinois", "60601", ""),
    ("Montréal", "QC", "H2X 1Y4", "CA"),
    ("Québec", "Québec", "G1R 4P5", "Canada"),
    ("Köln", "NW", "50667", "DE"),
    ("Dublin", "", "D02 X285", "IE"),
    ("Austin", "tx", "73301", "United States"),
    ("Nowhere", "Atlantis", "00000", "Neverland"),
    ("Sydney", "nsw", "2000", "Australia"),
)
LONG_TITLE = "Volunteer Coordinator for the Northern and Western Districts of the Region"
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


def _email(i: int) -> str:
    if i % 50 == 49:
        return ""
    if i % 20 == 19:
        return _email(i - 1)
    if i % 37 == 36:
        return _email(i - 1).upper()
    if i % 23 == 22:
        return f" {_email(i - 1)}  "
    if i % 97 == 5:
        return f"info@example-{i % 7}.org"
    if i % 89 == 3:
        return "not an address"
    return f"{FIRST[i % len(FIRST)].lower().replace(' ', '.')}.{i}@example-{i % 7}.org"


def _account(i: int) -> Account:
    city, state, zip_, country = PLACES[i % len(PLACES)]
    custom: dict[str, CustomValue] = {"Member Level": "Bronze" if i % 10 == 9 else "Gold"}
    if i % 3:
        custom["Joined"] = date(2010, 1, 1) + timedelta(days=i * 13 % 4000)
        custom["Gift Total"] = Decimal(i % 997) / 4
        custom["Volunteer"] = i % 5 == 0
    organisation = i % 33 == 32
    return Account(
        f"crm-{i:05d}",
        type=AccountType.ORGANIZATION if organisation else AccountType.INDIVIDUAL,
        first_name="" if organisation else FIRST[i % len(FIRST)],
        middle_name="Q." if i % 9 == 0 else "",
        last_name="" if organisation else LAST[(i // 7) % len(LAST)],
        company_name=f"Verein {LAST[i % len(LAST)]} e.V." if organisation or i % 6 == 0 else "",
        email=_email(i), phone1=f"+1 555 {i % 10_000:04d}",
        phone2=f"(555) 01{i % 100:02d}" if i % 2 else "", phone3="555-0199" if i % 5 == 0 else "",
        fax=" 555-0100 " if i % 11 == 0 else "",
        title=LONG_TITLE if i % 41 == 0 else ("Volunteer" if i % 4 else ""),
        address_line1=f"{i % 400 + 1} {LAST[i % len(LAST)]} Street", city=city, state=state,
        zip=zip_, country=country, individual_type="Donor" if i % 7 else "",
        email_opt_out=i % 50 == 7, do_not_contact=i % 211 == 5, deceased=i % 503 == 3,
        custom=custom, created_at=EPOCH + timedelta(minutes=i % 300) if i % 13 else None,
    )  # fmt: skip


ACCOUNTS = [_account(i) for i in range(3000)]
POLICIES = {
    "names": PushPolicy(("L1",), mapping=MappingPolicy(StateFormat.NAME, CUSTOM)),
    "codes": PushPolicy(("L1",), mapping=MappingPolicy(StateFormat.CODE, CUSTOM[:2])),
    "no address": PushPolicy(
        ("L1",), mapping=MappingPolicy(include_address=False, include_company=False)
    ),
}


def _linked(policy: PushPolicy) -> dict[str, CcState]:
    """Every pushable account linked; some stored before (with lists, or everything sent),
    some changed since, some unsubscribed, some with another address."""
    links: dict[str, CcState] = {}
    for n, a in enumerate(ACCOUNTS):
        if why_not_pushed(a, policy.role_local_parts) is not None:
            continue
        row = dict(map_account(a, policy.mapping).row)
        lists: tuple[str, ...] = ()
        if n % 100 == 1:
            row["first_name"] = "Before"
        if n % 17 == 2:
            lists = ("L1",)
        if n % 29 == 4:
            row = dict(map_account(a, policy.mapping.sending_everything()).row)
        email = f"old.{n}@example.org" if n % 71 == 8 else a.email.strip().lower()
        links[a.id] = CcState(
            f"cc-{n}", unsubscribed=n % 61 == 6, list_ids=frozenset({"L1"} if n % 3 else ()),
            fingerprint=fingerprint(row, lists) if n % 43 else "", email=email,
        )  # fmt: skip
    return links


def _sent(contact: MappedContact) -> tuple[object, ...]:
    return (list(contact.row.items()), contact.warnings)


def _digest(plans: list[Plan]) -> str:
    """Every action, warning, count and fingerprint of the plans, in their order."""
    lines = []
    for p in plans:
        creates = [(c.account_id, _sent(c.contact), c.list_ids) for c in p.creates]
        updates = [(u.account_id, u.contact_id, _sent(u.contact), u.list_ids, u.email_changed)
                   for u in p.updates]  # fmt: skip
        skips = (p.not_pushed, p.failed_subscriptions, p.warnings)
        counts = (p.already_linked, p.unchanged, p.considered)
        stored = (sorted(p.fingerprints.items()), sorted(p.refreshed.items()))
        moves = (p.links, p.subscribes, p.unsubscribes, p.deletes)
        lines.append(repr((creates, updates, moves, skips, counts, stored)))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _plans(policy: PushPolicy, links: dict[str, CcState]) -> list[Plan]:
    existing = {"anna.0@example-0.org": CcState("cc-found", first_name="Anna")}
    return [
        plan_push(ACCOUNTS[start : start + 700], links, existing, policy)
        for start in range(0, len(ACCOUNTS), 700)
    ]


PLAN_DIGESTS = {
    ("names", "empty"): "57536708195ecedcbf5af04307f3113c8f394562246001b10e466cca1170a876",
    ("names", "linked"): "ae06b9812518e75a34e6f4388c575ed90aca66ed6885f1abd29d0a51fac339fc",
    ("codes", "empty"): "1a3eda7f52e44505d128f2574a1c703481d9a4596bce62bf8a87bd37ec6c40a2",
    ("codes", "linked"): "b3558f07fb1be156d2719f59ec893d90c2253ab62bd251fbb08b87ffac8afc8d",
    ("no address", "empty"): "eb7a8ebd33a9b8def907ac342a7177b1671a9a1143b3db0e2b382e150c11a474",
    ("no address", "linked"): "107ac5ee51244280b02c3c6c0246c38bcc7baa9688cb8992ee8d74bcc91dfdd8",
}


@pytest.mark.parametrize(("policy", "state"), sorted(PLAN_DIGESTS))
def test_whole_plans_are_what_they_were(policy: str, state: str) -> None:
    chosen = POLICIES[policy]
    links = _linked(chosen) if state == "linked" else {}
    assert _digest(_plans(chosen, links)) == PLAN_DIGESTS[(policy, state)]


#: (fields alone, fields with the lists ("L1", "L0")) of a few accounts, by policy
FINGERPRINTS = {
    ("names", 0): ("b13dd44cd25d250d34fbee7b829c26b1", "9bad3fcc4858647c748d040fcaad0dd5"),
    ("names", 22): ("13dc7469d3d646633cd174448816f0c9", "1cf8caa9c792b887f03ce3f6d64ddf01"),
    ("names", 36): ("6cbea034cc459d4a4888e5886c1bb007", "24a671d69d6e4427ab025fc676a26e04"),
    ("names", 41): ("7ad2f59a41802c5ed9bc4dcd62442394", "20a9b4544e5dea4cf19fb0b63add919b"),
    ("names", 55): ("58c5561c53a1e0e90f4a3eb1ecb63ba1", "5d7ddb31b4e5b35730008f77cec182e5"),
    ("codes", 0): ("7064b2813d2a0174f8574310d945e74f", "75f8ad3b973356ab781eb0c101f3d612"),
    ("codes", 22): ("5d2202cca429235448781e7c2d8cc730", "eeb52fa18bee0c077c60861bcbbcb788"),
    ("codes", 36): ("064b6ef27a33806e5c4bac1c6ac0fe08", "69a0f71244b04b97baaea81d510c6e2e"),
    ("codes", 41): ("72e947946e93c57ca95f8a993bdd759c", "609d5f490a1d05972adbc26be599b79a"),
    ("codes", 55): ("3e2e8c84c9041a79dabeedd915405ba2", "fc0653a4631d1dbbc9b221cfdf972014"),
    ("no address", 0): ("3d3f047286bf71f8218876657d83532f", "9923ae0f41ebd1d8f00873bb01b31c3b"),
    ("no address", 22): ("9dd71bd2c2c239c1b832efb3d30cdb8a", "4ba2d33c14f17b553d3f0fdd03a5fc87"),
    ("no address", 36): ("54b31aed05f884145b6a63c4c1d18ced", "0954b986e217dfe102890b2c8d69dbbe"),
    ("no address", 41): ("d0bd29d715061ea11837cf9f3cb1bab9", "f841cdbb3558693529222617a000f390"),
    ("no address", 55): ("88f1a0859960e5bf60e5c73700ac4bec", "a95f54e1b5af2c9a0c7e1a9c75e8dd0d"),
}


@pytest.mark.parametrize(("policy", "index"), sorted(FINGERPRINTS))
def test_fingerprints_are_what_they_were(policy: str, index: int) -> None:
    row = map_account(ACCOUNTS[index], POLICIES[policy].mapping).row
    assert (fingerprint(row, ()), fingerprint(row, ("L1", "L0"))) == FINGERPRINTS[(policy, index)]


def test_a_row_with_every_kind_of_value_is_what_it_was() -> None:
    """A unicode address, a state by name made a code, a date, the fourth phone left behind."""
    mapped = map_account(ACCOUNTS[55], POLICIES["codes"].mapping)
    assert list(mapped.row.items()) == [
        ("email", "josé.55@example-6.org"), ("first_name", "José"), ("last_name", "Müller"),
        ("job_title", "Volunteer"), ("home_phone", "+1 555 0055"), ("work_phone", "(555) 0155"),
        ("mobile_phone", "555-0199"), ("street", "56 Smith Street"), ("city", "Chicago"),
        ("zip", "60601"), ("state", "IL"), ("cf:Member Level", "Gold"),
        ("cf:Joined", "2011-12-17"),
    ]  # fmt: skip
    assert [(w.field, w.message, w.dropped) for w in mapped.warnings] == [
        ("other_phone", "other_phone '555-0100' not sent: Constant Contact keeps at most 3 "
         "phones", True),
    ]  # fmt: skip


def test_a_cut_title_and_a_state_name_are_what_they_were() -> None:
    mapped = map_account(ACCOUNTS[0], POLICIES["names"].mapping)
    assert mapped.row["job_title"] == "Volunteer Coordinator for the Northern and"
    assert mapped.row["state"] == "Illinois"
    assert [w.message for w in mapped.warnings] == [
        "job_title longer than 50 characters: sent as 'Volunteer Coordinator for the Northern and'"
    ]
