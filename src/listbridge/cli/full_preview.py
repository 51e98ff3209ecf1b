"""How `sync full --dry-run` shows its preview: each step as that step's own dry run shows it."""

from __future__ import annotations

from typing import Any

from listbridge.cli.importer import preview_json as import_json
from listbridge.cli.importer import preview_text as import_text
from listbridge.cli.lists import sync_json, sync_lines
from listbridge.cli.push import result_json as push_json
from listbridge.core.consent import Decision
from listbridge.sync.full_preview import ConsentPreview, FullSyncPreview
from listbridge.sync.push import COUNTS as PUSH_COUNTS
from listbridge.sync.push import PushResult

#: the step the dry run cannot show: it acts on the pairs the import would link
NOT_PREVIEWED = "consent_after_import"


def preview_json(preview: FullSyncPreview) -> dict[str, Any]:
    """`{dry_run, direction, stopped, steps: {step: that step's dry-run object}}`; a step the
    direction leaves out is absent, as it is from a run's `steps`."""
    steps: dict[str, Any] = {"unsubscribes": _consent_json(preview.unsubscribes)}
    if preview.imported is not None:
        steps["import"] = import_json(preview.imported)
    if preview.pushed is not None:
        steps["push"] = push_json(preview.pushed, dry_run=True)
    steps["lists"] = sync_json(preview.lists)
    return {
        "dry_run": True,
        "direction": preview.direction,
        "stopped": preview.stopped or None,
        "steps": steps,
    }


def _consent_json(consent: ConsentPreview) -> dict[str, Any]:
    return {
        "dry_run": True,
        **consent.counts(),
        "stopped": consent.stopped or None,
        "decisions": [_decision_json(d) for d in consent.decisions],
    }


def _decision_json(decision: Decision) -> dict[str, str]:
    pair = decision.pair
    return {
        "account_id": pair.account_id,
        "cc_contact_id": pair.contact_id,
        "email": pair.email,
        "action": decision.action.value,
        "reason": decision.reason.value,
    }


def preview_lines(preview: FullSyncPreview) -> list[str]:
    lines = [f"full sync dry run (nothing changed), direction {preview.direction}:"]
    if preview.stopped:
        lines.append(f"  the run would stop before writing anything: {preview.stopped}")
    lines += _step("unsubscribes", _consent_lines(preview.unsubscribes))
    if preview.imported is not None:
        lines += _step("import", import_text(preview.imported).splitlines())
    if preview.pushed is not None:
        lines += _step("push", _push_lines(preview.pushed))
    lines += _step("lists", sync_lines(preview.lists))
    lines.append(f"  {NOT_PREVIEWED}: not previewed (it acts on the pairs the import links)")
    return lines


def _step(name: str, shown: list[str]) -> list[str]:
    """The step's own dry-run output under its name: its headline, then its details."""
    head, *rest = shown or ["nothing to do"]
    return [f"  {name}: {head}", *(f"    {line}" for line in rest)]


def _consent_lines(consent: ConsentPreview) -> list[str]:
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in consent.counts().items() if n)
    lines = [counts or "nothing to change"]
    for d in consent.decisions:
        pair = d.pair
        lines.append(f"  {pair.account_id} {pair.email}: {d.action.value} ({d.reason.value})")
    return lines


def _push_lines(result: PushResult) -> list[str]:
    counts = ", ".join(f"{result.count(k)} {k.replace('_', ' ')}" for k in PUSH_COUNTS)
    lines = [counts]
    lines += [f"  {n:>8}  {what}" for what, n in sorted(result.by_reason.items())]
    if result.calls is not None:
        lines.append(f"API calls: {result.calls.total}")
    return lines
