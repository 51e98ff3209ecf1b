"""The settings of a connection: every key, its kind and its default, in one place.

A later issue adds a key by declaring one `SettingSpec` below and listing it
in `SETTINGS`; the store, the CLI and the web admin pick it up from there.
Code reads a value through its spec, typed: `settings.get(IMPORT_LISTS)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from enum import StrEnum
from typing import TypeVar

from listbridge.core import setting_registry as registry
from listbridge.core import setting_values as kinds
from listbridge.core.emails import ROLE_LOCAL_PARTS
from listbridge.core.list_selection import (
    SYNTAX_HELP,
    ListSelection,
    parse_list_selection,
    render_list_selection,
)
from listbridge.core.setting_registry import (
    SECRET_MASK,
    Registry,
    Settings,
    SettingSpec,
    SettingView,
    views,
)
from listbridge.core.setting_values import (
    AmbiguousMatch,
    Direction,
    FieldPair,
    ImportScope,
    OnCrmDelete,
    Schedule,
    StateFormat,
    UpdateFields,
)

__all__ = [
    "SECRET_MASK",
    "SETTINGS",
    "Registry",
    "SettingSpec",
    "SettingView",
    "Settings",
    "defaults",
    "parse_assignments",
    "resolve",
    "views",
]

E = TypeVar("E", bound=StrEnum)

#: The API's per-contact limit (facts §5.2, §9.2); design.md's older 15 was raised by issue 6.
MAX_CUSTOM_FIELD_PAIRS = 25


def boolean(key: str, default: bool, help: str) -> SettingSpec[bool]:
    return SettingSpec(key, kinds.parse_bool, kinds.render_bool, default, "true or false", help)


def one_of(key: str, kind: type[E], default: E, help: str) -> SettingSpec[E]:
    allowed = " / ".join(member.value for member in kind)
    return SettingSpec(key, kinds.choice(kind), str, default, allowed, help)


def whole_number(key: str, low: int, high: int, default: int, help: str) -> SettingSpec[int]:
    allowed = f"a whole number from {low} to {high}"
    return SettingSpec(key, kinds.integer(low, high), str, default, allowed, help)


UNSUBSCRIBE_CC_TO_CRM = boolean(
    "unsubscribe.cc_to_crm", True, "a CC unsubscribe sets the CRM account's email opt-out"
)
UNSUBSCRIBE_RESUBSCRIBE_CLEARS_OPT_OUT = boolean(
    "unsubscribe.resubscribe_clears_opt_out",
    True,
    "a contact's own CC re-subscription clears the CRM opt-out",
)
UNSUBSCRIBE_CRM_TO_CC = boolean(
    "unsubscribe.crm_to_cc", True, "a CRM opt-out unsubscribes the CC contact"
)
UNSUBSCRIBE_CRM_CLEAR_RESUBSCRIBES = boolean(
    "unsubscribe.crm_clear_resubscribes",
    False,
    "clearing a CRM opt-out re-subscribes a contact whom the account (not the contact) opted out",
)
UNSUBSCRIBE_INTERVAL_MINUTES = whole_number(
    "unsubscribe.interval_minutes", 5, 7 * 24 * 60, 30, "minutes between unsubscribe syncs"
)
IMPORT_LISTS: SettingSpec[ListSelection] = SettingSpec(
    "import.lists",
    parse_list_selection,
    render_list_selection,
    ListSelection(),
    SYNTAX_HELP,
    "the lists whose contacts import brings in",
)
IMPORT_AMBIGUOUS_MATCH = one_of(
    "import.ambiguous_match",
    AmbiguousMatch,
    AmbiguousMatch.IGNORE,
    "several CRM accounts match a contact: create a new one, link one, or skip and report",
)
IMPORT_UPDATE_FIELDS = one_of(
    "import.update_fields",
    UpdateFields,
    UpdateFields.NONE,
    "whether import writes CC values into the fields of existing CRM accounts",
)
IMPORT_SINCE: SettingSpec[date | None] = SettingSpec(
    "import.since",
    kinds.parse_date_or_empty,
    kinds.render_date_or_empty,
    None,
    "a date YYYY-MM-DD, or empty for every contact",
    "the first import brings in only contacts changed since this date",
)
IMPORT_ROLE_ADDRESSES: SettingSpec[tuple[str, ...]] = SettingSpec(
    "import.role_addresses",
    kinds.parse_local_parts,
    kinds.render_local_parts,
    tuple(sorted(ROLE_LOCAL_PARTS)),
    "comma-separated local parts (info, sales, …), or empty for none",
    "addresses of a role, not a person: reported by import, never imported",
)
IMPORT_SCOPE = one_of(
    "import.scope",
    ImportScope,
    ImportScope.LISTS,
    "lists: the contacts on the lists import.lists selects; all_active: every active "
    "Constant Contact contact, also those on no list",
)
IMPORT_LINK_COMPANIES = boolean(
    "import.link_companies",
    False,
    "tie each imported person to the CRM organisation account of their company name, "
    "created if missing",
)
PUSH_MAIN_LIST: SettingSpec[str] = SettingSpec(
    "push.main_list",
    kinds.parse_list_name_or_empty,
    str,
    "",
    "a Constant Contact list name, or empty for none",
    "a list every pushed contact is also put on (created in Constant Contact if missing)",
)
PUSH_INCLUDE_ADDRESS = boolean(
    "push.include_address",
    True,
    "false leaves the street address out of what push sends (Constant Contact's is kept)",
)
PUSH_INCLUDE_COMPANY = boolean(
    "push.include_company",
    True,
    "false leaves the company name out of what push sends (Constant Contact's is kept)",
)
CONNECT_COPY_LISTS = boolean(
    "connect.copy_lists",
    True,
    "right after connect, every Constant Contact list gets a paired CRM list of its name",
)
SYNC_ENABLED = boolean(
    "sync.enabled",
    True,
    "false: the scheduler runs no job for the connection (commands run by hand still work)",
)
PUSH_CUSTOM_FIELDS: SettingSpec[tuple[FieldPair, ...]] = SettingSpec(
    "push.custom_fields",
    kinds.field_pairs(MAX_CUSTOM_FIELD_PAIRS),
    kinds.render_field_pairs,
    (),
    f"empty, or up to {MAX_CUSTOM_FIELD_PAIRS} pairs 'CC field=CRM field' separated by commas; "
    "CRM field: middle_name, individual_type or custom.<name>",
    "Constant Contact custom fields filled from CRM fields on push",
)
PUSH_DIRECTION = one_of(
    "push.direction", Direction, Direction.BOTH, "which way contacts and lists flow"
)
MAPPING_STATE = one_of(
    "mapping.state", StateFormat, StateFormat.NAME, "send the state as its name or its code"
)
PUSH_TAG: SettingSpec[str] = SettingSpec(
    "push.tag",
    kinds.parse_tag,
    str,
    "listbridge",
    "a tag name of 1 to 255 characters",
    "the tag new contacts made by a push carry in Constant Contact",
)
PUSH_NEW_CONTACT_ON_EMAIL_CHANGE = boolean(
    "push.new_contact_on_email_change",
    False,
    "a changed e-mail makes a new contact instead of updating the linked one's",
)
PUSH_ON_CRM_DELETE = one_of(
    "push.on_crm_delete",
    OnCrmDelete,
    OnCrmDelete.KEEP,
    "what a push does to the contact of an account deleted or blanked in the CRM",
)
STATS_PULL_AT: SettingSpec[time] = SettingSpec(
    "stats.pull_at",
    kinds.parse_clock,
    kinds.render_clock,
    time(2, 0),
    "a local time of day HH:MM, 00:00 to 23:59",
    "when the nightly campaign statistics pull runs",
)
STATS_WINDOW_DAYS = whole_number(
    "stats.window_days",
    1,
    3650,
    90,
    "campaigns sent longer ago than this are frozen: no longer pulled",
)
STATS_HARD_BOUNCE_FIELD: SettingSpec[str] = SettingSpec(
    "stats.hard_bounce_field",
    kinds.parse_custom_field_or_empty,
    str,
    "",
    "custom.<Name> of a CRM custom field, or empty for none",
    "the CRM field a hard bounce sets, so that staff fix the address (empty: off)",
)
STATS_CREATE_RECIPIENTS = boolean(
    "stats.create_recipients",
    False,
    "campaign recipients not in the CRM get an account (the import's matching and exclusions)",
)
SYNC_FULL_SCHEDULE: SettingSpec[Schedule] = SettingSpec(
    "sync.full_schedule",
    kinds.parse_schedule,
    kinds.render_schedule,
    Schedule(),
    "off, daily HH:MM, or weekly DAY HH:MM (DAY: monday … sunday)",
    "when the full sync runs by itself",
)
SYNC_GUARD_PERCENT = whole_number(
    "sync.guard_percent", 0, 100, 10, "a run removing more of a list's members stops first"
)
SYNC_GUARD_COUNT = whole_number(
    "sync.guard_count", 0, 1_000_000, 100, "a run unsubscribing more contacts stops first"
)
NOTIFY_EMAIL: SettingSpec[str] = SettingSpec(
    "notify.email",
    kinds.parse_email_or_empty,
    str,
    "",
    "an email address, or empty for no completion e-mails",
    "where completion e-mails go",
)


SETTINGS = Registry(
    (
        UNSUBSCRIBE_CC_TO_CRM,
        UNSUBSCRIBE_RESUBSCRIBE_CLEARS_OPT_OUT,
        UNSUBSCRIBE_CRM_TO_CC,
        UNSUBSCRIBE_CRM_CLEAR_RESUBSCRIBES,
        UNSUBSCRIBE_INTERVAL_MINUTES,
        IMPORT_LISTS,
        IMPORT_AMBIGUOUS_MATCH,
        IMPORT_UPDATE_FIELDS,
        IMPORT_SINCE,
        IMPORT_ROLE_ADDRESSES,
        IMPORT_SCOPE,
        IMPORT_LINK_COMPANIES,
        PUSH_CUSTOM_FIELDS,
        PUSH_MAIN_LIST,
        PUSH_INCLUDE_ADDRESS,
        PUSH_INCLUDE_COMPANY,
        PUSH_DIRECTION,
        MAPPING_STATE,
        PUSH_TAG,
        PUSH_NEW_CONTACT_ON_EMAIL_CHANGE,
        PUSH_ON_CRM_DELETE,
        STATS_PULL_AT,
        STATS_WINDOW_DAYS,
        STATS_HARD_BOUNCE_FIELD,
        STATS_CREATE_RECIPIENTS,
        SYNC_ENABLED,
        SYNC_FULL_SCHEDULE,
        SYNC_GUARD_PERCENT,
        SYNC_GUARD_COUNT,
        NOTIFY_EMAIL,
        CONNECT_COPY_LISTS,
    )
)


def defaults(known: Registry = SETTINGS) -> Settings:
    return registry.defaults(known)


def resolve(stored: Mapping[str, str], known: Registry = SETTINGS) -> Settings:
    """Stored texts over defaults; a stored key no longer known is ignored."""
    return registry.resolve(stored, known)


def parse_assignments(pairs: Sequence[str], known: Registry = SETTINGS) -> dict[str, str]:
    """KEY=VALUE pairs → key → canonical text; every bad pair is named in one UserError."""
    return registry.parse_assignments(pairs, known)
