"""`listbridge users …` and `listbridge groups …`: who may sign in to the web admin, and what
their groups may do there. Per install: one user covers every connection in the database.

A password is read from standard input when it is piped (its first line), or asked for
twice, hidden, on a terminal; it is never echoed, printed or passed as an argument (an
argument would show in `ps` and in the shell's history).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.core.errors import UserError
from listbridge.core.permissions import Permission, parse_permission
from listbridge.store.groups import add_group, grant, list_groups, remove_group, revoke
from listbridge.store.users import (
    UserInfo,
    add_to_group,
    add_user,
    list_users,
    remove_from_group,
    remove_user,
    set_password,
)

users_app = typer.Typer(no_args_is_help=True, help="Who may sign in to the web admin.")
groups_app = typer.Typer(
    no_args_is_help=True, help="Groups of web admin users, and what each may do."
)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The sign-in name (any case signs in)."),
    admin: bool = typer.Option(False, "--admin", help="May do everything, users included."),
    groups: list[str] = typer.Option([], "--group", help="A group to join (repeatable)."),
) -> None:
    """Add a user; the password comes from standard input, or is asked for twice."""
    state = context(ctx)
    add_user(state.store, name, _read_password(), admin=admin, groups=groups)
    role = "administrator" if admin else "user"
    joined = f" in {', '.join(groups)}" if groups else ""
    typer.echo(f"added {role} {name.strip()}{joined}")


@users_app.command("ls")
def users_ls(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON array of users."),
) -> None:
    """Every user, their groups and when they last signed in."""
    users = list_users(context(ctx).store)
    if as_json:
        typer.echo(json.dumps([_user_json(user) for user in users], indent=2))
        return
    if not users:
        typer.echo("no users yet: `listbridge users add NAME --admin` makes the first one")
        return
    table = Table("name", "admin", "groups", "created", "last sign-in")
    for user in users:
        shown = ", ".join(user.groups) or "—"
        table.add_row(
            user.name, _yes(user.admin), shown, _time(user.created_at), _time(user.last_login_at)
        )
    _print(table)


@users_app.command("passwd")
def users_passwd(ctx: typer.Context, name: str = typer.Argument(..., help="The user.")) -> None:
    """Change a user's password (from standard input, or asked for twice); signs them out."""
    ended = set_password(context(ctx).store, name, _read_password())
    typer.echo(f"changed the password of {name.strip()}; ended {ended} session(s)")


@users_app.command("remove")
def users_remove(ctx: typer.Context, name: str = typer.Argument(..., help="The user.")) -> None:
    """Remove a user and end their sessions (never the last administrator)."""
    remove_user(context(ctx).store, name)
    typer.echo(f"removed {name.strip()}")


@groups_app.command("add")
def groups_add(ctx: typer.Context, group: str = typer.Argument(..., help="A new group.")) -> None:
    """Add a group; it may do nothing until granted a permission."""
    add_group(context(ctx).store, group)
    typer.echo(f"added group {group.strip()}")


@groups_app.command("remove")
def groups_remove(ctx: typer.Context, group: str = typer.Argument(..., help="The group.")) -> None:
    """Remove a group; its members stay, without what it granted."""
    remove_group(context(ctx).store, group)
    typer.echo(f"removed group {group.strip()}")


@groups_app.command("grant")
def groups_grant(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="The group."),
    permission: str = typer.Argument(..., help=f"One of: {', '.join(Permission)}."),
) -> None:
    """Let a group's members do something in the web admin."""
    granted = _permission(permission)
    changed = grant(context(ctx).store, group, granted)
    typer.echo(f"{'granted' if changed else 'already granted'} {granted} to {group.strip()}")


@groups_app.command("revoke")
def groups_revoke(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="The group."),
    permission: str = typer.Argument(..., help=f"One of: {', '.join(Permission)}."),
) -> None:
    """Take a permission back from a group."""
    revoked = _permission(permission)
    changed = revoke(context(ctx).store, group, revoked)
    typer.echo(f"{'revoked' if changed else 'had not'} {revoked} from {group.strip()}")


@groups_app.command("join")
def groups_join(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="The group."),
    users: list[str] = typer.Argument(..., help="Users to put in it."),
) -> None:
    """Put users in a group."""
    for user in users:
        changed = add_to_group(context(ctx).store, user, group)
        typer.echo(f"{user.strip()} {'joined' if changed else 'was already in'} {group.strip()}")


@groups_app.command("leave")
def groups_leave(
    ctx: typer.Context,
    group: str = typer.Argument(..., help="The group."),
    users: list[str] = typer.Argument(..., help="Users to take out of it."),
) -> None:
    """Take users out of a group."""
    for user in users:
        changed = remove_from_group(context(ctx).store, user, group)
        typer.echo(f"{user.strip()} {'left' if changed else 'was not in'} {group.strip()}")


@groups_app.command("ls")
def groups_ls(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON array of groups."),
) -> None:
    """Every group, what it may do and who is in it."""
    groups = list_groups(context(ctx).store)
    if as_json:
        shown = [
            {"name": g.name, "permissions": list(g.permissions), "members": list(g.members)}
            for g in groups
        ]
        typer.echo(json.dumps(shown, indent=2))
        return
    if not groups:
        typer.echo("no groups yet: only administrators may use the web admin")
        return
    table = Table("group", "permissions", "members")
    for g in groups:
        table.add_row(g.name, ", ".join(g.permissions) or "—", ", ".join(g.members) or "—")
    _print(table)


def _read_password() -> str:
    """The first line of a piped standard input, or a hidden answer typed twice."""
    if sys.stdin.isatty():
        typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return typed
    line = sys.stdin.readline()
    if not line:
        raise UserError("no password on standard input: pipe one line, or run on a terminal")
    return line.rstrip("\r\n")


def _permission(text: str) -> Permission:
    try:
        return parse_permission(text)
    except ValueError as error:
        raise UserError(str(error)) from None


def _user_json(user: UserInfo) -> dict[str, object]:
    return {
        "name": user.name,
        "admin": user.admin,
        "groups": list(user.groups),
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def _time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _print(table: Table) -> None:
    # markup off: a name like `[red]x` is shown as typed, never interpreted
    Console(highlight=False, markup=False).print(table)
