"""Small things a first trial met: a reader that closes the pipe early is a normal end,
and an empty CRM list overview says so instead of printing nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Cli

ACCOUNTS = 3000  # ~600 kB of CSV: far more than a pipe buffers, so the writer meets EPIPE


def test_export_into_a_reader_that_stops_early_exits_0_quietly(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "many.csv"
    lines = ["id,first_name,last_name,email,address_line1,city"]
    lines += [
        f"A{i:05},First{i},Last{i},p{i}@example.org,{i} Some Long Street Name,Springfield"
        for i in range(ACCOUNTS)
    ]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("crm", "load", str(file)).exit_code == 0
    for fmt in ("csv", "json"):
        command = [sys.executable, "-m", "listbridge", "--db", db_url, "crm", "export"]
        # `listbridge crm export | head -1`, with a real pipe
        with subprocess.Popen(
            [*command, "--format", fmt], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            first = process.stdout.readline()
            process.stdout.close()
            errors = process.stderr.read().decode()
            code = process.wait(timeout=120)
        assert first.startswith(b"id,type," if fmt == "csv" else b"[")
        assert (code, errors) == (0, "")


def test_crm_lists_ls_says_there_are_none(cli: Cli) -> None:
    answer = cli("crm", "lists", "ls")
    assert answer.exit_code == 0, answer.output
    assert answer.stdout.strip() == (
        "no CRM lists yet; create one with `listbridge crm lists create NAME`"
    )
    assert cli("crm", "lists", "create", "Board").exit_code == 0
    assert cli("crm", "lists", "ls").stdout.strip() == "Board\t0 members"
