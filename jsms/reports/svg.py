"""Writing SVG by hand: the few elements the charts and the map are made of.

Only presentation attributes (no CSS, no scripts), so the same text is an inline image in a
web page and an image fpdf2 can place in a PDF. Every piece of text is escaped here.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

FONT = "Helvetica"
INK = "#1b2430"
MUTED = "#4f5a68"
GRID = "#cfd6de"


def number(value: float) -> str:
    """Coordinates to one decimal: small files, no visible loss."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def document(width: int, height: int, title: str, body: list[str]) -> str:
    """A whole drawing: sized, titled for screen readers, white behind."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        + "".join(body)
        + "</svg>"
    )


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 12,
    anchor: str = "start",
    colour: str = INK,
    bold: bool = False,
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{number(x)}" y="{number(y)}" font-family="{FONT}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{colour}"{weight}>{escape(content)}</text>'
    )


def rect(
    x: float, y: float, width: float, height: float, fill: str, extra: dict[str, str] | None = None
) -> str:
    attributes = "".join(f" {name}={quoteattr(value)}" for name, value in (extra or {}).items())
    return (
        f'<rect x="{number(x)}" y="{number(y)}" width="{number(width)}" '
        f'height="{number(height)}" fill="{fill}"{attributes}/>'
    )


def line(x1: float, y1: float, x2: float, y2: float, colour: str = GRID) -> str:
    return (
        f'<line x1="{number(x1)}" y1="{number(y1)}" x2="{number(x2)}" y2="{number(y2)}" '
        f'stroke="{colour}" stroke-width="1"/>'
    )


def short(label: str, most: int) -> str:
    """A label cut to `most` characters, with an ellipsis when cut."""
    return label if len(label) <= most else label[: most - 1].rstrip() + "\u2026"


_TITLE = re.compile(r"<title>.*?</title>", re.S)


def without_titles(svg: str) -> str:
    """The drawing for fpdf2, which reads no <title> (it warns about each one)."""
    return _TITLE.sub("", svg)
