"""The headers CRM and e-mail-tool exports write, and the column each means.

A header is compared by its key (``header_key``): case, spaces and punctuation do not
count, so `First Name`, `first-name` and `FIRST_NAME` are all `first_name`, and
`Zip/Postal Code` is `zippostalcode`. Only the names below are aliases; docs/crm-files.md
lists them for users (tests/unit/test_header_map.py keeps the two in step).

Export-only columns (created_at, updated_at, …) have no aliases on purpose: an export's
`Created Date` is written in its own local form, which those ISO columns would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping

#: column → the aliases that mean it, as exports spell them
ALIASES: Mapping[str, tuple[str, ...]] = {
    "id": (
        "Account ID",
        "Contact ID",
        "Constituent ID",
        "Record ID",
        "Customer ID",
        "Member ID",
        "External ID",
        "Account Number",
    ),
    "type": ("Account Type", "Contact Type", "Record Type"),
    "first_name": ("First", "Given Name", "Forename"),
    "middle_name": ("Middle", "Middle Initial"),
    "last_name": ("Last", "Surname", "Family Name"),
    "company_name": (
        "Company",
        "Organization",
        "Organisation",
        "Organization Name",
        "Organisation Name",
        "Account Name",
        "Business Name",
        "Employer",
        "Current Employer",
    ),
    "email": (
        "Email Address",
        "Email 1",
        "Primary Email",
        "Primary Email Address",
        "Personal Email",
    ),
    "email2": ("Secondary Email", "Other Email", "Alternate Email", "Work Email"),
    "phone1": (
        "Phone",
        "Phone Number",
        "Telephone",
        "Primary Phone",
        "Home Phone",
    ),
    "phone2": ("Mobile", "Mobile Phone", "Mobile Number", "Cell", "Cell Phone"),
    "phone3": ("Work Phone", "Business Phone", "Office Phone", "Other Phone"),
    "fax": ("Fax Number", "Business Fax"),
    "address_line1": (
        "Address",
        "Street",
        "Street Address",
        "Address 1",
        "Street Address 1",
        "Mailing Street",
        "Mailing Address",
    ),
    "city": ("Town", "City/Town", "Mailing City"),
    "state": ("Province", "State/Province", "Region", "Mailing State", "Mailing State/Province"),
    "zip": (
        "Zip Code",
        "ZIP/Postal Code",
        "Postal Code",
        "Postcode",
        "Mailing Zip/Postal Code",
    ),
    "country": ("Mailing Country", "Country Name"),
    "title": ("Job Title", "Position"),
    "deceased": ("Is Deceased",),
    "do_not_contact": ("DNC", "Do Not Solicit"),
    "email_opt_out": (
        "Do Not Email",
        "Unsubscribed",
        "Opted Out",
        "No Bulk Emails",
        "No Bulk Emails (User Opt Out)",
    ),
}

#: columns of one kind, in order: an alias whose column another header has taken
#: moves to the first free one (`Phone`, `Mobile`, `Home Phone` in one file: phone1, phone2,
#: phone3)
FAMILIES: tuple[tuple[str, ...], ...] = (
    ("email", "email2", "email3"),
    ("phone1", "phone2", "phone3"),
)


def header_key(text: str) -> str:
    """`text` without case, spaces or punctuation: `E-mail Address` → `emailaddress`."""
    return "".join(filter(str.isalnum, text.casefold()))
