"""An import scene: the emulator over loopback (every exchange held to the official spec),
a store connected to it through the CLI, and helpers to put contacts on one side and
accounts on the other. Runs on SQLite and PostgreSQL (the `cli` and `store` fixtures)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.conftest import Cli
from tests.constant_contact.conftest import (  # noqa: F401  (fixtures used here)
    CcEmulator,
    cc,
    cc_emulator_config,
    secret_key_file,
    wired,
)

from listbridge.constant_contact.client import ConstantContact
from listbridge.constant_contact.models import ContactBody
from listbridge.core.accounts import Account, AccountType
from listbridge.crm.builtin.adapter import BuiltinCrm
from listbridge.store.connections import connection_id
from listbridge.store.db import Store


@dataclass
class Scene:
    cc: CcEmulator
    cli: Cli
    store: Store
    client: ConstantContact
    lists: dict[str, str] = field(default_factory=dict)

    @property
    def connection_id(self) -> int:
        return connection_id(self.store, "default")

    @property
    def crm(self) -> BuiltinCrm:
        return BuiltinCrm(self.store, self.connection_id)

    def add_list(self, name: str) -> str:
        self.lists[name] = self.client.create_list(name).list_id
        return self.lists[name]

    def add_contact(
        self,
        email: str,
        first: str = "",
        last: str = "",
        lists: tuple[str, ...] = (),
        unsubscribed: bool = False,
        **extra: Any,
    ) -> str:
        body: dict[str, Any] = {
            "email_address": {"address": email, "permission_to_send": "implicit"},
            "first_name": first,
            "last_name": last,
            "create_source": "Account",
            **extra,
        }
        if lists:
            body["list_memberships"] = [self.lists[name] for name in lists]
        contact, _ = self.client.create_contact(ContactBody.model_validate(body))
        if unsubscribed:
            self.unsubscribe(contact.contact_id)
        return contact.contact_id

    def unsubscribe(self, contact_id: str) -> None:
        self.cc.control.post(f"/contacts/{contact_id}/unsubscribe").raise_for_status()

    def give_invalid_email(self, contact_id: str, email: str) -> None:
        """A record the API would refuse today (a legacy import), put straight into CC."""
        with self.cc.state.lock:
            contact = self.cc.state.contacts.by_id[contact_id]
            old, contact.email = contact.email, email
            self.cc.state.contacts.rekey_email(contact, old)

    def add_account(
        self, account_id: str, email: str, first: str = "", last: str = "", **kw: Any
    ) -> None:
        account = Account(account_id, email=email, first_name=first, last_name=last, **kw)
        self.crm.create(account, reason="test setup")

    def add_organization(self, account_id: str, email: str) -> None:
        self.add_account(
            account_id, email, type=AccountType.ORGANIZATION, company_name="Org " + account_id
        )

    def import_json(self, *args: str, expect: int = 0) -> dict[str, Any]:
        answer = self.cli("import", "--json", *args)
        assert answer.exit_code == expect, answer.output
        result: dict[str, Any] = json.loads(answer.stdout) if expect == 0 else {}
        return result

    def account(self, account_id: str) -> Account:
        found = self.crm.get(account_id)
        assert found is not None, account_id
        return found

    def accounts(self) -> list[Account]:
        return list(self.crm.changed_since(None))


@pytest.fixture
def scene(wired: CcEmulator, cli: Cli, store: Store) -> Scene:  # noqa: F811
    answer = cli("connect", "--emulator", wired.base_url)
    assert answer.exit_code == 0, answer.output
    return Scene(wired, cli, store, wired.client())
