"""Movement orders as one recipient reads them: plain text, HTML or PDF.

Each renderer resolves the order's wording (:mod:`.wording`) for the recipient. Nothing here
touches the database: the caller decides who may receive an order and audits each release and
view.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from html import escape

from fpdf import FPDF

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Recipient, line_text, realise
from jsms.movements.orders.watermark.text import invisible_free
from jsms.movements.orders.wording import build_skeleton
from jsms.pdftext import latin1

__all__ = ["render", "render_html", "render_pdf", "render_text"]


def render_text(content: OrderContent, recipient: Recipient) -> str:
    """Plain text: one line per line, headings set off by a blank line, items with dashes."""
    out: list[str] = []
    for line in realise(build_skeleton(content), recipient):
        if line.style == "heading" and out:
            out.append("")
        out.append(f"- {line.text}" if line.style == "item" else line_text(line))
    return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:Arial,Helvetica,sans-serif;max-width:46em;margin:2em auto;"
    "line-height:1.4;color:#111}.classification{text-align:center;font-weight:bold;"
    "color:#a00;letter-spacing:.05em}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.4em}"
    "h3{font-size:1em}table.facts{border-collapse:collapse}table.facts th{text-align:left;"
    "padding:.15em 1em .15em 0;vertical-align:top}table.facts td{padding:.15em 0}"
    ".copy{color:#555}"
)


def render_html(content: OrderContent, recipient: Recipient) -> str:
    """A self-contained page (inline CSS, no scripts, no external resources); all text escaped."""
    lines = realise(build_skeleton(content), recipient)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="robots" content="noindex,nofollow">',
        f"<title>{escape(f'Movement order {content.reference}')}</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    open_list: str | None = None
    for line in lines:
        kind = "ul" if line.style == "item" else "table" if line.style == "fact" else None
        if open_list and kind != open_list:
            out.append(f"</{open_list}>")
            open_list = None
        if kind and open_list is None:
            out.append('<table class="facts">' if kind == "table" else "<ul>")
            open_list = kind
        text = escape(line.text)
        if line.style == "fact":
            out.append(f"<tr><th>{escape(line.label)}</th><td>{text}</td></tr>")
        elif line.style == "item":
            out.append(f"<li>{text}</li>")
        else:
            tag = {"title": "h1", "heading": "h2", "subheading": "h3"}.get(line.style, "p")
            css = f' class="{line.style}"' if line.style in {"classification", "copy"} else ""
            out.append(f"<{tag}{css}>{text}</{tag}>")
    if open_list:
        out.append(f"</{open_list}>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _latin1(text: str) -> str:
    """Core PDF fonts take Latin-1 only; the invisible marks go too (they are for text copies)."""
    return latin1(invisible_free(text))


class _OrderPDF(FPDF):
    classification = ""

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, self.classification, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, self.classification, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 8)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="C")


def render_pdf(content: OrderContent, recipient: Recipient) -> bytes:
    """A text PDF (core fonts, real text objects) whose extracted text carries the watermark.

    Deterministic: the creation date is the movement date, so the same recipient always gets
    byte-identical files.
    """
    pdf = _OrderPDF(format="A4")
    pdf.classification = _latin1(content.classification)
    pdf.set_creation_date(datetime.combine(content.date, time(0, 0), tzinfo=UTC))
    pdf.set_title(_latin1(f"Movement order {content.reference}"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 14, 18)
    pdf.alias_nb_pages()
    pdf.add_page()
    styles = {
        "classification": ("B", 10, 0),
        "title": ("B", 14, 0),
        "heading": ("B", 11, 0),
        "subheading": ("B", 10, 0),
        "copy": ("I", 9, 0),
        "fact": ("", 10, 0),
        "text": ("", 10, 0),
        "item": ("", 10, 5),
    }
    for line in realise(build_skeleton(content), recipient):
        if line.style == "classification":
            continue  # printed in the header and footer of every page
        weight, size, indent = styles[line.style]
        if line.style == "heading":
            pdf.ln(2)
        pdf.set_font("Helvetica", weight, size)
        text = _latin1(line_text(line) if line.style != "item" else f"- {line.text}")
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render(content: OrderContent, recipient: Recipient, fmt: str) -> bytes | str:
    """The recipient's copy in ``fmt`` (``text``, ``html`` or ``pdf``)."""
    if fmt == "pdf":
        return render_pdf(content, recipient)
    if fmt == "html":
        return render_html(content, recipient)
    return render_text(content, recipient)
