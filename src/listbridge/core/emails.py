"""Email addresses as matching sees them."""

from __future__ import annotations

#: Local parts that name a role or a department, not a person: reported, never imported.
ROLE_LOCAL_PARTS = frozenset(
    {
        "admin", "administrator", "billing", "contact", "donations", "enquiries", "hello",
        "help", "hr", "info", "inquiries", "jobs", "mail", "marketing", "media", "no-reply",
        "noreply", "office", "postmaster", "press", "sales", "support", "team", "webmaster",
    }
)  # fmt: skip


def match_key(email: str) -> str:
    """The form two addresses are compared in: trimmed, case ignored."""
    return email.strip().lower()


def is_role_address(email: str) -> bool:
    """info@…, sales@…, support@… and the like."""
    local, _, domain = match_key(email).rpartition("@")
    return bool(domain) and local in ROLE_LOCAL_PARTS
