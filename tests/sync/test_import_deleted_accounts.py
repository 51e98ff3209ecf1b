"""An import and an account `crm delete` marked: the link stays, so the contact's news
still reaches the account (consent is never lost), and it is back when it is restored."""

from __future__ import annotations

from tests.sync.conftest import Scene

from listbridge.core.journal import Side
from listbridge.store.journal import history


def test_a_cc_unsubscribe_reaches_a_deleted_linked_account(scene: Scene) -> None:
    scene.add_account("E1", "sofia@example.org", "Sofia", "Rossi")
    contact_id = scene.add_contact("sofia@example.org", "Sofia", "Rossi")
    scene.import_json()
    assert scene.cli("crm", "delete", "E1").exit_code == 0
    scene.unsubscribe(contact_id)
    assert scene.import_json()["matched"] == 1
    stored = scene.crm.get_stored("E1")
    assert stored is not None
    account, deleted_at = stored
    assert (account.email_opt_out, deleted_at is not None) == (True, True)
    fields = [e.change.field for e in history(scene.store, scene.connection_id, Side.CRM, "E1")]
    assert fields[-1] == "email_opt_out"
