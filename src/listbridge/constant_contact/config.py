"""Where the API and the OAuth server are, who we are to them, and how patient to be."""

from __future__ import annotations

from dataclasses import dataclass, field

from listbridge.core.ratelimit import DEFAULT_DAILY_LIMIT, DEFAULT_RATE

API_BASE = "https://api.cc.email/v3"
AUTH_BASE = "https://authz.constantcontact.com/oauth2/default/v1"
SCOPES = ("contact_data", "campaign_data", "account_read", "offline_access")
DEFAULT_REDIRECT = "http://127.0.0.1:53682/callback"


@dataclass(frozen=True)
class ClientConfig:
    """Everything the client needs except the tokens; ``client_secret`` only for
    confidential clients (it is sent with HTTP Basic, never logged)."""

    client_id: str
    api_base: str = API_BASE
    auth_base: str = AUTH_BASE
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str = DEFAULT_REDIRECT
    scopes: tuple[str, ...] = SCOPES
    rate_per_second: float = DEFAULT_RATE
    daily_limit: int = DEFAULT_DAILY_LIMIT
    timeout_seconds: float = 30.0
    max_attempts: int = 8
    max_wait_seconds: float = 60.0
    backoff_initial: float = 0.5
    # CC counts requests per second: after a 429 without Retry-After, sit out a window.
    rate_limit_pause: float = 1.0

    @property
    def token_url(self) -> str:
        return f"{self.auth_base.rstrip('/')}/token"

    @property
    def authorize_url(self) -> str:
        return f"{self.auth_base.rstrip('/')}/authorize"

    @property
    def api_origin(self) -> str:
        """``https://api.cc.email`` for ``https://api.cc.email/v3``: hrefs carry ``/v3``."""
        base = self.api_base.rstrip("/")
        return base[: -len("/v3")] if base.endswith("/v3") else base
