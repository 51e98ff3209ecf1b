"""The families the emulator leaves out on purpose: events, social, automations, partner.

Each of their 32 operations exists, so a client meets the spec's error array with a message
saying the operation is not emulated rather than a 404 for an unknown path or a 405. The
status is one the operation declares: 403 ("you lack the necessary user privileges") on
every operation that declares it, because the emulated account holds no privilege for
these features and a client must not retry; the one operation that declares no 403
(``findRegistrationsUsingGET``) answers 404, which is also true: the emulator has no events.
Partner operations use partner credentials the emulator never issues, so they check no
token; the others check the ``campaign_data`` token they declare first (401/403 as usual).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends

from listbridge.emulator.errors import ApiError
from listbridge.emulator.gate import api_gate
from listbridge.emulator.routes.common import api_router

NOT_EMULATED_KEY = "emulator.not.emulated"

#: family -> (method, path, status); paths are the spec's, without ``/v3``
FAMILIES: dict[str, tuple[tuple[str, str, int], ...]] = {
    "Events": (
        ("GET", "/events", 403),
        ("POST", "/events/default", 403),
        ("GET", "/events/{event_id}", 403),
        ("PATCH", "/events/{event_id}", 403),
        ("POST", "/events/{event_id}/copy", 403),
        ("POST", "/events/{event_id}/check_in/tickets", 403),
        ("POST", "/events/{event_id}/undo_check_in/tickets", 403),
        ("GET", "/events/{event_id}/tracks/{track_id}/registrations/{registration_id}", 403),
        ("GET", "/events/{event_id}/tracks/{track_id}/registrations", 404),
        ("PUT", "/events/{event_id}/tracks/{track_id}/registrations", 403),
        ("PUT", "/events/{event_id}/tracks/{track_id}/registrations/payment_status", 403),
    ),
    "Social": (
        ("GET", "/social/profiles", 403),
        ("GET", "/social/connections", 403),
        ("GET", "/social/hashtags/groups", 403),
        ("POST", "/social/posts", 403),
    ),
    "Automations": (
        ("GET", "/automations/workflows", 403),
        ("POST", "/automations/workflows", 403),
        ("GET", "/automations/workflows/{automation_flow_id}", 403),
        ("PUT", "/automations/workflows/{automation_flow_id}", 403),
    ),
    "Technology Partners": (
        ("GET", "/partner/accounts", 403),
        ("POST", "/partner/accounts", 403),
        ("GET", "/partner/accounts/{encoded_account_id}/plan", 403),
        ("PUT", "/partner/accounts/{encoded_account_id}/plan", 403),
        ("PUT", "/partner/accounts/{encoded_account_id}/status/cancel", 403),
        ("POST", "/partner/accounts/{encoded_account_id}/account_operations/sync", 403),
        ("POST", "/partner/accounts/{encoded_account_id}/users/sso", 403),
        ("POST", "/partner/accounts/{encoded_account_id}/contacts/unsubscribe", 403),
    ),
    "Technology Partners Webhooks": (
        ("GET", "/partner/webhooks/subscriptions", 403),
        ("GET", "/partner/webhooks/subscriptions/{topic_id}", 403),
        ("PUT", "/partner/webhooks/subscriptions/{topic_id}", 403),
        ("DELETE", "/partner/webhooks/subscriptions/{topic_id}", 403),
        ("POST", "/partner/webhooks/subscriptions/{topic_id}/tests", 403),
    ),
}

router = api_router("campaign_data")
partner_router = APIRouter(dependencies=[Depends(api_gate)])


def _answer(family: str, method: str, path: str, status: int) -> Callable[[], Awaitable[None]]:
    message = (
        f"{method} /v3{path} is not emulated: the listbridge emulator leaves the {family} "
        "operations out on purpose (docs/emulator-deviations.md)"
    )

    async def endpoint() -> None:
        raise ApiError(status, message, NOT_EMULATED_KEY)

    return endpoint


def _register(target: APIRouter, family: str, method: str, path: str, status: int) -> None:
    target.add_api_route(
        path,
        _answer(family, method, path, status),
        methods=[method],
        name=f"not_emulated {method} {path}",
    )


for _family, _operations in FAMILIES.items():
    _target = partner_router if _family.startswith("Technology Partners") else router
    for _method, _path, _status in _operations:
        _register(_target, _family, _method, _path, _status)
