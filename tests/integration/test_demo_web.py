"""`listbridge demo --port N` (issue 17 and 18, acceptance 1): the sample synced, the web
admin served at the port with the printed sign-in; every screen works signed in on the
demo's data and refuses an anonymous request."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.support.net import free_port

SCREENS = ("/", "/setup", "/getting-started", "/settings", "/sync")
#: part 2's screens (issue 18), each with what the demo's data puts on it
DATA_SCREENS = {
    "/lists": "Newsletter",
    "/lists/Newsletter": 'id="crm-members"',
    "/accounts": 'href="/accounts/',
    "/stats": 'src="/stats/chart.svg"',
    "/audit": 'href="/sync/runs/',
    "/connections": "default",
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _sign_in(demo: subprocess.Popen[str]) -> tuple[str, str]:
    """The URL and the password the demo prints."""
    assert demo.stdout is not None
    url = ""
    for line in demo.stdout:
        if found := re.match(r"web admin: (http://\S+)", line):
            url = found.group(1).rstrip("/")
        if found := re.match(r"  sign in as 'admin' with password (\S+)", line):
            return url, found.group(1)
    raise AssertionError(f"the demo ended ({demo.wait()}) without printing its sign-in")


def test_demo_serves_the_admin_with_the_sample_synced(tmp_path: Path) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    command = [sys.executable, "-m", "listbridge", "--db", db, "demo", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as demo:
        try:
            url, password = _sign_in(demo)
            assert url == f"http://127.0.0.1:{port}"
            _wait_until_up(url)
            _check_screens(url, password)
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=60)


def _wait_until_up(url: str) -> None:
    """The sign-in is printed as the server starts: wait until it answers."""
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/login", timeout=5).raise_for_status()
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the web admin never answered"
            time.sleep(0.2)


def _check_screens(url: str, password: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as anonymous:
        for path in (*SCREENS, *DATA_SCREENS):
            refused = anonymous.get(path)
            assert refused.status_code == 303, (path, refused.status_code)
            assert refused.headers["location"].startswith("/login")
    with httpx.Client(base_url=url, timeout=30) as browser:
        form = browser.get("/login")
        token = _CSRF.search(form.text)
        assert token is not None
        data = {"name": "admin", "password": password, "csrf_token": token.group(1)}
        assert browser.post("/login", data=data).status_code == 303
        pages = {path: browser.get(path) for path in (*SCREENS, *DATA_SCREENS)}
        campaign = re.search(r'href="(/stats/[^"/.]+)"', pages["/stats"].text)
        assert campaign is not None, "the demo's campaigns are not on /stats"
        pages["campaign"] = browser.get(campaign.group(1))
        chart = browser.get("/stats/chart.svg")
    for path, page in pages.items():
        assert page.status_code == 200, (path, page.status_code)
        assert "Signed in as" in page.text
    # the sample, synced: the import's run and the connected account are on the screens
    assert "import" in pages["/sync"].text
    assert "Listbridge Emulated Nonprofit" in pages["/setup"].text
    for path, shown in DATA_SCREENS.items():
        assert shown in pages[path].text, (path, shown)
    assert "Campaign stats" in pages["/"].text
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg")
    assert pages["campaign"].status_code == 200
