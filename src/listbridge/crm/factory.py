"""The CRM of a connection, behind the protocol: the one way a job reaches a CRM.

`crm use` records the choice (store/crm_choice.py); `open_crm` opens the adapter it
names, and no job changes: the builtin CRM in listbridge's own database, or CiviCRM or
Vtiger where they are, each through a pooled engine on its database (crm/engines.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from listbridge.core.errors import UserError
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.crm.civicrm.adapter import CiviCrm
from listbridge.crm.engines import answering_engine, crm_url
from listbridge.crm.presets import check_core_tables
from listbridge.crm.protocol import CrmWithLists
from listbridge.crm.sqlmap.adapter import SqlCrm
from listbridge.crm.sqlmap.parse import read_mapping
from listbridge.crm.sqlmap.schema import reflect
from listbridge.crm.vtiger.adapter import VtigerCrm
from listbridge.store.connections import connection_name
from listbridge.store.crm_choice import CrmChoice, CrmKind, load_crm_choice
from listbridge.store.crm_switch import Switch, switch_crm
from listbridge.store.db import Store

Clock = Callable[[], datetime]
#: a mapping file as `crm use sql` reads it: its name and its text
Mapping_ = tuple[str, str]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def open_crm(store: Store, connection_id: int, clock: Clock = _utc_now) -> CrmWithLists:
    """The connection's CRM; CrmUnreachableError when its database does not answer."""
    return crm_for(store, connection_id, load_crm_choice(store, connection_id), clock)


def crm_for(
    store: Store, connection_id: int, choice: CrmChoice, clock: Clock = _utc_now
) -> CrmWithLists:
    if choice.kind is CrmKind.BUILTIN:
        return BuiltinCrm(store, connection_id, clock)
    if choice.url is None:  # save_crm_choice never stores one so; a hand-edited row
        raise UserError(f"the {choice.kind} CRM has no URL: run `listbridge crm use` again")
    engine = answering_engine(choice.url, connection_name(store, connection_id))
    if choice.kind is CrmKind.CIVICRM:
        return CiviCrm(store, connection_id, engine, clock)
    if choice.kind is CrmKind.SQL:
        if choice.mapping is None:  # save_crm_choice never stores one so; a hand-edited row
            raise UserError("the sql CRM has no mapping: run `listbridge crm use sql` again")
        mapping = read_mapping(choice.mapping_name or "the mapping", choice.mapping)
        return SqlCrm(store, connection_id, engine, mapping, clock)
    return VtigerCrm(store, connection_id, engine, clock)


def choose_crm(
    store: Store,
    connection_id: int,
    kind: CrmKind,
    url: str | None,
    *,
    force: bool = False,
    mapping: Mapping_ | None = None,
) -> Switch:
    """`crm use`: check the CRM (its URL, that its database answers and holds the
    preset's core tables, or the mapping's tables and columns), then make it the
    connection's (store/crm_switch.py). `mapping`: a sql CRM's file, (name, text)."""
    name = connection_name(store, connection_id)
    if kind is CrmKind.SQL:
        choice = _mapped(url, mapping)
        assert choice.url is not None
        assert choice.mapping is not None
        file = read_mapping(choice.mapping_name or "the mapping", choice.mapping)
        with answering_engine(choice.url, name).connect() as conn:
            reflect(conn, file)
        return switch_crm(store, connection_id, choice, force=force)
    if mapping is not None:
        raise UserError(f"--mapping describes a sql CRM; crm use {kind} takes none")
    choice = _choice(kind, url)
    if choice.url is not None:
        check_core_tables(answering_engine(choice.url, name), kind, name)
    return switch_crm(store, connection_id, choice, force=force)


def _mapped(url: str | None, mapping: Mapping_ | None) -> CrmChoice:
    """A sql CRM's choice: the mapping, and the URL given, else the mapping's own."""
    if mapping is None:
        raise UserError("crm use sql needs --mapping FILE.toml (see docs/mapping-example.toml)")
    name, text = mapping
    file = read_mapping(name, text)
    given = url if url is not None and url.strip() else file.mapping.database.url
    if not given:
        raise UserError(
            f"{name}: no database: give --url, or url in the mapping's [database] table"
        )
    return CrmChoice(CrmKind.SQL, crm_url(given), name, text)


def _choice(kind: CrmKind, url: str | None) -> CrmChoice:
    if kind is CrmKind.BUILTIN:
        if url is not None:
            raise UserError(
                "--url: the builtin CRM lives in listbridge's own database; "
                "--url names the database of a civicrm or vtiger CRM"
            )
        return CrmChoice()
    if url is None or not url.strip():
        raise UserError(f"crm use {kind} needs --url, the SQLAlchemy URL of its database")
    return CrmChoice(kind, crm_url(url))
