"""Engines on the databases of the CRMs listbridge syncs in place (CiviCRM, Vtiger).

One engine per URL for the process, so that every job and command of a long-lived
process (the scheduler, the web admin) shares one pool per CRM database; `pool_pre_ping`
replaces a connection the server closed while it idled (MySQL's wait_timeout).
A database that does not answer is `CrmUnreachableError`: like Constant Contact down,
nothing is wrong with the input, and the job run again once it answers resumes.
"""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from listbridge.core.errors import RetriableApiError, UserError

#: the drivers listbridge ships, by the database a URL names (a bare `mysql://` gets ours)
DRIVERS = {
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "postgresql": "postgresql+psycopg",
}
ALIASES = {"postgres": "postgresql"}
EXAMPLES = "mysql+pymysql://USER:PASSWORD@HOST:3306/DB or postgresql+psycopg://USER@HOST/DB"

_engines: dict[str, Engine] = {}
_guard = threading.Lock()


#: MySQL/MariaDB errors that say the CRM's schema is not what the adapter reads (1054
#: unknown column, 1146 no such table): PyMySQL raises the first as an OperationalError
MYSQL_SCHEMA_ERRORS = frozenset({1054, 1146})


class CrmUnreachableError(RetriableApiError):
    """The CRM's database does not answer (down, unreachable, or refusing the login)."""


class CrmSchemaError(UserError):
    """The CRM's database lacks a table or column the adapter reads: not a passing fault,
    so running the job again would fail again; `crm check` says what differs."""


def crm_url(text: str) -> str:
    """The URL with the driver we ship, or a UserError saying what is wrong with it."""
    try:
        url = make_url(text.strip())
    except ArgumentError as error:
        raise UserError(f"--url: not a database URL ({error}); use {EXAMPLES}") from error
    backend, _, driver = url.drivername.partition("+")
    backend = ALIASES.get(backend, backend)
    wanted = DRIVERS.get(backend)
    if wanted is None or driver not in ("", wanted.partition("+")[2]):
        raise UserError(f"--url: unsupported database driver {url.drivername!r}: use {EXAMPLES}")
    if not url.database:
        raise UserError(f"--url: {shown(url)} names no database: use {EXAMPLES}")
    return url.set(drivername=wanted).render_as_string(hide_password=False)


def shown(url: URL | str) -> str:
    """The URL with its password masked."""
    return make_url(url).render_as_string(hide_password=True)


def where(url: URL | str) -> str:
    """The host, port and database a URL reaches, to name in a message: never the password."""
    parsed = make_url(url)
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port} (database {parsed.database})"


def crm_engine(url: str) -> Engine:
    """The process's engine on this URL, made on first use."""
    with _guard:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_engine(url, pool_pre_ping=True)
            event.listen(engine, "handle_error", _translated)
        return engine


def _translated(context: ExceptionContext) -> None:
    """A CRM database gone mid-job, or never reached, is CrmUnreachableError (exit 5, the
    run resumable) and a missing table or column is CrmSchemaError (exit 2), instead of
    the driver's error: the jobs know neither the drivers nor the CRM's database."""
    if context.is_pre_ping:  # the pool replaces a dead connection by itself
        return
    error, url = context.original_exception, _url_of(context)
    reason = _first_line(error)
    unreachable = context.is_disconnect or (
        context.connection is None and _kind(error) == "OperationalError"
    )
    if unreachable:
        raise CrmUnreachableError(
            f"the CRM database at {url} does not answer ({reason}); check that it runs"
        ) from error
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    if _kind(error) == "ProgrammingError" or code in MYSQL_SCHEMA_ERRORS:
        raise CrmSchemaError(
            f"the CRM database at {url} does not have what listbridge reads ({reason}); "
            "`listbridge crm check` lists every difference"
        ) from error


def _kind(error: BaseException) -> str:
    """The DBAPI (PEP 249) class the driver's error descends from."""
    pep249 = ("OperationalError", "ProgrammingError", "InterfaceError", "IntegrityError")
    for cls in type(error).__mro__:
        if cls.__name__ in pep249:
            return "OperationalError" if cls.__name__ == "InterfaceError" else cls.__name__
    return type(error).__name__


def _url_of(context: ExceptionContext) -> str:
    engine = context.engine
    return where(engine.url) if engine is not None else "its address"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def answering_engine(url: str, connection: str) -> Engine:
    """The engine, once the database answered; CrmUnreachableError naming the connection
    and the host (the driver's reason too) when it does not."""
    engine = crm_engine(url)
    try:
        with engine.connect():
            pass
    except (DBAPIError, CrmUnreachableError) as error:
        cause = error.__cause__ if isinstance(error, CrmUnreachableError) else error.orig
        reason = _first_line(cause) if cause is not None else str(error)
        raise CrmUnreachableError(
            f"connection {connection!r}: the CRM database at {where(url)} does not answer "
            f"({reason}); check that it runs, or name it again with `listbridge crm use`"
        ) from error
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (a process that ends, a test that drops its database)."""
    with _guard:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()
