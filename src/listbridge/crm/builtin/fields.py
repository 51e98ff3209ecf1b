"""Custom field definitions of the builtin CRM."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from listbridge.core.accounts import CustomFieldDef, FieldType
from listbridge.core.errors import UserError
from listbridge.core.rows import MAX_FIELD_NAME
from listbridge.crm.builtin.records import FIELDS, FieldCatalog, utc_now
from listbridge.store.db import Store


def list_fields(store: Store, connection_id: int) -> list[CustomFieldDef]:
    with store.session() as session:
        return list(FieldCatalog.read(session, connection_id).defs.values())


def add_field(
    store: Store, connection_id: int, name: str, type_: FieldType, choices: Iterable[str] = ()
) -> CustomFieldDef:
    """Define a custom field before a file uses it, so its values are typed."""
    field = _checked(name, type_, tuple(c.strip() for c in choices if c.strip()))
    with store.session() as session:
        catalog = FieldCatalog.read(session, connection_id)
        if name in catalog.defs:
            existing = catalog.defs[name]
            raise UserError(f"custom field {name!r} is already defined (type {existing.type})")
        define(session, connection_id, catalog, field, utc_now())
    return field


def _checked(name: str, type_: FieldType, choices: tuple[str, ...]) -> CustomFieldDef:
    if not name or name != name.strip() or len(name) > MAX_FIELD_NAME:
        raise UserError(f"a custom field name must be 1–{MAX_FIELD_NAME} characters, trimmed")
    if type_ is FieldType.CHOICE and not choices:
        raise UserError("a choice field needs --choices, e.g. --choices Gold,Silver,Bronze")
    if type_ is not FieldType.CHOICE and choices:
        raise UserError("--choices only applies to --type choice")
    return CustomFieldDef(name, type_, choices)


def define(
    session: Session, connection_id: int, catalog: FieldCatalog, field: CustomFieldDef, at: datetime
) -> None:
    """Insert the definition and add it to `catalog`."""
    row = {
        "connection_id": connection_id,
        "name": field.name,
        "type": str(field.type),
        "choices": list(field.choices),
        "created_at": at,
    }
    field_id = session.execute(insert(FIELDS).values(row).returning(FIELDS.c.id)).scalar_one()
    catalog.add(field_id, field)
