"""The one place where errors become exit codes and messages."""

from __future__ import annotations

import os
import traceback
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from listbridge.core.errors import (
    ListbridgeError,
    LockHeldError,
    NotConnectedError,
    UserError,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_LOCKED, EXIT_NOT_CONNECTED = 0, 1, 2, 3, 4

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def exit_code(error: BaseException) -> int:
    if isinstance(error, UserError):
        return EXIT_USAGE
    if isinstance(error, LockHeldError):
        return EXIT_LOCKED
    if isinstance(error, NotConnectedError):
        return EXIT_NOT_CONNECTED
    return EXIT_FAILURE


class ErrorMappingGroup(TyperGroup):
    """Runs the command and turns our errors into a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except ListbridgeError as error:
            _stderr.print(f"[bold red]error:[/] {escape(str(error))}")
            raise typer.Exit(exit_code(error)) from error
        except Exception as error:
            if os.environ.get("LISTBRIDGE_DEBUG"):
                traceback.print_exc()
            _stderr.print(
                f"[bold red]unexpected failure:[/] {type(error).__name__}: {escape(str(error))}\n"
                "(set LISTBRIDGE_DEBUG=1 for the traceback)"
            )
            raise typer.Exit(EXIT_FAILURE) from error
