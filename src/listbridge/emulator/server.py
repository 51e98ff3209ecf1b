"""Run the emulator in the foreground (the ``listbridge emulator`` command)."""

from __future__ import annotations

import contextlib
import logging
import socket

import uvicorn

from listbridge.core.errors import UserError
from listbridge.emulator import persistence
from listbridge.emulator.app import create_app
from listbridge.emulator.config import EmulatorConfig


def describe(config: EmulatorConfig) -> str:
    base = f"http://{config.host}:{config.port}"
    lines = [
        f"Constant Contact v3 emulator on {base}",
        f"  API        {base}/v3",
        f"  authorize  {base}/oauth2/default/v1/authorize",
        f"  token      {base}/oauth2/default/v1/token",
    ]
    if config.controls_enabled:
        lines.append(f"  controls   {base}/__emulator__/")
    if config.state_file:
        lines.append(f"  state      {config.state_file}")
    return "\n".join(lines)


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound socket whose connections send small responses at once.

    uvicorn writes a response's head and body separately; with Nagle's algorithm on, the
    body waits for the client's delayed ACK and every keep-alive request costs ~40 ms.
    Accepted sockets inherit TCP_NODELAY from the listener on Linux.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def serve(config: EmulatorConfig) -> None:
    """Block serving until interrupted; ``--state`` is saved on the way out."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if config.state_file is not None and config.state_file.exists():
        persistence.read_rows(config.state_file)  # refuse a bad file before serving
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="info", access_log=False))
    # uvicorn re-raises Ctrl-C after a clean shutdown; stopping is the normal end.
    with listening_socket(config.host, config.port) as sock, contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
