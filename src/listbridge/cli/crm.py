"""`listbridge crm`: the connection's CRM. Each command is imported when it runs
(cli/lazy.py): loading a file needs none of the other CRMs' adapters."""

from __future__ import annotations

import typer

from listbridge.cli.lazy import Lazy, lazy_group

#: the commands, in the order `listbridge crm --help` lists them
COMMANDS = {
    "use": Lazy("listbridge.cli.crm_use", "use"),
    "check": Lazy("listbridge.cli.crm_check", "check"),
    "load": Lazy("listbridge.cli.crm_load", "load"),
    "export": Lazy("listbridge.cli.crm_accounts", "export"),
    "delete": Lazy("listbridge.cli.crm_accounts", "delete"),
    "show": Lazy("listbridge.cli.crm_accounts", "show"),
    "duplicates": Lazy("listbridge.cli.crm_duplicates", "duplicates"),
    "fields": Lazy("listbridge.cli.crm_fields", "app", group=True),
    "lists": Lazy("listbridge.cli.crm_lists", "app", group=True),
}


app = typer.Typer(
    cls=lazy_group(COMMANDS),
    no_args_is_help=True,
    help="The connection's CRM: use, check, load, export, fields, lists, show, delete, duplicates.",
)
