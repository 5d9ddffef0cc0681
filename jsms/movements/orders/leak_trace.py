"""Who leaked this: read a leaked file and rank every issued order copy as its source.

:func:`trace_leak` compares a leaked text with the recorded copies (the scoring is
:func:`jsms.movements.orders.watermark.trace`); ``jsms leak trace FILE`` is its command line.
A leak that restates the facts in the leaker's own words carries no watermark: the fallback is
:mod:`jsms.movements.whoknew` (everyone who saw the plan before departure).

Reading the file: a leak may arrive as the plain text, the HTML page or the PDF of an order (or
a forwarded copy of one). HTML is reduced to its visible text with the standard library parser
(block elements end lines, table cells are tab-separated, as a browser copy gives). PDF text
comes from ``pypdf`` if installed, else the ``pdftotext`` binary (poppler-utils) if present,
else a small built-in reader that understands the plain text PDFs :mod:`.render` writes (core
fonts, literal strings, Flate streams), so tracing a file of our own never needs either.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit import service as audit
from jsms.db import utcnow
from jsms.identity.models import User
from jsms.movements.models import Movement, OrderCopy
from jsms.movements.orders.content import content_from_json
from jsms.movements.orders.issuing import recipient
from jsms.movements.orders.watermark import Candidate, Skeleton, TraceResult, trace
from jsms.movements.orders.wording import build_skeleton

__all__ = [
    "Suspect",
    "read_leak",
    "read_leak_bytes",
    "text_from_html",
    "text_from_pdf",
    "text_from_pdf_builtin",
    "trace_file",
    "trace_leak",
    "trace_leak_audited",
]

_BLOCKS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
    "section", "article", "header", "footer", "pre", "blockquote", "dt", "dd", "hr",
}  # fmt: skip
_HIDDEN = {"script", "style", "head", "template", "noscript"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def text_from_html(html: str) -> str:
    """Visible text of an HTML page, one block per line."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = (re.sub(r"[ \t]+", lambda m: "\t" if "\t" in m.group() else " ", ln).strip(" \t")
             for ln in text.split("\n"))  # fmt: skip
    return "\n".join(ln for ln in lines if ln)


# --- PDF -------------------------------------------------------------------------------------

_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", re.S)
_TEXT_OP = re.compile(rb"\((?:\\.|[^\\)])*\)\s*Tj|\[(?:[^\]\\]|\\.)*\]\s*TJ|\bBT\b|\bET\b", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def repl(m: re.Match[bytes]) -> bytes:
        body = m.group(1)
        if body[:1].isdigit():
            return bytes([int(body, 8) & 0xFF])
        if body in (b"\n", b"\r\n", b"\r"):
            return b""
        return _ESCAPES.get(body, body)

    return re.sub(rb"\\([0-7]{1,3}|\r\n|.)", repl, raw, flags=re.S)


def text_from_pdf_builtin(data: bytes) -> str:
    """Text of a simple PDF (literal strings shown with Tj/TJ, one line per text object)."""
    lines: list[str] = []
    for header, body in _STREAM.findall(data):
        if b"/FlateDecode" in header:
            try:
                body = zlib.decompress(body)
            except zlib.error:
                continue
        elif b"/Filter" in header:
            continue
        current: list[str] = []
        for op in _TEXT_OP.finditer(body):
            token = op.group()
            if token in (b"BT", b"ET"):
                if current:
                    lines.append("".join(current))
                current = []
                continue
            for literal in _LITERAL.findall(token):
                current.append(_unescape(literal).decode("cp1252", errors="replace"))
        if current:
            lines.append("".join(current))
    return "\n".join(lines)


def text_from_pdf(data: bytes) -> str:
    """PDF text by the best available route (pypdf, pdftotext, built-in)."""
    try:
        import io

        from pypdf import PdfReader  # optional dependency

        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except ImportError:
        pass
    binary = shutil.which("pdftotext")
    if binary:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "leak.pdf"
            source.write_bytes(data)
            done = subprocess.run(
                [binary, "-enc", "UTF-8", str(source), "-"],
                capture_output=True,
                check=False,
                timeout=60,
            )
            if done.returncode == 0:
                return done.stdout.decode("utf-8", errors="replace")
    return text_from_pdf_builtin(data)


def read_leak(path: Path) -> str:
    """The text of a leaked file, by content (PDF magic, HTML tags) rather than by name."""
    return read_leak_bytes(path.read_bytes(), path.name)


def read_leak_bytes(data: bytes, name: str = "") -> str:
    """The text of a leaked file's bytes (an upload, say); `name` only hints at HTML."""
    if data.startswith(b"%PDF"):
        return text_from_pdf(data)
    text = data.decode("utf-8", errors="replace")
    html_name = name.lower().endswith((".html", ".htm"))
    if html_name or re.search(r"(?i)<(html|body|p|div)\b", text):
        return text_from_html(text)
    return text


def trace_file(path: str | Path, candidates: Sequence[Candidate]) -> list[TraceResult]:
    """Trace a leaked file (plain text, HTML or PDF) against in-memory candidates."""
    return trace(read_leak(Path(path)), candidates)


# --- issued copies ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Suspect:
    user_id: str
    username: str
    movement_id: str
    reference: str
    confidence: float
    matched: int
    mismatched: int
    observed: int
    invisible: str


def trace_leak(
    db: Session, text: str, *, movement_id: str | None = None, since: datetime | None = None
) -> list[Suspect]:
    """Every issued copy (of one movement, or of recent ones) ranked as the source of `text`."""
    stmt = select(OrderCopy)
    if movement_id:
        stmt = stmt.where(OrderCopy.movement_id == movement_id)
    else:
        stmt = stmt.where(OrderCopy.issued_at >= (since or utcnow() - timedelta(days=180)))
    copies = db.scalars(stmt).all()
    if not copies:
        return []
    users = {
        u.id: u.username
        for u in db.scalars(select(User).where(User.id.in_({c.user_id for c in copies})))
    }
    references = dict(
        db.execute(
            select(Movement.id, Movement.reference).where(
                Movement.id.in_({c.movement_id for c in copies})
            )
        ).all()
    )
    skeletons: dict[tuple[str, int], Skeleton] = {}
    candidates = []
    for copy in copies:
        key = (copy.movement_id, copy.movement_version)
        if key not in skeletons:
            skeletons[key] = build_skeleton(content_from_json(copy.content))
        candidates.append(
            Candidate(recipient(copy.user_id, users.get(copy.user_id, "?")), skeletons[key])
        )
    results = trace(text, candidates)
    return [
        Suspect(
            r.recipient_id,
            users.get(r.recipient_id, "?"),
            r.movement_id,
            references.get(r.movement_id, "?"),
            round(r.confidence, 4),
            r.matched,
            r.mismatched,
            r.observed,
            r.invisible,
        )
        for r in results
    ]


def trace_leak_audited(
    db: Session, text: str, *, movement_id: str | None = None, file: str | None = None
) -> list[Suspect]:
    """trace_leak for an investigator (API and page alike), recorded in the audit trail with
    how many copies were compared and the best match."""
    suspects = trace_leak(db, text, movement_id=movement_id)
    detail: dict[str, object] = {
        "candidates": len(suspects),
        "top": suspects[0].username if suspects else None,
        "confidence": suspects[0].confidence if suspects else None,
    }
    if file:
        detail["file"] = file
    audit.record(
        db, action="leak.trace", object_type="movement", object_id=movement_id, detail=detail
    )
    return suspects
