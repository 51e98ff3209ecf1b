"""`listbridge connect` and `listbridge disconnect`."""

from __future__ import annotations

import json
import webbrowser
from typing import TYPE_CHECKING

import typer

from listbridge.cli.context import context
from listbridge.cli.errors import message
from listbridge.config import CC_CLIENT_ID_ENV, CC_CLIENT_SECRET_ENV
from listbridge.constant_contact.config import API_BASE, AUTH_BASE, DEFAULT_REDIRECT
from listbridge.core.errors import ListbridgeError, UserError
from listbridge.core.tokens import OAuthApp
from listbridge.store.connection_create import reuse_named
from listbridge.store.db import Store
from listbridge.store.disconnect import forget_connection
from listbridge.store.secretbox import secret_box
from listbridge.store.tokens import load_connection

if TYPE_CHECKING:
    # The HTTP and OAuth stack loads only when a command needs it: every other
    # command starts faster without it.
    import httpx

    from listbridge.constant_contact import oauth
    from listbridge.sync.cc_connection import Connected
    from listbridge.sync.lists.copy_to_crm import ListCopy

EMULATOR_CLIENT_ID = "listbridge"


def connect(
    ctx: typer.Context,
    client_id: str | None = typer.Option(
        None, "--client-id", help=f"OAuth client id (default: {CC_CLIENT_ID_ENV})."
    ),
    client_secret: str | None = typer.Option(
        None,
        "--client-secret",
        help=f"For a confidential client, stored encrypted (default: {CC_CLIENT_SECRET_ENV}).",
        show_default=False,
    ),
    redirect_uri: str = typer.Option(DEFAULT_REDIRECT, "--redirect-uri"),
    auth_base: str | None = typer.Option(None, "--auth-base", help=f"Default {AUTH_BASE}."),
    api_base: str | None = typer.Option(None, "--api-base", help=f"Default {API_BASE}."),
    emulator: str | None = typer.Option(
        None, "--emulator", metavar="URL", help="Connect headlessly to an --auto-approve emulator."
    ),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Print the URL; paste the redirect URL back."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the account as JSON."),
    reuse: str | None = typer.Option(
        None,
        "--reuse",
        metavar="OTHER",
        help="Use connection OTHER's authorisation (no new sign-in); a refresh by either "
        "serves both.",
    ),
) -> None:
    """Authorise listbridge with Constant Contact (OAuth2 code flow with PKCE)."""
    state = context(ctx)
    if reuse is not None:
        given = [client_id, client_secret, auth_base, api_base, emulator]
        if any(given) or no_browser or redirect_uri != DEFAULT_REDIRECT:
            raise UserError("connect --reuse OTHER takes none of the other connect options")
        shared = reuse_authorisation(state.store, state.connection_id, reuse)
        _show(shared, _copy_lists(state.store, state.connection_id), as_json, reuse)
        return
    client_id = client_id or state.config.cc_client_id
    client_secret = client_secret or state.config.cc_client_secret or None
    if emulator:
        root = emulator.rstrip("/")
        api_base, auth_base = api_base or f"{root}/v3", auth_base or f"{root}/oauth2/default/v1"
        client_id = client_id or EMULATOR_CLIENT_ID
    if not client_id:
        raise UserError(f"--client-id is required (or set {CC_CLIENT_ID_ENV})")
    app = OAuthApp(
        client_id, api_base or API_BASE, auth_base or AUTH_BASE, redirect_uri, client_secret
    )
    from listbridge.sync.cc_connection import connect as run_connect

    authorize = _headless if emulator else (_pasted if no_browser else _browser)
    connected = run_connect(state.store, state.connection_id, app, authorize)
    _show(connected, _copy_lists(state.store, state.connection_id), as_json)


def reuse_authorisation(store: Store, connection_id: int, other: str) -> Connected:
    """`connect --reuse OTHER`: UserError (exit 2) for an unknown or unconnected OTHER."""
    from listbridge.sync.cc_connection import Connected

    identity = reuse_named(store, connection_id, other)
    record = load_connection(store, connection_id, secret_box(store))
    assert record is not None
    return Connected(identity, record.app)


def _copy_lists(store: Store, connection_id: int) -> ListCopy:
    """connect.copy_lists, once connected. The connection is made whatever happens here:
    a failure is said, not turned into a failed connect."""
    from listbridge.sync.lists.copy_to_crm import ListCopy, copy_cc_lists

    try:
        return copy_cc_lists(store, connection_id)
    except ListbridgeError as error:
        return ListCopy(skipped=message(error))


def _headless(pending: oauth.PendingAuthorization, http: httpx.Client) -> str:
    from listbridge.constant_contact import oauth

    return oauth.follow_authorize(http, pending)


def _pasted(pending: oauth.PendingAuthorization, _http: httpx.Client) -> str:
    typer.echo(f"Open this URL, allow access, then paste the address you land on:\n{pending.url}")
    return str(typer.prompt("Redirect URL", err=True))


def _browser(pending: oauth.PendingAuthorization, _http: httpx.Client) -> str:
    from listbridge.constant_contact import oauth

    listener = oauth.RedirectListener(pending.redirect_uri)
    typer.echo(f"Opening your browser; if it does not open, visit:\n{pending.url}", err=True)
    webbrowser.open(pending.url)
    return listener.wait()


def _show(connected: Connected, copy: ListCopy, as_json: bool, reused: str | None = None) -> None:
    who = connected.identity
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "account_id": who.account_id,
                    "organization_name": who.organization_name,
                    "owner_name": who.owner_name,
                    "owner_email": who.owner_email,
                    "api_base": connected.app.api_base,
                    "reuses": reused,
                    "lists_copied": copy.created,
                    "lists_paired": copy.paired,
                    "lists_not_copied": [e.reason for e in copy.refused],
                    "lists_skipped": copy.skipped,
                }
            )
        )
        return
    typer.echo(f"Connected to Constant Contact: {who.organization_name}")
    typer.echo(f"  owner: {who.owner_name} <{who.owner_email}>")
    typer.echo(f"  account: {who.account_id} at {connected.app.api_base}")
    if reused is not None:
        typer.echo(f"  authorisation: connection {reused!r}'s, shared (no new sign-in)")
    for line in copy_lines(copy):
        typer.echo(line)


def copy_lines(copy: ListCopy) -> list[str]:
    """What connect.copy_lists did, for a person."""
    if copy.skipped:
        return [f"Constant Contact lists not copied to the CRM: {copy.skipped}"]
    lines = []
    if copy.created:
        lines.append(f"{_lists(copy.created)} copied to the CRM: {', '.join(copy.created)}")
    if copy.paired:
        names = ", ".join(copy.paired)
        lines.append(f"{_lists(copy.paired)} paired with the CRM list of the same name: {names}")
    lines += [f"not copied: {error.reason}" for error in copy.refused]
    return lines or ["No Constant Contact list to copy to the CRM."]


def _lists(names: list[str]) -> str:
    return f"{len(names)} Constant Contact list{'' if len(names) == 1 else 's'}"


def disconnect(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Forget the tokens and all state derived from the Constant Contact account (links,
    cursors, lists); CRM accounts, their opt-outs, lists and journal stay."""
    state = context(ctx)
    question = (
        f"Disconnect {state.connection!r} from Constant Contact, forgetting its tokens, links, "
        "cursors and list data? CRM accounts, their opt-outs and lists are kept."
    )
    if not yes and not typer.confirm(question, default=False, err=True):
        typer.echo("Nothing changed.", err=True)
        return
    purged = forget_connection(state.store, state.connection_id)
    typer.echo(f"Disconnected {state.connection!r}; forgot: {', '.join(purged)}.")
