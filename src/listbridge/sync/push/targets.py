"""The Constant Contact lists a push puts contacts on: the lists named (`--list`), and
`push.main_list`, the list every pushed contact is also on.

One read of the lists serves both. The main list is found by name as Constant Contact
compares list names (ignoring case: it refuses a second `news` beside `News`), and
created when it is missing; a dry run creates nothing and plans with a stand-in id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import ContactList
from listbridge.core.errors import UserError
from listbridge.sync.push.source import PAGE, Calls


@dataclass(frozen=True)
class Targets:
    #: each list named, name → id, in the order given
    named: dict[str, str] = field(default_factory=dict)
    #: the main list's id ("" when `push.main_list` is empty)
    main_list_id: str = ""
    #: every live list's name by id (the main list's too, made or not): reports, the diff
    names: dict[str, str] = field(default_factory=dict)


def planned_id(name: str) -> str:
    """A dry run's stand-in for a main list it would create (never sent to CC)."""
    return f"(new list {name})"


def resolve_targets(
    client: ConstantContact,
    names: Sequence[str],
    main_list: str,
    calls: Calls,
    create: bool,
    every_name: bool = False,
) -> Targets:
    """The lists named (a name CC does not have is a usage error) and the main list, made
    if missing (unless dry). `every_name`: read the lists even when none is asked for."""
    if not names and not main_list and not every_name:
        return Targets()
    live = [lst for lst in client.iter_lists() if lst.deleted_at is None]
    calls.add("read lists", 1 + len(live) // PAGE)
    by_name = {lst.name: lst.list_id for lst in live}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise UserError(f"no Constant Contact list named {', '.join(map(repr, missing))}")
    every = {lst.list_id: lst.name for lst in live}
    main_id = ""
    if main_list:
        main_id = _main_list(client, main_list, live, calls, create)
        every.setdefault(main_id, main_list)
    return Targets({n: by_name[n] for n in names}, main_id, every)


def _main_list(
    client: ConstantContact, name: str, live: list[ContactList], calls: Calls, create: bool
) -> str:
    exact = [lst.list_id for lst in live if lst.name == name]
    alike = [lst.list_id for lst in live if lst.name.casefold() == name.casefold()]
    if exact or alike:
        return (exact or alike)[0]
    calls.add("create main list")
    return client.create_list(name).list_id if create else planned_id(name)
