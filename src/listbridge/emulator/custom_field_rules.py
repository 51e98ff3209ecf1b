"""Custom-field definitions (metadata, version, choices) and the values a contact may hold.

The spec (D:CustomFieldRequest, D:CustomFieldMetadata, D:ContactCustomField) states the
shapes and the choice limits; how a value is checked against its field's type is not in it
and follows the real service's documented behaviour (docs/emulator-deviations.md).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from listbridge.emulator.errors import bad_request
from listbridge.emulator.model import SELECT_TYPES, CustomField
from listbridge.emulator.schemas import (
    CustomFieldChoicePutIn,
    CustomFieldIn,
    CustomFieldValue,
)

# D:CustomField.choices: 20 for radio/checkbox display types, 100 for a dropdown.
FEW_CHOICES = ("radio", "checkbox")
DATE_FORMATS = {"YYYY-MM-DD": "%Y-%m-%d", "MM/DD/YYYY": "%m/%d/%Y", "DD/MM/YYYY": "%d/%m/%Y"}


def define(field: CustomField, body: CustomFieldIn, now: int) -> None:
    """Check and store metadata, version and choices of a new field."""
    metadata = body.metadata.model_dump(exclude_none=True) if body.metadata else None
    if metadata:
        _check_metadata(body.type, metadata)
    field.metadata = metadata or None
    field.version = body.version
    if body.version is not None and body.version not in (1, 2):
        raise bad_request(f"version: {body.version} is not 1 (legacy date) or 2 (date)")
    if body.choices is not None:
        _check_choice_count(field.type, metadata, len(body.choices))
        field.choices = (
            tuple(
                (i, c.choice_label, c.display_order, now, now)
                for i, c in enumerate(body.choices, start=1)
            )
            or None
        )
    if field.is_select and not field.choices:
        raise bad_request(f"choices: a {field.type} field needs at least one choice")


def rechoose(field: CustomField, choices: list[CustomFieldChoicePutIn] | None, now: int) -> None:
    """PUT: a choice with a ``choice_id`` changes that choice, one without it is added; the
    choices not sent are removed. Omitted ``choices`` leave them as they are."""
    if choices is None:
        if field.is_select and not field.choices:
            raise bad_request(f"choices: a {field.type} field needs at least one choice")
        if not field.is_select:
            field.choices = None
        return
    _check_choice_count(field.type, field.metadata, len(choices))
    current = {row[0]: row for row in field.choices or ()}
    next_id = max(current, default=0) + 1
    rows = []
    for i, c in enumerate(choices):
        if c.choice_id is None:
            rows.append((next_id, c.choice_label, c.display_order, now, now))
            next_id += 1
            continue
        old = current.get(c.choice_id)
        if old is None:
            raise bad_request(
                f"choices[{i}].choice_id: {c.choice_id} is not a choice of {field.name}"
            )
        rows.append((c.choice_id, c.choice_label, c.display_order, old[3], now))
    if field.is_select and not rows:
        raise bad_request(f"choices: a {field.type} field needs at least one choice")
    field.choices = tuple(rows) or None


def _check_choice_count(type_: str, metadata: dict[str, Any] | None, count: int) -> None:
    if type_ not in SELECT_TYPES:
        if count:
            raise bad_request(f"choices: only {' and '.join(SELECT_TYPES)} fields have choices")
        return
    display = (metadata or {}).get("display_type")
    if display in FEW_CHOICES and count > 20:
        raise bad_request(f"choices: at most 20 for display_type {display!r}, {count} sent")


def _check_metadata(type_: str, metadata: dict[str, Any]) -> None:
    places = metadata.get("decimal_places")
    if metadata.get("integer") is False and places is not None and not 1 <= places <= 4:
        raise bad_request(f"metadata.decimal_places: {places} must be 1-4 when integer is false")
    # Other values are the schema's integers: no text bounds them (facts §8 neither).
    code = metadata.get("currency_code")
    if code is not None and not re.fullmatch(r"[A-Z]{3}", code):
        raise bad_request(f"metadata.currency_code: {code!r} is not a three-letter currency code")
    # display_format is any string: the texts name only YYYY-MM-DD (the default) and the
    # example MM/DD/YYYY; values are checked against the formats the emulator knows.


def stored_value(field: CustomField, item: CustomFieldValue, where: str) -> Any:
    """The value to keep for ``item``, or a 400 naming the field and the reason."""
    if field.is_select:
        return _choices_value(field, item, where)
    if item.choice_ids:
        raise bad_request(f"{where}.choice_ids: {field.name} is a {field.type} field, not a select")
    value = item.value
    if value == "":
        return value
    if field.type in ("number", "currency"):
        _check_number(field, value, where)
    elif field.type == "date" and field.version == 2:
        _check_date(field, value, where)
    return value


def _choices_value(field: CustomField, item: CustomFieldValue, where: str) -> Any:
    labels = {str(row[0]): row[1] for row in field.choices or ()}
    ids = list(dict.fromkeys(item.choice_ids or ()))
    if not ids and item.value:
        # a value naming a choice by its label selects it
        by_label = {label: cid for cid, label in labels.items()}
        if item.value not in by_label:
            raise bad_request(f"{where}.value: {item.value!r} is not a choice of {field.name}")
        ids = [by_label[item.value]]
    for cid in ids:
        if cid.lstrip("0") not in labels and cid not in labels:
            raise bad_request(f"{where}.choice_ids: {cid!r} is not a choice of {field.name}")
    ids = [cid.lstrip("0") or cid for cid in ids]
    if field.type == "single_select" and len(ids) > 1:
        raise bad_request(f"{where}.choice_ids: {field.name} is single_select: one choice only")
    if not ids:
        return ""
    return (", ".join(labels[cid] for cid in ids), tuple(ids))


def _check_number(field: CustomField, value: str, where: str) -> None:
    meta = field.metadata or {}
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise bad_request(f"{where}.value: {value!r} is not a number ({field.name})")
    if number < 0 and field.type == "number" and not meta.get("allow_negative", False):
        raise bad_request(f"{where}.value: {field.name} does not allow negative numbers")
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if meta.get("integer") and places:
        raise bad_request(f"{where}.value: {field.name} holds whole numbers only")
    limit = meta.get("decimal_places")
    if limit is not None and places > limit:
        raise bad_request(f"{where}.value: {field.name} allows {limit} decimal places")


def _check_date(field: CustomField, value: str, where: str) -> None:
    shown = (field.metadata or {}).get("display_format", "YYYY-MM-DD")
    known = DATE_FORMATS.get(shown, DATE_FORMATS["YYYY-MM-DD"])
    for fmt in dict.fromkeys((DATE_FORMATS["YYYY-MM-DD"], known)):
        try:
            datetime.strptime(value, fmt).replace(tzinfo=UTC)
            return
        except ValueError:
            continue
    raise bad_request(f"{where}.value: {value!r} is not a date ({shown}) for {field.name}")
