"""`listbridge crm duplicates`: accounts sharing an address, and likely the same person
twice (core/duplicates.py says which is which), as tables, JSON or a CSV file."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from listbridge.cli.context import context
from listbridge.cli.render import open_for_writing
from listbridge.core.duplicates import DuplicateGroup, DuplicateKind
from listbridge.core.errors import UserError
from listbridge.core.spreadsheet import safe_cell
from listbridge.crm.duplicate_groups import possible_duplicates

CSV_COLUMNS = ("kind", "key", "account_ids", "linked_account_id")
TITLES = {
    DuplicateKind.SHARED_EMAIL: "Accounts sharing an e-mail address",
    DuplicateKind.SAME_PERSON: "Likely the same person (same name, and phone or street + zip)",
}


def duplicates(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="An array of groups on stdout."),
    csv_file: Path | None = typer.Option(
        None, "--csv", help="Write the groups to this CSV file ('-': stdout)."
    ),
) -> None:
    """Possible duplicates among the CRM's accounts, to fix by hand: accounts sharing an
    address (organisations too) and likely the same person twice. Deleted accounts are
    left out."""
    if as_json and csv_file is not None and str(csv_file) == "-":
        raise UserError("--json and --csv - both write to stdout; choose one")
    state = context(ctx)
    groups = possible_duplicates(state.store, state.connection_id)
    if csv_file is not None:
        _write_csv(csv_file, groups)
        where = "stdout" if str(csv_file) == "-" else csv_file
        typer.echo(f"wrote {len(groups)} group(s) to {where}", err=True)
    if as_json:
        typer.echo(json.dumps([_group_json(g) for g in groups], indent=2, ensure_ascii=False))
    elif csv_file is None:
        _print_tables(groups)


def _group_json(group: DuplicateGroup) -> dict[str, Any]:
    return {
        "kind": group.kind.value,
        "key": group.key,
        "account_ids": list(group.account_ids),
        "linked_account_id": group.linked_account_id,
    }


def _print_tables(groups: Sequence[DuplicateGroup]) -> None:
    console = Console(highlight=False, markup=False)  # CRM data is never markup
    if not groups:
        console.print("no possible duplicates: no shared addresses, nobody twice")
        return
    for kind, title in TITLES.items():
        mine = [g for g in groups if g.kind is kind]
        if not mine:
            continue
        table = Table(
            "key", "accounts", "linked to Constant Contact", title=f"{title}: {len(mine)}"
        )
        for group in mine:
            table.add_row(group.key, ", ".join(group.account_ids), group.linked_account_id or "—")
        console.print(table)


def _write_csv(path: Path, groups: Sequence[DuplicateGroup]) -> None:
    # The key and the ids come from the CRM's data: a cell a spreadsheet would run as a
    # formula (=…, +…, @…) gets the same neutralising quote as `runs show --errors-csv`.
    with open_for_writing(path, "duplicates report") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for group in groups:
            ids = " ".join(group.account_ids)
            cells = (group.kind.value, group.key, ids, group.linked_account_id)
            writer.writerow([safe_cell(cell) for cell in cells])
