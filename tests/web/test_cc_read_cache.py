"""The screens that read Constant Contact keep the answer a minute for everyone (issue 20),
measured on the emulator's own counters: many views by several users cost the calls of
one view, a change made through listbridge (the web, the CLI, a job finishing) shows at
once, "Read again" reads again (once, however often it is pressed at once), an expired
answer is read again, and the page says when its figures were read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.sync.conftest import Scene
from tests.sync.lists_support import lists, people
from tests.web.conftest import PASSWORD, TestClient, csrf_of, sign_in

from listbridge.store.db import Store
from listbridge.store.users import add_user
from listbridge.web.cc_read_cache import CC_READ_TTL, REFRESH_FLOOR, CcReadCache

pytestmark = pytest.mark.db

READ_AT = re.compile(r'<time datetime="([^"]+)" id="lists-read-at">(\d\d:\d\d:\d\d)</time>')


class Clock:
    """The cache's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def calls(on: Scene) -> int:
    """The requests the emulator answered since its counters were last reset."""
    total: int = on.cc.counters()["total"]
    return total


def reset(on: Scene) -> None:
    on.cc.control.post("/counters/reset").raise_for_status()


def names_shown(html: str) -> set[str]:
    return set(re.findall(r'<tr data-list="([^"]*)">', html))


def read_at(html: str) -> datetime:
    found = READ_AT.search(html)
    assert found, "the page does not say when its lists were read"
    return datetime.fromisoformat(found.group(1))


def press(client: TestClient, action: str, **form: Any) -> httpx.Response:
    token = csrf_of(client.get("/").text)  # the dashboard reads nothing from CC
    return client.post(action, data={"csrf_token": token, **form}, follow_redirects=False)


@pytest.fixture
def clock(admin: TestClient) -> Clock:
    moved = Clock()
    admin.app.state.cc_reads = CcReadCache(clock=moved)  # type: ignore[attr-defined]
    return moved


@pytest.fixture
def three(scene: Scene, site: Store, admin: TestClient) -> Iterator[list[TestClient]]:
    """`admin`, `viewer` and `staff` signed in to one app, each in a browser of their own."""
    add_user(site, "staff", PASSWORD, groups=["viewers"])
    with TestClient(admin.app) as viewer, TestClient(admin.app) as staff:
        sign_in(viewer, "viewer")
        sign_in(staff, "staff")
        yield [admin, viewer, staff]


def test_twenty_views_by_three_users_cost_the_calls_of_one(
    scene: Scene,
    three: list[TestClient],
) -> None:
    lists(scene, "create", "News")
    scene.add_list("Members")
    admin = three[0]
    reset(scene)
    one_view = admin.get("/lists")
    assert names_shown(one_view.text) == {"News", "Members"}
    cost = calls(scene)
    assert cost >= 1  # the lists are read from CC

    admin.app.state.cc_reads = CcReadCache()  # type: ignore[attr-defined]  # none kept
    reset(scene)
    views = [(three[n % 3], path) for n in range(20) for path in ("/lists", "/")]

    def view(user_and_path: tuple[TestClient, str]) -> httpx.Response:
        user, path = user_and_path
        return user.get(path)

    with ThreadPoolExecutor(3) as people_at_once:  # the first views meet an empty cache together
        pages = list(people_at_once.map(view, views))
    assert [p.status_code for p in pages] == [200] * 40
    assert calls(scene) == cost
    shown = [p.text for p in pages if 'id="lists-read-at"' in p.text]
    assert len(shown) == 20
    assert all(names_shown(p) == {"News", "Members"} for p in shown)
    assert len({read_at(p) for p in shown}) == 1  # one read, the same "as of" for everyone
    assert datetime.now(UTC) - read_at(shown[0]) < timedelta(minutes=1)


def test_a_list_changed_through_listbridge_shows_at_once(
    scene: Scene,
    admin: TestClient,
    clock: Clock,
) -> None:
    lists(scene, "create", "News")
    assert names_shown(admin.get("/lists").text) == {"News"}
    reset(scene)
    assert names_shown(admin.get("/lists").text) == {"News"}
    assert calls(scene) == 0  # kept

    made = press(admin, "/lists", name="Donors", status="active")
    assert made.status_code == 303
    assert names_shown(admin.get(made.headers["location"]).text) == {"News", "Donors"}
    renamed = press(admin, "/lists/Donors/rename", new_name="Givers")
    assert names_shown(admin.get(renamed.headers["location"]).text) == {"News", "Givers"}
    assert press(admin, "/lists/Givers/delete").status_code == 303
    assert names_shown(admin.get("/lists").text) == {"News"}

    lists(scene, "create", "Events")  # another process: the CLI's run is the store's news
    assert names_shown(admin.get("/lists").text) == {"News", "Events"}
    friend = people(scene, "ann")[0]
    before = admin.get("/lists").text
    assert re.search(r'data-list="News">.*?class="num cc-members">0<', before, re.S)
    lists(scene, "add", "News", "--account", friend)  # a job (a push) finishing
    after = admin.get("/lists").text
    assert re.search(r'data-list="News">.*?class="num cc-members">1<', after, re.S)


def test_read_again_reads_once_and_a_change_in_cc_waits_for_it(
    scene: Scene,
    admin: TestClient,
    clock: Clock,
) -> None:
    lists(scene, "create", "News")
    first = read_at(admin.get("/lists").text)
    scene.add_list("Made in CC")  # not through listbridge: it shows when read again
    reset(scene)
    assert names_shown(admin.get("/lists").text) == {"News"}
    assert calls(scene) == 0

    assert admin.post("/lists/refresh", follow_redirects=False).status_code == 403  # no token
    clock.now += REFRESH_FLOOR
    again = press(admin, "/lists/refresh")
    assert (again.status_code, again.headers["location"]) == (303, "/lists")
    page = admin.get("/lists").text
    assert names_shown(page) == {"News", "Made in CC"}
    assert read_at(page) >= first
    cost = calls(scene)
    assert cost >= 1
    for _ in range(3):  # pressed again at once (a double click, everyone): no new read
        press(admin, "/lists/refresh")
        assert names_shown(admin.get("/lists").text) == {"News", "Made in CC"}
    assert calls(scene) == cost
    assert 'id="lists-refresh"' in page
    assert "Read again now" in page


def test_an_expired_answer_is_read_again(
    scene: Scene,
    admin: TestClient,
    clock: Clock,
) -> None:
    lists(scene, "create", "News")
    admin.get("/lists")
    scene.add_list("Made in CC")
    reset(scene)
    clock.now += CC_READ_TTL - 1
    assert names_shown(admin.get("/lists").text) == {"News"}
    assert calls(scene) == 0
    clock.now += 1
    assert names_shown(admin.get("/lists").text) == {"News", "Made in CC"}
    cost = calls(scene)
    assert cost >= 1
    assert names_shown(admin.get("/lists").text) == {"News", "Made in CC"}
    assert calls(scene) == cost


def test_a_failed_read_is_not_kept() -> None:
    cache = CcReadCache()
    tries: list[int] = []

    def failing() -> list[str]:
        tries.append(1)
        raise RuntimeError("Constant Contact did not answer")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.get((1, "lists"), "marker", failing)
    assert len(tries) == 2
    kept = cache.get((1, "lists"), "marker", lambda: ["News"])
    assert cache.get((1, "lists"), "marker", failing) == kept
    assert cache.get((1, "lists"), "another marker", lambda: ["Events"]).value == ["Events"]
    cache.forget(1)
    assert cache.get((1, "lists"), "another marker", lambda: ["Gone"]).value == ["Gone"]
    assert cache.get((2, "lists"), "another marker", lambda: ["Other"]).value == ["Other"]


@pytest.mark.parametrize("crm_name", ["civicrm-postgresql"])
def test_a_crm_held_elsewhere_reads_a_lists_members_once(
    crm_name: str,
    scene: Scene,
    three: list[TestClient],
    clock: Clock,
) -> None:
    """Its lists are not in listbridge's database: /lists/NAME reads the roster from CC and
    the CRM (`lists members`), kept for every page, search and user as the lists are."""
    lists(scene, "create", "News")
    ann, bob = people(scene, "ann", "bob")
    scene.crm.add_to_list("News", [ann, bob], reason="test")
    lists(scene, "add", "News", "--account", ann)
    admin = three[0]
    reset(scene)
    page = admin.get("/lists/News").text
    cost = calls(scene)
    assert cost >= 2  # CC's lists, the list's contacts (and CC's unsubscribed)
    assert 'id="members-read-at"' in page
    assert re.search(r'id="crm-members">2<', page)
    assert re.search(r'id="cc-members">1<', page)
    for n, path in enumerate(["/lists/News", "/lists/News?q=bob", "/lists/News?page=1"] * 6):
        assert three[n % 3].get(path).status_code == 200
    assert calls(scene) == cost

    with scene.cc.state.lock:
        news = next(lst for lst in scene.cc.state.live_lists() if lst.name == "News")
    scene.lists["News"] = news.list_id
    scene.add_contact("carol@example.org", "C", "Carol", lists=("News",))  # in CC alone
    assert "carol@example.org" not in admin.get("/lists/News").text
    clock.now += REFRESH_FLOOR
    assert press(admin, "/lists/News/refresh").headers["location"] == "/lists/News"
    assert "carol@example.org" in admin.get("/lists/News").text

    removed = press(admin, "/lists/News/remove", account=ann)
    assert removed.status_code == 303
    after = admin.get(removed.headers["location"]).text
    assert re.search(r'id="crm-members">1<', after)
