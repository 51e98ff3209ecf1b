"""The web admin's users, groups, sessions, sign-in failures and sign-up links in the store
(store/users.py, store/groups.py, store/web_sessions.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, insert, select

from listbridge.core.errors import UserError
from listbridge.core.permissions import Permission
from listbridge.store import passwords
from listbridge.store import web_sessions as ws
from listbridge.store.db import Store
from listbridge.store.models import WebGroupPermission, WebSession, WebUser
from listbridge.store.users import (
    add_group,
    add_to_group,
    add_user,
    count_users,
    grant,
    list_groups,
    list_users,
    remove_group,
    remove_user,
    revoke,
    set_password,
    user_by_id,
    user_by_name,
    verify_login,
)

PASSWORD = "correct horse battery"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def cheap_hasher(time_cost: int = 1) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=64, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real parameters take a good part of a second a hash on a busy machine.
    monkeypatch.setattr(passwords, "HASHER", cheap_hasher())


def stored_hash(store: Store, name: str) -> str:
    with store.session() as session:
        found = session.scalar(select(WebUser.password_hash).where(WebUser.name == name))
    assert found is not None
    return found


def test_sign_in_with_any_case_of_the_name_and_the_right_password(store: Store) -> None:
    user_id = add_user(store, "Ann", PASSWORD, admin=True)
    signed_in = verify_login(store, " ANN ", PASSWORD, now=NOW)
    assert signed_in is not None
    assert (signed_in.id, signed_in.name, signed_in.admin) == (user_id, "Ann", True)
    assert signed_in.last_login_at == NOW
    assert verify_login(store, "ann", PASSWORD + "x") is None
    assert verify_login(store, "nobody", PASSWORD) is None
    assert user_by_name(store, "aNN") == user_by_id(store, user_id) == signed_in
    assert user_by_name(store, "nobody") is None
    assert PASSWORD not in stored_hash(store, "Ann")
    assert count_users(store) == 1


@pytest.mark.parametrize(
    ("name", "password", "groups", "message"),
    [
        ("ANN", PASSWORD, (), "a user named 'ANN' already exists"),
        ("\uff21nn", PASSWORD, (), "already exists"),
        ("  ", PASSWORD, (), "cannot be empty"),
        ("x" * 65, PASSWORD, (), "too long: at most 64"),
        ("bo\x1bb", PASSWORD, (), "control character"),
        ("bob", "short pw", (), "at least 10 characters"),
        ("bob", PASSWORD, ("nope",), "no group named 'nope'; groups: none yet"),
    ],
)
def test_add_user_refuses_with_a_clear_message(
    store: Store, name: str, password: str, groups: tuple[str, ...], message: str
) -> None:
    add_user(store, "ann", PASSWORD)
    with pytest.raises(UserError, match=message) as refused:
        add_user(store, name, password, groups=groups)
    assert password not in str(refused.value)
    assert count_users(store) == 1


def test_a_hash_made_with_older_parameters_is_redone_at_sign_in(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store, "ann", PASSWORD)
    old = stored_hash(store, "ann")
    monkeypatch.setattr(passwords, "HASHER", cheap_hasher(time_cost=2))
    assert verify_login(store, "ann", PASSWORD) is not None
    new = stored_hash(store, "ann")
    assert new != old
    assert not passwords.needs_rehash(new)
    assert verify_login(store, "ann", PASSWORD) is not None


def test_groups_grant_what_their_members_may_do(store: Store) -> None:
    add_group(store, "editors")
    add_group(store, "viewers")
    assert grant(store, "editors", Permission.RUN_SYNCS)
    assert grant(store, "editors", Permission.VIEW)
    assert not grant(store, "editors", Permission.VIEW)
    bob = add_user(store, "bob", PASSWORD, groups=["editors", "viewers"])
    assert add_to_group(store, "Bob", "viewers") is False

    user = user_by_id(store, bob)
    assert user is not None
    assert user.groups == ("editors", "viewers")
    assert user.grants.can(Permission.RUN_SYNCS)
    assert not user.grants.can(Permission.CONNECT)

    assert revoke(store, "editors", Permission.RUN_SYNCS)
    assert not revoke(store, "editors", Permission.RUN_SYNCS)
    editors, viewers = list_groups(store)
    assert (editors.name, editors.permissions, editors.members) == (
        "editors",
        (Permission.VIEW,),
        ("bob",),
    )
    assert viewers.permissions == ()
    remove_group(store, "editors")
    user = user_by_id(store, bob)
    assert user is not None
    assert (user.groups, user.grants.granted) == (("viewers",), frozenset())


def test_a_permission_of_a_newer_release_is_ignored(store: Store) -> None:
    group_id = add_group(store, "ops")
    with store.session() as session:
        session.execute(insert(WebGroupPermission).values(group_id=group_id, permission="fly"))
    add_user(store, "bob", PASSWORD, groups=["ops"])
    assert list_groups(store)[0].permissions == ()
    assert list_users(store)[0].grants.granted == frozenset()


def test_group_names_are_checked_and_unique(store: Store) -> None:
    add_group(store, "editors")
    with pytest.raises(UserError, match="a group named 'editors' already exists"):
        add_group(store, "editors")
    with pytest.raises(UserError, match="no group named 'x'; groups: editors"):
        grant(store, "x", Permission.VIEW)


def test_the_last_administrator_stays(store: Store) -> None:
    add_user(store, "ann", PASSWORD, admin=True)
    with pytest.raises(UserError, match="'ann' is the last administrator"):
        remove_user(store, "ann")
    add_user(store, "cy", PASSWORD, admin=True)
    remove_user(store, "ANN")
    assert [user.name for user in list_users(store)] == ["cy"]
    with pytest.raises(UserError, match="no user named 'ann'"):
        remove_user(store, "ann")


def test_a_session_is_known_by_its_token_whose_digest_alone_is_stored(store: Store) -> None:
    ann = add_user(store, "ann", PASSWORD, admin=True)
    first = ws.create_session(store, ann, now=NOW)
    second = ws.create_session(store, ann, now=NOW)
    assert first.token != second.token
    assert first.expires_at == NOW + timedelta(hours=12)

    found = ws.session_of(store, first.token, now=NOW + timedelta(hours=1))
    assert found is not None
    assert (found.user.name, found.csrf_token) == ("ann", first.csrf_token)
    assert found.csrf_matches(first.csrf_token)
    assert not found.csrf_matches(second.csrf_token)
    assert ws.session_of(store, "not a token") is None
    with store.session() as session:
        ids = set(session.scalars(select(WebSession.id)))
    assert first.token not in ids
    assert len(ids) == 2


def test_last_seen_is_written_at_most_once_a_minute(store: Store) -> None:
    new = ws.create_session(store, add_user(store, "ann", PASSWORD), now=NOW)

    def last_seen() -> datetime | None:
        with store.session() as session:
            return session.scalar(select(WebSession.last_seen_at))

    ws.session_of(store, new.token, now=NOW + timedelta(seconds=59))
    assert last_seen() == NOW
    ws.session_of(store, new.token, now=NOW + timedelta(seconds=61))
    assert last_seen() == NOW + timedelta(seconds=61)


def test_an_expired_session_is_gone(store: Store) -> None:
    ann = add_user(store, "ann", PASSWORD)
    new = ws.create_session(store, ann, lifetime=timedelta(minutes=5), now=NOW)
    assert ws.session_of(store, new.token, now=NOW + timedelta(minutes=5)) is None
    assert ws.session_of(store, new.token, now=NOW) is None  # deleted, not only refused


def test_sign_out_a_session_or_everywhere(store: Store) -> None:
    ann = add_user(store, "ann", PASSWORD, admin=True)
    one, two, three = (ws.create_session(store, ann) for _ in range(3))
    assert ws.end_session(store, one.token)
    assert not ws.end_session(store, one.token)
    assert ws.end_sessions_of(store, ann) == 2
    assert ws.session_of(store, two.token) is None
    assert ws.session_of(store, three.token) is None
    with pytest.raises(UserError, match="no user with id 999"):
        ws.create_session(store, 999)


def test_a_new_password_or_a_removal_ends_the_sessions(store: Store) -> None:
    ann = add_user(store, "ann", PASSWORD, admin=True)
    bob = add_user(store, "bob", PASSWORD)
    ann_session = ws.create_session(store, ann)
    bob_session = ws.create_session(store, bob)
    assert set_password(store, "Ann", "another good one") == 1
    assert ws.session_of(store, ann_session.token) is None
    assert verify_login(store, "ann", PASSWORD) is None
    assert verify_login(store, "ann", "another good one") is not None
    remove_user(store, "bob")
    assert ws.session_of(store, bob_session.token) is None


def test_failures_are_counted_per_name_and_per_address(store: Store) -> None:
    for minute in range(5):
        ws.record_failure(store, "Ann", "10.0.0.1", NOW - timedelta(minutes=minute))
    ws.record_failure(store, "bob", "10.0.0.1", NOW)
    ws.record_failure(store, "ann", "10.0.0.2", NOW - timedelta(hours=2))
    since = NOW - timedelta(minutes=15)
    assert ws.failures_since(store, user_key="ANN", since=since) == 5
    assert ws.failures_since(store, address="10.0.0.1", since=since) == 6
    assert ws.failures_since(store, user_key="ann", address="10.0.0.1", since=since) == 5
    assert ws.login_locked_for(store, "ann", "10.0.0.9", NOW) == timedelta(minutes=11)
    assert ws.login_locked_for(store, "bob", "10.0.0.9", NOW) is None

    ws.clear_failures(store, "ANN")
    assert ws.failures_since(store, user_key="ann", since=NOW - timedelta(days=1)) == 0
    assert ws.failures_since(store, address="10.0.0.1", since=since) == 1


def test_old_failures_are_dropped_when_new_ones_come(store: Store) -> None:
    ws.record_failure(store, "ann", "10.0.0.1", NOW - timedelta(days=2))
    ws.record_failure(store, "ann", "10.0.0.1", NOW)
    assert ws.failures_since(store, user_key="ann", since=NOW - timedelta(days=3)) == 1


def test_a_sign_up_link_creates_the_first_administrator_once(store: Store) -> None:
    token = ws.create_signup_token(store, now=NOW)
    user_id = ws.use_signup_token(store, token, "Ann", PASSWORD, now=NOW + timedelta(hours=1))
    user = user_by_id(store, user_id)
    assert user is not None
    assert (user.name, user.admin) == ("Ann", True)
    with pytest.raises(UserError, match="users exist already"):
        ws.use_signup_token(store, token, "eve", PASSWORD)
    with pytest.raises(UserError, match="users exist already"):
        ws.create_signup_token(store)


@pytest.mark.parametrize(
    ("token", "at", "message"),
    [
        ("forged", NOW, "not one listbridge made"),
        (None, NOW + timedelta(hours=24), "has expired"),
    ],
)
def test_a_sign_up_link_refused(
    store: Store, token: str | None, at: datetime, message: str
) -> None:
    made = ws.create_signup_token(store, now=NOW)
    with pytest.raises(UserError, match=message):
        ws.use_signup_token(store, token or made, "eve", PASSWORD, now=at)
    assert count_users(store) == 0


def test_a_used_sign_up_link_is_refused_even_with_no_user_left(store: Store) -> None:
    token = ws.create_signup_token(store, now=NOW)
    ws.use_signup_token(store, token, "ann", PASSWORD, now=NOW)
    with store.session() as session:  # as if the administrator had been removed by hand
        session.execute(delete(WebUser))
    with pytest.raises(UserError, match="was used already"):
        ws.use_signup_token(store, token, "eve", PASSWORD, now=NOW)
