"""A contact's SMS consent history (D:SmsEngagementHistory), one record per consent change.

``sms.set_sms`` records a change whenever a consent's permission is new or differs from
the stored one; nothing else changes SMS consent in the emulator. Records are kept in the
state extension ``"sms_history"`` (emptied by a reset, persisted with ``--state``), not on
``Contact.sms``, whose keys are answered as D:ContactResource.sms_channel.

Codes (D:HistoryDetails, D:TrackingActivitySmsChannelDTO): ``state`` E explicit,
O unsubscribed, P pending_confirmation, N not_set; ``source`` A account, C contact;
``consent_medium_type`` as the sign-up form sent it, else none (the contact API names no
medium).
"""

from __future__ import annotations

from typing import Any

from listbridge.emulator.state import EmulatorState

EXTENSION = "sms_history"
STATE_CODES = {"explicit": "E", "unsubscribed": "O", "pending_confirmation": "P", "not_set": "N"}
ACTION_TYPES = {
    "explicit": "opt_in",
    "unsubscribed": "opt_out",
    "pending_confirmation": "pending_confirmation",
    "not_set": "not_set",
}


class SmsHistory:
    """History records by contact id, oldest first."""

    def __init__(self) -> None:
        self.by_contact: dict[str, list[dict[str, Any]]] = {}

    def dump(self) -> dict[str, Any]:
        return {"by_contact": self.by_contact}

    @classmethod
    def load(cls, data: dict[str, Any]) -> SmsHistory:
        history = cls()
        history.by_contact = {k: list(v) for k, v in data.get("by_contact", {}).items()}
        return history


def sms_history(state: EmulatorState) -> SmsHistory:
    history: SmsHistory = state.ensure_extension(EXTENSION, SmsHistory)
    return history


def record_change(
    state: EmulatorState,
    contact_id: str,
    channel: dict[str, Any],
    consent: dict[str, Any],
    sent: dict[str, Any],
) -> None:
    """One record for a consent (as stored) now set on ``channel``; ``sent`` is the
    request's consent row, which may carry the sign-up form's medium."""
    details: dict[str, Any] = {
        "state": STATE_CODES[consent["sms_consent_permission"]],
        "source": "C" if channel["update_source"] == "Contact" else "A",
        "consent_type": consent["consent_type"],
        "consent_action_time": consent["updated_at"],
        "consent_action_type": ACTION_TYPES[consent["sms_consent_permission"]],
        "source_sms_number": channel["sms_address"],
    }
    if sent.get("consent_medium_type"):
        details["consent_medium_type"] = sent["consent_medium_type"]
    if consent.get("advertised_frequency") is not None:
        details["advertised_frequency"] = int(consent["advertised_frequency"])
    if consent.get("advertised_interval") is not None:
        details["advertised_interval"] = consent["advertised_interval"]
    record = {
        "sms_channel_id": channel["sms_channel_id"],
        "sms_channel_history_id": state.new_id(),
        "insert_time": consent["updated_at"],
        "history_details": details,
    }
    sms_history(state).by_contact.setdefault(contact_id, []).append(record)
