"""Text for PDFs drawn with the core fonts (fpdf2), which print Latin-1 only.

Orders and SITREPs are made with the core fonts so a PDF needs nothing installed; every text
goes through `latin1` first: typographic marks become ASCII, other letters lose their accents,
and anything left is shown as '?'.
"""

from __future__ import annotations

import unicodedata

__all__ = ["latin1"]

_TYPOGRAPHY = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2212": "-", "\u2192": "->",
    }
)  # fmt: skip


def latin1(text: str) -> str:
    """Text the core fonts can print.

    >>> latin1("Besham \u2013 Dasu \u2192 \u201cKKH\u201d, \u1e24asan, Z\u00fcrich, \u4e2d")
    'Besham - Dasu -> "KKH", Hasan, Z\u00fcrich, ?'
    """
    out = []
    for ch in text.translate(_TYPOGRAPHY):
        if ord(ch) < 256:
            out.append(ch)
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)
