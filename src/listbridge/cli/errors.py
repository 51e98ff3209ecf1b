"""The one place where errors become exit codes and messages."""

from __future__ import annotations

import os
import re
import sys
import traceback
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from listbridge.cli.context import CliContext
from listbridge.config import DEBUG_ENV
from listbridge.core.errors import (
    ListbridgeError,
    LockHeldError,
    NotConnectedError,
    RetriableApiError,
    UserError,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_LOCKED, EXIT_NOT_CONNECTED = 0, 1, 2, 3, 4
# Constant Contact unreachable or failing even after retries: not our bug (1), not bad
# input (2), and not "reconnect" (4), which would send the administrator to re-authorise
# for nothing; the run is interrupted and running the job again resumes it.
EXIT_UNAVAILABLE = 5

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)
# `scheme://user:password@host`: a driver's or library's message may quote a database or
# broker URL whole; the password is masked wherever it came from.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE)


def masked(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\1***@", text)


def exit_code(error: BaseException) -> int:
    if isinstance(error, UserError):
        return EXIT_USAGE
    if isinstance(error, LockHeldError):
        return EXIT_LOCKED
    if isinstance(error, NotConnectedError):
        return EXIT_NOT_CONNECTED
    if isinstance(error, RetriableApiError):
        return EXIT_UNAVAILABLE
    return EXIT_FAILURE


def message(error: ListbridgeError) -> str:
    """The error's own words; a service outage also says which run a re-run resumes."""
    text = str(error)
    if isinstance(error, RetriableApiError) and error.interrupted_run is not None:
        text += (
            f"; the run {error.interrupted_run} is interrupted and resumes "
            "when you run the job again"
        )
    return masked(text)


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what is still
    buffered cannot fail again on the closed pipe (Python's docs, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class ErrorMappingGroup(TyperGroup):
    """Runs the command and turns our errors into a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except ListbridgeError as error:
            _stderr.print(f"[bold red]error:[/] {escape(message(error))}")
            raise typer.Exit(exit_code(error)) from error
        except BrokenPipeError:
            # `listbridge crm export | head -1`: the reader has all it wants, a normal end.
            quiet_stdout()
            raise typer.Exit(EXIT_OK) from None
        except Exception as error:
            if _debug(ctx):
                traceback.print_exc()
            _stderr.print(
                f"[bold red]unexpected failure:[/] {type(error).__name__}: "
                f"{escape(masked(str(error)))}\n"
                f"(set {DEBUG_ENV}=1 for the traceback)"
            )
            raise typer.Exit(EXIT_FAILURE) from error


def _debug(ctx: typer.Context) -> bool:
    """LISTBRIDGE_DEBUG, as the root callback read it (off when it failed before that)."""
    return isinstance(ctx.obj, CliContext) and ctx.obj.config.debug
