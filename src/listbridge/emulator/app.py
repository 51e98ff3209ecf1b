"""The emulator as an ASGI app: ``create_app(config, state)`` wires routers, gate and errors.

Each API area is a router module under ``routes/``; add one with a single
``app.include_router(...)`` line below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from listbridge.emulator import persistence
from listbridge.emulator.activities import ActivityWorker
from listbridge.emulator.config import EmulatorConfig
from listbridge.emulator.errors import install_error_handlers
from listbridge.emulator.ratelimit import RateLimiter
from listbridge.emulator.routes import (
    account,
    activities,
    campaigns,
    contact_reports,
    contacts,
    controls,
    custom_fields,
    landing_page_reports,
    lists,
    not_emulated,
    oauth,
    reports,
    segments,
    sms_reports,
    tags,
)
from listbridge.emulator.state import EmulatorState
from listbridge.emulator.wire_faults import EmulatorApp


def create_app(config: EmulatorConfig, state: EmulatorState | None = None) -> EmulatorApp:
    app = EmulatorApp(
        title="Constant Contact v3 emulator", docs_url=None, redoc_url=None, lifespan=_lifespan
    )
    app.state.config = config
    app.state.emulator = state if state is not None else EmulatorState()
    app.state.limiter = RateLimiter(config.rate_limit, config.daily_limit)
    app.state.worker = ActivityWorker(app.state.emulator, config)
    install_error_handlers(app)
    app.include_router(oauth.router)
    app.include_router(contacts.router, prefix="/v3")
    app.include_router(lists.router, prefix="/v3")
    app.include_router(custom_fields.router, prefix="/v3")
    app.include_router(tags.router, prefix="/v3")
    app.include_router(activities.router, prefix="/v3")
    app.include_router(campaigns.router, prefix="/v3")
    app.include_router(reports.router, prefix="/v3")
    app.include_router(contact_reports.router, prefix="/v3")
    app.include_router(account.router, prefix="/v3")
    app.include_router(account.privileges_router, prefix="/v3")
    app.include_router(account.update_router, prefix="/v3")
    app.include_router(landing_page_reports.router, prefix="/v3")
    app.include_router(sms_reports.router, prefix="/v3")
    app.include_router(sms_reports.history_router, prefix="/v3")
    app.include_router(segments.router, prefix="/v3")
    app.include_router(not_emulated.router, prefix="/v3")
    app.include_router(not_emulated.partner_router, prefix="/v3")
    if config.controls_enabled:
        app.include_router(controls.router, prefix="/__emulator__")
        app.include_router(campaigns.control_router, prefix="/__emulator__")
        app.include_router(account.control_router, prefix="/__emulator__")
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load ``--state`` at start; save it periodically and at shutdown; stop the worker."""
    config: EmulatorConfig = app.state.config
    saver = None
    if config.state_file is not None:
        persistence.load(app.state.emulator, config.state_file)
        saver = persistence.PeriodicSaver(
            app.state.emulator, config.state_file, config.save_interval_seconds
        )
        saver.start()
    try:
        yield
    finally:
        app.state.worker.stop()
        if saver is not None:
            saver.stop()
