"""The hash chain as pure functions: any edit, gap, insertion, reordering or cut is found."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsms.audit.chain import GENESIS, ChainBreak, event_hash, head_mac, verify_chain

DB = "5d7c1d0e-2a43-4c1e-9d0b-0f6b8e4f7a11"

KEY = b"k" * 32


def mac(message: bytes) -> str:
    return hmac.new(KEY, message, hashlib.sha256).hexdigest()


def other_mac(message: bytes) -> str:
    return hmac.new(b"x" * 32, message, hashlib.sha256).hexdigest()


def build(count: int, key=mac) -> tuple[list[dict], dict]:
    records, prev = [], GENESIS
    for seq in range(1, count + 1):
        record = {
            "seq": seq,
            "at": f"2026-03-01T12:00:{seq % 60:02d}+00:00",
            "actor_id": f"user-{seq % 3}",
            "actor_name": f"officer {seq % 3}",
            "actor_agency_id": "agency-1",
            "action": "movement.read" if seq % 2 else "person.pii.read",
            "object_type": "movement",
            "object_id": f"obj-{seq}",
            "outcome": "ok",
            "detail": {"reason": f"duty {seq}", "n": seq},
            "prev_hash": prev,
        }
        record["hash"] = prev = event_hash(record, prev, key)
        records.append(record)
    head = {"seq": count, "hash": prev, "mac": head_mac(DB, count, prev, key), "database_id": DB}
    return records, head


def relinked(records: list[dict], key=mac) -> tuple[list[dict], dict]:
    """Recompute every hash, as someone holding the key could."""
    out, prev = [], GENESIS
    for record in records:
        record = dict(record, prev_hash=prev)
        record["hash"] = prev = event_hash(record, prev, key)
        out.append(record)
    head = {"seq": len(out), "hash": prev, "mac": head_mac(DB, len(out), prev, key)}
    return out, {**head, "database_id": DB}


def test_an_untouched_chain_verifies() -> None:
    records, head = build(10)
    assert verify_chain(records, head, mac) == (10, None)


def test_an_empty_chain_without_head_verifies() -> None:
    assert verify_chain([], None, mac) == (0, None)


@pytest.mark.parametrize("field", ["detail", "actor_name", "actor_id", "action", "at", "outcome"])
def test_editing_any_field_breaks_the_chain_at_that_event(field: str) -> None:
    records, head = build(8)
    value = records[4][field]
    records[4] = dict(records[4], **{field: {"reason": "nothing"} if field == "detail" else "x"})
    assert records[4][field] != value
    checked, broken = verify_chain(records, head, mac)
    assert broken == ChainBreak(5, "contents do not match the hash")
    assert checked == 4


def test_editing_a_field_and_its_hash_breaks_the_next_link() -> None:
    records, head = build(8)
    forged = dict(records[2], actor_name="someone else")
    forged["hash"] = "f" * 64
    records[2] = forged
    assert verify_chain(records, head, mac)[1].seq == 3
    records[2]["hash"] = event_hash(forged, forged["prev_hash"], other_mac)
    assert verify_chain(records, head, mac)[1].seq == 3


def test_deleting_a_middle_event_names_the_missing_number() -> None:
    records, head = build(8)
    del records[3]
    checked, broken = verify_chain(records, head, mac)
    assert broken is not None
    assert broken.seq == 4
    assert "missing" in broken.reason
    assert checked == 3


def test_inserting_a_forged_event_is_found_where_it_was_put() -> None:
    records, head = build(6)
    forged = dict(records[1], seq=4, prev_hash=records[2]["hash"], action="person.read")
    shifted = [dict(r, seq=r["seq"] + 1) for r in records[3:]]
    tampered = [*records[:3], forged, *shifted]
    checked, broken = verify_chain(tampered, head, mac)
    assert broken is not None and broken.seq == 4
    assert checked == 3


def test_swapping_two_events_breaks_at_the_first_of_them() -> None:
    records, head = build(8)
    a, b = records[2], records[5]
    records[2], records[5] = dict(b, seq=3), dict(a, seq=6)
    assert verify_chain(records, head, mac)[1].seq == 3


def test_cutting_events_off_the_end_is_found_by_the_head() -> None:
    records, head = build(8)
    checked, broken = verify_chain(records[:6], head, mac)
    assert checked == 6
    assert broken is not None
    assert broken.seq == 7
    assert "removed" in broken.reason


def test_a_rewritten_head_without_the_key_is_found() -> None:
    records, head = build(8)
    cut_head = dict(head, seq=6, hash=records[5]["hash"])
    broken = verify_chain(records[:6], cut_head, mac)[1]
    assert broken is not None and "head was altered" in broken.reason


def test_a_missing_head_with_events_is_found() -> None:
    records, _ = build(3)
    broken = verify_chain(records, None, mac)[1]
    assert broken is not None and "head is missing" in broken.reason


def test_a_chain_rebuilt_with_another_key_is_rejected() -> None:
    records, _ = build(5)
    rebuilt, rebuilt_head = relinked([dict(r, detail={}) for r in records], key=other_mac)
    broken = verify_chain(rebuilt, rebuilt_head, mac)[1]
    assert broken is not None and broken.seq == 1


def test_the_chain_is_deterministic_and_independent_of_key_order() -> None:
    records, head = build(4)
    reordered = [dict(reversed(list(r.items()))) for r in records]
    reordered[0]["detail"] = dict(reversed(list(records[0]["detail"].items())))
    assert verify_chain(reordered, head, mac) == (4, None)


@given(
    count=st.integers(min_value=2, max_value=25),
    data=st.data(),
)
def test_any_single_edit_is_found_at_its_event(count: int, data: st.DataObject) -> None:
    records, head = build(count)
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    text = data.draw(st.text(min_size=1, max_size=20))
    if text == records[index]["actor_name"]:
        text += "!"
    records[index] = dict(records[index], actor_name=text)
    checked, broken = verify_chain(records, head, mac)
    assert broken is not None
    assert broken.seq == index + 1
    assert checked == index
