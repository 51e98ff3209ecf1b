"""Runs and their error rows, in the store and on the CLI, scoped by connection."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from listbridge.core.errors import NotConnectedError, UserError
from listbridge.core.ratelimit import BudgetExhaustedError
from listbridge.core.runs import ErrorRow, RunStatus
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.runs import (
    add_run_errors,
    finish_run,
    get_run,
    list_runs,
    recorded_run,
    run_errors,
    start_run,
    started_by,
)

ERRORS = [
    ErrorRow("invalid email address", account_id="A1", email="bad@", field="email", row=2),
    ErrorRow("contact opted out", cc_contact_id="c-9", email="x@example.org"),
    ErrorRow("=cmd|' /C calc'!A0", account_id="-1+1", email="@evil", field="name", row=3),
]


def test_a_run_records_kind_who_outcome_counts_and_errors(store: Store) -> None:
    cid = connection_id(store, "default")
    run_id = start_run(store, cid, "crm_load", "cli root@host pid 1")
    running = get_run(store, cid, run_id)
    assert running.status is RunStatus.RUNNING
    assert running.finished_at is None
    assert add_run_errors(store, run_id, iter(ERRORS)) == 3
    finish_run(store, run_id, RunStatus.PARTIAL, {"loaded": 10, "invalid": 3}, "3 rows skipped")
    done = get_run(store, cid, run_id)
    assert (done.kind, done.status, done.started_by) == (
        "crm_load",
        RunStatus.PARTIAL,
        "cli root@host pid 1",
    )
    assert done.counts == {"loaded": 10, "invalid": 3}
    assert done.message == "3 rows skipped"
    assert done.finished_at is not None
    assert done.finished_at >= done.started_at
    assert done.error_count == 3
    assert run_errors(store, run_id) == ERRORS


def _add_errors_then_fail(store: Store, run_id: int) -> None:
    with store.session() as session:
        add_run_errors(session, run_id, ERRORS)
        raise RuntimeError("the batch failed")


def test_error_rows_go_in_the_caller_s_transaction(store: Store) -> None:
    run_id = start_run(store, connection_id(store, "default"), "import", "test")
    with pytest.raises(RuntimeError, match="the batch failed"):
        _add_errors_then_fail(store, run_id)
    assert run_errors(store, run_id) == []


def test_runs_are_listed_newest_first_and_scoped_by_connection(store: Store) -> None:
    mine, theirs = connection_id(store, "mine"), connection_id(store, "theirs")
    first = start_run(store, mine, "import", "test")
    second = start_run(store, mine, "push", "test")
    other = start_run(store, theirs, "import", "test")
    assert [run.run_id for run in list_runs(store, mine)] == [second, first]
    assert [run.run_id for run in list_runs(store, mine, kind="import")] == [first]
    assert [run.run_id for run in list_runs(store, mine, limit=1)] == [second]
    with pytest.raises(UserError, match=f"no run {other} in connection 'mine'"):
        get_run(store, mine, other)


def test_recorded_run_ends_succeeded_or_partial(store: Store) -> None:
    cid = connection_id(store, "default")
    with recorded_run(store, cid, "push", "test") as run:
        run.counts["created"] += 2
    assert get_run(store, cid, run.run_id).status is RunStatus.SUCCEEDED
    assert get_run(store, cid, run.run_id).counts == {"created": 2}
    with recorded_run(store, cid, "push", "test") as partial:
        partial.add_errors(ERRORS[:1])
    assert get_run(store, cid, partial.run_id).status is RunStatus.PARTIAL


def _job(store: Store, cid: int, error: BaseException) -> int:
    """A job that counts something, then stops with `error`; returns its run id."""
    with recorded_run(store, cid, "import", "test") as run:
        run.counts["seen"] = 5
        error.add_note(str(run.run_id))
        raise error


def _run_id_of(raised: pytest.ExceptionInfo[BaseException]) -> int:
    return int(raised.value.__notes__[0])


def test_recorded_run_fails_with_the_message_or_is_interrupted(store: Store) -> None:
    cid = connection_id(store, "default")
    with pytest.raises(ValueError, match="boom") as failed:
        _job(store, cid, ValueError("boom"))
    record = get_run(store, cid, _run_id_of(failed))
    assert (record.status, record.message, record.counts) == (RunStatus.FAILED, "boom", {"seen": 5})
    with pytest.raises(KeyboardInterrupt) as stopped:
        _job(store, cid, KeyboardInterrupt())
    record = get_run(store, cid, _run_id_of(stopped))
    assert record.status is RunStatus.INTERRUPTED
    assert "run it again" in record.message


def test_a_clean_stop_that_a_rerun_finishes_is_interrupted_not_failed(store: Store) -> None:
    cid = connection_id(store, "default")
    for stop in (NotConnectedError("reconnect needed"), BudgetExhaustedError("budget spent")):
        with pytest.raises(type(stop)) as stopped:
            _job(store, cid, stop)
        record = get_run(store, cid, _run_id_of(stopped))
        assert record.status is RunStatus.INTERRUPTED
        assert record.message == f"{stop}; run it again to finish"
    with pytest.raises(UserError) as refused:
        _job(store, cid, UserError("bad input"))
    assert get_run(store, cid, _run_id_of(refused)).status is RunStatus.FAILED


def test_started_by_says_who_where_and_which_process() -> None:
    assert re.fullmatch(r"cli \S+@\S+ pid \d+", started_by())
    assert started_by("scheduler").startswith("scheduler ")


def _finished_run(store: Store, connection: str = "default") -> int:
    run_id = start_run(store, connection_id(store, connection), "import", "cli root@host pid 1")
    add_run_errors(store, run_id, ERRORS)
    finish_run(store, run_id, RunStatus.PARTIAL, {"attempted": 5, "not_imported": 3})
    return run_id


def test_cli_runs_ls_json_has_the_contract_keys(cli, store: Store) -> None:
    run_id = _finished_run(store)
    result = cli("runs", "ls", "--json")
    assert result.exit_code == 0, result.output
    [run] = json.loads(result.stdout)
    assert {"run_id", "kind", "status", "started_at", "finished_at", "counts"} <= set(run)
    assert (run["run_id"], run["kind"], run["status"]) == (run_id, "import", "partial")
    assert run["counts"] == {"attempted": 5, "not_imported": 3}
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", run["started_at"])
    assert run["started_at"].endswith("+00:00")


def test_cli_runs_ls_of_another_connection_is_empty(cli, store: Store) -> None:
    _finished_run(store)
    assert json.loads(cli("--connection", "other", "runs", "ls", "--json").stdout) == []


def test_cli_runs_show_json_has_the_run_and_its_errors(cli, store: Store) -> None:
    run_id = _finished_run(store)
    result = cli("runs", "show", str(run_id), "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["run_id"] == run_id
    assert shown["error_count"] == 3
    assert shown["errors"][0] == {
        "account_id": "A1",
        "cc_contact_id": "",
        "email": "bad@",
        "field": "email",
        "row": 2,
        "reason": "invalid email address",
    }


def test_cli_runs_show_table(cli, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    run_id = _finished_run(store)
    shown = cli("runs", "show", str(run_id)).stdout
    assert f"run {run_id}: import, partial" in shown
    assert "by cli root@host pid 1" in shown
    assert "3 record(s) not synced" in shown
    assert "contact opted out" in shown


def test_cli_errors_csv_neutralises_formulas(cli, store: Store, tmp_path: Path) -> None:
    run_id = _finished_run(store)
    report = tmp_path / "errors.csv"
    result = cli("runs", "show", str(run_id), "--errors-csv", str(report))
    assert result.exit_code == 0, result.output
    assert f"wrote 3 error row(s) to {report}" in result.stderr
    with report.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["account_id", "cc_contact_id", "email", "field", "row", "reason"]
    assert rows[0] == {
        "account_id": "A1",
        "cc_contact_id": "",
        "email": "bad@",
        "field": "email",
        "row": "2",
        "reason": "invalid email address",
    }
    assert rows[2]["reason"] == "'=cmd|' /C calc'!A0"
    assert rows[2]["account_id"] == "'-1+1"
    assert rows[2]["email"] == "'@evil"


@pytest.mark.parametrize("args", [["999"], ["999", "--json"]])
def test_cli_unknown_run_exits_2(cli, store: Store, args: list[str]) -> None:
    result = cli("runs", "show", *args)
    assert result.exit_code == 2
    assert "no run 999 in connection 'default'" in result.stderr


@pytest.mark.parametrize(
    "run_id", ["99999999999999999999999", "9223372036854775808", "2147483648", "0"]
)
def test_cli_run_id_beyond_any_column_is_not_found(cli, store: Store, run_id: str) -> None:
    """Too large for PostgreSQL's integer (DataError) or SQLite's driver (OverflowError)."""
    result = cli("runs", "show", run_id)
    assert result.exit_code == 2, result.output
    assert f"no run {run_id} in connection 'default'" in result.stderr


def test_cli_run_of_another_connection_is_not_shown(cli, store: Store) -> None:
    run_id = _finished_run(store, "other")
    result = cli("runs", "show", str(run_id))
    assert result.exit_code == 2
    assert f"no run {run_id} in connection 'default'" in result.stderr


def test_cli_unwritable_errors_csv_exits_2(cli, store: Store, tmp_path: Path) -> None:
    run_id = _finished_run(store)
    target = tmp_path / "missing" / "errors.csv"
    result = cli("runs", "show", str(run_id), "--errors-csv", str(target))
    assert result.exit_code == 2
    assert f"cannot write the error report to {target}" in result.stderr


def test_cli_runs_show_prints_stored_text_literally(cli, store: Store) -> None:
    run_id = start_run(store, connection_id(store, "default"), "import", "test")
    add_run_errors(store, run_id, [ErrorRow("[bold red]not markup[/]", account_id="[A1]")])
    finish_run(store, run_id, RunStatus.PARTIAL, {}, "[red]as typed")
    shown = cli("runs", "show", str(run_id)).stdout
    assert "[bold red]not markup[/]" in shown
    assert "[A1]" in shown
    assert "message: [red]as typed" in shown
