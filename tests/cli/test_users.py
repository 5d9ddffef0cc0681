"""`jsms users create` from scripts and terminals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.cli.runner import jsms, one_line
from tests.conftest import TEST_PASSWORD


def _create(*extra: str, stdin: str | None = None):
    return jsms(
        "users", "create", "--username", "duty-ops", "--agency", "SPU-S",
        "--role", "ops_officer", *extra, stdin=stdin,
    )  # fmt: skip


def _user_exists(db: Session) -> bool:
    from jsms.identity.models import User

    db.rollback()
    return db.scalar(select(User.id).where(User.username == "duty-ops")) is not None


def test_without_a_password_and_without_a_terminal_it_says_so_in_one_line(
    world, db: Session
) -> None:
    for stdin in (None, f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n"):
        result = _create(stdin=stdin)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Aborted" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert "--password" in lines[0] and "terminal" in lines[0]
        assert result.stdout.strip() == ""
        assert not _user_exists(db)


def test_with_a_password_it_creates_the_user(world, db: Session) -> None:
    result = _create("--password", TEST_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "user duty-ops created" in one_line(result.stdout)
    assert _user_exists(db)


def test_a_short_password_is_refused_in_one_line(world, db: Session) -> None:
    result = _create("--password", "short")
    assert result.returncode == 2
    assert "at least 12 characters" in one_line(result.stderr)
    assert not _user_exists(db)


def _in_a_terminal(args: list[str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run `jsms ARGS` on a pseudo-terminal, typing each answer when a prompt appears."""
    import os
    import pty
    import select as wait
    import time

    from tests.cli.runner import JSMS

    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.execve(JSMS, [JSMS, *args], dict(os.environ))
    output, pending = b"", list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = wait.select([fd], [], [], 0.3)
        if not ready:  # the prompt has settled (echo is off by now): answer it
            if pending and output.rstrip().endswith(b":"):
                os.write(fd, pending.pop(0).encode() + b"\n")
                output += b"\n"
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_in_a_terminal_it_asks_twice_without_echo(world, db: Session) -> None:
    args = ["users", "create", "--username", "duty-ops", "--agency", "SPU-S"]
    code, output = _in_a_terminal([*args, "--role", "ops_officer"], [TEST_PASSWORD] * 2)
    assert code == 0, output
    assert "Repeat for confirmation" in output
    assert TEST_PASSWORD not in output
    assert _user_exists(db)
