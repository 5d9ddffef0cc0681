"""Bar charts as SVG: counts by category, and a daily series.

Plain data in, SVG text out. Each bar carries its category and value (`data-label`,
`data-value`) and the value is also written beside it, so no figure is told by length alone.

>>> svg = bar_chart("By type", [("IED", 2), ("Armed assault", 1)])
>>> svg.count('class="bar"')
2
"""

from __future__ import annotations

from datetime import date

from jsms.reports.svg import MUTED, document, line, rect, short, text

ACCENT = "#0b5394"
TITLE_HEIGHT = 28


def bar_chart(
    title: str, items: list[tuple[str, int]], *, width: int = 460, colour: str = ACCENT
) -> str:
    """Horizontal bars, one per category, largest first as given."""
    if not items:
        body = [text(8, 18, title, size=13, bold=True), text(8, 44, "None in this period.")]
        return document(width, 60, title, body)
    row, label_width, value_width = 24, 170, 44
    height = TITLE_HEIGHT + row * len(items) + 8
    room = width - label_width - value_width
    top = max(value for _, value in items) or 1
    body = [text(8, 18, title, size=13, bold=True)]
    for index, (label, value) in enumerate(items):
        y = TITLE_HEIGHT + index * row
        length = max(room * value / top, 1.0 if value else 0.0)
        body.append(text(label_width - 8, y + 16, short(label, 26), anchor="end"))
        body.append(
            rect(
                label_width,
                y + 4,
                length,
                row - 8,
                colour,
                {"class": "bar", "data-label": label, "data-value": str(value)},
            )
        )
        body.append(text(label_width + length + 6, y + 16, str(value), bold=True))
    return document(width, height, title, body)


def daily_bars(
    title: str,
    days: list[date],
    values: list[int],
    *,
    width: int = 640,
    height: int = 190,
    colour: str = ACCENT,
) -> str:
    """One vertical bar per day (zero days drawn flat), the highest value marked on the axis."""
    left, right, bottom = 40, 10, 34
    plot_width = width - left - right
    plot_height = height - TITLE_HEIGHT - bottom
    base = TITLE_HEIGHT + plot_height
    top = max(values, default=0)
    scale = plot_height / top if top else 0.0
    step = plot_width / max(len(days), 1)
    body = [
        text(8, 18, title, size=13, bold=True),
        line(left, base, width - right, base, MUTED),
        text(left - 6, base + 4, "0", size=10, anchor="end", colour=MUTED),
    ]
    if top:
        body.append(line(left, TITLE_HEIGHT, width - right, TITLE_HEIGHT))
        body.append(text(left - 6, TITLE_HEIGHT + 4, str(top), size=10, anchor="end"))
    else:
        centre = (left + plot_width / 2, TITLE_HEIGHT + plot_height / 2)
        body.append(text(*centre, "None on any of these days.", anchor="middle"))
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        x = left + index * step + step * 0.15
        bar = value * scale
        body.append(
            rect(
                x,
                base - bar,
                step * 0.7,
                bar,
                colour,
                {"class": "bar", "data-label": day.isoformat(), "data-value": str(value)},
            )
        )
        if index % 5 == 4 or index == len(days) - 1 or index == 0:
            body.append(
                text(x + step * 0.35, base + 16, f"{day.day} {day:%b}", size=10, anchor="middle")
            )
    total = sum(values)
    body.append(
        text(width - right, height - 4, f"total {total}", size=10, anchor="end", colour=MUTED)
    )
    return document(width, height, title, body)
