"""The processes below this one, and those of a process group, read from Linux's /proc
(psutil is not among the test dependencies; these two questions need only /proc)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")


def descendants(root: int) -> dict[int, str]:
    """Every live process below `root` (children, theirs, …): its id → its command line.
    An ended one not yet reaped (a zombie) has ended."""
    children: dict[int, list[int]] = {}
    for pid, state, parent, _group in _stats():
        if state != "Z":
            children.setdefault(parent, []).append(pid)
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found[pid] = _command(pid)
            todo.append(pid)
    return found


def group_members(group: int) -> dict[int, str]:
    """Every live process of process group `group`, wherever it stands in the tree (an
    orphan, its parent gone, is no one's descendant here)."""
    found: dict[int, str] = {}
    for pid, state, _parent, pgid in _stats():
        if pgid == group and state != "Z":
            found[pid] = _command(pid)
    return found


def _stats() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent, process group) of every process (none known without /proc)."""
    if not PROC.is_dir():
        return
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:  # it ended while we looked
            continue
        # "pid (name) state ppid pgrp …": the name may hold spaces and parentheses
        state, parent, group = stat[stat.rindex(")") + 2 :].split()[:3]
        yield int(entry.name), state, int(parent), int(group)


def _command(pid: int) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
