"""Separate JSMS instances for the exchange tests: each its own SQLite database and key file,
set up by a script run with that instance's environment (so its audit chain is its own),
and served by its own `jsms serve` process on a free port."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

JSMS = str(Path(sys.executable).with_name("jsms"))
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Instance:
    name: str
    folder: Path
    env: dict[str, str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.folder / "jsms.sqlite3"

    def jsms(self, *args: str) -> str:
        """Run `jsms ARGS` as this instance's operator; fails the test on a non-zero exit."""
        done = subprocess.run(
            [JSMS, *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"jsms {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def python(self, code: str) -> Any:
        """Run Python in this instance's environment; returns what it prints as JSON."""
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Read this instance's database directly (no keys needed to read incidents)."""
        with sqlite3.connect(self.database) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute(sql, params)]

    def serve(self) -> None:
        self.port = free_port()
        log = open(self.folder / "server.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [JSMS, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError((self.folder / "server.log").read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)


def new_instance(folder: Path, name: str) -> Instance:
    """A migrated, empty JSMS in `folder` with the agencies of both sides."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "JSMS_DATABASE_URL": f"sqlite:///{folder / 'jsms.sqlite3'}",
        "JSMS_KEY_FILE": str(folder / "keys.json"),
        "JSMS_OSMAND_PORT": "0",
        "JSMS_ENV": "development",
    }
    instance = Instance(name, folder, env)
    instance.jsms("db", "upgrade")
    instance.python(
        "from jsms.db import transaction\n"
        "from jsms.identity import service as identity\n"
        "from jsms.identity.roles import Side\n"
        "with transaction('setup') as db:\n"
        "    identity.create_agency(db, name='Sindh Special Protection Unit', "
        "short_name='SPU-S', side=Side.HOST, country='PK', provinces=['Sindh'])\n"
        "    identity.create_agency(db, name='Guest Security Detail', short_name='GSD', "
        "side=Side.GUEST, country='CN', provinces=[])\n"
        "print('null')\n"
    )
    return instance
