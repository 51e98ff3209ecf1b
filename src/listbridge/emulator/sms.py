"""A contact's SMS channel: D:ContactSmsChannel in (POST/PUT /contacts), D:JmmlSmsChannel in
(sign_up_form), D:ContactResource.sms_channel out.

Stored on ``Contact.sms`` as a plain dict (times in microseconds) so it persists as it is.
Numbers are US numbers (dial code 1, ten digits), as the service's SMS imports state
(facts §9); an SMS number belongs to one live contact, like an e-mail address.
"""

from __future__ import annotations

import re
from typing import Any

from listbridge.emulator.errors import ApiError, bad_request
from listbridge.emulator.model import Contact
from listbridge.emulator.schemas import SignUpSmsChannelIn, SmsChannelIn
from listbridge.emulator.sms_history import record_change
from listbridge.emulator.state import EmulatorState

# The values of GET /contacts ``sms_status`` other than ``all``.
SMS_PERMISSIONS = ("explicit", "unsubscribed", "pending_confirmation", "not_set")
CONSENT_TYPES = ("promotional_sms",)
SMS_STATUSES = ("all", *SMS_PERMISSIONS)  # "Currently, only promotional_sms is supported."


class SmsChannel:
    """A validated SMS channel from a request, before it is stored."""

    def __init__(self, sms_address: str, consents: list[dict[str, Any]]) -> None:
        self.sms_address = sms_address
        self.consents = consents


def _us_number(digits: str, where: str) -> str:
    if not re.fullmatch(r"\d{10}", digits):
        raise bad_request(f"{where}: {digits!r} is not a ten-digit US number (dial code 1)")
    return digits


def from_post(body: SmsChannelIn) -> SmsChannel:
    """``full_sms_address`` is the number with its dial code: ``1`` and ten digits."""
    raw = body.full_sms_address.strip().removeprefix("+")
    if not re.fullmatch(r"1\d{10}", raw):
        raise bad_request(
            f"sms_channel.full_sms_address: {body.full_sms_address!r} is not a US number"
            " with its dial code (1 and ten digits, e.g. 17815551212)"
        )
    consents = _consents(
        [c.model_dump(exclude_none=True) for c in body.sms_channel_consents],
        "sms_channel.sms_channel_consents",
    )
    return SmsChannel(raw[1:], consents)


def from_sign_up(body: SignUpSmsChannelIn) -> SmsChannel:
    if body.dial_code.strip().removeprefix("+") != "1":
        raise bad_request(f"sms_channel.dial_code: {body.dial_code!r} is not 1 (US only)")
    if body.country_code.strip().upper() != "US":
        raise bad_request(f"sms_channel.country_code: {body.country_code!r} is not US")
    number = _us_number(re.sub(r"[-\s]", "", body.sms_address), "sms_channel.sms_address")
    consents = _consents(
        [c.model_dump(exclude_none=True) for c in body.sms_channel_consents],
        "sms_channel.sms_channel_consents",
    )
    return SmsChannel(number, consents)


def _consents(rows: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row["consent_type"] not in CONSENT_TYPES:
            raise bad_request(
                f"{where}[{i}].consent_type: {row['consent_type']!r} is not one of"
                f" {', '.join(CONSENT_TYPES)}"
            )
        if row["consent_type"] in seen:
            raise bad_request(f"{where}[{i}].consent_type: {row['consent_type']} sent twice")
        seen.add(row["consent_type"])
        if row["sms_consent_permission"] not in SMS_PERMISSIONS:
            raise bad_request(
                f"{where}[{i}].sms_consent_permission: {row['sms_consent_permission']!r} is"
                f" not one of {', '.join(SMS_PERMISSIONS)}"
            )
    return rows


def sms_permission(c: Contact) -> str:
    """The contact's promotional SMS permission; ``not_set`` without an SMS channel."""
    for row in (c.sms or {}).get("consents", ()):
        if row["consent_type"] == "promotional_sms":
            return str(row["sms_consent_permission"])
    return "not_set"


def find_sms(state: EmulatorState, sms_address: str) -> Contact | None:
    """The live contact holding the number, else a deleted one, else None."""
    deleted = None
    for c in state.contacts.by_id.values():
        if c.sms and c.sms["sms_address"] == sms_address:
            if not c.is_deleted:
                return c
            deleted = c
    return deleted


def check_owner(state: EmulatorState, c: Contact | None, channel: SmsChannel) -> None:
    """409 when another live contact holds the number (addresses are unique per contact)."""
    owner = find_sms(state, channel.sms_address)
    if owner is not None and owner is not c and not owner.is_deleted:
        raise ApiError(
            409,
            f"sms_channel: {channel.sms_address} already belongs to contact {owner.contact_id}",
        )


def set_sms(state: EmulatorState, c: Contact, channel: SmsChannel, source: str) -> None:
    """Store the channel on ``c`` (the caller checked ownership); a deleted contact holding
    the number gives it up."""
    owner = find_sms(state, channel.sms_address)
    if owner is not None and owner is not c:
        owner.sms = None
    now = state.now()
    old = c.sms or {}
    old_consents = {row["consent_type"]: row for row in old.get("consents", ())}
    consents = []
    new_number = old.get("sms_address") != channel.sms_address
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (stored, sent) to record
    for row in channel.consents:
        before = old_consents.get(row["consent_type"], {})
        kept = {
            "consent_type": row["consent_type"],
            "sms_consent_permission": row["sms_consent_permission"],
            "created_at": before.get("created_at", now),
            "updated_at": now,
        }
        for key in ("advertised_frequency", "advertised_interval"):
            if key in row:
                kept[key] = str(row[key])
        permission = row["sms_consent_permission"]
        changed = before.get("sms_consent_permission") != permission
        if permission == "explicit":
            kept["opt_in_date"] = before.get("opt_in_date") if not changed else now
        elif "opt_in_date" in before:
            kept["opt_in_date"] = before["opt_in_date"]
        if permission == "unsubscribed":
            kept["opt_out_date"] = before.get("opt_out_date") if not changed else now
        consents.append(kept)
        if changed or new_number:
            changes.append((kept, row))
    c.sms = {
        "sms_channel_id": old.get("sms_channel_id") or state.new_id(),
        "sms_address": channel.sms_address,
        "dial_code": "1",
        "country_code": "US",
        "create_source": old.get("create_source", source),
        "update_source": source,
        "consents": consents,
    }
    for kept, row in changes:  # the engagement history (sms_history) of each change
        record_change(state, c.contact_id, c.sms, kept, row)
