"""The POST /contacts/sign_up_form body of a landing-page sign-up by text message."""

from __future__ import annotations

from typing import Any


def sms_sign_up(list_id: str, sms_address: str, advertised_interval: str) -> dict[str, Any]:
    """Robin signs up on ``list_id`` with a US number only: explicit promotional consent
    from a landing page (medium LF), advertised as 2 texts per ``advertised_interval``."""
    consent = {
        "sms_consent_permission": "explicit",
        "consent_type": "promotional_sms",
        "consent_medium_type": "LF",
        "consent_medium_url": "https://example.org/signup",
        "consent_medium_details": "landing page",
        "advertised_frequency": 2,
        "advertised_interval": advertised_interval,
    }
    channel = {
        "sms_address": sms_address,
        "dial_code": "1",
        "country_code": "US",
        "sms_channel_consents": [consent],
    }
    return {"sms_channel": channel, "list_memberships": [list_id], "first_name": "Robin"}
