"""A push streamed in chunks (issue 19) ends as one push of every account would: the same
Constant Contact contacts, links and counts, whichever chunk each account falls in; and a
push killed between chunks, run again, makes no contact twice."""

from __future__ import annotations

from typing import Any

import pytest
from tests.sync.conftest import Scene

from listbridge.store.models import PushActivity
from listbridge.sync.job import JobStart
from listbridge.sync.push import PushRequest, PushResult, run_push
from listbridge.sync.push import stream as push_stream

NEWS = "News"


def _world(scene: Scene) -> None:
    """Streamed oldest first: chunks of 2 put each household's two accounts in two chunks."""
    scene.add_list(NEWS)
    scene.add_contact("kim.nguyen@example.org", "Kim", "Nguyen")
    scene.add_contact("lee.park@example.org", "Lee", "Park", unsubscribed=True)
    scene.add_account("P01", "ann.orsted@example.org", "Ann", "Ørsted")
    scene.add_account("P02", "Emile.OBrien@Example.org", "Émile", "O'Brien")
    scene.add_account("P03", "emile.obrien@example.org ", "Emma", "O'Brien")
    scene.add_account("P04", "info@example.org", "Front", "Desk")
    scene.add_account("P05", "zoe.muller@example.org", "Zoë", "Müller")
    scene.add_account("P06", "olaf.berg@example.org", "Olaf", "Berg", email_opt_out=True)
    scene.add_account("P07", "kim.nguyen@example.org", "Kim", "Nguyen")
    scene.add_account("P08", "lee.park@example.org", "Lee", "Park")
    scene.add_account("P09", "sam.ito@example.org", "Sam", "Itō")
    scene.add_account("P10", "SAM.ITO@example.org", "Saki", "Itō", email_opt_out=True)


def _push(scene: Scene, chunk_size: int) -> PushResult:
    start = JobStart(scene.store, scene.connection_id)
    return run_push(start, PushRequest(lists=[NEWS], chunk_size=chunk_size))


def _outcome(scene: Scene, result: PushResult) -> dict[str, Any]:
    """What a push leaves, by name and address (contact ids differ between runs)."""
    with scene.cc.state.lock:
        contacts = [c for c in scene.cc.state.contacts.by_id.values() if not c.is_deleted]
        emails = {c.contact_id: c.email for c in contacts}
        held = sorted((c.email, c.first_name, c.last_name, bool(c.lists))
                      for c in contacts)  # fmt: skip
    links = {scene.name_of(a): emails.get(c, c) for a, c in scene.links().items()}
    reasons = sorted((scene.name_of(e.account_id or ""), e.reason) for e in result.errors)
    return {"counts": {k: v for k, v in result.counts.items() if v},
            "contacts": held, "links": links, "reasons": reasons}  # fmt: skip


EXPECTED_LINKS = {
    "P01": "ann.orsted@example.org",
    "P02": "emile.obrien@example.org",
    "P05": "zoe.muller@example.org",
    "P07": "kim.nguyen@example.org",
    "P08": "lee.park@example.org",
}


@pytest.mark.parametrize("chunk_size", [2, 3, 1000])
def test_chunks_end_as_one_push_does(scene: Scene, chunk_size: int) -> None:
    _world(scene)
    result = _push(scene, chunk_size)
    outcome = _outcome(scene, result)
    assert outcome["counts"] == {
        "created": 3,
        "matched_existing": 2,
        "not_pushed": 5,
        "failed_subscriptions": 1,
    }
    assert {k: v.lower() for k, v in outcome["links"].items()} == EXPECTED_LINKS
    assert [name for name, _ in outcome["reasons"]] == ["P03", "P04", "P06", "P08", "P09", "P10"]
    reasons = dict(outcome["reasons"])
    assert f"account {scene.ids['P02']} has it too" in reasons["P03"]
    assert "opted-out or do-not-contact" in reasons["P09"]
    on_news = {email.lower() for email, _, _, member in outcome["contacts"] if member}
    assert on_news == {"ann.orsted@example.org", "emile.obrien@example.org",
                       "zoe.muller@example.org", "kim.nguyen@example.org"}  # fmt: skip
    assert len(outcome["contacts"]) == 5  # three made, two found
    again = _push(scene, chunk_size)
    assert again.count("already_linked") == 5
    assert again.count("created") == again.count("matched_existing") == 0
    assert _outcome(scene, again)["contacts"] == outcome["contacts"]


class Killed(Exception):
    pass


def test_a_push_killed_between_chunks_resumes_without_duplicates(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world(scene)
    recorded = push_stream.record_push
    calls = []

    def killed_at_the_second(*args: Any, **kwargs: Any) -> PushResult:
        calls.append(1)
        if len(calls) == 3:  # Zoë's chunk: imported into CC, not yet recorded
            raise Killed
        return recorded(*args, **kwargs)

    monkeypatch.setattr(push_stream, "record_push", killed_at_the_second)
    with pytest.raises(Killed):
        _push(scene, 2)
    assert set(map(scene.name_of, scene.links())) == {"P01", "P02"}
    assert "zoe.muller@example.org" in {c.email for c in scene.cc.state.contacts.by_id.values()}
    monkeypatch.setattr(push_stream, "record_push", recorded)
    result = _push(scene, 2)
    outcome = _outcome(scene, result)
    emails = [email.lower() for email, _, _, _ in outcome["contacts"]]
    assert len(emails) == len(set(emails)) == 5
    assert {k: v.lower() for k, v in outcome["links"].items()} == EXPECTED_LINKS
    with scene.store.session() as session:
        assert session.query(PushActivity).count() == 0
