"""The web admin in a real browser: Debian's chromium driven by Playwright, against a real
`listbridge serve` process and a real `listbridge emulator` process, one pair per module.

Users are made the way an administrator makes them, with the CLI: `admin` (an
administrator), `operator` (a group with `view` and `run_syncs`) and `viewer` (a group
with `view` alone). Every screen a test visits is saved as a PNG, 1280 px and 375 px
wide, under test-output/screenshots/ at the repository's root.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from tests.support.net import free_port
from typer.testing import CliRunner

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WIDE, PHONE = 1280, 375
COLLECTED = time.time()  # when this process (or xdist worker) read its tests
LISTBRIDGE = [sys.executable, "-m", "listbridge"]
#: what the users are called, their password, and the groups they are put in
PASSWORD = "correct horse battery staple"
GROUPS = {"operators": ("view", "run_syncs"), "viewers": ("view",)}
USERS = {"admin": None, "operator": "operators", "viewer": "viewers"}


@dataclass
class Process:
    """A listbridge command running in the background, its output in a log file."""

    command: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=20)


@dataclass
class Site:
    """The served admin, its emulator, and the CLI on the same database."""

    url: str
    emulator_url: str
    db_url: str
    env: dict[str, str]
    #: the variables the in-process CLI sees (None: unset)
    cli_env: dict[str, str | None]
    processes: list[Process] = field(default_factory=list)

    def cli(self, *args: str, input: str | None = None) -> str:
        """`listbridge --db URL ARGS` (in this process: a fresh interpreter per command costs
        seconds on a busy machine); its standard output, or a failure with its errors."""
        from listbridge.cli.main import app

        runner = CliRunner(env={**self.cli_env, "COLUMNS": "200"})
        done = runner.invoke(app, ["--db", self.db_url, *args], input=input)
        assert done.exit_code == 0, f"listbridge {' '.join(args)}: {done.output}"
        return done.stdout

    def emulator(self, control: str, body: dict[str, Any]) -> None:
        """POST the emulator's test control /__emulator__/CONTROL."""
        answer = httpx.post(f"{self.emulator_url}/__emulator__/{control}", json=body, timeout=60)
        answer.raise_for_status()


def _launch(args: list[str], log: Path, env: dict[str, str]) -> Process:
    with log.open("wb") as out:
        popen = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Process(" ".join(args[2:]), popen, log)


def _wait_for(process: Process, probe: str) -> None:
    """Until `probe` answers over HTTP (a cold start on a busy machine takes a while)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, f"{process.command} ended:\n{process.tail()}"
        try:
            httpx.get(probe, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{process.command} did not answer at {probe}:\n{process.tail()}")


def _variables(folder: Path) -> dict[str, str | None]:
    """The module's own key file, and no key or database from the caller's environment."""
    unset = ("LISTBRIDGE_SECRET_KEY", "LISTBRIDGE_NEW_SECRET_KEY", "LISTBRIDGE_DATABASE_URL")
    return {"LISTBRIDGE_KEY_FILE": str(folder / "keys" / "secret.key")} | dict.fromkeys(unset)


def _add_users(site: Site) -> None:
    for group, permissions in GROUPS.items():
        site.cli("groups", "add", group)
        for permission in permissions:
            site.cli("groups", "grant", group, permission)
    for name, member_of in USERS.items():
        role = ["--admin"] if member_of is None else ["--group", member_of]
        site.cli("users", "add", name, *role, input=f"{PASSWORD}\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("served")
    variables = _variables(folder)
    env = {name: value for name, value in os.environ.items() if name not in variables}
    env |= {name: value for name, value in variables.items() if value is not None}
    env["PYTHONUNBUFFERED"] = "1"
    cc_port, web_port = free_port(), free_port()
    emulator_url, url = f"http://127.0.0.1:{cc_port}", f"http://127.0.0.1:{web_port}"
    served = Site(url, emulator_url, f"sqlite:///{folder / 'listbridge.db'}", env, variables)
    emulator_args = [*LISTBRIDGE, "emulator", "--auto-approve", "--port", str(cc_port)]
    serve_args = [*LISTBRIDGE, "--db", served.db_url, "serve", "--port", str(web_port)]
    try:
        # The emulator starts while the users are made; the server once they are (it would
        # otherwise create the database at the same time as the CLI).
        emulator = _launch(emulator_args, folder / "emulator.log", env)
        served.processes.append(emulator)
        _add_users(served)
        server = _launch(serve_args, folder / "serve.log", env)
        served.processes.append(server)
        _wait_for(emulator, f"{emulator_url}/__emulator__/counters")
        _wait_for(server, f"{url}/login")
        yield served
    finally:
        for process in served.processes:
            process.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium: Playwright's own browsers are never downloaded."""
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    try:
        yield launched
    finally:
        launched.close()


#: the innermost elements that reach past the window's right edge, named as in CSS
WIDER_THAN_WINDOW = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const past = [...document.body.querySelectorAll("*")].filter(
        e => e.getBoundingClientRect().right > width + 0.5 && !e.closest(".table-wrap"));
    // nothing outside a wrapper, yet the page scrolls: something inside one escapes it
    if (!past.length) return ["html (" + document.documentElement.scrollWidth + " px)"];
    return past.filter(e => !past.some(other => other !== e && e.contains(other))).map(
        e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
            + [...e.classList].map(c => "." + c).join("")
            + " (" + Math.round(e.getBoundingClientRect().right) + " px)");
}"""


class Screens:
    """Saves the screen a page shows, at a desktop's width and at a phone's."""

    def __init__(self, folder: Path = SCREENSHOTS) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        # The folder shows this run's screens alone. Only files older than this process
        # go: another xdist worker's screens of this run are newer than every worker.
        for old in folder.glob("*.png"):
            if old.stat().st_mtime < COLLECTED:
                old.unlink(missing_ok=True)

    def save(self, page: Page, name: str) -> None:
        height = page.viewport_size["height"] if page.viewport_size else 800
        for width in (WIDE, PHONE):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=self.folder / f"{name}-{width}.png", full_page=True)
            # readable at that width: nothing makes the whole page scroll sideways
            wider = page.evaluate(WIDER_THAN_WINDOW)
            assert not wider, f"{name} at {width} px: wider than the window: {wider}"
        page.set_viewport_size({"width": WIDE, "height": height})

    def name_of(self, page: Page, label: str = "") -> str:
        """`settings`, `sync-runs-3`, `home`…, with `label` after it for a state of a screen."""
        path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].strip("/") or "home"
        stem = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        return f"{stem}-{label}" if label else stem


@pytest.fixture(scope="module")
def screens() -> Screens:
    return Screens()


@dataclass
class Visitor:
    """One signed-in (or anonymous) browser session: its page, and a screenshot of every
    screen it opens."""

    site: Site
    context: BrowserContext
    page: Page
    screens: Screens

    def open(self, path: str, label: str = "") -> Page:
        self.page.goto(f"{self.site.url}{path}")
        self.shoot(label)
        return self.page

    def shoot(self, label: str = "") -> None:
        self.page.wait_for_load_state("load")
        self.screens.save(self.page, self.screens.name_of(self.page, label))

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        self.open("/login")
        self.page.fill("[name=name]", name)
        self.page.fill("[name=password]", password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        assert "/login" not in self.page.url, f"{name} was not signed in: {self.page.url}"


class OpenSession(Protocol):
    def __call__(self, name: str | None = None) -> Visitor: ...


@pytest.fixture(scope="module")
def visit(site: Site, browser: Browser, screens: Screens) -> Iterator[OpenSession]:
    """`visit()` opens an anonymous session, `visit("admin")` one signed in as admin; each
    in its own browser context (its own cookies), closed at the module's end."""
    contexts: list[BrowserContext] = []

    def open_session(name: str | None = None) -> Visitor:
        context = browser.new_context(
            viewport={"width": WIDE, "height": 800}, base_url=site.url, accept_downloads=True
        )
        contexts.append(context)
        visitor = Visitor(site, context, context.new_page(), screens)
        if name is not None:
            visitor.sign_in(name)
        return visitor

    try:
        yield open_session
    finally:
        for context in contexts:
            context.close()


@dataclass(frozen=True)
class Loaded:
    """The site connected to its emulator (`connect --emulator`), with a small sample CRM
    (households, shared and case-variant addresses, organisations, opted-out people)
    loaded into the builtin CRM; nothing pushed or imported yet."""

    site: Site
    accounts: int


@pytest.fixture(scope="module")
def loaded(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    from listbridge.sample import Sizes, generate
    from listbridge.sample.files import write_file

    sample = generate(seed=7, sizes=Sizes(people=36, organizations=6, newcomers=4))
    path = write_file(sample, tmp_path_factory.mktemp("crm"))
    site.cli("connect", "--emulator", site.emulator_url)
    site.cli("crm", "load", str(path))
    return Loaded(site, len(sample.accounts))
