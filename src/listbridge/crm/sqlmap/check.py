"""`crm check` for a mapped CRM: every line of the mapping against the live database.

Each table and column the mapping names must exist; each column must hold the kind of
value its field is (a yes/no field in a text column needs a translation, a change time
a date-time column); a NOT NULL column with no default must be filled by a field or by
`defaults`; the key must be unique, and numbered by the database when `new_keys` says
so. A sample of rows shows the values each translated field holds: one the mapping does
not translate (nor listbridge understand) is a problem, naming the line to add it to.
Every problem names the mapping's line and the database object.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import ReflectedColumn

from listbridge.core.accounts import BOOLEAN_COLUMNS, CUSTOM_PREFIX
from listbridge.crm.check.kinds import TypeKind, kind_of
from listbridge.crm.check.report import CheckReport, Problem
from listbridge.crm.engines import answering_engine
from listbridge.crm.sqlmap.model import Mapping
from listbridge.crm.sqlmap.parse import MappingFile, read_mapping
from listbridge.crm.sqlmap.schema import table_name
from listbridge.crm.sqlmap.values import db_key, known_flag, known_type
from listbridge.store.connections import connection_name
from listbridge.store.crm_choice import CrmChoice
from listbridge.store.db import Store

#: rows read to check the values of translated fields
SAMPLE = 1000
SHOWN = 3
TEXT = frozenset({TypeKind.TEXT})
FLAG = frozenset({TypeKind.BOOLEAN, TypeKind.INTEGER})
MOMENT = frozenset({TypeKind.DATE_TIME, TypeKind.DATE})
ANY = frozenset(TypeKind)
Columns = dict[str, ReflectedColumn]


def check_mapping(store: Store, connection_id: int, choice: CrmChoice) -> CheckReport:
    """The mapping `crm use sql` stored, checked against the database it names."""
    assert choice.url is not None  # crm use stores both
    assert choice.mapping is not None
    file = read_mapping(choice.mapping_name or "the mapping", choice.mapping)
    engine = answering_engine(choice.url, connection_name(store, connection_id))
    report = CheckReport(choice.describe())
    check_file(engine, file, report)
    return report


def check_file(engine: Engine, file: MappingFile, report: CheckReport) -> None:
    with engine.connect() as conn:
        checker = _Checker(conn, file, report)
        checker.accounts()
        if file.mapping.groups is not None:
            checker.lists()


class _Checker:
    def __init__(self, conn: Connection, file: MappingFile, report: CheckReport) -> None:
        self.conn, self.file, self.report = conn, file, report
        self.mapping: Mapping = file.mapping
        self.inspector = inspect(conn)

    def problem(self, path: tuple[str, ...], what: str, reason: str) -> None:
        self.report.problems.append(Problem(self.file.where(*path), what, reason))

    def table(self, section: str, name: str) -> Columns | None:
        schema, table = table_name(name)
        if not self.inspector.has_table(table, schema=schema):
            self.problem((section, "table"), f"table {name}", "the CRM database has no such table")
            return None
        return {c["name"]: c for c in self.inspector.get_columns(table, schema=schema)}

    def column(
        self,
        path: tuple[str, ...],
        table: str,
        columns: Columns,
        name: str,
        kinds: frozenset[TypeKind],
        why: str = "",
    ) -> bool:
        if name not in columns:
            self.problem(path, f"column {table}.{name}", f"the table {table} has no such column")
            return False
        found = kind_of(columns[name]["type"])
        if found not in kinds and found is not TypeKind.OTHER:
            wanted = " or ".join(sorted(k.value for k in kinds))
            self.problem(
                path,
                f"column {table}.{name}",
                f"holds {found.value} ({columns[name]['type']}), not {wanted}{why}",
            )
            return False
        return True

    # -- the accounts table ---------------------------------------------------------

    def accounts(self) -> None:
        a = self.mapping.accounts
        columns = self.table("accounts", a.table)
        if columns is None:
            return
        self.key(columns)
        for key, kinds in (("updated_at", MOMENT), ("created_at", MOMENT), ("full_name", TEXT)):
            if name := getattr(a, key):
                self.column(("accounts", key), a.table, columns, name, kinds)
        if a.deleted:
            self.column(
                ("accounts", "deleted"), a.table, columns, a.deleted, self.flag_kinds("deleted")
            )
        for field, name in a.columns.items():
            self.column(
                ("accounts", "columns", field),
                a.table,
                columns,
                name,
                self.field_kinds(field),
                self.field_hint(field),
            )
        for name in a.defaults:
            if name not in columns:
                self.problem(
                    ("accounts", "defaults", name),
                    f"column {a.table}.{name}",
                    f"the table {a.table} has no such column",
                )
        self.required(("accounts", "defaults"), a.table, columns, self.filled(columns))
        self.values(columns)
        count = self.conn.scalar(select(func.count()).select_from(self.sa_table(a.table)))
        mapped = len(self.filled(columns) & set(columns))
        self.report.found.append(
            f"table {a.table}: {len(columns)} columns, {mapped} written or read by the "
            f"mapping; {count or 0} rows"
        )

    def key(self, columns: Columns) -> None:
        a = self.mapping.accounts
        kinds = frozenset({TypeKind.INTEGER}) if a.new_keys == "database" else TEXT
        why = (
            ': new_keys = "database" needs a number the database gives'
            if a.new_keys == "database"
            else ': new_keys = "uuid" needs a text key'
        )
        if not self.column(("accounts", "key"), a.table, columns, a.key, kinds, why):
            return
        if a.new_keys == "database" and not columns[a.key].get("autoincrement", False):
            pk = self.inspector.get_pk_constraint(*_split(a.table))["constrained_columns"]
            if pk != [a.key]:
                self.problem(
                    ("accounts", "new_keys"),
                    f"column {a.table}.{a.key}",
                    "is not numbered by the database (no auto-increment key): use new_keys = "
                    '"uuid" with a text key, or give the column AUTO_INCREMENT / IDENTITY',
                )
        table = self.sa_table(a.table)
        key = table.c[a.key]
        dupes = self.conn.execute(
            select(key, func.count()).group_by(key).having(func.count() > 1).limit(SHOWN)
        ).all()
        if dupes:
            shown = ", ".join(f"{db_key(k)!r} ({n} rows)" for k, n in dupes)
            self.problem(
                ("accounts", "key"),
                f"column {a.table}.{a.key}",
                f"is not unique: {shown}; an account's id must name one row",
            )

    def field_kinds(self, field: str) -> frozenset[TypeKind]:
        if field.startswith(CUSTOM_PREFIX):
            return ANY  # the column's type is the custom field's type
        if field in BOOLEAN_COLUMNS:
            return self.flag_kinds(field)
        if field == "type":
            return ANY if "type" in self.mapping.accounts.translate else TEXT
        return TEXT

    def flag_kinds(self, field: str) -> frozenset[TypeKind]:
        # a text column holds yes/no only with the CRM's words for them written down
        return FLAG | TEXT if field in self.mapping.accounts.translate else FLAG

    def field_hint(self, field: str) -> str:
        if field in BOOLEAN_COLUMNS:
            return (
                f": a yes/no field in a text column needs its values in "
                f"[accounts.translate] ({field} = {{ Y = true, N = false }})"
            )
        if field == "type":
            return ': add [accounts.translate] type = { P = "individual", O = "organization" }'
        return ""

    def filled(self, columns: Columns) -> set[str]:
        """The columns a new row gets a value for from the mapping."""
        a = self.mapping.accounts
        names = {*a.columns.values(), *a.defaults}
        names |= {n for n in (a.updated_at, a.created_at, a.full_name) if n}
        if a.new_keys == "uuid":
            names.add(a.key)
        return names

    def required(
        self, path: tuple[str, ...], table: str, columns: Columns, filled: set[str]
    ) -> None:
        for name, column in columns.items():
            if name in filled or column["nullable"] or column.get("default") is not None:
                continue
            if column.get("autoincrement") is True:
                continue
            self.problem(
                path,
                f"column {table}.{name}",
                "is NOT NULL with no default and nothing in the mapping fills it: a new "
                f"row would be refused; add {name} = … to this table",
            )

    def values(self, columns: Columns) -> None:
        """The sampled rows' values of each translated or yes/no field."""
        a = self.mapping.accounts
        checked = [
            (f, n)
            for f, n in a.columns.items()
            if (f in BOOLEAN_COLUMNS or f == "type") and n in columns
        ]
        if a.deleted and a.deleted in columns:
            checked.append(("deleted", a.deleted))
        if not checked:
            return
        table = self.sa_table(a.table)
        query = select(*(table.c[n] for _, n in checked)).limit(SAMPLE)
        rows = self.conn.execute(query).all()
        for index, (field, name) in enumerate(checked):
            counts = Counter(row[index] for row in rows if row[index] is not None)
            known = known_type if field == "type" else known_flag
            odd = [(v, n) for v, n in counts.items() if not known(a.translate.get(field), v)]
            if odd:
                shown = ", ".join(f"{db_key(v)!r} in {n} row(s)" for v, n in odd[:SHOWN])
                path: tuple[str, ...] = ("accounts", "translate", field)
                if field not in a.translate:
                    path = (
                        ("accounts", "columns", field)
                        if field != "deleted"
                        else ("accounts", "deleted")
                    )
                self.problem(
                    path,
                    f"column {a.table}.{name}",
                    f"holds {shown} of {len(rows)} sampled, which the mapping does not "
                    f"translate for {field}: add them to [accounts.translate] {field}"
                    + _safe_side(field),
                )
            elif rows:
                self.report.found.append(
                    f"column {a.table}.{name} ({field}): {len(counts)} distinct value(s) in "
                    f"{len(rows)} sampled rows, each understood"
                )

    # -- the lists ----------------------------------------------------------------

    def lists(self) -> None:
        g, m = self.mapping.groups, self.mapping.members
        assert g is not None  # groups and members come together (model.py)
        assert m is not None
        groups = self.table("groups", g.table)
        if groups is not None:
            for key in ("key", "name"):
                self.column(("groups", key), g.table, groups, getattr(g, key), ANY)
            self.required(("groups", "defaults"), g.table, groups, {g.name, *g.defaults} | _uuid(g))
            self.report.found.append(f"table {g.table}: the CRM's lists, {len(groups)} columns")
        members = self.table("members", m.table)
        if members is None:
            return
        for key in ("account", "group", "status"):
            if name := getattr(m, key):
                self.column(("members", key), m.table, members, name, ANY)
        filled = {m.account, m.group, *m.defaults} | ({m.status} if m.status else set())
        self.required(("members", "defaults"), m.table, members, filled)
        if m.status and m.status in members:
            table = self.sa_table(m.table)
            states = Counter(
                db_key(s) for s in self.conn.scalars(select(table.c[m.status]).limit(SAMPLE))
            )
            listed = ", ".join(f"{s!r} ({n})" for s, n in states.most_common(5))
            self.report.found.append(
                f"table {m.table}: memberships; states sampled: {listed or 'none yet'} "
                f"(members are {db_key(m.member_value)!r})"
            )

    def sa_table(self, name: str) -> Table:
        schema, table = table_name(name)
        return Table(table, MetaData(), schema=schema, autoload_with=self.conn)


def _split(name: str) -> tuple[str, str | None]:
    schema, table = table_name(name)
    return table, schema


def _uuid(groups: Any) -> set[str]:
    return {groups.key} if groups.new_keys == "uuid" else set()


def _safe_side(field: str) -> str:
    if field in BOOLEAN_COLUMNS or field == "deleted":
        return " (until then they read as yes, so those people are not mailed)"
    return " (until then they read as individuals)"
