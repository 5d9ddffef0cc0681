"""A living control room in Chromium: the demo served with `jsms simulate` driving its
convoys (trackers over OsmAnd, phones over OwnTracks through the local Mosquitto when it
answers). ops.sindh starts the approved movement; the simulator sets off and leaves the
corridor; the deviation alert appears on the ops dashboard without a reload; ops.sindh
acknowledges it and starts a roll call around the convoy's destination; the protectee
answers "I am safe" on the phone and the count moves on the roll-call page, live.

This module serves its own demo (its `demo_server` replaces the shared one for its tests):
the simulator must drive it, and the corridor dwell is 20 s here so the walk stays short.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import JSMS, SHOTS, DemoServer, _free_port

pytestmark = pytest.mark.e2e

LIVE_WAIT_MS = 120_000


def _broker_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


def _approved(database: Path) -> tuple[str, str, float, float]:
    """The demo's approved movement: id, reference and destination."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "select id, reference, destination_lat, destination_lon from movements "
            "where status = 'approved'"
        ).fetchone()
    return row[0], row[1], float(row[2]), float(row[3])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("e2e-live")
    env = {
        **os.environ,
        "JSMS_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "JSMS_KEY_FILE": str(folder / "keys.json"),
        "JSMS_OSMAND_PORT": str(_free_port()),
        "JSMS_MONITOR_CORRIDOR_DWELL_S": "20",
    }
    env.pop("JSMS_ENV", None)
    env.pop("JSMS_MQTT_URL", None)
    subprocess.run([JSMS, "demo", "load"], env=env, check=True, capture_output=True)
    tag = json.loads((folder / "demo-devices.json").read_text())["tag"]
    if _broker_answers():  # this demo's own subscription: its phones' topics carry its tag
        env["JSMS_MQTT_URL"] = f"mqtt://127.0.0.1:1883/?group={tag}&client_id={tag}-e2e"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env["JSMS_BIND_PORT"] = str(port)
    log = open(folder / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [JSMS, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
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
    _id, reference, _lat, _lon = _approved(folder / "demo.sqlite3")
    simulator = subprocess.Popen(
        [JSMS, "simulate", "--speed-up", "10", "--script-on", reference,
         "--deviate-after", "3", "--stop-after", "-1", "--sos-after", "-1"],
        env=env,
        stdout=open(folder / "simulator.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    demo = DemoServer(url=url, env=env)
    demo.env["E2E_FOLDER"] = str(folder)
    yield demo
    for process in (simulator, server):
        process.terminate()
        process.wait(timeout=10)


def test_a_deviation_appears_live_is_acknowledged_and_a_roll_call_is_answered(
    walk, demo_server: DemoServer
) -> None:
    folder = Path(demo_server.env["E2E_FOLDER"])
    movement_id, reference, dest_lat, dest_lon = _approved(folder / "demo.sqlite3")

    # ops.sindh starts the approved movement: the simulator sets off with it
    ops = walk("ops.sindh")
    page = ops.page
    ops.go(f"/movements/{movement_id}")
    page.click("button:has-text('Start the movement')")
    page.wait_for_load_state("load")
    assert "in progress" in page.content()

    # the ops dashboard, left open: the deviation comes in without a reload
    page.goto(demo_server.url + "/live", wait_until="load")
    page.wait_for_selector("text=Live: connected", timeout=15_000)
    page.evaluate("window.stillTheSamePage = true")
    ops.check("live-dashboard")
    card = page.locator(f"li.alert-card:has-text('{reference} left the approved route corridor')")
    card.wait_for(timeout=LIVE_WAIT_MS)
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
    ops.check("deviation-alert-live")

    # acknowledged from the panel
    card.locator("button:has-text('Acknowledge')").click()
    page.wait_for_load_state("load")
    assert "Acknowledged: it stops climbing" in page.content()
    acknowledged = page.locator(
        f"li.alert-card:has-text('{reference} left the approved route corridor')"
    )
    assert "acknowledged by ops.sindh" in acknowledged.inner_text()
    ops.check("deviation-acknowledged")

    # a roll call around where the convoy is going
    ops.go("/roll-calls/new")
    page.fill("#f-lat", f"{dest_lat:.5f}")
    page.fill("#f-lon", f"{dest_lon:.5f}")
    page.fill("#f-radius_km", "8")
    page.fill("#f-title", "Shots reported near Port Qasim: are you safe?")
    page.click("button:has-text('Start the roll call')")
    page.wait_for_load_state("load")
    assert "Roll call started" in page.content()
    roll_call_url = page.url.split("?")[0]
    page.goto(roll_call_url, wait_until="load")
    page.wait_for_selector("text=Live: connected", timeout=15_000)
    safe_before = int(page.locator('[data-targets] [data-count="safe"]').inner_text())
    ops.check("roll-call-started")

    # the protectee answers on the phone
    protectee = walk("protectee", phone=True)
    phone = protectee.page
    protectee.go("/phone")
    assert "Are you safe?" in phone.content()
    protectee.check("phone-are-you-safe")
    phone.locator(".rollcall-ask").first.locator("button:has-text('I am safe')").click()
    phone.wait_for_load_state("load")
    assert "the control room knows you are safe" in phone.content()
    protectee.check("phone-answered-safe")

    # ... and the control room sees it come in, live
    # (a locator assertion, not wait_for_function: the page's CSP forbids the eval it polls with)
    safe = page.locator('[data-targets] [data-count="safe"]')
    expect(safe).not_to_have_text(str(safe_before), timeout=30_000)
    assert int(safe.inner_text()) > safe_before
    assert "web" in page.locator("table.targets").inner_text()
    ops.check("roll-call-answered-live")
