"""Faults below HTTP: a connection closed with no answer, a 2xx whose JSON is cut short.

Both come after the route has done its work, as they do on a real network: the contact is
created, the activity queued, and only the answer is lost or broken, so a client that
resends has to cope with what its first attempt already did. ``EmulatorApp`` is the
FastAPI app with this layer outermost, where uvicorn's own ``send`` still reaches the
socket (``gate.py`` does the faults that are answers: 429, 5xx, latency).
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from listbridge.emulator.gate import roll
from listbridge.emulator.state import EmulatorState


class EmulatorApp(FastAPI):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/v3/"):
            await super().__call__(scope, receive, send)
            return
        state: EmulatorState = self.state.emulator
        with state.lock:
            reset, malformed = state.faults.reset_rate, state.faults.malformed_json_rate
        if roll(reset):
            await super().__call__(scope, receive, _swallow)
            await _hang_up(state, send)
        elif roll(malformed):
            await super().__call__(scope, receive, _CutShort(state, send))
        else:
            await super().__call__(scope, receive, send)


async def _swallow(_message: Message) -> None:
    return None


async def _hang_up(state: EmulatorState, send: Send) -> None:
    """Abort the connection: the client reads no status line at all."""
    with state.lock:
        state.counters.count_fault("reset")
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()
        await asyncio.sleep(0)  # uvicorn learns of the lost connection and sends nothing
        return
    # Another server than uvicorn: a status line, then the connection ends mid-body.
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
    await send(start)


class _CutShort:
    """Passes the answer on, the JSON body of a 2xx cut to its first half."""

    def __init__(self, state: EmulatorState, send: Send) -> None:
        self.state, self.send = state, send
        self.start: Message | None = None
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and _json_success(message):
            self.start = message
            return
        if self.start is None:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if not message.get("more_body", False):
            await self._send_cut()

    async def _send_cut(self) -> None:
        assert self.start is not None
        cut = self.body[: len(self.body) // 2]
        if self.body:
            with self.state.lock:
                self.state.counters.count_fault("malformed_json")
        headers = [(k, v) for k, v in self.start.get("headers", []) if k != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": cut, "more_body": False})


def _json_success(message: Message) -> bool:
    headers = dict(message.get("headers", []))
    kind = headers.get(b"content-type", b"")
    return 200 <= int(message["status"]) < 300 and b"json" in kind
