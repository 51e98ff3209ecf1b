"""`listbridge serve`: the web admin for every connection in the database, with the
in-process scheduler running the connections' schedules (as `demo --serve` does).

With no user yet, it prints a one-time sign-up link for the first administrator: the
only way in that needs no shell access to the database afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import typer

from listbridge.cli.context import context
from listbridge.store.db import Store

#: how long the printed sign-up link works (store/web_sessions.create_signup_token)
SIGNUP_HOURS = 24


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address the web admin listens on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port of the web admin."),
    secure_cookies: bool = typer.Option(
        False,
        "--secure-cookies",
        help="Mark cookies Secure even over plain http (behind a proxy that terminates TLS).",
    ),
) -> None:
    """Serve the web admin (sign in at /login) and run the scheduled jobs, until Ctrl-C."""
    store = context(ctx).store
    url = f"http://{host}:{port}"
    _offer_signup(store, url)
    typer.echo(f"listbridge web admin at {url}/ (Ctrl-C stops it)", err=True)
    serve_admin(store, host, port, say=_say, secure_cookies=secure_cookies)


def _offer_signup(store: Store, url: str) -> None:
    from listbridge.store.users import count_users
    from listbridge.store.web_sessions import create_signup_token

    if count_users(store) > 0:
        return
    token = create_signup_token(store)
    typer.echo(
        "No user yet. Create the first administrator (this link works once, for "
        f"{SIGNUP_HOURS} hours):\n  {url}/signup?token={token}"
    )


def serve_admin(
    store: Store,
    host: str,
    port: int,
    say: Callable[[str], object],
    *,
    secure_cookies: bool = False,
) -> None:
    """The admin and the scheduler in this process, until Ctrl-C (a normal exit)."""
    import uvicorn

    from listbridge.cli.schedules import default_registry
    from listbridge.runner.scheduler import Scheduler
    from listbridge.web.app import create_app

    registry = default_registry()
    runner = Scheduler(store, registry, say_to=say)
    for slot in runner.start():
        say(f"scheduled {slot.label}: {slot.when}")
    app = create_app(store, secure_cookies=secure_cookies, schedules=registry)
    # uvicorn's access log would print every request's query string: a sign-up or OAuth
    # callback URL carries a token, so only warnings are logged.
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run()
    finally:
        runner.shutdown()


def _say(line: str) -> None:
    typer.echo(f"serve: {line}", err=True)
