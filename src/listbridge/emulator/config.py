"""How one emulator instance behaves: where it listens, what it remembers, how strict it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The real service: access tokens last a fixed 24 h (facts §14); limits are per API key.
DEFAULT_ACCESS_TOKEN_SECONDS = 24 * 3600
DEFAULT_REFRESH_TOKEN_SECONDS = 180 * 24 * 3600


@dataclass(frozen=True)
class RegisteredClient:
    """A confidential client: it must present its secret at the token endpoint."""

    client_id: str
    client_secret: str


@dataclass(frozen=True)
class EmulatorConfig:
    """Settings of one emulator; the command and the test fixture both build one.

    ``testing_controls`` exposes ``/__emulator__/``; it is on whenever ``auto_approve`` is,
    because acceptance checks drive an emulator started with ``--auto-approve``.
    ``rate_limit``/``daily_limit`` of ``None`` mean unlimited (the fixture's default).
    """

    host: str = "127.0.0.1"
    port: int = 8765
    state_file: Path | None = None
    auto_approve: bool = False
    testing_controls: bool = False
    rate_limit: int | None = None
    daily_limit: int | None = None
    access_token_seconds: int = DEFAULT_ACCESS_TOKEN_SECONDS
    refresh_token_seconds: int = DEFAULT_REFRESH_TOKEN_SECONDS
    save_interval_seconds: float = 60.0
    activity_queue_cap: int = 1000
    custom_field_cap: int = 100
    max_request_bytes: int = 16 * 1024 * 1024
    import_payload_bytes: int = 4 * 1024 * 1024
    # A pause between chunks of a bulk activity: the real service takes its time, and tests
    # use it to watch an activity in ``processing``.
    activity_pause_seconds: float = 0.0
    clients: tuple[RegisteredClient, ...] = field(default_factory=tuple)

    @property
    def controls_enabled(self) -> bool:
        return self.testing_controls or self.auto_approve
