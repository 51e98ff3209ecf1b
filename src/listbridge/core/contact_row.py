"""What a Constant Contact contact holds, in the shape a push sends it (`map_account`'s row).

A link made by an import (or matched by e-mail) carries no fingerprint of a push. The
contact's own row stands in for one: an account whose mapped row equals its contact's
costs no API call, so a push right after an import writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from listbridge.core.accounts import Account
from listbridge.core.cc_records import CcContact
from listbridge.core.contact_fields import crm_fields
from listbridge.core.mapping import (
    CUSTOM_VALUE_LIMIT,
    MappingPolicy,
    cut_at_word,
    fingerprint,
    map_account,
)


def contact_row(
    contact: CcContact, custom: Mapping[str, str], policy: MappingPolicy
) -> dict[str, str]:
    """The row a push of an account made from this contact would send.

    `custom` is the contact's custom field values by the CC field's name (the import's
    `cf:` key). Going through the import's own field table and then the push's mapping
    makes the two directions agree by construction (phones by kind, one address, the
    state written as `push.state_format` says).
    """
    v = crm_fields(contact)
    account = Account(
        contact.contact_id, email=contact.email, first_name=v.get("first_name", ""),
        last_name=v.get("last_name", ""), company_name=v.get("company_name", ""),
        title=v.get("title", ""), phone1=v.get("phone1", ""), phone2=v.get("phone2", ""),
        phone3=v.get("phone3", ""), fax=v.get("fax", ""),
        address_line1=v.get("address_line1", ""), city=v.get("city", ""),
        state=v.get("state", ""), zip=v.get("zip", ""), country=v.get("country", ""),
    )  # fmt: skip
    # The same fields left out as the push leaves out, or a contact's address would
    # differ from an account that sends none, every push.
    row = dict(map_account(account, replace(policy, custom=())).row)
    for pair in policy.custom:
        value = custom.get(pair.cc_field, "").strip()
        if value:
            row[f"cf:{pair.cc_field}"] = cut_at_word(value, CUSTOM_VALUE_LIMIT)
    return row


def contact_fingerprint(
    contact: CcContact, custom: Mapping[str, str], policy: MappingPolicy
) -> str:
    return fingerprint(contact_row(contact, custom, policy), ())
