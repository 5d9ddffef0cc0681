"""Movement orders: every recipient's copy (text, HTML, PDF) states the same facts, yet no two
copies are alike, the same copy is reproducible, and nothing in the content can inject markup."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, time
from pathlib import Path

import pytest

from jsms.movements.orders.content import (
    Communications,
    Emergency,
    InnerRing,
    OrderContent,
    RallyPoint,
    Vehicle,
)
from jsms.movements.orders.leak_simulation import example_order, make_recipients
from jsms.movements.orders.leak_trace import text_from_html, text_from_pdf_builtin
from jsms.movements.orders.render import (
    render_html,
    render_pdf,
    render_text,
)
from jsms.movements.orders.watermark import Recipient, detect, find_invisible, invisible_tag, trace
from jsms.movements.orders.watermark.text import invisible_free
from jsms.movements.orders.watermark.vocab import ROAD_ALIASES, number_word, road_options
from jsms.movements.orders.wording import build_skeleton
from tests.movements.orders.conftest import SECRET


@pytest.fixture(scope="module")
def texts(order: OrderContent, recipients: list[Recipient]) -> list[str]:
    return [render_text(order, r) for r in recipients]


def key_facts(c: OrderContent) -> list[str]:
    """The values a reader must find verbatim in every copy (the key-facts block)."""
    return [
        f"{c.date:%a} {c.date.day} {c.date:%b %Y}",
        f"{c.departure:%H:%M} PKT",
        c.origin,
        c.destination,
        *(v.callsign for v in c.vehicles),
        *(v.registration for v in c.vehicles),
        c.inner_ring.callsign,
        *(leg.unit for leg in c.outer_ring),
        c.emergency.qrf_callsign,
        c.communications.radio_channel,
        c.communications.control,
    ]


_TIME_24 = re.compile(r"\b(\d{2}):(\d{2})\b(?!\s*[ap]m)")
_TIME_MIL = re.compile(r"\b(\d{2})(\d{2}) hrs\b")
_TIME_12 = re.compile(r"\b(\d{1,2}):(\d{2}) ([ap]m)\b")
_WORDS = {number_word(n): n for n in range(100)}


def facts_read(text: str) -> dict[str, object]:
    """What a reader takes from a copy, whatever its wording: a variant that changed a fact
    (not just its form) would show up here as a difference between two copies."""
    body = invisible_free(text)
    times = {(int(h), int(m)) for h, m in _TIME_24.findall(body)}
    times |= {(int(h), int(m)) for h, m in _TIME_MIL.findall(body)}
    for h, m, half in _TIME_12.findall(body):
        hour = int(h) % 12 + (12 if half == "pm" else 0)
        times.add((hour, int(m)))
    passengers: set[int | None] = set()
    pattern = r"\b(\w+)(?: \((\d+)\))? passengers (?:from|safely|securely)"
    for word, digits in re.findall(pattern, body):  # "5", "five" and "five (5)"
        passengers.add(int(word) if word.isdigit() else _WORDS.get(word.lower()))
        if digits:
            passengers.add(int(digits))
    distances = re.findall(r"(?:approx\.|about) ([\d.]+) (?:km|kilometres)", body)
    numbers = re.findall(r"(?:tel\.|phone|ph\.) ([+\d ]+)", body)
    phones = {re.sub(r"^\+92", "0", re.sub(r"[^\d+]", "", p)) for p in numbers}
    date_said = re.search(r" on (?:\w+day )?(\d+) (\w{3})\w* (\d{4})\.", body)
    iso = re.search(r" on (\d{4})-(\d\d)-(\d\d)\.", body)
    if iso:
        said = date(int(iso[1]), int(iso[2]), int(iso[3]))
        date_said = re.search(r"(\d+) (\w{3}) (\d{4})", f"{said.day} {said:%b %Y}")
    roads = {
        aliases[0]
        for aliases in ROAD_ALIASES
        for alias in aliases
        if re.search(rf"(?:Waypoint|Via point|WP) \d: {re.escape(alias)}\n", body)
    }
    return {
        "times": times,
        "passengers": passengers,
        "distances": sorted(float(d) for d in distances),
        "phones": phones,
        "date": date_said.groups() if date_said else None,
        "roads": roads,
        "armoured": len(re.findall(r"armoured\.|armour: yes\.", body)),
        "soft": len(re.findall(r"soft-skin\.|armour: none\.", body)),
    }


def test_every_copy_carries_the_key_facts_verbatim(
    order: OrderContent, recipients: list[Recipient], texts: list[str]
) -> None:
    for recipient, text in zip(recipients, texts, strict=True):
        html = text_from_html(render_html(order, recipient))
        for fact in key_facts(order):
            assert fact in text, (recipient.recipient_id, fact)
            assert fact in html, (recipient.recipient_id, fact)


def test_every_copy_says_the_same_thing(order: OrderContent, texts: list[str]) -> None:
    expected_times = {
        (t.hour, t.minute)
        for t in (order.departure, order.arrival, *order.communications.check_in_times)
        if t is not None
    }
    reference = facts_read(texts[0])
    assert reference["times"] == expected_times
    assert reference["passengers"] == {order.passengers}
    roads = {aliases[0] for v in order.via if (aliases := road_options(v))}
    assert roads and reference["roads"] == roads
    assert reference["armoured"] == sum(v.armoured for v in order.vehicles)
    assert reference["soft"] == sum(not v.armoured for v in order.vehicles)
    assert len(reference["phones"]) == len(order.contacts)  # type: ignore[arg-type]
    for text in texts[1:]:
        assert facts_read(text) == reference


def test_copies_differ_between_recipients_and_repeat_for_one(
    order: OrderContent, recipients: list[Recipient], texts: list[str]
) -> None:
    assert len(set(texts)) == len(texts)
    without_marks = {invisible_free(t) for t in texts}
    assert len(without_marks) == len(texts)  # the lexical variants alone tell them apart
    assert render_text(order, recipients[3]) == texts[3]
    assert render_html(order, recipients[3]) == render_html(order, recipients[3])
    assert render_pdf(order, recipients[3]) == render_pdf(order, recipients[3])
    assert render_pdf(order, recipients[3]) != render_pdf(order, recipients[4])


def test_copies_carry_the_recipients_invisible_tag(
    order: OrderContent, recipients: list[Recipient], texts: list[str]
) -> None:
    r = recipients[7]
    tag = invisible_tag(r.secret, order.movement_id, r.recipient_id)
    assert find_invisible(texts[7]) == {tag}
    assert find_invisible(render_html(order, r)) == {tag}
    quiet = Recipient("R999", SECRET, invisible=False)
    assert find_invisible(render_text(order, quiet)) == set()


def test_copy_label_is_printed_when_given(order: OrderContent) -> None:
    labelled = Recipient("R1", SECRET, label="ops.karachi")
    assert "Copy for: ops.karachi\n" in render_text(order, labelled)
    assert "Copy for:" not in render_text(order, Recipient("R1", SECRET))


def _hostile() -> OrderContent:
    c = example_order(0)
    c.reference = 'MO/1 "&" <b>'
    c.origin = "<script>alert('x')</script> camp"
    c.destination = "Airport & <img src=x onerror=alert(1)>"
    c.classification = "SECRET </title><script>"
    return c


def test_html_escapes_everything() -> None:
    c = _hostile()
    html = render_html(c, Recipient("R1", SECRET))
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; camp" in html
    assert "Airport &amp; &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<title>Movement order MO/1 &quot;&amp;&quot; &lt;b&gt;</title>" in html
    # self-contained: nothing fetched from elsewhere
    assert not re.search(r"(?i)<[^>]*\b(src|href)\s*=|https?://|@import|url\(", html)
    # and what a reader sees is the original text
    seen = text_from_html(html)
    assert c.origin in seen and c.destination in seen


def test_hostile_content_still_traces() -> None:
    c = _hostile()
    people = make_recipients(10, SECRET)
    from jsms.movements.orders.wording import candidates_for

    html = render_html(c, people[6])
    results = trace(text_from_html(html), candidates_for(c, people))
    assert results[0].recipient_id == people[6].recipient_id
    assert results[0].confidence > 0.99


def test_pdf_is_a_text_pdf_with_the_watermark(
    order: OrderContent, recipients: list[Recipient], texts: list[str]
) -> None:
    pdf = render_pdf(order, recipients[11])
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    extracted = text_from_pdf_builtin(pdf)
    for fact in key_facts(order):
        assert fact in extracted
    # The recipient's own wording, not just the facts, is in the extractable text: the
    # tracer reads the same variants from the PDF text as from the plain-text copy.
    skeleton = build_skeleton(order)
    from_pdf = {(o.slot_id, o.options) for o in detect(skeleton, extracted)}
    from_text = {(o.slot_id, o.options) for o in detect(skeleton, texts[11])}
    assert len(from_pdf) >= 0.95 * len(from_text) >= 60
    assert from_pdf <= from_text


def test_pdf_text_via_pypdf(order: OrderContent, recipients: list[Recipient]) -> None:
    pypdf = pytest.importorskip("pypdf")
    import io

    pdf = render_pdf(order, recipients[2])
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for fact in key_facts(order):
        assert fact in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) absent")
def test_pdf_text_via_pdftotext(
    order: OrderContent, recipients: list[Recipient], tmp_path: Path
) -> None:
    path = tmp_path / "order.pdf"
    path.write_bytes(render_pdf(order, recipients[2]))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for fact in key_facts(order):
        assert fact in text


def test_pdf_survives_characters_outside_its_fonts() -> None:
    c = example_order(1)
    c.origin = "Karachi \u2013 \u06a9\u0631\u0627\u0686\u06cc camp \u201cA\u201d"
    pdf = render_pdf(c, Recipient("R1", SECRET))
    assert pdf.startswith(b"%PDF")
    assert "Karachi - " in text_from_pdf_builtin(pdf)


def test_minimal_order_renders() -> None:
    c = OrderContent(
        movement_id="mv-min",
        reference="MO-MIN",
        classification="RESTRICTED",
        date=date(2025, 1, 6),
        departure=time(0, 30),
        origin="Site A",
        destination="Site B",
        via=[],
        vehicles=[Vehicle("ALPHA 1", "ABC-123", armoured=False)],
        passengers=1,
        inner_ring=InnerRing("TEAM", 2),
        outer_ring=[],
        rally_point=RallyPoint("Site A gate"),
        communications=Communications("VHF 2"),
        emergency=Emergency("QRF 1"),
    )
    r = Recipient("R1", SECRET)
    text = render_text(c, r)
    assert "00:30 PKT" in text and "Site A" in text and "ALPHA 1" in text
    assert render_html(c, r).startswith("<!DOCTYPE html>")
    assert render_pdf(c, r).startswith(b"%PDF")
    assert len(build_skeleton(c).slots()) >= 40  # the fixed procedures still carry slots
    assert c.departure_at.utcoffset() is not None
    assert c.departure_at.isoformat() == "2025-01-06T00:30:00+05:00"
