"""What a new connection may be called.

A name travels: in ``--connection NAME`` on a command line, in ``?connection=NAME`` and a
cookie in the web admin, in e-mails and logs. So a new one is kept to letters, digits and
``. _ -``, starting with a letter or digit, and at most MAX_NAME characters. (Names made
before this rule, by ``--connection`` on first use, keep working.)
"""

from __future__ import annotations

import re

from listbridge.core.errors import UserError

MAX_NAME = 100
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_new_name(name: str) -> str:
    """`name` without surrounding spaces, or UserError saying what a name may hold."""
    name = name.strip()
    if not name:
        raise UserError("a connection needs a name, like branch-office")
    if len(name) > MAX_NAME:
        raise UserError(f"a connection name has at most {MAX_NAME} characters")
    if not _NAME.fullmatch(name):
        raise UserError(
            f"{name!r} is not a usable connection name: use letters, digits, '.', '_' and "
            "'-', starting with a letter or a digit (like branch-office)"
        )
    return name
