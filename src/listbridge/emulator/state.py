"""All the emulator remembers, behind one lock.

Routes and the activity worker mutate state only while holding ``state.lock``; each call
holds it briefly (the worker works in chunks) so requests interleave with long imports.

Campaigns and reports (another module's area) hang their own object off this one:
``state.campaigns`` starts as ``None``; the campaigns module sets it on first use (see
``ensure_extension``) and may register a callable in ``state.reset_hooks`` to be emptied by
``POST /__emulator__/reset``. Anything with ``dump() -> dict`` and a classmethod
``load(dict)`` stored in ``state.extensions`` (a class defined in a ``listbridge.emulator``
module) is also persisted with ``--state`` and comes back under the same name.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from listbridge.emulator.account_profile import ACCOUNT, AccountProfile
from listbridge.emulator.index import ContactIndex
from listbridge.emulator.model import Contact, ContactList, CustomField, Tag, Token


@dataclass
class Faults:
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    latency_ms: int = 0
    revoke_tokens: bool = False
    #: a /v3 request is carried out, then its connection closed with no answer sent
    reset_rate: float = 0.0
    #: a /v3 request is carried out, then its 2xx JSON answer cut short
    malformed_json_rate: float = 0.0
    #: "failed" or "timed_out": every bulk activity the worker takes up ends that way
    activity_outcome: str | None = None
    #: while true, every bulk activity the worker has taken up stays at "processing", its
    #: progress where it was, until a faults call sets it false (or a reset)
    activity_hold: bool = False


@dataclass
class Counters:
    """What ``GET /__emulator__/counters`` answers: calls by endpoint, by second, and 429s.

    ``by_second`` is keyed by the Unix second of the emulator's clock at which the rate
    limit judged the call, so a client's rate can be checked against ``--rate-limit``.
    """

    total: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)
    by_second: dict[int, int] = field(default_factory=dict)
    too_many_requests: int = 0
    #: faults injected by kind ("429", "5xx", "latency", "reset", "malformed_json",
    #: "activity_failed", "activity_timed_out"): how many requests a test disturbed
    faults: dict[str, int] = field(default_factory=dict)

    def count(self, key: str) -> None:
        self.total += 1
        self.by_endpoint[key] = self.by_endpoint.get(key, 0) + 1

    def count_second(self, now_us: int) -> None:
        second = now_us // 1_000_000
        self.by_second[second] = self.by_second.get(second, 0) + 1

    def count_429(self) -> None:
        self.too_many_requests += 1

    def count_fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def clear(self) -> None:
        self.total = self.too_many_requests = 0
        self.by_endpoint.clear()
        self.by_second.clear()
        self.faults.clear()

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_endpoint": dict(self.by_endpoint),
            "by_second": {str(second): n for second, n in sorted(self.by_second.items())},
            "too_many_requests": self.too_many_requests,
            "faults": dict(self.faults),
        }


def wall_clock_us() -> int:
    return time.time_ns() // 1000


class EmulatorState:
    def __init__(
        self,
        clock: Callable[[], int] = wall_clock_us,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        account: AccountProfile = ACCOUNT,
    ) -> None:
        self.lock = threading.RLock()
        # Who owns the account; a reset empties the account but keeps its owner.
        self.account = account
        self.clock = clock
        self.new_id = new_id
        self.reset_hooks: list[Callable[[], None]] = []
        self.extensions: dict[str, Any] = {}
        self.campaigns: Any = None
        self.counters = Counters()
        self.faults = Faults()
        # Confidential OAuth clients registered at run time: client_id -> secret.
        self.clients: dict[str, str] = {}
        self._reset_data()

    def _reset_data(self) -> None:
        self.contacts = ContactIndex()
        self.lists: dict[str, ContactList] = {}
        # list_id -> ids of member contacts (mirrors Contact.lists)
        self.members: dict[str, set[str]] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.tags: dict[str, Tag] = {}
        self.activities: dict[str, Any] = {}
        self.exports: dict[str, str] = {}
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, Any] = {}
        self.sequence = 0
        self._last_stamp = 0

    def reset(self) -> None:
        """Empty the account. Issued tokens and registered clients survive: a connected app
        stays connected, as it would if someone emptied a real account through the web UI."""
        with self.lock:
            tokens = self.tokens
            self._reset_data()
            self.tokens = tokens
            self.counters = Counters()
            self.faults = Faults()
            self.extensions.clear()
            self.campaigns = None
            for hook in self.reset_hooks:
                hook()

    def ensure_extension(self, name: str, factory: Callable[[], Any]) -> Any:
        with self.lock:
            if name not in self.extensions:
                self.extensions[name] = factory()
            return self.extensions[name]

    def stamp(self) -> int:
        """A strictly increasing time in microseconds: every change gets its own instant."""
        now = max(self.clock(), self._last_stamp + 1)
        self._last_stamp = now
        return now

    def now(self) -> int:
        return max(self.clock(), self._last_stamp)

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def touch(self, contact: Contact, source: str | None = None) -> None:
        contact.updated_at = self.stamp()
        if source:
            contact.update_source = source
        self.contacts.touched(contact)

    def add_contact(self, contact: Contact) -> None:
        contact.updated_at = contact.created_at = contact.email_created_at = self.stamp()
        self.contacts.add(contact)

    def live_lists(self) -> list[ContactList]:
        return [lst for lst in self.lists.values() if lst.deleted_at is None]
