"""An import and an account deleted in the CRM (`crm delete`, CiviCRM's trash, Vtiger's
recycle bin): the link stays, so the contact's news still reaches the account (consent
is never lost), and it is back when it is restored."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.crms import DELETES, only

from listbridge.core.journal import Side
from listbridge.store.journal import history

pytestmark = only(DELETES)


def test_a_cc_unsubscribe_reaches_a_deleted_linked_account(scene: Scene) -> None:
    sofia = scene.add_account("E1", "sofia@example.org", "Sofia", "Rossi")
    contact_id = scene.add_contact("sofia@example.org", "Sofia", "Rossi")
    scene.import_json()
    scene.delete_account(sofia)
    scene.unsubscribe(contact_id)
    assert scene.import_json()["matched"] == 1
    assert scene.crm.get(sofia) is None  # out of every job's sight …
    stored = scene.crm.get_many([sofia], include_deleted=True)[sofia]
    assert stored.email_opt_out is True  # … yet the opt-out reached it
    fields = [e.change.field for e in history(scene.store, scene.connection_id, Side.CRM, sofia)]
    assert fields[-1] == "email_opt_out"
