"""What every benchmark here shares: an emulator process, memory readings, results files."""

from __future__ import annotations

import importlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results"
EMULATOR = [sys.executable, "-m", "listbridge", "emulator", "--auto-approve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator() -> tuple[subprocess.Popen[bytes], str]:
    """`listbridge emulator --auto-approve` in its own process; its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen([*EMULATOR, "--port", str(port)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/oauth2/default/v1/authorize", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("emulator did not start")


def _status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    return _status_mb(pid, "VmRSS:")


def peak_mb(pid: int) -> float:
    """VmHWM: the peak RSS of the process since its exec (rusage would count the
    parent's memory at fork time, which is this big benchmark process)."""
    return _status_mb(pid, "VmHWM:")


def run_child(args: list[str]) -> tuple[str, float, float]:
    """Run `args`; its stdout, wall seconds and peak RSS in MB (sampled every 0.1 s)."""
    began = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, text=True)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, peak_mb(process.pid))
            time.sleep(0.1)
        elapsed = time.perf_counter() - began
        if process.returncode != 0:
            raise SystemExit(f"{args} failed ({process.returncode})")
        out.seek(0)
        return out.read(), elapsed, peak


def write_results(name: str, results: dict[str, Any], **meta: Any) -> Path:
    """bench/results/<name>-<UTC time>.json with the machine's facts beside the figures."""
    at = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    facts = {
        **meta,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "at": at,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{at}.json"
    path.write_text(json.dumps({"meta": facts, "results": results}, indent=2) + "\n")
    return path


def tests_module(name: str) -> ModuleType:
    """A module of the repository's tests/ (tests.support.…), which a benchmark run as
    `python bench/NAME.py` cannot import by name: bench/ is on its path, the root is not."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.append(root)
    return importlib.import_module(name)


def run_job(args: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """Run `args` as a child; its stdout, wall seconds and exact peak RSS in MB, from the
    child's own rusage (wait4). Fine when this process is small: Popen spawns with vfork
    or posix_spawn, so no copy of this process counts toward the child's peak."""
    began = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - began
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{args} failed ({process.returncode}): {err.read()[-2000:]}")
        out.seek(0)
        return out.read(), elapsed, usage.ru_maxrss / 1024


def start_emulator_with(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """`listbridge emulator --auto-approve OPTIONS` in its own process; its base URL."""
    port = free_port()
    args = [*EMULATOR, "--port", str(port), *options]
    process = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine starts it slowly
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"{base}/__emulator__/counters", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"emulator did not start ({args})")
