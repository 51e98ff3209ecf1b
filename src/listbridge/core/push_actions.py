"""What a push plan is made of: what is known of each contact, the policy, the actions,
and the reasons every decision carries (planned by `core.push_plan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from listbridge.core.eligibility import NotPushed
from listbridge.core.emails import ROLE_LOCAL_PARTS
from listbridge.core.mapping import MappedContact, MappingPolicy
from listbridge.core.setting_values import OnCrmDelete

#: a linked contact whose address is not the account's, nor known: the account's is sent
UNKNOWN_EMAIL = "(unknown)"


class Reason(Enum):
    CREATED = "no Constant Contact contact has this e-mail: created"
    MATCHED_EXISTING = "a Constant Contact contact has this e-mail: linked to it"
    ALREADY_LINKED = "linked by an earlier push or import: its contact is updated"
    UNCHANGED = "unchanged since the last push: nothing sent"
    EMAIL_CHANGED = "the account's e-mail changed: the linked contact's address is updated"
    NEW_CONTACT_ON_EMAIL_CHANGE = (
        "the account's e-mail changed and push.new_contact_on_email_change is true: new contact"
    )
    CONTACT_OPTED_OUT = (
        "the contact unsubscribed in Constant Contact: not added to the list (failed subscription)"
    )
    OPTED_OUT_BEFORE_EMAIL_CHANGE = (
        "the person unsubscribed in Constant Contact under their previous address: no contact "
        "is made or subscribed for the new one (failed subscription)"
    )
    FIELD_CUT = "a value longer than Constant Contact allows was cut at a word boundary"
    FIELD_DROPPED = "a value Constant Contact has no room for was not sent"
    EMAIL_HELD_ELSEWHERE = (
        "the account's new e-mail belongs to another Constant Contact contact: the linked "
        "contact keeps its address"
    )
    SHARED_EMAIL = "shares its e-mail address with another account"
    SHARED_EMAIL_HELD = "shares its e-mail address with an opted-out or do-not-contact account"
    CONTACT_TAKEN = "the e-mail address belongs to the contact of another account"
    ORGANIZATION = NotPushed.ORGANIZATION.value
    NO_EMAIL = NotPushed.NO_EMAIL.value
    INVALID_EMAIL = NotPushed.INVALID_EMAIL.value
    DECEASED = NotPushed.DECEASED.value
    DO_NOT_CONTACT = NotPushed.DO_NOT_CONTACT.value
    OPTED_OUT = NotPushed.OPTED_OUT.value
    ROLE_ADDRESS = NotPushed.ROLE_ADDRESS.value

    @property
    def message(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class CcState:
    """What listbridge knows of one Constant Contact contact."""

    contact_id: str
    unsubscribed: bool = False
    list_ids: frozenset[str] = frozenset()
    fingerprint: str = ""
    #: the address last pushed or seen; "" when not known
    email: str = ""
    #: the contact's name, when it was read (a shared address goes to the account named so)
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class PushPolicy:
    list_ids: tuple[str, ...] = ()
    subscription_only: bool = False
    mapping: MappingPolicy = field(default_factory=MappingPolicy)
    role_local_parts: frozenset[str] = ROLE_LOCAL_PARTS
    new_contact_on_email_change: bool = False
    on_crm_delete: OnCrmDelete = OnCrmDelete.KEEP
    #: False when the accounts are a part of the CRM (a list job's members): a link
    #: whose account is not among them is not "deleted in the CRM"
    whole_crm: bool = True
    #: `push.main_list`: the list every pushed contact is also on ("" for none). It does
    #: not widen which accounts are considered: without named lists, still the linked ones
    main_list_id: str = ""

    @property
    def joining(self) -> tuple[str, ...]:
        """Every list a pushed contact should be on: the named ones and the main list."""
        if not self.main_list_id or self.main_list_id in self.list_ids:
            return self.list_ids
        return (*self.list_ids, self.main_list_id)


@dataclass(frozen=True)
class Create:
    account_id: str
    contact: MappedContact
    list_ids: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    account_id: str
    contact_id: str
    reason: Reason = Reason.MATCHED_EXISTING


@dataclass(frozen=True)
class Update:
    account_id: str
    contact_id: str
    contact: MappedContact
    #: lists the import may add the contact to (empty for an unsubscribed contact)
    list_ids: tuple[str, ...]
    #: the account's e-mail changed: a bulk import (keyed by e-mail) cannot carry it
    email_changed: bool = False


@dataclass(frozen=True)
class Subscribe:
    account_id: str
    contact_id: str
    list_ids: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscribe:
    account_id: str
    contact_id: str
    list_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeleteContact:
    """`push.on_crm_delete=delete_contact`: the contact of a deleted or blanked account goes."""

    account_id: str
    contact_id: str


@dataclass(frozen=True)
class Skip:
    account_id: str
    email: str
    reason: Reason
    list_id: str = ""
    detail: str = ""


Action = Create | Update | Link | Subscribe | Unsubscribe | DeleteContact | Skip


@dataclass
class Plan:
    considered: int = 0
    creates: list[Create] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    subscribes: list[Subscribe] = field(default_factory=list)
    #: the contacts of accounts deleted or blanked in the CRM, per `push.on_crm_delete`
    unsubscribes: list[Unsubscribe] = field(default_factory=list)
    deletes: list[DeleteContact] = field(default_factory=list)
    not_pushed: list[Skip] = field(default_factory=list)
    failed_subscriptions: list[Skip] = field(default_factory=list)
    warnings: list[Skip] = field(default_factory=list)
    already_linked: int = 0
    unchanged: int = 0
    #: the fingerprint each touched account's link gets once the push is applied
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: links found unchanged whose stored fingerprint is refreshed, at no API cost
    #: (a link an import made, or one stored with the lists in its fingerprint)
    refreshed: dict[str, str] = field(default_factory=dict)

    def actions(self) -> list[Action]:
        return [*self.creates, *self.links, *self.updates, *self.subscribes, *self.unsubscribes,
                *self.deletes, *self.not_pushed, *self.failed_subscriptions]  # fmt: skip
