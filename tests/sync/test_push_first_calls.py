"""What a push reads besides its work (issue 19: an initial push within 1.05 x the bulk
minimum): a connection's first push does not read CC's opt-outs (they act through links,
and it has none: a contact it looks up brings its own consent) and creates `push.tag`
directly; a later push reads the tags first; a push in chunks resolves its tag once.
Call counts come from the emulator's counters."""

from __future__ import annotations

from tests.sync.conftest import Scene
from tests.sync.crms import edge
from tests.sync.test_push import push

from listbridge.core.accounts import Account
from listbridge.sync.job import JobStart
from listbridge.sync.push import PushRequest, run_push

CONTACTS = "GET /v3/contacts"
TAGS_READ = "GET /v3/contact_tags"
TAG_MADE = "POST /v3/contact_tags"


def _calls(scene: Scene) -> dict[str, int]:
    return dict(scene.cc.counters()["by_endpoint"])


def _tags(scene: Scene) -> dict[str, set[str]]:
    """Each tag's name → the addresses of the contacts that carry it."""
    with scene.cc.state.lock:
        names = {t.tag_id: t.name for t in scene.cc.state.tags.values()}
        tagged: dict[str, set[str]] = {name: set() for name in names.values()}
        for contact in scene.cc.state.contacts.by_id.values():
            for tag_id in contact.taggings or ():
                tagged[names[tag_id]].add(contact.email or "")
    return tagged


@edge
def test_a_first_push_reads_no_opt_outs_and_keeps_consent(scene: Scene) -> None:
    """Lee is unsubscribed in CC: the look-up of Lee's address finds that, with no read of
    every opt-out, and the push does not put Lee on the list."""
    scene.add_list("News")
    lee = scene.add_contact("lee.park@example.org", "Lee", "Park", unsubscribed=True)
    scene.add_account("P1", "ann.orsted@example.org", "Ann", "Orsted")
    scene.add_account("P2", "lee.park@example.org", "Lee", "Park")
    scene.cc.control.post("/counters/reset").raise_for_status()
    result = push(scene, "--list", "News")
    assert (result["created"], result["failed_subscriptions"]) == (1, 1)
    calls = _calls(scene)
    # the two addresses looked up one by one, Ann's new contact found: no opt-out read
    assert calls[CONTACTS] == 2 + 1, calls
    assert (calls.get(TAGS_READ, 0), calls[TAG_MADE]) == (0, 1), calls
    with scene.cc.state.lock:
        held = scene.cc.state.contacts.by_id[lee]
        assert not held.lists
    still = scene.cc.state.contacts.find_email("lee.park@example.org")
    assert still is not None
    assert still.contact_id == lee  # no second contact for Lee
    assert _tags(scene) == {"listbridge": {"ann.orsted@example.org"}}

    # Links now: the next push reads CC's opt-outs first (consent first), and the tag,
    # which exists, is read before it would be made.
    scene.add_account("P3", "zoe.muller@example.org", "Zoe", "Muller")
    scene.cc.control.post("/counters/reset").raise_for_status()
    again = push(scene, "--list", "News")
    assert again["created"] == 1
    calls = _calls(scene)
    assert (calls[TAGS_READ], calls.get(TAG_MADE, 0)) == (1, 0), calls
    # CC's opt-outs, Zoe's and Lee's addresses looked up (a link to an opted-out contact
    # is looked up again), Zoe's new contact found
    assert calls[CONTACTS] == 1 + 2 + 1, calls
    assert _tags(scene) == {"listbridge": {"ann.orsted@example.org", "zoe.muller@example.org"}}


@edge
def test_a_tag_cc_has_under_another_case_is_used(scene: Scene) -> None:
    """CC's tag names are unique whatever their case: the POST meets a 409, the read
    of the tags finds `LISTBRIDGE`, and the new contacts carry it (no second tag)."""
    scene.add_list("News")
    scene.client.create_tag("LISTBRIDGE")
    scene.add_account("P1", "ann.orsted@example.org", "Ann", "Orsted")
    scene.cc.control.post("/counters/reset").raise_for_status()
    assert push(scene, "--list", "News")["created"] == 1
    calls = _calls(scene)
    assert (calls[TAG_MADE], calls[TAGS_READ]) == (1, 1), calls
    assert _tags(scene) == {"LISTBRIDGE": {"ann.orsted@example.org"}}


@edge
def test_a_push_in_chunks_resolves_its_tag_once(scene: Scene) -> None:
    scene.add_list("News")
    scene.add_accounts([Account(f"a{n:02d}", email=f"person{n}@example.org", first_name="P",
                                last_name=f"N{n}") for n in range(30)])  # fmt: skip
    scene.cc.control.post("/counters/reset").raise_for_status()
    start = JobStart(scene.store, scene.connection_id)
    result = run_push(start, PushRequest(lists=["News"], chunk_size=10))
    assert result.counts["created"] == 30
    calls = _calls(scene)
    assert (calls[TAG_MADE], calls.get(TAGS_READ, 0)) == (1, 0), calls
    assert calls["POST /v3/activities/contacts_taggings_add"] == 3, calls  # one a chunk
    assert len(_tags(scene)["listbridge"]) == 30
