"""/v3/reports/landing_pages/campaign_details/{campaign_activity_id}/p_*: landing-page reports.

The emulator has no landing pages, so no campaign activity is a landing page's: every
report answers the 404 the operations declare ("The requested resource was not found"),
naming the activity and saying so, once its parameters are checked as declared (a
``campaign_activity_id`` that is not a UUID and a ``limit`` outside 1-500 are 400s).

Why not 200 with no rows: D:lpreportingLinks *requires* ``next.href``, a string, "or null if
there are no additional pages", so no single-page answer fits the schema (see
docs/emulator-deviations.md, landing pages).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from listbridge.emulator.auth import state_of
from listbridge.emulator.campaigns import campaign_store
from listbridge.emulator.errors import ApiError, bad_request, not_found
from listbridge.emulator.routes.common import api_router
from listbridge.emulator.routes.reports import is_uuid, text_limit

router = api_router("campaign_data")
REPORTS = (
    "p_unique_contact_clicks",
    "p_unique_contact_opens",
    "p_contact_opens",
    "p_unique_contact_updates",
    "p_unique_contact_adds",
    "p_unique_contact_sms_optins",
)


def _report(name: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def report(
        request: Request,
        campaign_activity_id: str,
        limit: str | None = None,
        contacts_filter: str | None = None,
    ) -> dict[str, Any]:
        if not is_uuid(campaign_activity_id):
            raise bad_request(f"campaign_activity_id: {campaign_activity_id!r} is not a UUID")
        text_limit(limit, 50, 500)
        state = state_of(request)
        with state.lock:
            known = campaign_activity_id in campaign_store(state).activities
        if known:
            raise ApiError(
                404,
                f"campaign activity {campaign_activity_id} is not a landing page activity"
                " (the emulator has no landing pages)",
            )
        raise not_found("landing page campaign activity", campaign_activity_id)

    report.__name__ = name
    return report


for _name in REPORTS:
    router.add_api_route(
        f"/reports/landing_pages/campaign_details/{{campaign_activity_id}}/{_name}",
        _report(_name),
        methods=["GET"],
    )
