"""Names and passwords of the web admin's users: what is accepted, and the argon2 hashes.

Only the hash of a password is kept. Checking a name that no user has still costs one
verification (against a dummy hash), so the time a sign-in takes does not tell which
names exist.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from listbridge.core.errors import UserError

#: argon2id with the library's defaults (RFC 9106's low-memory choice). A module value so
#: that tests can use cheaper parameters; a hash made with older ones is redone at sign-in.
HASHER = PasswordHasher()
MIN_PASSWORD = 10
#: argon2 takes any length; the bound only caps the work one sign-in attempt can ask for
MAX_PASSWORD = 1024
MAX_NAME = 64


def name_key(name: str) -> str:
    """What makes two names one user: `Ann`, `ann `, `ANN` and a full-width `Ａnn` are the
    same (NFKC, then case folded: no second account that only looks like another)."""
    return unicodedata.normalize("NFKC", name.strip()).casefold()


def check_name(name: str, what: str = "user") -> str:
    """The name as kept (surrounding spaces dropped), or a UserError saying what is wrong."""
    cleaned = name.strip()
    if not cleaned:
        raise UserError(f"a {what} name cannot be empty")
    if len(cleaned) > MAX_NAME:
        raise UserError(f"{what} name {cleaned[:20]!r}… is too long: at most {MAX_NAME} characters")
    # Control and format characters would let a name pass for another one on a screen.
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in cleaned):
        raise UserError(f"{what} name {cleaned!r} holds a control character")
    return cleaned


def hash_password(password: str) -> str:
    """The argon2 hash of an acceptable password (messages never repeat the password)."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"a password has at most {MAX_PASSWORD} characters")
    return HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether the password is the one hashed; None (no such user) is checked all the same
    against a dummy hash, and never matches."""
    too_long = len(password) > MAX_PASSWORD
    try:  # a too long one also spends a verification, so the answer takes the usual time
        HASHER.verify(password_hash or _dummy_hash(HASHER), "" if too_long else password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None and not too_long


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's."""
    return HASHER.check_needs_rehash(password_hash)


@lru_cache(maxsize=2)  # one hasher in a process; tests swap in cheaper ones
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("no one's password, only here to spend the time a real check takes")
