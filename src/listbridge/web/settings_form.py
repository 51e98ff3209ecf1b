"""The settings form: every key of the registry (core/settings.py) as a field, grouped by
what it is about, and the submitted form read back into KEY=VALUE pairs.

Each field is checked with its spec's own parser, so its message sits beside it; the
pairs are then stored together by ``set_settings`` (the same path as `settings set`),
all or none. A secret setting is never put in the page: left empty, it stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from listbridge.core.errors import UserError
from listbridge.core.setting_registry import Settings, SettingSpec
from listbridge.core.setting_values import FieldPair
from listbridge.core.settings import MAX_CUSTOM_FIELD_PAIRS, PUSH_CUSTOM_FIELDS, SETTINGS

#: a key's first part → the group it is shown in, in this order
GROUPS: dict[str, str] = {
    "unsubscribe": "Unsubscribes",
    "import": "Import",
    "push": "Push",
    "mapping": "Push",
    "connect": "Lists",
    "sync": "Schedules",
    "stats": "Campaign statistics",
    "notify": "Notifications",
}
CC_FIELD, CRM_FIELD = "cc_field", "crm_field"


@dataclass(frozen=True)
class Field:
    key: str
    label_id: str
    text: str
    default: str
    allowed: str
    help: str
    is_default: bool
    #: the choices of a yes/no or one-of setting (a select), else empty (a text field)
    choices: tuple[str, ...]
    secret: bool
    error: str = ""


@dataclass(frozen=True)
class Group:
    title: str
    fields: list[Field]


def field_id(key: str) -> str:
    return "setting-" + key.replace(".", "-").replace("_", "-")


def form_groups(
    settings: Settings,
    submitted: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[Group]:
    """The fields in their groups; after a refused save, what was typed and why it was refused."""
    groups: dict[str, list[Field]] = {}
    for spec in SETTINGS.specs:
        if spec.key == PUSH_CUSTOM_FIELDS.key:
            continue  # its own editor (pairs), below the groups
        title = GROUPS.get(spec.key.partition(".")[0], "Other")
        groups.setdefault(title, []).append(_field(settings, spec, submitted or {}, errors or {}))
    order = list(dict.fromkeys(GROUPS.values()))
    return [
        Group(t, groups[t])
        for t in sorted(groups, key=lambda t: (t not in order, order.index(t) if t in order else 0))
    ]


def _field(
    settings: Settings,
    spec: SettingSpec[Any],
    submitted: Mapping[str, str],
    errors: Mapping[str, str],
) -> Field:
    current = "" if spec.secret else settings.text(spec.key)
    text = submitted.get(spec.key, current) if not spec.secret else ""
    return Field(
        spec.key, field_id(spec.key), text, "" if spec.secret else spec.render(spec.default),
        spec.allowed, spec.help, spec.key not in settings.explicit, _choices(spec), spec.secret,
        errors.get(spec.key, ""),
    )  # fmt: skip


def _choices(spec: SettingSpec[Any]) -> tuple[str, ...]:
    if isinstance(spec.default, bool):
        return ("true", "false")
    if isinstance(spec.default, StrEnum):
        return tuple(member.value for member in type(spec.default))
    return ()


def pairs_of(settings: Settings) -> list[tuple[str, str]]:
    """The stored custom-field pairs, as the editor's rows."""
    pairs: tuple[FieldPair, ...] = settings.get(PUSH_CUSTOM_FIELDS)
    return [(pair.cc_field, pair.crm_field) for pair in pairs]


def typed_pairs(text: str) -> list[tuple[str, str]]:
    """The editor's rows as typed (after a refused save), for correcting."""
    rows = [item.partition("=") for item in text.split(",") if item.strip()]
    return [(cc.strip(), crm.strip()) for cc, _, crm in rows]


def submitted_pairs(cc_fields: Sequence[str], crm_fields: Sequence[str]) -> str:
    """The editor's rows as the setting's text ('CC field=CRM field, …'); empty rows dropped."""
    rows = [(cc.strip(), crm.strip()) for cc, crm in zip(cc_fields, crm_fields, strict=False)]
    return ", ".join(f"{cc}={crm}" for cc, crm in rows if cc or crm)


def changes(settings: Settings, submitted: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The KEY=VALUE pairs that change something, and each refused value's message by key."""
    pairs: list[str] = []
    errors: dict[str, str] = {}
    for spec in SETTINGS.specs:
        text = submitted.get(spec.key)
        if text is None or (spec.secret and not text):
            continue  # not in the form, or a secret left as it is
        try:
            value = spec.value_of(text)
        except UserError as refused:
            errors[spec.key] = str(refused)
            continue
        if spec.secret or spec.render(value) != settings.text(spec.key):
            pairs.append(f"{spec.key}={text}")
    return pairs, errors


MAX_PAIRS = MAX_CUSTOM_FIELD_PAIRS
