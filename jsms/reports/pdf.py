"""The SITREP as a PDF (fpdf2): the same facts and drawings as the HTML, on A4.

Core fonts only, so the file needs nothing installed; they take Latin-1, so every text is
made safe first (typographic marks become ASCII, other letters lose their accents or become
'?'). The charts and the map are the very SVG the HTML shows, placed as vector images.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from jsms.movements.sop.local_time import LocalZone
from jsms.pdftext import latin1
from jsms.reports.figures import Drawings
from jsms.reports.mapsvg import LEVEL_NAMES
from jsms.reports.schemas import IncidentLine, MovementLine, Sitrep
from jsms.reports.svg import without_titles

_SIZE = re.compile(r'<svg[^>]*?width="(\d+)"[^>]*?height="(\d+)"')
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 239, 243))
RED, BLUE, INK = (163, 0, 27), (11, 42, 74), (27, 36, 48)
Rows = Sequence[Sequence[str]]


def _range(figures: tuple[int | None, int | None]) -> str:
    low, high = figures
    if low is None:
        return "?"
    return str(low) if low == high else f"{low}-{high}"


def _level(value: int) -> str:
    return f"{value} {LEVEL_NAMES[value - 1]}"


def _ratio(svg: str) -> float:
    """Height over width of a drawing, from its own size."""
    found = _SIZE.search(svg)
    return int(found.group(2)) / int(found.group(1)) if found else 0.5


class _SitrepPDF(FPDF):
    marking = ""
    colour = RED

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(*self.colour)
        self.cell(0, 5, self.marking, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "B", 8)
        self.set_text_color(*self.colour)
        self.cell(0, 4, self.marking, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="C")


class _Pages:
    """Headings, paragraphs, tables and drawings, one after the other on A4 pages."""

    def __init__(self, sitrep: Sitrep) -> None:
        pdf = _SitrepPDF(format="A4")
        if sitrep.restricted:
            pdf.marking = "RESTRICTED - full report: every movement's route and times"
        else:
            pdf.marking = latin1(
                f"TLP:{sitrep.highest_tlp.upper()} - prepared for {sitrep.prepared_for}"
                " - need-to-know applied"
            )
            pdf.colour = BLUE
        pdf.set_creation_date(sitrep.generated_at)
        pdf.set_title(f"SITREP {sitrep.period.day:%d %b %Y}")
        pdf.set_margins(14, 12, 14)
        pdf.set_auto_page_break(auto=True, margin=16)
        pdf.alias_nb_pages()
        pdf.add_page()
        self.pdf = pdf

    def heading(self, text: str, size: int = 12) -> None:
        if self.pdf.will_page_break(20):
            self.pdf.add_page()
        self.pdf.ln(3)
        self.pdf.set_font("Helvetica", "B", size)
        self.pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def para(self, text: str, size: int = 9, style: str = "") -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, headings: Sequence[str], rows: Rows, widths: Sequence[float]) -> None:
        self.pdf.set_font("Helvetica", "", 8)
        with self.pdf.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            line_height=3.8,
            headings_style=HEADINGS,
            padding=1,
        ) as table:
            for row in [headings, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(latin1(value))
        self.pdf.ln(2)

    def _image(self, svg: str, width: float, x: float) -> None:
        self.pdf.image(
            io.BytesIO(latin1(without_titles(svg)).encode("latin-1")),
            x=x,
            y=self.pdf.get_y(),
            w=width,
            h=width * _ratio(svg),
        )

    def drawing(self, svg: str, width: float) -> None:
        """A drawing centred on its own, the text continuing below it."""
        height = width * _ratio(svg)
        if self.pdf.will_page_break(height):
            self.pdf.add_page()
        self._image(svg, width, self.pdf.l_margin + (self.pdf.epw - width) / 2)
        self.pdf.set_y(self.pdf.get_y() + height + 3)

    def side_by_side(self, left: str, right: str) -> None:
        half = (self.pdf.epw - 4) / 2
        tallest = half * max(_ratio(left), _ratio(right))
        if self.pdf.will_page_break(tallest):
            self.pdf.add_page()
        y = self.pdf.get_y()
        for index, svg in enumerate((left, right)):
            self.pdf.set_y(y)
            self._image(svg, half, self.pdf.l_margin + index * (half + 4))
        self.pdf.set_y(y + tallest + 3)


def _incident_rows(lines: list[IncidentLine], first: list[str]) -> list[list[str]]:
    return [
        [
            lead,
            i.when,
            f"{i.title} ({i.attack_type}, TLP:{i.tlp.upper()})",
            i.place,
            _range(i.killed),
            _range(i.injured),
            i.nationals,
            i.verification,
            i.sources_text,
        ]
        for lead, i in zip(first, lines, strict=True)
    ]


INCIDENT_HEADINGS = ("When", "What", "Where", "Killed", "Injured", "Nationals", "Verif.", "Src")


def _incidents(pages: _Pages, s: Sitrep, local: LocalZone) -> None:
    pages.heading(f"1. Incidents in the period ({len(s.incidents)})")
    pages.para("Accepted incidents only. Casualty figures are the range the sources give.")
    if s.incidents:
        numbers = [str(n) for n in range(1, len(s.incidents) + 1)]
        rows = _incident_rows(s.incidents, numbers)
        pages.table(("#", *INCIDENT_HEADINGS), rows, (6, 24, 46, 30, 11, 11, 22, 14, 12))
    else:
        pages.para("No accepted incident in the period.")
    if s.reported_late:
        pages.heading(
            f"Earlier incidents first reported in the period ({len(s.reported_late)})", 10
        )
        stamps = [
            local.stamp(i.first_reported) if i.first_reported else "-" for i in s.reported_late
        ]
        rows = _incident_rows(s.reported_late, stamps)
        widths = (22, 22, 40, 28, 11, 11, 20, 14, 12)
        pages.table(("First reported", *INCIDENT_HEADINGS), rows, widths)
    pages.para(
        f"{s.review_waiting} reports still wait in the OSINT review queue "
        f"({s.review_in_period} arrived in the period); they are not facts until accepted."
    )


def _drawings(pages: _Pages, drawings: Drawings) -> None:
    pages.heading("2. Charts and map")
    pages.side_by_side(drawings.by_type, drawings.by_province)
    pages.drawing(drawings.map, min(pages.pdf.epw, 150))
    pages.drawing(drawings.trend_incidents, pages.pdf.epw)
    pages.drawing(drawings.trend_casualties, pages.pdf.epw)


def _levels(pages: _Pages, s: Sitrep, local: LocalZone) -> None:
    pages.heading("3. Threat levels")
    if s.level_changes:
        rows = [
            [
                f"{c.area} ({c.kind})",
                _level(c.before),
                _level(c.after),
                _level(c.computed),
                ("Analyst override: " if c.overridden else "")
                + (c.reason or "computed from incidents"),
            ]
            for c in s.level_changes
        ]
        pages.table(("Area", "Start", "End", "From incidents", "Why"), rows, (32, 22, 22, 24, 82))
    else:
        pages.para("No province or district changed level in the period.")
    pages.heading("Overrides begun, ended or ending within a day", 10)
    if not s.overrides:
        pages.para("None.")
        return
    rows = [
        [
            o.where,
            _level(o.level),
            o.state,
            f"{local.stamp(o.starts_at)} to {local.stamp(o.expires_at)}",
            o.created_by,
            o.reason,
        ]
        for o in s.overrides
    ]
    headings = ("Area", "Level", "State", "In force", "Set by", "Reason")
    pages.table(headings, rows, (30, 18, 14, 34, 20, 66))


def _outcome(line: MovementLine) -> str:
    said = [f"Rejected: {line.rejection}" if line.rejection else "", line.debrief or ""]
    return "\n".join(x for x in said if x) or "-"


def _movements(pages: _Pages, s: Sitrep, number: int) -> None:
    m = s.movements
    pages.heading(f"{number}. Movements")
    pages.para(m.note)
    if not m.shown:
        return
    pages.para("; ".join(f"{count} {name}" for name, count in m.counts.items()) + ".", style="B")
    if m.full:
        rows = [
            [
                f"{line.reference}\n{line.purpose}",
                "\n".join(line.events),
                f"{line.origin} -> {line.destination}",
                line.status.replace("_", " "),
                ", ".join(line.jurisdictions) or "-",
                str(line.passengers),
                _outcome(line),
            ]
            for line in m.full
        ]
        headings = ("Movement", "In the period", "From -> to", "Status", "Jurisdictions", "Pax")
        pages.table((*headings, "Outcome and debrief"), rows, (26, 40, 30, 16, 22, 9, 39))
    if m.summaries:
        dates = " or ".join(str(d) for d in m.summary_dates)
        pages.heading(f"Summary only: movements dated {dates} (UTC)", 10)
        pages.para("Route and times of these are need-to-know and not released to this reader.")
        rows = [
            [
                f"{line.reference}\n{line.purpose}",
                str(line.departure_date),
                line.status.replace("_", " "),
                ", ".join(line.jurisdictions) or "-",
                str(line.passengers),
                line.why,
            ]
            for line in m.summaries
        ]
        headings = ("Movement", "Date", "Status now", "Jurisdictions", "Pax", "Why summary only")
        pages.table(headings, rows, (34, 20, 20, 30, 9, 69))


def render_pdf(sitrep: Sitrep, drawings: Drawings) -> bytes:
    """The report as PDF bytes."""
    s, local = sitrep, LocalZone(sitrep.period.zone)
    pages = _Pages(sitrep)
    pages.pdf.set_font("Helvetica", "B", 16)
    pages.pdf.cell(0, 9, f"SITREP {s.period.day:%d %b %Y}", new_x="LMARGIN", new_y="NEXT")
    pages.para(f"Period: {s.period.label}")
    pages.para(f"Prepared for: {s.prepared_for}")
    pages.para(f"Generated: {local.stamp(s.generated_at)}")
    pages.para(f"Highest marking: TLP:{s.highest_tlp.upper()}")
    if s.as_of < s.period.end:
        pages.para(f"The period is still running: figures as of {local.stamp(s.as_of)}.", style="B")
    casualties = sum(i.casualties for i in s.incidents)
    summary = (
        f"{len(s.incidents)} incidents in the period ({casualties} killed and injured, highest "
        f"reported); {len(s.reported_late)} earlier incidents first reported; "
        f"{s.review_waiting} reports waiting for review"
    )
    if s.levels_shown:
        summary += f"; {len(s.level_changes)} threat-level changes"
    pages.para(summary + ".", style="B")
    _incidents(pages, s, local)
    _drawings(pages, drawings)
    if s.levels_shown:
        _levels(pages, s, local)
    _movements(pages, s, 4 if s.levels_shown else 3)
    return bytes(pages.pdf.output())
