"""The word pools the sample people are drawn from, and how a name becomes an address.

Names come in the shapes a real CRM holds: plain ones, accents, apostrophes and
hyphens, Chinese, Japanese, Korean and Arabic script. A name is written as it is
spelled; its e-mail address uses a romanised form, as people's addresses do.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

#: (spelling, romanised) — the romanised form only feeds e-mail addresses.
Word = tuple[str, str]

FIRST_NAMES: tuple[Word, ...] = (
    ("Ann", "ann"), ("David", "david"), ("Grace", "grace"), ("Marta", "marta"),
    ("Priya", "priya"), ("Kofi", "kofi"), ("Olivia", "olivia"), ("Liam", "liam"),
    ("Émile", "emile"), ("Zoë", "zoe"), ("Søren", "soren"), ("José", "jose"),
    ("William", "william"), ("Elizabeth", "elizabeth"), ("Margaret", "margaret"),
    ("Katherine", "katherine"), ("Thomas", "thomas"), ("Robert", "robert"),
    ("Anaïs", "anais"), ("Björn", "bjorn"), ("Łucja", "lucja"), ("Ines", "ines"),
    ("Jean-Luc", "jeanluc"), ("Anne-Marie", "annemarie"), ("Mary-Kate", "marykate"),
    ("伟", "wei"), ("芳", "fang"), ("さくら", "sakura"), ("陽翔", "haruto"), ("민준", "minjun"),
    ("محمد", "mohammed"), ("فاطمة", "fatima"), ("ليلى", "layla"), ("Aisha", "aisha"),
)  # fmt: skip
LAST_NAMES: tuple[Word, ...] = (
    ("Anderson", "anderson"), ("Brown", "brown"), ("Patel", "patel"), ("Okafor", "okafor"),
    ("Lee", "lee"), ("Varga", "varga"), ("Rossi", "rossi"), ("Schmidt", "schmidt"),
    ("Müller", "muller"), ("Nguyễn", "nguyen"), ("Fernández", "fernandez"),
    ("Dvořák", "dvorak"), ("Øvergård", "overgard"), ("García", "garcia"),
    ("O'Brien", "obrien"), ("D'Angelo", "dangelo"), ("N'Diaye", "ndiaye"),
    ("Smith-Jones", "smithjones"), ("García-Márquez", "garciamarquez"), ("Al-Amin", "alamin"),
    ("王", "wang"), ("李", "li"), ("佐藤", "sato"), ("김", "kim"),
    ("حداد", "haddad"), ("الخطيب", "alkhatib"), ("Tanaka", "tanaka"), ("Ibrahim", "ibrahim"),
)  # fmt: skip
#: The names one side spells differently from the other: CRM name → the name in CC.
NICKNAMES: dict[str, str] = {
    "William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Margaret": "Peggy",
    "Katherine": "Kate", "Jonathan": "Jon", "Alexander": "Sasha", "Susan": "Sue",
    "Thomas": "Tom", "Patricia": "Trish", "Michael": "Mike", "Jennifer": "Jen",
}  # fmt: skip
MIDDLE_NAMES = ("", "", "", "", "J.", "Marie", "Lee", "A.", "Rose", "K.")
TITLES = ("", "", "", "Dr.", "Prof.", "Rev.", "Ms.", "Mr.")
INDIVIDUAL_TYPES = ("Donor", "Volunteer", "Member", "Board", "Staff", "Donor", "Member")
LEVELS = ("Gold", "Silver", "Bronze")
DOMAINS = ("example.org", "example.com", "example.net", "mail.example.org")
#: role local parts a person would not have (core.emails.ROLE_LOCAL_PARTS knows them all)
ROLES = ("info", "sales", "office", "hello", "admin", "support")
ORGANIZATIONS: tuple[Word, ...] = (
    ("Riverside Food Bank", "riversidefoodbank"), ("Harbor Arts Council", "harborarts"),
    ("Green Valley Farm Co-op", "greenvalleycoop"), ("Lakeview Bakery", "lakeviewbakery"),
    ("Oak Street Books", "oakstreetbooks"), ("Pioneer Credit Union", "pioneercu"),
    ("Bright Futures Foundation", "brightfutures"), ("Blue Door Café", "bluedoorcafe"),
    ("Hillcrest Church", "hillcrestchurch"), ("Southgate Rotary Club", "southgaterotary"),
    ("Müller & Söhne GmbH", "muellersoehne"), ("東京 Tea House", "tokyoteahouse"),
    ("Dar Al-Kitab Bookshop", "daralkitab"), ("St. Mary's Youth Choir", "stmaryschoir"),
)  # fmt: skip
STREETS = (
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "River Rd", "Elm St", "Park Blvd",
    "Rue Saint-Denis", "Hauptstraße", "King's Road",
)  # fmt: skip
#: (city, state, postal code, country); Massachusetts is what the README's filters pick.
PLACES = (
    ("Boston", "MA", "02108", "US"), ("Cambridge", "MA", "02139", "US"),
    ("Springfield", "IL", "62701", "US"), ("Portland", "OR", "97201", "US"),
    ("Burlington", "VT", "05401", "US"), ("Madison", "WI", "53703", "US"),
    ("Toronto", "ON", "M5V 2T6", "CA"), ("Montréal", "QC", "H2X 1Y4", "CA"),
    ("London", "", "SW1A 1AA", "GB"), ("Berlin", "", "10115", "DE"),
)  # fmt: skip
NEWSLETTER, VOLUNTEERS, DONORS = "Newsletter", "Volunteers", "Donors"
LISTS = (NEWSLETTER, VOLUNTEERS, DONORS)


#: the shapes of name every sample has, whatever its seed and size
SHAPES: tuple[Callable[[str], bool], ...] = (
    lambda w: "'" in w,
    lambda w: "-" in w,
    lambda w: any("\u4e00" <= c <= "\u9fff" for c in w),  # Chinese (and kanji)
    lambda w: any("\u0600" <= c <= "\u06ff" for c in w),  # Arabic
    lambda w: any(c in "éëøüáíóřãễ" for c in w.lower()),  # accents
)


def shapes_first(words: list[Word]) -> list[Word]:
    """`words` with one of each shape the pool has moved to the front (in their order):
    the first accounts of even a small sample then carry every one."""
    front: list[Word] = []
    for shape in SHAPES:
        found = next((w for w in words if shape(w[0]) and w not in front), None)
        if found is not None:
            front.append(found)
    return front + [w for w in words if w not in front]


def plain(text: str) -> str:
    """ASCII letters and digits of a Latin name, accents dropped: "Øvergård" → "overgard"."""
    table = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae"})
    decomposed = unicodedata.normalize("NFKD", text.translate(table))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()
