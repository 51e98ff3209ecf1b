"""The hard-bounce flag: `stats.hard_bounce_field` set on the account of a contact whose
address hard-bounced (codes B and D: core/campaign_stats.py), so staff fix the address.

The field is a CRM custom field; what it is set to follows its type: true for a yes/no
field, the bounce's date for a date field, a line saying what bounced for a text field.
Each bounce is flagged once (the store remembers it), so staff who clear the flag after
fixing the address do not see it set again by the same bounce; a new bounce sets it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

from listbridge.core.accounts import CustomFieldDef, FieldType
from listbridge.core.campaign_stats import BOUNCE_NAMES
from listbridge.core.errors import UserError
from listbridge.core.runs import ErrorRow
from listbridge.core.setting_values import CUSTOM_PREFIX
from listbridge.crm.protocol import FieldValue
from listbridge.store.campaigns import HardBounce, hard_bounces_to_flag, mark_flagged
from listbridge.sync.job import JobContext

SETTING = "stats.hard_bounce_field"


@dataclass
class Flagged:
    accounts: int = 0
    errors: list[ErrorRow] = field(default_factory=list)
    #: why nothing was flagged, said once for the run ("" when flags were written)
    note: str = ""


def flag_hard_bounces(ctx: JobContext, field_name: str, run_id: int) -> Flagged:
    done = Flagged()
    if not field_name:
        return done
    with ctx.store.session() as session:
        bounces = hard_bounces_to_flag(session, ctx.connection_id)
    if not bounces:
        return done
    if ctx.crm.read_only:
        done.note = f"{SETTING}: the CRM is read-only for listbridge; hard bounces not flagged"
        return done
    definition = _field(ctx, field_name)
    if definition is None:
        done.note = (
            f"{SETTING}: the CRM has no custom field {field_name!r}; hard bounces not flagged"
        )
        return done
    value_of = _value(definition)
    if value_of is None:
        done.note = (
            f"{SETTING}: {field_name!r} is a {definition.type.value} field; "
            "a yes/no, date or text field can hold a hard bounce"
        )
        return done
    column = CUSTOM_PREFIX + definition.name
    by_account: dict[str, list[HardBounce]] = defaultdict(list)
    for bounce in bounces:  # oldest first: the last one per account is what the flag says
        by_account[bounce.account_id].append(bounce)
    flagged: list[int] = []
    for account_id, theirs in by_account.items():
        bounce = theirs[-1]
        reason = f"hard bounce of {bounce.email} ({_said(bounce)}), stats pull"
        try:
            ctx.crm.update_fields(
                account_id, {column: value_of(bounce)}, reason=reason, run_id=run_id
            )
        except UserError as error:
            done.errors.append(
                ErrorRow(
                    f"hard bounce not flagged: {error}",
                    account_id,
                    email=bounce.email,
                    field=column,
                )
            )
            continue
        flagged += [b.event_id for b in theirs]
        done.accounts += 1
    with ctx.store.session() as session:
        mark_flagged(session, flagged, ctx.clock())
    return done


def _field(ctx: JobContext, field_name: str) -> CustomFieldDef | None:
    name = field_name[len(CUSTOM_PREFIX) :]
    found = {f.name.casefold(): f for f in ctx.crm.custom_fields()}
    return found.get(name.casefold())


def _said(bounce: HardBounce) -> str:
    return f"{BOUNCE_NAMES.get(bounce.code, bounce.code)}, {bounce.at.astimezone(UTC):%Y-%m-%d}"


def _value(definition: CustomFieldDef) -> Callable[[HardBounce], FieldValue] | None:
    if definition.type is FieldType.BOOLEAN:
        return lambda _bounce: True
    if definition.type is FieldType.DATE:
        return lambda bounce: bounce.at.astimezone(UTC).date()
    if definition.type is FieldType.TEXT:
        return lambda bounce: f"hard bounce: {_said(bounce)}"
    return None
