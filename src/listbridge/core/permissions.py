"""Who may do what in the web admin (issue 17): the integration's permissions, granted to
groups by an administrator. An administrator may do everything; anyone else may do what
one of their groups was granted, and nothing by default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    VIEW = "view"
    RUN_SYNCS = "run_syncs"
    MANAGE_LISTS = "manage_lists"
    CHANGE_SETTINGS = "change_settings"
    CONNECT = "connect"


ALLOWED = ", ".join(p.value for p in Permission)


def parse_permission(text: str) -> Permission:
    """A permission by name; ValueError naming the allowed ones."""
    try:
        return Permission(text.strip().lower())
    except ValueError:
        raise ValueError(f"no permission {text!r}; permissions: {ALLOWED}") from None


@dataclass(frozen=True)
class Grants:
    """What a signed-in user may do."""

    admin: bool = False
    granted: frozenset[Permission] = frozenset()

    def can(self, permission: Permission) -> bool:
        return self.admin or permission in self.granted


def grants_of(admin: bool, group_permissions: Iterable[Iterable[str]]) -> Grants:
    """A user's grants: every permission of every group they are in (unknown names, from a
    newer release's database, are ignored)."""
    known = {p.value for p in Permission}
    granted = {Permission(p) for perms in group_permissions for p in perms if p in known}
    return Grants(admin, frozenset(granted))
