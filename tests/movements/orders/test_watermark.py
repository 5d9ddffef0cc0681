"""Per-recipient watermarks: the issue's check (the right recipient among 50 is named for full
copies and for a retyped 40% excerpt, and nobody is named for a text from elsewhere), plus the
pieces it rests on: capacity and spread of the slots, normalisation, approximate search, the
invisible payload and reading leaked files."""

from __future__ import annotations

import itertools
import random
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.leak_simulation import (
    drop_words,
    example_order,
    excerpt_contiguous,
    excerpt_sentences,
    retype,
)
from jsms.movements.orders.leak_trace import (
    read_leak,
    text_from_html,
    text_from_pdf,
    text_from_pdf_builtin,
    trace_file,
)
from jsms.movements.orders.render import (
    render_html,
    render_pdf,
    render_text,
)
from jsms.movements.orders.watermark import (
    CONFIDENT,
    Candidate,
    Recipient,
    Rotation,
    TraceResult,
    choice,
    describe,
    detect,
    find_invisible,
    invisible_mark,
    invisible_tag,
    probe_count,
    trace,
)
from jsms.movements.orders.watermark.text import EDIT, Pattern, normalise, search
from jsms.movements.orders.watermark.vocab import (
    bearing_options,
    date_options,
    distance_options,
    distinct_enough,
    duration_options,
    number_options,
    phone_options,
    road_options,
    time_options,
)
from jsms.movements.orders.wording import build_skeleton, candidates_for
from tests.movements.orders.conftest import SECRET


@pytest.fixture(scope="module")
def candidates(order: OrderContent, recipients: list[Recipient]) -> list[Candidate]:
    return candidates_for(order, recipients)


def named(results: list[TraceResult], recipient: Recipient) -> bool:
    best = results[0]
    return best.recipient_id == recipient.recipient_id and best.confidence >= CONFIDENT


# --- the check -----------------------------------------------------------------------


def test_full_copies_name_the_recipient(
    order: OrderContent, recipients: list[Recipient], candidates: list[Candidate]
) -> None:
    for recipient in random.Random(1).sample(recipients, 4):
        copies = {
            "text": render_text(order, recipient),
            "html": text_from_html(render_html(order, recipient)),
            "pdf": text_from_pdf_builtin(render_pdf(order, recipient)),
        }
        for kind, leaked in copies.items():
            results = trace(leaked, candidates)
            assert named(results, recipient), (kind, recipient.recipient_id, results[:2])
            assert results[0].mismatched == 0
            assert results[1].confidence < 1e-6


def test_retyped_40_percent_excerpt_names_the_recipient(
    order: OrderContent, recipients: list[Recipient], candidates: list[Candidate]
) -> None:
    hits = 0
    failures = []
    for seed in range(20):
        rng = random.Random(seed)
        recipient = rng.choice(recipients)
        text = render_text(order, recipient)
        cut = excerpt_contiguous if seed % 2 else excerpt_sentences
        leaked = retype(cut(text, 0.4, rng), rng)
        assert len(leaked) < 0.5 * len(text)
        results = trace(leaked, candidates)
        if named(results, recipient):
            hits += 1
        else:
            failures.append((seed, results[0]))
    assert hits >= 19, failures


def test_lightly_paraphrased_copy_names_the_recipient(
    order: OrderContent, recipients: list[Recipient], candidates: list[Candidate]
) -> None:
    hits = 0
    for seed in range(5):
        rng = random.Random(100 + seed)
        recipient = rng.choice(recipients)
        leaked = drop_words(retype(render_text(order, recipient), rng), 0.2, rng)
        hits += named(trace(leaked, candidates), recipient)
    assert hits >= 4


def test_texts_from_elsewhere_name_nobody(order: OrderContent, candidates: list[Candidate]) -> None:
    rng = random.Random(5)
    others = [render_text(example_order(seed), Recipient("X1", SECRET)) for seed in (1, 2, 3)]
    leaks = {
        **{f"other order {n}": text for n, text in enumerate(others)},
        "other order, retyped excerpt": retype(excerpt_sentences(others[0], 0.4, rng), rng),
        "same order, a recipient who is not a candidate": render_text(
            order, Recipient("outsider", SECRET)
        ),
        "same order, another deployment's key": render_text(
            order, Recipient("R001", b"another secret")
        ),
        "prose": "The convoy left the camp in the morning and reached the airport safely. " * 20,
        "empty": "",
    }
    for name, leaked in leaks.items():
        results = trace(leaked, candidates)
        assert results[0].confidence < 0.5, (name, results[0])
        assert describe(results).startswith("no confident match"), name


def test_candidates_from_several_movements(recipients: list[Recipient]) -> None:
    first, second = example_order(0), example_order(4)
    pool = candidates_for(first, recipients[:25]) + candidates_for(second, recipients[25:])
    rng = random.Random(9)
    source = recipients[30]
    leaked = retype(excerpt_contiguous(render_text(second, source), 0.4, rng), rng)
    best = trace(leaked, pool)[0]
    assert (best.recipient_id, best.movement_id) == (source.recipient_id, second.movement_id)
    assert best.confidence >= CONFIDENT


# --- capacity and spread ---------------------------------------------------------------------


def test_enough_readable_slots(order: OrderContent) -> None:
    skeleton = build_skeleton(order)
    assert len(skeleton.slots()) >= 60
    assert probe_count(skeleton) >= 60


def test_every_slot_has_distinguishable_options(order: OrderContent) -> None:
    skeleton = build_skeleton(order)
    rotations = {p.slot_id for p in skeleton.parts if isinstance(p, Rotation)}
    for slot in skeleton.slots():
        if slot.slot_id not in rotations:  # a rotation's "options" are its shifts
            assert distinct_enough(slot.options), slot


def test_slots_are_spread_through_the_order(
    order: OrderContent, recipients: list[Recipient]
) -> None:
    """Any 40% block of lines, wherever it starts, shows many slots."""
    skeleton = build_skeleton(order)
    lines = render_text(order, recipients[0]).splitlines()
    total = sum(len(ln) for ln in lines)
    for start in range(0, len(lines), 3):
        block, size = [], 0
        for ln in lines[start:] + lines[:start]:  # wrap around: the end joins the start
            block.append(ln)
            size += len(ln)
            if size >= 0.4 * total:
                break
        assert len(detect(skeleton, "\n".join(block))) >= 25, start


def test_recipients_are_far_apart(order: OrderContent, recipients: list[Recipient]) -> None:
    """Pairwise, copies differ in many slots: the margin between 50 recipients."""
    skeleton = build_skeleton(order)
    slots = skeleton.slots()
    mid = skeleton.movement_id
    codes = [
        [choice(r.secret, mid, r.recipient_id, s.slot_id, len(s.options)) for s in slots]
        for r in recipients
    ]
    closest = min(
        sum(x != y for x, y in zip(a, b, strict=True)) for a, b in itertools.combinations(codes, 2)
    )
    assert closest >= 30


def test_own_copy_reads_back_exactly(
    order: OrderContent, recipients: list[Recipient], candidates: list[Candidate]
) -> None:
    for candidate in candidates[:5]:
        observations = detect(candidate.skeleton, render_text(order, candidate.recipient))
        assert len(observations) >= 0.95 * len(candidate.skeleton.slots())
        for obs in observations:
            assert candidate.option(obs.slot_id, obs.k) in obs.options, obs


# --- choices and the invisible payload -------------------------------------------------------


def test_choice_is_keyed_deterministic_and_even() -> None:
    assert choice(SECRET, "m", "r", "s", 3) == choice(SECRET, "m", "r", "s", 3)
    picks = [choice(SECRET, "m", "r", f"slot{i}", 3) for i in range(3000)]
    assert all(800 < picks.count(o) < 1200 for o in range(3))
    other = [choice(b"other", "m", "r", f"slot{i}", 3) for i in range(3000)]
    assert sum(a == b for a, b in zip(picks, other, strict=True)) < 1200
    # the parts are not concatenated ambiguously
    assert [choice(SECRET, "ab", "c", f"s{i}", 97) for i in range(5)] != [
        choice(SECRET, "a", "bc", f"s{i}", 97) for i in range(5)
    ]


def test_invisible_payload_round_trip_and_loss(order: OrderContent) -> None:
    tag = invisible_tag(SECRET, "mv", "R1")
    assert find_invisible(f"a{invisible_mark(tag)}b") == {tag}
    text = render_text(order, Recipient("R001", SECRET))
    assert find_invisible(text)
    assert not find_invisible(retype(text, random.Random(0)))


def test_invisible_payload_alone_names_the_recipient(
    order: OrderContent, recipients: list[Recipient], candidates: list[Candidate]
) -> None:
    r = recipients[12]
    mark = invisible_mark(invisible_tag(r.secret, order.movement_id, r.recipient_id))
    best = trace(f"Meet at the usual place.{mark}", candidates)[0]
    assert (best.recipient_id, best.invisible) == (r.recipient_id, "match")
    assert best.confidence >= CONFIDENT


# --- normalisation and search ----------------------------------------------------------------


def test_normalise_removes_what_retyping_changes() -> None:
    fancy = (
        "\u201cDepart\u201d \u2013 06:30\u00a0HRS, Kar\u0430chi\u200b N\u20115 \uff2b\uff2b\uff28"
    )
    assert normalise(fancy) == normalise('"depart" - 06:30 hrs, Karachi N-5 KKH')
    assert normalise("Combined MILITARY Hospital") == normalise("combined military hospital")
    assert normalise("0630 l1") == normalise("o63o Il")  # OCR-ish confusions collapse


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_ascii(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once.isascii()


def _brute(p: Pattern, t: str) -> int:
    s, left, core_end = p.text, len(p.left), len(p.left) + len(p.core)
    best, row = 10**9, [0] * (len(t) + 1)
    for i in range(1, len(s) + 1):
        new = [i * EDIT]
        for j in range(1, len(t) + 1):
            sub = row[j - 1] + (0 if s[i - 1] == t[j - 1] else EDIT)
            new.append(min(sub, row[j] + EDIT, new[j - 1] + EDIT))
        if i <= left:
            new = [min(x, i) for x in new]
        row = new
        if i >= core_end:
            best = min(best, min(row) + len(s) - i)
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(*[st.text("ab ", max_size=5)] * 3), min_size=1, max_size=6),
    st.text("ab c", min_size=1, max_size=40),
)
def test_search_agrees_with_the_textbook_recurrence(
    parts: list[tuple[str, str, str]], text: str
) -> None:
    patterns = [Pattern(*p) for p in parts if "".join(p)]
    for pattern, hit in zip(patterns, search(patterns, text), strict=True):
        assert hit.cost == _brute(pattern, text)


def test_search_finds_a_phrase_in_a_long_text() -> None:
    rng = random.Random(2)
    text = "".join(rng.choice("abcdefgh ") for _ in range(30000))
    phrase = text[24990:25020]
    hit = search([Pattern("", phrase, "")], text)[0]
    assert (hit.cost, hit.core_start) == (0, 24990)


# --- vocabulary ------------------------------------------------------------------------------


def test_vocabulary_means_the_same() -> None:
    from datetime import date, time

    assert time_options(time(6, 30)) == ("06:30", "0630 hrs", "06:30 hours", "6:30 am")
    assert time_options(time(14, 5)) == ("14:05", "1405 hrs", "14:05 hours", "2:05 pm")
    assert time_options(time(12, 0))[-1] == "12:00 pm"
    assert time_options(time(0, 15)) == ("00:15", "0015 hrs", "00:15 hours")
    assert number_options(6) == ("6", "six", "six (6)")
    assert number_options(42) == ("42", "forty-two", "forty-two (42)")
    assert number_options(250) == ("250",)
    assert date_options(date(2024, 10, 6))[2:] == ("Sunday 6 October 2024", "2024-10-06")
    assert duration_options(100) == ("1 h 40 min", "100 minutes", "1 hour 40 minutes")
    assert distance_options(2.5, approximate=False) == ("2.5 km", "2.5 kilometres")
    assert bearing_options("North East") == ("north-east", "NE")
    assert road_options("KKH") == ("N-35", "Karakoram Highway", "KKH")
    assert road_options("Sea View Road") is None
    assert phone_options("+92 300 1234567") == ("+92 300 1234567", "0300 1234567")
    assert phone_options("021-35550100") == ("+92 21 35550100", "021 35550100")
    assert phone_options("12345") == ("12345",)


# --- files -----------------------------------------------------------------------------------


def test_trace_file_reads_text_html_and_pdf(
    order: OrderContent,
    recipients: list[Recipient],
    candidates: list[Candidate],
    tmp_path: Path,
) -> None:
    r = recipients[21]
    files = {
        "leak.txt": render_text(order, r).encode(),
        "leak.html": render_html(order, r).encode(),
        "leak.bin": render_pdf(order, r),  # recognised by content, not by name
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert named(trace_file(path, candidates), r), name
    assert "Primary net" in read_leak(tmp_path / "leak.html") or "Main net" in read_leak(
        tmp_path / "leak.html"
    )


@pytest.mark.parametrize("route", ["pypdf", "pdftotext", "built-in"])
def test_every_pdf_text_route_traces(
    route: str,
    order: OrderContent,
    recipients: list[Recipient],
    candidates: list[Candidate],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if route == "pypdf":
        pytest.importorskip("pypdf")
    else:
        monkeypatch.setitem(sys.modules, "pypdf", None)  # import fails: next route
    if route == "pdftotext" and shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) absent")
    if route == "built-in":
        monkeypatch.setattr(shutil, "which", lambda _name: None)
    r = recipients[33]
    assert named(trace(text_from_pdf(render_pdf(order, r)), candidates), r)


def test_html_reader_skips_invisible_parts() -> None:
    html = "<html><head><title>T</title><style>p{}</style></head><body><p>a &amp; b</p>"
    html += "<script>x()</script><table><tr><th>K</th><td>V</td></tr></table></body></html>"
    assert text_from_html(html) == "a & b\nK\tV"


def test_describe_reports_evidence(
    order: OrderContent, recipients: list[Recipient], candidates: list[Candidate]
) -> None:
    line = describe(trace(render_text(order, recipients[2]), candidates))
    assert line.startswith(f"most likely recipient: {recipients[2].recipient_id}")
    assert "variant slots match" in line and "invisible mark match" in line
    assert describe([]) == "no confident match: no candidates"
