"""The Celery commands without a broker, and a button's kind as a worker receives it."""

from __future__ import annotations

import pytest
from tests.conftest import Cli

from listbridge.core.setting_values import Direction
from listbridge.web.job_kinds import kind_from_json, kind_to_json
from listbridge.web.job_work import Action, JobKind, Kind, ListSyncKind


@pytest.mark.parametrize("command", [("worker",), ("scheduler", "--celery", "--for", "1")])
def test_the_celery_commands_refuse_without_a_broker(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.delenv("LISTBRIDGE_BROKER_URL", raising=False)
    result = cli(*command)
    assert result.exit_code == 2
    assert "LISTBRIDGE_BROKER_URL" in result.output


@pytest.mark.parametrize(
    "kind",
    [
        JobKind(Action.PUSH),
        JobKind(Action.IMPORT, dry_run=True),
        JobKind(Action.FULL),
        ListSyncKind(("Members", "Förderkreis"), Direction.CRM_TO_CC, confirm=True),
        ListSyncKind(),
    ],
)
def test_a_kind_travels_as_json_and_comes_back_the_same(kind: Kind) -> None:
    assert kind_from_json(kind_to_json(kind)) == kind
