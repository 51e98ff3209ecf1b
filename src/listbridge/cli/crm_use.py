"""`listbridge crm use KIND`: which CRM the connection syncs, and what the `crm` commands
that only the builtin CRM can do say on another one.

`crm use civicrm|vtiger --url URL` connects to the database, checks that it holds the
CRM's core tables and records the URL encrypted; the URL is only ever shown with its
password masked. Switching a connection that has links to another CRM is refused
unless `--force` (store/crm_switch.py says why and what is forgotten).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from listbridge.cli.context import context
from listbridge.core.errors import UserError
from listbridge.crm.factory import choose_crm
from listbridge.store.crm_choice import CrmKind, load_crm_choice, stored_crm_kind
from listbridge.store.crm_switch import Switch
from listbridge.store.db import Store


def use(
    ctx: typer.Context,
    kind: CrmKind = typer.Argument(..., help="builtin, civicrm, vtiger or sql."),
    url: str | None = typer.Option(
        None,
        "--url",
        help="The CRM database's SQLAlchemy URL, e.g. mysql+pymysql://USER:PASSWORD@HOST/DB "
        "(civicrm, vtiger and sql; stored encrypted).",
    ),
    mapping: Path | None = typer.Option(
        None,
        "--mapping",
        metavar="FILE.toml",
        help="sql: the mapping file that describes the CRM's tables (docs/mapping-example.toml); "
        "kept encrypted with the URL, so run `crm use` again after changing it.",
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Switch even though the connection has links to the CRM it syncs now: forget "
        "them (and its list pairings, list-sync bases, import cursors).",
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Choose the CRM this connection syncs: the builtin one, CiviCRM or Vtiger in their
    own database (checked for the CRM's core tables first), or any SQL CRM described by
    a mapping file (checked for its tables and columns)."""
    state = context(ctx)
    mapped = None if mapping is None else (mapping.name, _read(mapping))
    switch = choose_crm(state.store, state.connection_id, kind, url, force=force, mapping=mapped)
    if as_json:
        typer.echo(json.dumps(_switch_json(state.connection, switch)))
        return
    typer.echo(f"connection {state.connection} now syncs {switch.after.describe()}")
    if switch.links_forgotten or switch.pairings_forgotten:
        typer.echo(
            f"forgot {switch.links_forgotten} link(s) and {switch.pairings_forgotten} list "
            f"pairing(s) made against {switch.before.describe()}, with the list-sync bases "
            "and import cursors: the next import and push match afresh"
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UserError(f"--mapping: no file {str(path)!r}") from error
    except UnicodeDecodeError as error:
        raise UserError(f"--mapping: {path.name} is not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise UserError(f"--mapping: {path.name} cannot be read ({error.strerror})") from error


def _switch_json(connection: str, switch: Switch) -> dict[str, Any]:
    return {
        "connection": connection,
        "crm": switch.after.kind.value,
        "url": switch.after.shown_url,
        "mapping": switch.after.mapping_name,
        "forgot": {"links": switch.links_forgotten, "list_pairings": switch.pairings_forgotten},
    }


def crm_status(store: Store, connection_id: int) -> dict[str, str | None]:
    """`status`'s `crm`: the kind and the masked URL (None for the builtin CRM), and why
    the URL cannot be shown when it cannot be decrypted."""
    try:
        choice = load_crm_choice(store, connection_id)
    except UserError as error:
        return {
            "kind": stored_crm_kind(store, connection_id).value,
            "url": None,
            "error": str(error),
        }
    return {"kind": choice.kind.value, "url": choice.shown_url}
