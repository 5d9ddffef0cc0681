"""Orders through the API: each recipient's own copy, audited, and a leak traced to its holder."""

from __future__ import annotations

import random
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.movements.conftest import MovementWorld, release_now


def retype_excerpt(text: str, share: float, seed: int) -> str:
    """What a person copying part of an order by hand produces: some lines, plain characters,
    lower case and a few typos."""
    rng = random.Random(seed)
    lines = [line for line in text.splitlines() if line.strip()]
    keep = max(1, int(len(lines) * share))
    start = rng.randrange(0, len(lines) - keep + 1)
    excerpt = " ".join(lines[start : start + keep])
    excerpt = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", excerpt).lower()
    chars = list(excerpt)
    for _ in range(len(chars) // 60):
        chars[rng.randrange(len(chars))] = rng.choice("abcdefghij ")
    return "".join(chars)


def test_each_recipient_gets_a_traceable_copy(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    w = mworld.world
    release_now(db, approved)
    holders = [
        login_as("escort_commander", agency_id=w.guest),
        login_as("ops_officer", agency_id=w.host_sindh),
        login_as("ops_officer", agency_id=w.guest),
        login_as("requester", agency_id=w.company_a),
    ]
    copies = {}
    for holder in holders:
        response = client.get(f"/api/v1/movements/{approved}/order", headers=holder.headers)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        copies[holder.username] = response.text
    assert len(set(copies.values())) == len(holders)  # every copy differs
    for text in copies.values():
        assert "MV-" in text and "Hub" in text

    pdf = client.get(
        f"/api/v1/movements/{approved}/order", headers=holders[1].headers, params={"format": "pdf"}
    )
    assert pdf.content.startswith(b"%PDF")
    outsider = login_as("ops_officer", agency_id=w.host_kp)
    assert (
        client.get(f"/api/v1/movements/{approved}/order", headers=outsider.headers).status_code
        == 404
    )

    auditor = login_as("auditor", agency_id=w.host_sindh)
    leaker = holders[1].username
    for leaked in (copies[leaker], retype_excerpt(copies[leaker], 0.4, seed=7)):
        traced = client.post(
            "/api/v1/leaks/trace",
            headers=auditor.headers,
            json={"text": leaked, "movement_id": approved},
        )
        assert traced.status_code == 200, traced.text
        best = traced.json()[0]
        assert best["username"] == leaker
        assert best["confidence"] >= 0.9
    assert (
        client.post(
            "/api/v1/leaks/trace", headers=holders[0].headers, json={"text": copies[leaker]}
        ).status_code
        == 403
    )

    knew = client.get(f"/api/v1/movements/{approved}/who-knew", headers=auditor.headers).json()
    order_readers = {row["username"] for row in knew if any("order" in h for h in row["how"])}
    assert set(copies) <= order_readers


def test_leak_trace_command_names_the_holder(
    db: Session,
    client: TestClient,
    login_as,
    mworld: MovementWorld,
    approved: str,
    tmp_path,
) -> None:
    from typer.testing import CliRunner

    from jsms.cli.main import app

    release_now(db, approved)
    holders = [
        login_as("escort_commander", agency_id=mworld.world.guest),
        login_as("ops_officer", agency_id=mworld.world.host_sindh),
    ]
    html = {
        h.username: client.get(
            f"/api/v1/movements/{approved}/order", headers=h.headers, params={"format": "html"}
        ).text
        for h in holders
    }
    leaked = tmp_path / "forwarded.html"
    leaked.write_text(html[holders[0].username])
    result = CliRunner().invoke(app, ["leak", "trace", str(leaked)])
    assert result.exit_code == 0, result.output
    assert "most likely source" in result.output
    assert holders[0].username in result.output.splitlines()[0]
    missing = CliRunner().invoke(app, ["leak", "trace", str(tmp_path / "nothing.txt")])
    assert missing.exit_code == 2


def test_issued_order_reads_as_a_careful_document(
    db: Session, client: TestClient, login_as, mworld: MovementWorld, approved: str
) -> None:
    """Defect 8 on a real issued order: a 45-minute route in a two-hour window, no vehicles
    or hospitals on file yet; each holder is named once and every copy states the same facts."""
    from jsms.movements.models import Movement
    from jsms.movements.orders.issuing import order_content
    from jsms.movements.orders.leak_trace import text_from_html, text_from_pdf
    from tests.movements.orders.test_order_consistency import facts, problems

    w = mworld.world
    release_now(db, approved)
    content = order_content(db, db.get(Movement, approved))
    assert content.driving_minutes == 45
    holders = [
        login_as("escort_commander", agency_id=w.guest),
        login_as("ops_officer", agency_id=w.host_sindh),
        login_as("requester", agency_id=w.company_a),
    ]
    stated = []
    for holder in holders:
        url = f"/api/v1/movements/{approved}/order"
        text = client.get(url, headers=holder.headers).text
        html = client.get(url, headers=holder.headers, params={"format": "html"}).text
        pdf = client.get(url, headers=holder.headers, params={"format": "pdf"}).content
        for copy in (text, text_from_html(html), text_from_pdf(pdf)):
            assert problems(copy, content) == [], holder.username
            assert f"Copy for: {holder.username}" in copy
            stated.append(facts(copy))
    assert all(s == stated[0] for s in stated)
    assert stated[0]["driving"] == [45]
