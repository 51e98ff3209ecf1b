"""The mapping's tables as the live database has them (reflected), and each account
field's column: what the adapter reads and writes through. A table or column the
mapping names that the database lacks is refused naming the mapping's line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import NoSuchTableError

from listbridge.core.accounts import CUSTOM_PREFIX, CustomFieldDef, FieldType
from listbridge.core.errors import UserError
from listbridge.crm.filter_sql_tree import python_type as python_type
from listbridge.crm.sqlmap.model import Mapping
from listbridge.crm.sqlmap.parse import MappingFile
from listbridge.crm.sqlmap.values import field_type

CHECK = "`listbridge crm check` lists every difference"


@dataclass(frozen=True)
class Shape:
    """A mapping and its reflected tables."""

    file: MappingFile
    accounts: Table
    groups: Table | None
    members: Table | None

    @property
    def mapping(self) -> Mapping:
        return self.file.mapping

    def column(self, name: str) -> Column[Any]:
        return self.accounts.c[name]

    def field_column(self, field: str) -> Column[Any] | None:
        name = self.mapping.accounts.columns.get(field)
        return None if name is None else self.accounts.c[name]

    def custom_fields(self) -> list[CustomFieldDef]:
        return [
            CustomFieldDef(f[len(CUSTOM_PREFIX) :], self.custom_type(f))
            for f in self.mapping.accounts.columns
            if f.startswith(CUSTOM_PREFIX)
        ]

    def custom_type(self, field: str) -> FieldType:
        column = self.field_column(field)
        return FieldType.TEXT if column is None else field_type(python_type(column))


def reflect(conn: Connection, file: MappingFile) -> Shape:
    """The mapping's tables, checked to have every column the mapping names."""
    mapping = file.mapping
    accounts = _table(conn, file, "accounts", mapping.accounts.table)
    named: list[tuple[tuple[str, ...], str]] = [
        (("accounts", "key"), mapping.accounts.key),
        *[
            ((("accounts", key)), value)
            for key in ("updated_at", "created_at", "deleted", "full_name")
            if (value := getattr(mapping.accounts, key))
        ],
        *[(("accounts", "columns", f), c) for f, c in mapping.accounts.columns.items()],
        *[(("accounts", "defaults", c), c) for c in mapping.accounts.defaults],
    ]
    _columns(file, accounts, named)
    groups = members = None
    if mapping.groups is not None and mapping.members is not None:
        groups = _table(conn, file, "groups", mapping.groups.table)
        g = mapping.groups
        _columns(file, groups, [(("groups", k), getattr(g, k)) for k in ("key", "name")])
        members = _table(conn, file, "members", mapping.members.table)
        m = mapping.members
        keys = [k for k in ("account", "group", "status") if getattr(m, k)]
        _columns(file, members, [(("members", k), getattr(m, k)) for k in keys])
    return Shape(file, accounts, groups, members)


def table_name(name: str) -> tuple[str | None, str]:
    """(schema, table) of `schema.table` or `table`."""
    schema, _, table = name.rpartition(".")
    return schema or None, table


def _table(conn: Connection, file: MappingFile, section: str, name: str) -> Table:
    schema, table = table_name(name)
    try:
        return Table(table, MetaData(), schema=schema, autoload_with=conn)
    except NoSuchTableError as error:
        raise UserError(
            f"{file.where(section, 'table')}: the CRM database has no table {name!r}; {CHECK}"
        ) from error


def _columns(file: MappingFile, table: Table, named: list[tuple[tuple[str, ...], str]]) -> None:
    for path, column in named:
        if column not in table.c:
            raise UserError(
                f"{file.where(*path)}: the table {table.name!r} has no column {column!r}; {CHECK}"
            )
