"""Run the installed `jsms` command in a subprocess, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JSMS = str(Path(sys.executable).with_name("jsms"))


def jsms(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`jsms ARGS` with the test's database and key file (or `env` on top of them).

    Standard input is `stdin` through a pipe, or empty: never the terminal pytest runs in.
    """
    return subprocess.run(
        [JSMS, *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(text: str) -> str:
    """The output with runs of whitespace (including wrapping) folded to single spaces."""
    return " ".join(text.split())
