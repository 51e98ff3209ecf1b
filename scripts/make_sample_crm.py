"""Write the sample CRM that `listbridge demo` loads (crm/builtin/sample/sample_crm.csv).

Deterministic (a fixed seed), so the committed CSV is exactly this script's
output: run `python scripts/make_sample_crm.py` and `git diff` shows nothing.
The data is made up but shaped like a small nonprofit's CRM: households that
share an address, organizations with role addresses (info@, sales@ …), a few
deceased, do-not-contact and opted-out people, and three custom fields.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/listbridge/crm/builtin/sample/sample_crm.csv"
SEED = 20261126
INDIVIDUALS = 320
ORGANIZATIONS = 80
COLUMNS = [
    "id", "type", "first_name", "middle_name", "last_name", "company_name", "email", "email2",
    "email3", "phone1", "phone2", "phone3", "fax", "address_line1", "city", "state", "zip",
    "country", "title", "individual_type", "deceased", "do_not_contact", "email_opt_out",
    "custom.Member Level", "custom.Volunteer Since", "custom.Donations",
]  # fmt: skip
FIRST = [
    "Ann", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "José", "Kofi",
    "Lena", "Marta", "Nils", "Olivia", "Priya", "Quinn", "Rosa", "Søren", "Tomás", "Uma",
    "Viktor", "Wen", "Xavier", "Yara", "Zoë", "Amir", "Beatriz", "Chen", "Dmitri", "Émile",
    "Fatima", "Gabriel", "Hannah", "Ivan", "Jamal", "Keiko", "Liam", "Maya", "Noah",
]  # fmt: skip
LAST = [
    "Anderson", "Brown", "Chen", "Dubois", "Evans", "Fernández", "García", "Hughes", "Ibrahim",
    "Johansson", "Kowalski", "Lee", "Martin", "Nguyễn", "O'Brien", "Patel", "Quintero", "Rossi",
    "Schmidt", "Tanaka", "Umarov", "Varga", "Williams", "Xu", "Yilmaz", "Zimmermann",
    "Müller", "Novák", "Okafor", "Park",
]  # fmt: skip
MIDDLE = ["", "", "", "", "J.", "Marie", "Lee", "A.", "Rose", "K."]
ORG_WORDS = [
    ("Riverside", "Food Bank"), ("Northside", "Library Friends"), ("Harbor", "Arts Council"),
    ("Maple", "Hardware"), ("Green Valley", "Farm Co-op"), ("Summit", "Dental"),
    ("Lakeview", "Bakery"), ("Oak Street", "Books"), ("Pioneer", "Credit Union"),
    ("Cedar", "Print Shop"), ("Bright Futures", "Foundation"), ("Union", "Bike Works"),
    ("Hillcrest", "Church"), ("Blue Door", "Café"), ("Southgate", "Rotary Club"),
    ("Meadow", "Garden Center"),
]  # fmt: skip
DOMAINS = ["example.org", "example.com", "example.net", "mail.example.org", "Example.COM"]
ROLES = ["info", "sales", "admin", "support", "office", "contact", "hello"]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "River Rd", "Elm St", "Park Blvd"]
CITIES = [
    ("Springfield", "IL", "62701", "US"), ("Portland", "OR", "97201", "US"),
    ("Burlington", "VT", "05401", "US"), ("Madison", "WI", "53703", "US"),
    ("Asheville", "NC", "28801", "US"), ("Toronto", "ON", "M5V 2T6", "CA"),
]  # fmt: skip
TYPES = ["Donor", "Volunteer", "Member", "Board", "Staff", "Donor", "Member"]
LEVELS = ["Gold", "Silver", "Bronze"]


def main() -> None:
    rng = random.Random(SEED)
    rows = [_individual(rng, n) for n in range(1, INDIVIDUALS + 1)]
    _share_household_emails(rng, rows)
    rows += [_organization(rng, n) for n in range(1, ORGANIZATIONS + 1)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} accounts to {OUT}")


def _individual(rng: random.Random, n: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{_ascii(first)}.{_ascii(last)}{n}".lower()
    row = _base(rng, f"P{n:04d}", "individual")
    row.update(first_name=first, middle_name=rng.choice(MIDDLE), last_name=last)
    row["email"] = _cased(rng, f"{local}@{rng.choice(DOMAINS)}")
    row["email2"] = f"{local}@work.example.com" if rng.random() < 0.15 else ""
    row["individual_type"] = rng.choice(TYPES)
    row["title"] = rng.choice(["", "", "", "Dr.", "Prof.", "Rev."])
    row["deceased"] = "yes" if rng.random() < 0.03 else "no"
    row["do_not_contact"] = "true" if rng.random() < 0.04 else "false"
    row["email_opt_out"] = "1" if rng.random() < 0.09 else "0"
    _custom(rng, row)
    return row


def _organization(rng: random.Random, n: int) -> dict[str, str]:
    place, kind = ORG_WORDS[(n - 1) % len(ORG_WORDS)]
    name = f"{place} {kind}" + (f" #{(n - 1) // len(ORG_WORDS) + 1}" if n > len(ORG_WORDS) else "")
    domain = f"{_ascii(place + kind).lower()}{n}.example.org"
    row = _base(rng, f"O{n:04d}", "organization")
    person = f"{_ascii(rng.choice(FIRST)).lower()}.{_ascii(rng.choice(LAST)).lower()}"
    local = rng.choice(ROLES) if rng.random() < 0.7 else person
    row.update(company_name=name, email=f"{local}@{domain}")
    row["email2"] = f"donations@{domain}" if rng.random() < 0.2 else ""
    row["fax"] = _phone(rng) if rng.random() < 0.2 else ""
    row["email_opt_out"] = "yes" if rng.random() < 0.05 else "no"
    if rng.random() < 0.3:
        row["custom.Member Level"] = rng.choice(LEVELS)
    return row


def _base(rng: random.Random, account_id: str, kind: str) -> dict[str, str]:
    city, state, zip_code, country = rng.choice(CITIES)
    row = dict.fromkeys(COLUMNS, "")
    row.update(id=account_id, type=kind, phone1=_phone(rng), city=city, state=state)
    row.update(zip=zip_code, country=country, deceased="no", do_not_contact="no")
    row["address_line1"] = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
    row["phone2"] = _phone(rng) if rng.random() < 0.25 else ""
    return row


def _custom(rng: random.Random, row: dict[str, str]) -> None:
    if rng.random() < 0.45:
        row["custom.Member Level"] = rng.choice(LEVELS)
    if rng.random() < 0.3:
        since = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
        row["custom.Volunteer Since"] = since.isoformat()
    if rng.random() < 0.5:
        row["custom.Donations"] = f"{rng.randint(1, 500) * 5}" + rng.choice(["", ".5", ".25"])


def _share_household_emails(rng: random.Random, rows: list[dict[str, str]]) -> None:
    """Couples who share one address: the second person uses the first one's email."""
    for first, second in zip(rows[0:60:5], rows[1:60:5], strict=True):
        second["last_name"] = first["last_name"]
        for column in ("address_line1", "city", "state", "zip", "country"):
            second[column] = first[column]
        second["email"] = first["email"] if rng.random() < 0.8 else first["email"].upper()


def _phone(rng: random.Random) -> str:
    return f"+1 555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def _cased(rng: random.Random, email: str) -> str:
    """Some people type their address with capitals; matching ignores case."""
    return email.title() if rng.random() < 0.1 else email


def _ascii(text: str) -> str:
    table = str.maketrans("éÉèçãõñüöøåñễ", "eeecaonuooane")
    return "".join(c for c in text.translate(table) if c.isalnum() and c.isascii())


if __name__ == "__main__":
    main()
