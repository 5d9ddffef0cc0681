"""A rewritten audit history is caught by the heads a partner keeps.

Two JSMS instances (a host-run A and a guest-run B: separate databases, key files and `jsms
serve` processes). A sends B its signed chain heads, by hand and from the server's own
background loop. Then A's history is rewritten the way someone holding both A's database and
its key file would: an event edited, the chain re-computed after it with A's own key, the head
re-sealed and A's audit anchor moved to match. `jsms audit verify` on A alone still passes;
`jsms audit verify --against` the heads B exported fails and names the first head it no longer
matches. Heads A sends after the rewrite do not launder it: B keeps the old ones.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jsms.audit.against import check_heads
from jsms.audit.chain import GENESIS
from jsms.audit.signing import SignedHead, sign_head
from tests.exchange.instances import JSMS, Instance, new_instance

A_SECRET = "host-instance-sends-heads-with-this-0001"  # A's credential at B
B_SECRET = "guest-instance-sends-heads-with-this-002"  # B's credential at A

EVENTS = """
from datetime import UTC, datetime
from jsms.db import transaction
from jsms.threat.service import create_incident
with transaction('analyst') as db:
    for n in range({count}):
        create_incident(db, sources=[], review_status='accepted', title='{title} %d' % n,
                        occurred_at=datetime(2026, 1, 1, tzinfo=UTC), attack_type='ied')
print('null')
"""

NEWEST_SEQ = """
from sqlalchemy import func, select
from jsms.audit.models import AuditEvent
from jsms.db import new_session
print(new_session().scalar(select(func.max(AuditEvent.seq))))
"""

FIRST_SEQ_TITLED = """
from sqlalchemy import select
from jsms.audit.models import AuditEvent
from jsms.db import new_session
from jsms.threat.models import Incident
db = new_session()
incident = db.scalar(select(Incident.id).where(Incident.title == {title!r}))
print(db.scalar(select(AuditEvent.seq).where(AuditEvent.object_id == incident)))
"""

# What an attacker holding the database and the key file does: edit event TARGET, re-chain
# every event after it with the instance's own key, re-seal the head, move the anchor.
REWRITE = """
from sqlalchemy import select, update
from jsms.audit import anchor
from jsms.audit.chain import GENESIS, event_hash, hashable, head_mac
from jsms.audit.models import AuditEvent, AuditHead
from jsms.db import get_engine
from jsms.keyring import get_keyring

mac = get_keyring().audit_mac
engine = get_engine()
with engine.begin() as c:
    prev = GENESIS
    for row in c.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings():
        record = dict(row)
        if record['seq'] == {target}:
            record['actor_name'] = 'someone-else'
        if record['seq'] >= {target}:
            record['prev_hash'] = prev
            record['hash'] = event_hash(hashable(record), prev, mac)
            c.execute(update(AuditEvent).where(AuditEvent.seq == record['seq']).values(
                actor_name=record['actor_name'], prev_hash=prev, hash=record['hash']))
        prev = record['hash']
    head = c.execute(select(AuditHead.__table__)).mappings().one()
    c.execute(update(AuditHead).values(
        hash=prev, mac=head_mac(head['database_id'], head['seq'], prev, mac)))
moved = anchor.Anchor(head['database_id'], head['seq'], prev)
anchor.replace(anchor.database_key(engine.url), moved)
print('null')
"""


def public_key(instance: Instance) -> str:
    printed = instance.jsms("keys")
    found = re.search(r"public key\s+(\S+)", printed)
    assert found, printed
    return found.group(1)


def run(instance: Instance, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JSMS, *args], env=instance.env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """A (host-run, sending its head every 3 s) and B (guest-run), each a partner of the
    other with the other's signing key registered, both serving."""
    a = new_instance(tmp_path / "host", "host")
    b = new_instance(tmp_path / "guest", "guest")
    a.env["JSMS_HEAD_INTERVAL"] = "0.05"
    b.env["JSMS_HEAD_INTERVAL"] = "0"
    try:
        b.serve()
        a.serve()
        b.jsms(
            "exchange", "partner", "add", "Sindh host instance", "--agency", "SPU-S",
            "--owner", "GSD", "--trust-group", "cpec", "--taxii-url", f"{a.url}/taxii2/cpec/",
            "--pull-username", "guest-detail-instance", "--pull-secret", B_SECRET,
            "--inbound-username", "sindh-host-instance", "--inbound-secret", A_SECRET,
        )  # fmt: skip
        a.jsms(
            "exchange", "partner", "add", "Guest detail instance", "--agency", "GSD",
            "--owner", "SPU-S", "--trust-group", "cpec", "--taxii-url", f"{b.url}/taxii2/cpec/",
            "--pull-username", "sindh-host-instance", "--pull-secret", A_SECRET,
            "--inbound-username", "guest-detail-instance", "--inbound-secret", B_SECRET,
        )  # fmt: skip
        b.jsms("audit", "heads", "trust", "--partner", "Sindh host instance",
               "--public-key", public_key(a))  # fmt: skip
        a.jsms("audit", "heads", "trust", "--partner", "Guest detail instance",
               "--public-key", public_key(b))  # fmt: skip
        yield a, b
    finally:
        a.stop()
        b.stop()


def heads_b_holds(b: Instance, folder: Path) -> tuple[Path, list[SignedHead]]:
    exported = b.jsms("audit", "heads", "export", "--partner", "Sindh host instance")
    path = folder / "heads-b-holds-of-a.json"
    path.write_text(exported)
    return path, [SignedHead.from_dict(h) for h in json.loads(exported)["heads"]]


def test_a_rewritten_history_is_detected_against_the_heads_the_partner_holds(
    pair: tuple[Instance, Instance], tmp_path: Path
) -> None:
    a, b = pair
    a.python(EVENTS.format(count=3, title="early"))
    assert "Guest detail instance: kept" in a.jsms("audit", "send-head")
    a.python(EVENTS.format(count=3, title="to be edited"))
    target = a.python(FIRST_SEQ_TITLED.format(title="to be edited 1"))
    assert "kept" in a.jsms("audit", "send-head")
    a.python(EVENTS.format(count=2, title="late"))
    assert "kept" in a.jsms("audit", "send-head")

    # the server's own loop sends heads too, without anyone asking
    deadline = time.monotonic() + 30
    while True:
        received = b.rows("SELECT seq FROM exchange_partner_heads ORDER BY seq")
        rounds = a.rows("SELECT detail FROM audit_events WHERE action = 'audit.head.send'")
        from_loop = [json.loads(r["detail"]) for r in rounds]
        if sum("kept" in str(r["partners"]) for r in from_loop) > 3:  # more than our three
            break
        assert time.monotonic() < deadline, "the background sender sent nothing"
        time.sleep(0.5)
    assert len(received) >= 3
    a.stop()  # from here on nobody writes to A but the attacker

    path, held = heads_b_holds(b, tmp_path)
    assert "all" in a.jsms("audit", "verify", "--against", str(path))
    assert any(h.seq < target for h in held) and any(h.seq >= target for h in held)

    a.python(REWRITE.format(target=target))
    alone = run(a, "audit", "verify")
    assert alone.returncode == 0, alone.stderr  # the rewrite is invisible from A alone
    assert "audit chain intact" in alone.stdout

    against = run(a, "audit", "verify", "--against", str(path))
    assert against.returncode == 1, against.stdout
    ordered = sorted(held, key=lambda h: (h.seq, h.signed_at))
    first_bad = next(i for i, h in enumerate(ordered) if h.seq >= target)
    message = " ".join(against.stderr.split())
    assert "audit history REWRITTEN" in message
    assert f"head {first_bad + 1} of {len(ordered)} (event {ordered[first_bad].seq}," in message
    assert f"rewritten after event {ordered[first_bad - 1].seq}" in message

    # the attacker, holding A's signing key too, sends a head of the rewritten chain: B
    # keeps it (it moves forward), and still holds the old heads that convict A
    a.python(EVENTS.format(count=1, title="after the rewrite"))
    assert "kept" in a.jsms("audit", "send-head")
    path, held_after = heads_b_holds(b, tmp_path)
    assert len(held_after) == len(held) + 1
    still = run(a, "audit", "verify", "--against", str(path))
    assert still.returncode == 1
    assert f"(event {ordered[first_bad].seq}," in " ".join(still.stderr.split())

    refusals = b.rows("SELECT outcome FROM audit_events WHERE action = 'audit.head.refused'")
    assert refusals == []


# The comparison itself, without processes ------------------------------------------------------


def _chain(length: int) -> dict[int, str]:
    return {seq: f"{seq:064x}" for seq in range(1, length + 1)}


def _signed(key: Ed25519PrivateKey, seq: int, chain: dict[int, str], database: str = "db-a"):
    return sign_head(
        key,
        database_id=database,
        seq=seq,
        head_hash=chain.get(seq, GENESIS),
        signed_at=datetime(2026, 12, 7, 10, seq % 60, tzinfo=UTC),
    )


def test_check_heads_names_the_first_head_that_fails() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    chain = _chain(40)
    heads = [_signed(key, seq, chain) for seq in (0, 10, 20, 30)]

    def check(held: dict[int, str], given: list[SignedHead] = heads, database: str = "db-a"):
        return check_heads(given, database_id=database, public_raw=public, hash_at=held.get)

    assert check(chain) == (4, None)
    edited = {**chain, 20: "f" * 64, 30: "e" * 64}
    good, failure = check(edited)
    assert good == 2 and failure is not None and failure.head.seq == 20
    assert "rewritten after event 10" in failure.reason
    truncated = {seq: h for seq, h in chain.items() if seq < 25}
    good, failure = check(truncated)
    assert failure is not None and failure.head.seq == 30 and "no longer exists" in failure.reason
    good, failure = check(chain, database="db-b")
    assert failure is not None and "names database db-a" in failure.reason

    stranger = Ed25519PrivateKey.generate()
    good, failure = check(chain, [*heads, _signed(stranger, 35, chain)])
    assert failure is not None and failure.head.seq == 35 and "not signed by" in failure.reason
    tampered = [*heads[:3], SignedHead(**{**heads[3].to_dict(), "hash": "a" * 64})]
    good, failure = check(chain, tampered)
    assert failure is not None and failure.head.seq == 30 and "not signed by" in failure.reason
