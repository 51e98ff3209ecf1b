"""The web admin's groups and what each may do (issue 17): an administrator grants the
integration's permissions (core/permissions.py) to groups, and a user may do what any of
their groups may. Per install, like the users: one grant covers every connection.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from listbridge.core.errors import UserError
from listbridge.core.permissions import Permission
from listbridge.store.db import Store
from listbridge.store.models import WebGroup, WebGroupMember, WebGroupPermission, WebUser
from listbridge.store.passwords import check_name

_KNOWN = {permission.value for permission in Permission}


@dataclass(frozen=True)
class GroupInfo:
    name: str
    permissions: tuple[Permission, ...]
    members: tuple[str, ...]


def add_group(store: Store, name: str) -> int:
    name = check_name(name, "group")
    with store.session() as session:
        if session.scalar(select(WebGroup.id).where(WebGroup.name == name)) is not None:
            raise UserError(f"a group named {name!r} already exists")
        group = WebGroup(name=name)
        session.add(group)
        session.flush()
        return group.id


def remove_group(store: Store, name: str) -> None:
    """Remove a group; its members stay, without what it granted."""
    with store.session() as session:
        session.execute(delete(WebGroup).where(WebGroup.id == group_named(session, name).id))


def grant(store: Store, group: str, permission: Permission) -> bool:
    """Grant a permission to a group; False when it had it already."""
    with store.session() as session:
        group_id = group_named(session, group).id
        if session.get(WebGroupPermission, (group_id, permission.value)) is not None:
            return False
        session.add(WebGroupPermission(group_id=group_id, permission=permission.value))
        return True


def revoke(store: Store, group: str, permission: Permission) -> bool:
    """Take a permission from a group; False when it did not have it."""
    with store.session() as session:
        row = session.get(WebGroupPermission, (group_named(session, group).id, permission.value))
        if row is not None:
            session.delete(row)
        return row is not None


def list_groups(store: Store) -> list[GroupInfo]:
    with store.session() as session:
        groups = session.scalars(select(WebGroup).order_by(WebGroup.name)).all()
        permissions: defaultdict[int, list[Permission]] = defaultdict(list)
        for group_id, name in session.execute(
            select(WebGroupPermission.group_id, WebGroupPermission.permission)
        ):
            if name in _KNOWN:  # a newer release's permission is not ours to show
                permissions[group_id].append(Permission(name))
        members: defaultdict[int, list[str]] = defaultdict(list)
        for group_id, name in session.execute(
            select(WebGroupMember.group_id, WebUser.name).join(WebUser).order_by(WebUser.name_key)
        ):
            members[group_id].append(name)
    return [
        GroupInfo(g.name, tuple(sorted(permissions[g.id], key=_order)), tuple(members[g.id]))
        for g in groups
    ]


def _order(permission: Permission) -> int:
    return list(Permission).index(permission)


def group_named(session: Session, name: str) -> WebGroup:
    """A group by its name, in an open session; a UserError naming the groups there are."""
    group = session.scalar(select(WebGroup).where(WebGroup.name == name.strip()))
    if group is None:
        known = ", ".join(session.scalars(select(WebGroup.name).order_by(WebGroup.name)))
        raise UserError(f"no group named {name!r}; groups: {known or 'none yet'}")
    return group
