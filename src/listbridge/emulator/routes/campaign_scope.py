"""The opening every campaign route shares: the emulator's state and its campaign store,
held under the state's lock for the whole block, so a route reads and changes them as one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request

from listbridge.emulator.auth import state_of
from listbridge.emulator.campaigns import CampaignStore, campaign_store
from listbridge.emulator.state import EmulatorState


@contextmanager
def locked_campaigns(request: Request) -> Iterator[tuple[EmulatorState, CampaignStore]]:
    state = state_of(request)
    with state.lock:
        yield state, campaign_store(state)
