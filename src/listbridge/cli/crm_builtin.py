"""Commands that work on the builtin CRM only, and what they say to a connection that
syncs another."""

from __future__ import annotations

from listbridge.cli.context import CliContext
from listbridge.core.errors import UserError
from listbridge.crm.presets import LABELS
from listbridge.store.crm_choice import CrmChoice, CrmKind, load_crm_choice


def builtin_only(state: CliContext, command: str, instead: str) -> CrmChoice:
    """The connection's CRM when it is the builtin one; else a UserError saying that
    `command` works on the builtin CRM only, and what to do `instead` ({crm}: its name)."""
    choice = load_crm_choice(state.store, state.connection_id)
    if choice.kind is CrmKind.BUILTIN:
        return choice
    raise UserError(
        f"{command} works on the builtin CRM only; connection {state.connection} syncs "
        f"{choice.describe()}: {instead.format(crm=LABELS[choice.kind])}"
    )
