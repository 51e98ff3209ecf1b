"""The one account an emulator serves: who owns it and where it is (D:Customer).

Campaign activities are sent from the owner's address, so the campaign views read it too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class PhysicalAddress:
    address_line1: str = "100 Harbour Street"
    city: str = "Boston"
    state_code: str = "MA"
    postal_code: str = "02110"
    country_code: str = "US"


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
    physical_address: PhysicalAddress = field(default_factory=PhysicalAddress)

    @property
    def from_name(self) -> str:
        return self.organization_name

    def footer(self) -> dict[str, Any]:
        """D:EmailPhysicalAddress, as a campaign footer shows it."""
        address = self.physical_address
        return {
            "organization_name": self.organization_name,
            "address_line1": address.address_line1,
            "city": address.city,
            "state_code": address.state_code,
            "postal_code": address.postal_code,
            "country_code": address.country_code,
        }

    def summary(self, extra_fields: frozenset[str]) -> dict[str, Any]:
        """D:Customer; ``physical_address`` and ``company_logo`` only when asked for."""
        view = {k: v for k, v in asdict(self).items() if k != "physical_address"}
        if "physical_address" in extra_fields:
            view["physical_address"] = asdict(self.physical_address)
        if "company_logo" in extra_fields:
            view["company_logo"] = {"url": f"{self.website}/logo.png", "internal_id": "1"}
        return view


ACCOUNT = AccountProfile()
