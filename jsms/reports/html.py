"""The SITREP as HTML: the control room's own template, written as one stand-alone file.

The report body (`reports/_sitrep.html`) is the one the page shows; the file wraps it with
its stylesheet inline, so it opens anywhere with nothing else beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

import jsms.web
from jsms.movements.sop.local_time import LocalZone
from jsms.reports.figures import Drawings
from jsms.reports.schemas import Sitrep

WEB = Path(jsms.web.__file__).parent
STYLESHEET = WEB / "static" / "sitrep.css"
_templates = Environment(
    loader=FileSystemLoader(WEB / "templates"), autoescape=select_autoescape(["html"])
)


def context(sitrep: Sitrep, drawings: Drawings, *, links: bool) -> dict[str, Any]:
    """What the report body needs, for the page and for the file alike."""
    return {
        "sitrep": sitrep,
        # our own SVG: every text in it was escaped when it was drawn
        "drawings": {name: Markup(svg) for name, svg in vars(drawings).items()},
        "local": LocalZone(sitrep.period.zone),
        "running": sitrep.as_of < sitrep.period.end,
        "links": links,
    }


def render_file(sitrep: Sitrep, drawings: Drawings) -> str:
    """The whole report as one HTML document with its styles inline."""
    page = _templates.get_template("reports/sitrep_file.html")
    return page.render(
        **context(sitrep, drawings, links=False),
        css=Markup(STYLESHEET.read_text()),
    )
