"""Contacts in change order, with O(log n + page) seeks for cursors and ``updated_after``.

Every change gives a contact a new, strictly larger ``updated_at`` (microseconds), and the
contact is appended again at the end of ``_stamps``/``_refs``. The older entry goes stale
(its stamp no longer equals the contact's ``updated_at``) and is skipped on reads; when
stale entries outnumber live ones the arrays are rebuilt. A cursor is simply the last stamp
returned, so it stays valid across rebuilds and restarts.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator

from listbridge.emulator.model import Contact


class ContactIndex:
    def __init__(self) -> None:
        self.by_id: dict[str, Contact] = {}
        self.by_email: dict[str, Contact] = {}
        self._stamps = array("q")
        self._refs: list[Contact] = []

    def __len__(self) -> int:
        return len(self.by_id)

    def add(self, contact: Contact) -> None:
        self.by_id[contact.contact_id] = contact
        if contact.email:
            self.by_email[contact.email.lower()] = contact
        self._append(contact)

    def touched(self, contact: Contact) -> None:
        """Record that ``contact.updated_at`` has moved (it must be the newest stamp)."""
        self._append(contact)
        if len(self._refs) > 2 * len(self.by_id) + 1024:
            self._compact()

    def rekey_email(self, contact: Contact, old: str | None) -> None:
        if old and self.by_email.get(old.lower()) is contact:
            del self.by_email[old.lower()]
        if contact.email:
            self.by_email[contact.email.lower()] = contact

    def find_email(self, email: str) -> Contact | None:
        return self.by_email.get(email.strip().lower())

    def after(self, stamp: int) -> Iterator[Contact]:
        """Live contacts whose ``updated_at`` is greater than ``stamp``, oldest change first."""
        stamps, refs = self._stamps, self._refs
        i = bisect_right(stamps, stamp)
        while i < len(refs):
            contact = refs[i]
            if contact.updated_at == stamps[i] and contact.contact_id in self.by_id:
                yield contact
            i += 1

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def _append(self, contact: Contact) -> None:
        if self._stamps and contact.updated_at <= self._stamps[-1]:
            raise ValueError("updated_at must increase strictly")
        self._stamps.append(contact.updated_at)
        self._refs.append(contact)

    def _compact(self) -> None:
        live = [(s, c) for s, c in zip(self._stamps, self._refs, strict=True) if c.updated_at == s]
        self._stamps = array("q", (s for s, _ in live))
        self._refs = [c for _, c in live]
