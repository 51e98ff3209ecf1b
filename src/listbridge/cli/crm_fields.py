"""`listbridge crm fields`: the CRM's custom fields, and defining one in the builtin CRM."""

from __future__ import annotations

import typer

from listbridge.cli.context import context
from listbridge.cli.crm_builtin import builtin_only
from listbridge.core.accounts import FieldType
from listbridge.crm.builtin.fields import add_field
from listbridge.crm.factory import crm_for
from listbridge.crm.presets import LABELS
from listbridge.store.crm_choice import CrmKind, load_crm_choice

app = typer.Typer(no_args_is_help=True, help="Custom fields of the CRM.")


@app.command("add")
def fields_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The field name, as in custom.<Name> columns."),
    type_: FieldType = typer.Option(..., "--type", help="The kind of value."),
    choices: str = typer.Option("", "--choices", help="Comma-separated, for --type choice."),
) -> None:
    """Define a custom field of the builtin CRM before loading a file that uses it."""
    state = context(ctx)
    builtin_only(
        state, "crm fields add", "its custom fields are defined in {crm} (and not synced yet)"
    )
    field = add_field(state.store, state.connection_id, name, type_, choices.split(","))
    extra = f" ({', '.join(field.choices)})" if field.choices else ""
    typer.echo(f"custom field {field.name!r} defined: {field.type}{extra}")


@app.command("ls")
def fields_ls(ctx: typer.Context) -> None:
    """The custom fields and their types."""
    state = context(ctx)
    choice = load_crm_choice(state.store, state.connection_id)
    fields = crm_for(state.store, state.connection_id, choice).custom_fields()
    for field in fields:
        extra = f"  {', '.join(field.choices)}" if field.choices else ""
        typer.echo(f"{field.name}\t{field.type}{extra}")
    if not fields and choice.kind is CrmKind.SQL:  # silence would look like a failure
        typer.echo("no custom fields: the mapping maps no custom.<Name> column", err=True)
    elif not fields and choice.kind is not CrmKind.BUILTIN:
        typer.echo(f"no custom fields: {LABELS[choice.kind]}'s are not synced yet", err=True)
