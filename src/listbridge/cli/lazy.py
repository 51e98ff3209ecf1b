"""Sub-commands imported when they are run, not when `listbridge` starts.

Each command module imports what its jobs need: the Constant Contact client, every CRM
adapter, the sync engine. Imported up front for every command, they were most of the
start of one (`listbridge crm load` paid for the push's imports). A group's commands are
a `LazyCommands` instead: every name is known at once (for usage errors and their
suggestions), and a command's module is imported the first time the command is looked
up. Listing them all (`--help`) imports them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup


@dataclass(frozen=True)
class Lazy:
    """Where a command is: `module.attribute`, a Typer app (`group`) or a command's
    function."""

    module: str
    attribute: str
    group: bool = False

    def load(self, name: str) -> typer.core.TyperCommand | TyperGroup:
        found = getattr(import_module(self.module), self.attribute)
        if self.group:
            command: typer.core.TyperCommand | TyperGroup = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(name)(found)
            made = typer.main.get_command(single)
            assert isinstance(made, typer.core.TyperCommand), made
            command = made
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A group whose commands are its `table`'s, each loaded on first use."""

    table: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands, self.table)


def lazy_group(table: Mapping[str, Lazy], *bases: type[TyperGroup]) -> type[TyperGroup]:
    """A group class (a Typer app's `cls`) of `table`'s commands, on `bases` as well."""
    return type("LazyGroup", (LazyGroup, *bases), {"table": table})


# Values typed Any: the group's own mapping holds the click `Command` of Typer's vendored
# click, which Typer does not export.
class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, in the order of `lazy`, each loaded on first use."""

    def __init__(self, loaded: Mapping[str, Any], lazy: Mapping[str, Lazy]) -> None:
        self._lazy = dict(lazy)
        self._loaded = dict(loaded)
        self._order = [*lazy, *(name for name in loaded if name not in lazy)]

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._lazy[name].load(name)  # KeyError: no such command
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._order:
            self._order.append(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._loaded.pop(name, None)
        self._lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._order


def preload(lazy: Mapping[str, Lazy]) -> None:
    """Import every command's module now (a process that forks a child per command)."""
    for where in lazy.values():
        import_module(where.module)
