"""The control room in a real browser: Debian's Chromium driven by Playwright against a real
`jsms serve` process loaded with the demo scenario. Run by `make e2e`.

Every page the walk visits is checked by axe-core for serious or critical accessibility
violations, and every request the browser makes must stay on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

CHROMIUM = os.environ.get("JSMS_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = {"desktop": (1366, 768), "phone": (390, 844)}
SHOTS = Path(os.environ.get("JSMS_SCREENSHOTS", "artifacts/screenshots"))
DEMO_PASSWORD = "jsms-demo-2026!"
JSMS = str(Path(sys.executable).with_name("jsms"))

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class DemoServer:
    url: str
    env: dict[str, str]
    spent: dict[str, int] = field(default_factory=dict)

    def totp(self, username: str) -> str:
        """A code for a step this user has not used yet (each code works once)."""
        while True:
            step = int(time.time() // 30)
            if self.spent.get(username, -1) < step and time.time() % 30 < 27:
                break
            time.sleep(30 - time.time() % 30 + 0.3)
        code = subprocess.run(
            [JSMS, "users", "totp-code", username],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        self.spent[username] = step
        return code


def start_demo_server(folder: Path) -> tuple[DemoServer, subprocess.Popen[bytes]]:
    """Load the demo into a fresh database in `folder` and serve it on a free port."""
    env = {
        **os.environ,
        "JSMS_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "JSMS_KEY_FILE": str(folder / "keys.json"),
        # its own port for trackers, so a `jsms serve` already on 5055 does not stop this one
        "JSMS_OSMAND_PORT": str(_free_port()),
    }
    env.pop("JSMS_ENV", None)
    subprocess.run([JSMS, "demo", "load"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [JSMS, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "server.log", "w"),  # noqa: SIM115
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError((folder / "server.log").read_text())
        time.sleep(0.2)
    return DemoServer(url=url, env=env), server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium")
    demo, server = start_demo_server(tmp_path_factory.mktemp("e2e"))
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)
    yield demo
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(demo_server: DemoServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Walk:
    """One person at the browser: logs in, visits pages, and leaves a trail of screenshots,
    accessibility findings and any request that tried to leave this machine."""

    server: DemoServer
    page: object
    username: str
    outside: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    counter: list[int] = field(default_factory=lambda: [0])

    def go(self, path: str) -> None:
        self.page.goto(self.server.url + path)
        self.page.wait_for_load_state("networkidle")

    def login(self) -> None:
        self.go("/login")
        page = self.page
        page.fill("#username", self.username)
        page.fill("#password", DEMO_PASSWORD)
        if self.username.startswith(("approver", "admin")):
            page.fill("#totp_code", self.server.totp(self.username))
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/login" not in page.url, page.content()

    def check(self, step: str) -> None:
        """Screenshots at both sizes and an axe-core run at each."""
        from axe_playwright_python.sync_playwright import Axe

        page = self.page
        self.counter[0] += 1
        for screen, (width, height) in SCREENS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)
            name = f"{self.username}-{self.counter[0]:02d}-{step}-{width}x{height}.png"
            page.screenshot(path=str(SHOTS / name), full_page=True)
            results = Axe().run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    self.findings.append(
                        f"{page.url} ({screen}): {violation['id']} {violation['impact']}: "
                        f"{violation['help']} at {targets}"
                    )
        page.set_viewport_size({"width": 1366, "height": 768})

    def assert_clean(self) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"
        assert not self.findings, "accessibility:\n" + "\n".join(self.findings)


@pytest.fixture
def walk(browser, demo_server: DemoServer):
    """walk(username) -> a logged-in Walk in its own browser context (its own cookies)."""
    contexts = []
    walks: list[Walk] = []

    def _walk(username: str, *, phone: bool = False) -> Walk:
        width, height = SCREENS["phone" if phone else "desktop"]
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        result = Walk(demo_server, page, username)

        def _outside(request) -> None:
            host = urlsplit(request.url).hostname
            if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host != "127.0.0.1":
                result.outside.append(request.url)

        page.on("request", _outside)
        result.login()
        walks.append(result)
        return result

    yield _walk
    for context in contexts:
        context.close()
    for each in walks:
        each.assert_clean()
