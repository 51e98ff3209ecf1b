"""The one account an emulator serves: who owns it, where it is, its e-mail addresses
(D:Customer, D:AccountPhysicalAddress, D:AccountEmails).

Campaign activities are sent from the owner's address, so the campaign views read it too. A
campaign's ``from_email`` and ``reply_to_email`` must be one of the account's CONFIRMED
addresses (P:GET /account/emails): ``is_confirmed_sender`` answers that.

The profile is immutable; a change replaces ``state.account`` as a whole (under the lock),
so a reader never sees half an update.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

#: 2026-01-05T00:00:00Z, when the owner's first address was confirmed (a fixed instant, so
#: the same account answers the same on every run)
FIRST_CONFIRMED_US = 1_767_571_200_000_000


@dataclass(frozen=True)
class PhysicalAddress:
    """D:AccountPhysicalAddress; ``None`` is a property the address leaves out."""

    address_line1: str = "100 Harbour Street"
    city: str = "Boston"
    country_code: str = "US"
    state_code: str | None = "MA"
    postal_code: str | None = "02110"
    address_line2: str | None = None
    address_line3: str | None = None
    state_name: str | None = None

    def view(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class AccountEmail:
    """One row of D:AccountEmails. Times are microseconds since the epoch."""

    email_id: int
    email_address: str
    confirm_status: str = "UNCONFIRMED"
    confirm_time: int | None = None
    confirm_source_type: str | None = None
    roles: tuple[str, ...] = ()
    pending_roles: tuple[str, ...] = ()

    @property
    def confirmed(self) -> bool:
        return self.confirm_status == "CONFIRMED"


@dataclass(frozen=True)
class AccountProfile:
    encoded_account_id: str = "a07e1lbemu1acc"
    organization_name: str = "Listbridge Emulated Nonprofit"
    organization_phone: str = "617-555-0100"
    first_name: str = "Avery"
    last_name: str = "Quinn"
    contact_email: str = "owner@listbridge-emulator.example.org"
    contact_phone: str = "6175550100"
    country_code: str = "US"
    state_code: str = "MA"
    time_zone_id: str = "US/Eastern"
    website: str = "https://listbridge-emulator.example.org"
    #: None until an address is added (P:POST /account/summary/physical_address)
    physical_address: PhysicalAddress | None = field(default_factory=PhysicalAddress)
    #: the account's e-mail addresses; empty means "only the owner's, confirmed" (see below)
    emails: tuple[AccountEmail, ...] = ()

    def __post_init__(self) -> None:
        # Every account has at least its owner's address, confirmed at sign-up, holding the
        # roles only one address may hold (D:AccountEmails.roles).
        if not self.emails:
            owner = AccountEmail(
                email_id=1,
                email_address=self.contact_email,
                confirm_status="CONFIRMED",
                confirm_time=FIRST_CONFIRMED_US,
                confirm_source_type="SITE_OWNER",
                roles=("CONTACT", "BILLING", "REPLY_TO"),
            )
            object.__setattr__(self, "emails", (owner,))

    @property
    def from_name(self) -> str:
        return self.organization_name

    def footer(self) -> dict[str, Any]:
        """D:EmailPhysicalAddress, as a campaign footer shows it (the organization's name
        alone while the account has no address; the real service sends nothing then)."""
        view: dict[str, Any] = {"organization_name": self.organization_name}
        address = self.physical_address
        if address is not None:
            view |= {k: v for k, v in address.view().items() if k not in ("state_name",)}
            if address.state_name is not None:
                view["state_non_us_name"] = address.state_name
        return view

    def summary(self, extra_fields: frozenset[str]) -> dict[str, Any]:
        """D:Customer; ``physical_address`` and ``company_logo`` only when asked for."""
        view = self.editable_view()
        if "physical_address" in extra_fields and self.physical_address is not None:
            view["physical_address"] = self.physical_address.view()
        if "company_logo" in extra_fields:
            view["company_logo"] = {"url": f"{self.website}/logo.png", "internal_id": "1"}
        return view

    def editable_view(self) -> dict[str, Any]:
        """D:CustomerPut: the summary's own properties (what PUT /account/summary answers)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in _SUMMARY}

    def email(self, address: str) -> AccountEmail | None:
        wanted = address.strip().lower()
        return next((e for e in self.emails if e.email_address.lower() == wanted), None)

    def with_email(self, email: AccountEmail) -> AccountProfile:
        """This profile with ``email`` added, or replacing the row of the same id."""
        others = tuple(e for e in self.emails if e.email_id != email.email_id)
        return replace(self, emails=tuple(sorted((*others, email), key=lambda e: e.email_id)))


_SUMMARY = frozenset(
    {
        "encoded_account_id",
        "organization_name",
        "organization_phone",
        "first_name",
        "last_name",
        "contact_email",
        "contact_phone",
        "country_code",
        "state_code",
        "time_zone_id",
        "website",
    }
)


def confirmed_addresses(account: AccountProfile) -> tuple[str, ...]:
    """The addresses a campaign may be sent from or replied to (CONFIRMED ones)."""
    return tuple(e.email_address for e in account.emails if e.confirmed)


def is_confirmed_sender(account: AccountProfile, address: str) -> bool:
    """Whether ``address`` may be a campaign's ``from_email``/``reply_to_email``: one of the
    account's CONFIRMED e-mail addresses (case-insensitive, as e-mail domains are)."""
    row = account.email(address)
    return row is not None and row.confirmed


def dump_account(account: AccountProfile) -> dict[str, Any]:
    """The profile as JSON-ready data (``--state``); ``load_account`` reverses it."""
    return asdict(account)


def load_account(data: dict[str, Any]) -> AccountProfile:
    address = data.get("physical_address")
    emails = tuple(
        AccountEmail(
            **{**e, "roles": tuple(e["roles"]), "pending_roles": tuple(e["pending_roles"])}
        )
        for e in data.get("emails", ())
    )
    return AccountProfile(
        **{
            **data,
            "physical_address": PhysicalAddress(**address) if address is not None else None,
            "emails": emails,
        }
    )


ACCOUNT = AccountProfile()
