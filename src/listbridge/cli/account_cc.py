"""`crm show ID`: the account's Constant Contact side, in lines: the lists its contact is
on there (as the link last recorded them, named as CC last named them) and its last push."""

from __future__ import annotations

from collections.abc import Mapping

from listbridge.core.values import format_timestamp
from listbridge.store.last_push import CcList, CcSide, LastPush

LIST_FIELD = "list:"


def cc_lines(side: CcSide | None) -> list[str]:
    if side is None:
        return ["Constant Contact:", "  (not linked to a Constant Contact contact; never pushed)"]
    head = "Constant Contact (not linked now):"
    if side.contact_id:
        head = f"Constant Contact contact {side.contact_id}:"
    lists = [f"    {_list_name(lst)}" for lst in side.lists]
    lists = lists or ["    (on no Constant Contact list)"]
    lines = [head, "  Constant Contact lists:", *lists]
    return [*lines, *_push_lines(side.last_push, side.list_names)]


def _list_name(lst: CcList) -> str:
    if not lst.name:
        # crm show reads the store alone (it works offline): `lists ls` reads CC's names
        return f"list {lst.list_id} (name not read yet: `listbridge lists ls` reads it)"
    return f"{lst.name} (deleted in Constant Contact)" if lst.deleted else lst.name


def _push_lines(push: LastPush | None, list_names: Mapping[str, str]) -> list[str]:
    if push is None:
        return ["  last push: never"]
    lines = [f"  last push: {format_timestamp(push.at)}  run {push.run_id} {push.run_kind}"]
    for change in push.changes:
        what = change.field
        if what.startswith(LIST_FIELD):  # a membership: field `list:<CC list id>`
            list_id = what[len(LIST_FIELD) :]
            what = f"list {list_names.get(list_id, list_id)}"
        lines.append(f"    {what}: {change.old!r} → {change.new!r}  ({change.reason})")
    lines += [f"    not pushed: {reason}" for reason in push.not_pushed]
    if not push.changes and not push.not_pushed:
        # the link this run saved says it pushed; what it wrote was not journaled field by field
        lines.append(
            "    pushed: the contact written as the account was then (no field changes recorded)"
        )
    return lines
