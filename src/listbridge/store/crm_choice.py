"""A connection's CRM (`crm use`): which kind, and where its database is.

The URL of a CRM held elsewhere carries the database's password: it is stored as a
Fernet token under the store's secret key (store/secretbox.py), re-encrypted by
`secrets rotate` with the tokens, and shown only with its password masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from listbridge.config import SECRET_KEY_ENV
from listbridge.core.errors import NotConnectedError, UserError
from listbridge.store.connections import connection_name
from listbridge.store.db import Store
from listbridge.store.models import CrmChoiceRow
from listbridge.store.secretbox import SecretBox, secret_box


class CrmKind(StrEnum):
    BUILTIN = "builtin"
    CIVICRM = "civicrm"
    VTIGER = "vtiger"
    #: any SQL-held CRM, described by a mapping file (crm/sqlmap)
    SQL = "sql"


def masked_url(url: str) -> str:
    """The URL as it may be shown: `mysql+pymysql://root:***@127.0.0.1:3306/civi`."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class CrmChoice:
    kind: CrmKind = CrmKind.BUILTIN
    #: the CRM database's URL, password included (None: the builtin CRM); never printed
    url: str | None = field(default=None, repr=False)
    #: a SQL CRM's mapping file: its name and its text (None for the other kinds)
    mapping_name: str | None = None
    mapping: str | None = field(default=None, repr=False)

    @property
    def shown_url(self) -> str | None:
        return None if self.url is None else masked_url(self.url)

    def describe(self) -> str:
        """`the builtin CRM`, `the civicrm CRM at mysql+pymysql://root:***@host/civi`,
        `the sql CRM at postgresql+psycopg://crm@host/people (mapping people.toml)`."""
        where = f" at {self.shown_url}" if self.url is not None else ""
        mapped = f" (mapping {self.mapping_name})" if self.mapping_name else ""
        return f"the {self.kind} CRM{where}{mapped}"

    def same_crm(self, other: CrmChoice) -> bool:
        """Whether both reach the same records: a new password is the same CRM."""
        return self.kind is other.kind and _without_password(self.url) == _without_password(
            other.url
        )


def _without_password(url: str | None) -> str | None:
    return None if url is None else make_url(url).set(password=None).render_as_string()


def stored_crm_kind(store: Store, connection_id: int) -> CrmKind:
    """The kind of the connection's CRM, its URL left encrypted (`status` shows it even
    when the URL cannot be decrypted)."""
    with store.session() as session:
        kind = session.scalar(
            select(CrmChoiceRow.kind).where(CrmChoiceRow.connection_id == connection_id)
        )
    return CrmKind.BUILTIN if kind is None else CrmKind(kind)


def load_crm_choice(store: Store, connection_id: int) -> CrmChoice:
    """The connection's CRM; the builtin CRM when `crm use` never ran."""
    with store.session() as session:
        row = session.get(CrmChoiceRow, connection_id)
        if row is None:
            return CrmChoice()
        kind, token = CrmKind(row.kind), row.url_encrypted
        mapping_name, mapping_token = row.mapping_name, row.mapping_encrypted
    if token is None:
        return CrmChoice(kind)
    try:
        box = secret_box(store)
        mapping = None if mapping_token is None else box.decrypt(mapping_token)
        return CrmChoice(kind, box.decrypt(token), mapping_name, mapping)
    except NotConnectedError as error:  # the box words it for the CC tokens
        name = connection_name(store, connection_id)
        raise UserError(
            f"connection {name!r}: the stored URL of its {kind} CRM database cannot be "
            f"decrypted with this secret key ({SECRET_KEY_ENV} or the key file); set the "
            f"key used when `crm use` ran, or run `listbridge crm use {kind} --url URL` again"
        ) from error


def save_crm_choice(store: Store, connection_id: int, kind: CrmKind, url: str | None) -> None:
    with store.session() as session:
        put_crm_choice(session, secret_box(store), connection_id, CrmChoice(kind, url))


def put_crm_choice(session: Session, box: SecretBox, connection_id: int, choice: CrmChoice) -> None:
    """Record the choice in the caller's transaction (replacing any earlier one)."""
    row = session.get(CrmChoiceRow, connection_id) or CrmChoiceRow(connection_id=connection_id)
    row.kind = choice.kind.value
    row.url_encrypted = None if choice.url is None else box.encrypt(choice.url)
    row.mapping_name = choice.mapping_name
    row.mapping_encrypted = None if choice.mapping is None else box.encrypt(choice.mapping)
    row.updated_at = datetime.now(UTC)
    session.add(row)


def reencrypt_crm_urls(session: Session, rewrap: Callable[[str], str]) -> int:
    """Re-encrypt every stored CRM URL with `rewrap` (`secrets rotate`); the caller commits."""
    count = 0
    for row in session.scalars(select(CrmChoiceRow).where(CrmChoiceRow.url_encrypted.is_not(None))):
        assert row.url_encrypted is not None
        row.url_encrypted, count = rewrap(row.url_encrypted), count + 1
        if row.mapping_encrypted is not None:
            row.mapping_encrypted = rewrap(row.mapping_encrypted)
    return count
