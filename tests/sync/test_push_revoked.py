"""A lost authorisation mid-push stops the push with exit 4 (reconnect), also on the
one-by-one path (`PUT /contacts/{id}` for a changed address), where a contact CC refuses
is only an error row: a revoked token is no contact's refusal. On SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from tests.sync.conftest import Scene
from tests.sync.test_push import push

from listbridge.core.runs import RunStatus
from listbridge.store.runs import list_runs, run_errors
from listbridge.sync import cc_connection

PEOPLE = 3


def _revoke_at_the_first_put(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Clients opened from now on revoke every token just before their first
    `PUT /contacts/{id}` leaves (the emulator control `revoke_tokens`)."""
    puts: list[str] = []

    def revoke(request: httpx.Request) -> None:
        if request.method == "PUT" and request.url.path.startswith("/v3/contacts/"):
            if not puts:
                scene.cc.faults(revoke_tokens=True)
            puts.append(request.url.path)

    options = dict(cc_connection.CLIENT_OPTIONS)
    hooks = options["event_hooks"]
    options["event_hooks"] = {**hooks, "request": [*hooks["request"], revoke]}
    monkeypatch.setattr(cc_connection, "CLIENT_OPTIONS", options)
    return puts


def test_a_token_revoked_during_one_by_one_updates_ends_the_push_with_exit_4(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene.add_list("News")
    made = [
        scene.add_account(f"a{n}", f"old{n}@example.org", "Ann", f"N{n}") for n in range(PEOPLE)
    ]
    push(scene, "--list", "News")
    for n, account_id in enumerate(made):  # a changed address is updated by PUT, not an import
        scene.crm.update_fields(account_id, {"email": f"new{n}@example.org"}, reason="test")
    puts = _revoke_at_the_first_put(scene, monkeypatch)

    answer = scene.cli("push", "--json", "--list", "News")

    assert answer.exit_code == 4, answer.output
    assert "update refused" not in answer.output
    assert len(puts) == 1, puts  # stopped at the first 401, not one 401 row per contact
    run = list_runs(scene.store, scene.connection_id, kind="push")[0]
    assert run.status is not RunStatus.SUCCEEDED
    assert "reconnect" in run.message
    assert not [e for e in run_errors(scene.store, run.run_id) if "update refused" in e.reason]
    emails = {c.email for c in scene.cc.state.contacts.by_id.values()}
    assert emails == {f"old{n}@example.org" for n in range(PEOPLE)}
