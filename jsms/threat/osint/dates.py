"""Dates in news text: the publication date, and event dates absolute or relative to it.

A mention keeps what the text actually pins down (``precision`` day, month or year) so that
'last October' is not silently turned into a fake day; the caller decides how to report it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from jsms.threat.osint.text import ATTACK_NOUNS, NUMBER, Span, parse_number

__all__ = [
    "DateMention",
    "find_dateline",
    "find_dates",
    "find_publication_date",
    "sentence_year",
    "shift_years",
]

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_MONTH_ABBR = {name[:3]: n for name, n in _MONTHS.items()} | {"sept": 9}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)(?![a-z])"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_M = rf"(?P<month>{MONTH})"
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("iso", r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
        ("numeric", r"\b(?P<day>[0-3]?\d)[-/.](?P<month>[01]?\d)[-/.](?P<year>(?:19|20)\d\d)\b"),
        ("mdy", rf"\b{_M}\s+{_DAY},?\s+{_YEAR}\b"),
        ("dmy", rf"\b{_DAY}\s+(?:of\s+)?{_M},?\s+{_YEAR}\b"),
        ("md", rf"\b{_M}\s+{_DAY}\b(?!\s*,?\s*(?:19|20)\d\d)(?![:\d])"),
        ("dm", rf"\b{_DAY}\s+(?:of\s+)?{_M}(?!\s*,?\s*(?:19|20)\d\d)"),
        ("my", rf"\b{_M},?\s+{_YEAR}\b"),
        ("ym", rf"\b{_YEAR}\s+{_M}(?!\s*\d)"),
        ("month_last_year", rf"\b{_M}\s+(?i:(?P<rel>last|this|next)\s+year)\b"),
        ("last_month_name", rf"\b(?i:(?P<rel>last|this|past))\s+{_M}(?!\s*\d)"),
        (
            "in_month",
            rf"\b(?i:in|during|since|early|late|mid-?|on|by|an?|the)\s+{_M}(?!\s*,?\s*\d)",
        ),
        (
            "relative_day",
            r"(?i)\b(?P<rel>yesterday|today|tonight|this\s+morning|this\s+afternoon|"
            r"this\s+evening|last\s+night|overnight)\b(?!\s+(?:on\s+)?"
            r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))",
        ),
        ("weekday", rf"\b(?P<last>(?i:last)\s+)?{_WEEKDAY}\b"),
        (
            "relative_period",
            r"(?i)\b(?P<rel>last|this|(?:early|earlier|late|later)\s+(?:this|last))"
            r"\s+(?P<unit>month|year|week)\b",
        ),
        ("ago", rf"(?i)\b(?P<count>{NUMBER}|a|an)\s+(?P<unit>day|week|month|year)s?\s+ago\b"),
        (
            "ago",  # 'a year after a bombing there killed nine': the bombing, counted back
            rf"(?i)\b(?P<count>{NUMBER}|a|an)\s+(?P<unit>day|week|month|year)s?\s+after"
            rf"(?=\s+(?:the|a|an|its|their)\s+(?:[\w-]+\s+){{0,2}}{ATTACK_NOUNS}\b)",
        ),
        (
            "earlier",
            rf"(?i)\b(?P<count>{NUMBER}|a|an)\s+(?P<unit>year)s?\s+(?P<dir>earlier|before|later)\b",
        ),
        (
            "same_day",
            r"(?i)\b(?:just\s+)?(?:hours|minutes)\s+(?:after|before|later|earlier)\b|"
            r"\b(?:on\s+)?the\s+same\s+day\b",
        ),
        (
            "year",
            r"(?<![\d$£€,.-])(?P<year>(?:19|20)\d\d)(?!\d|[,.-]\d|\s*(?:megawatt|MW|km|crore|million))",
        ),
    )
)
# What a pattern cannot match without: most clauses name no month and no weekday, so most
# of the eighteen scans are skipped after three cheap ones.
_NEEDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("iso", "numeric", "year"), frozenset({"digit"})),
    **dict.fromkeys(("mdy", "dmy", "md", "dm", "my", "ym"), frozenset({"digit", "month"})),
    **dict.fromkeys(("month_last_year", "last_month_name", "in_month"), frozenset({"month"})),
    "weekday": frozenset({"weekday"}),
}
_HAS = {
    "digit": re.compile(r"\d"),
    "month": re.compile(rf"\b{MONTH}"),
    "weekday": re.compile(_WEEKDAY),
}
_DAY_KINDS = frozenset(
    {"iso", "numeric", "mdy", "dmy", "md", "dm", "relative_day", "weekday", "same_day", "implicit"}
)
_MONTH_KINDS = frozenset({"my", "ym", "month_last_year", "last_month_name", "in_month"})
_REPORTING = re.compile(
    r"(?i)\b(?:said|says|told|tells|reported|statement|announced|confirmed|added|briefing|"
    r"released|quoted|tweeted|posted|according\s+to|published|updated)\b(?P<gap>[^.;]{0,30})$"
)
_EVENT_VERB = re.compile(
    r"(?i)\b(?:killed|kidnapped|abducted|seized|attacked|ambushed|stormed|wounded|injured|shot|"
    r"exploded|detonated|struck|hit|targeted|bombed|died|occurred|happened|took\s+place|"
    r"went\s+off|opened\s+fire)\b"
)
_TELLING = (
    r"(?:said|says|told|announced|confirmed|reported|stated|issued|warned|urged|condemned|"
    r"released|added)\b"
)
_REPORTED_AFTER = re.compile(rf"(?i)^\s*,\s*(?:[\w'’.-]+\s+){{0,5}}?{_TELLING}")
_TOLD_AFTER = re.compile(rf"(?i)^\s+(?:also\s+|again\s+)?{_TELLING}")
_LABELLED = re.compile(r"(?i)\b(?:published|created|posted|updated|date)\s*(?:on|at)?\s*:?\s*$")


@dataclass(frozen=True)
class DateMention:
    """A date expression and what it pins down (None parts are unknown)."""

    span: Span
    year: int | None
    month: int | None
    day: int | None
    kind: str
    weak: bool = False
    since: bool = False
    relative_years: int | None = None

    @property
    def grain(self) -> str:
        """What the expression is about: a 'day', a 'month' or a 'year' (resolved or not)."""
        if self.kind in _DAY_KINDS:
            return "day"
        if self.kind == "ago" and re.search(r"(?i)month|day", self.span.text):
            return "month" if "month" in self.span.text.lower() else "day"  # 'two days ago'
        if self.kind in _MONTH_KINDS or self.month is not None:
            return "month"
        if self.kind == "relative_period" and re.search(r"(?i)month|week", self.span.text):
            return "month"  # 'last week': the month it fell in, no finer
        return "year"

    @property
    def precision(self) -> str | None:
        """The grain when the date is resolved that far, else None ('last month' undated)."""
        if self.year is None:
            return None
        if self.grain == "day":
            return "day" if self.day is not None else None
        if self.grain == "month":
            return "month" if self.month is not None else None
        return "year"

    @property
    def as_date(self) -> date | None:
        """A real date when the precision is 'day'."""
        if self.precision != "day":
            return None
        try:
            return date(self.year, self.month, self.day)  # type: ignore[arg-type]
        except ValueError:
            return None


def _month(text: str) -> int | None:
    key = text.lower().rstrip(".")
    return _MONTHS.get(key) or _MONTH_ABBR.get(key)


def _year_for(month: int, day: int | None, published: date | None, *, strict: bool) -> int | None:
    """The year of the latest such month (and day) not after publication ('in October')."""
    if published is None:
        return None
    later = (month, day or 1) > (published.month, published.day)
    same = month == published.month
    if later or (strict and same):
        return published.year - 1
    return published.year


def _weekday_date(name: str, last: bool, published: date | None) -> date | None:
    """The weekday on or before publication ('on Tuesday'); 'last Tuesday' skips today."""
    if published is None:
        return None
    back = (published.weekday() - _WEEKDAYS.index(name.lower())) % 7
    if last and back == 0:
        back = 7
    return published - timedelta(days=back)


def _relative_day(rel: str, published: date | None) -> date | None:
    if published is None:
        return None
    back = 1 if rel.lower() in {"yesterday", "last night", "overnight"} else 0
    return published - timedelta(days=back)


def _months_back(published: date, months: int) -> tuple[int, int]:
    index = published.year * 12 + published.month - 1 - months
    return index // 12, index % 12 + 1


def _from_match(kind: str, m: re.Match[str], published: date | None) -> DateMention | None:
    """Turn one regex match into a mention, resolving relative parts against publication."""
    g = m.groupdict()
    span = Span(m.start(), m.end(), m.group())
    mk = DateMention
    if kind in {"iso", "numeric"}:
        return mk(span, int(g["year"]), int(g["month"]), int(g["day"]), kind)
    if kind in {"mdy", "dmy"}:
        return mk(span, int(g["year"]), _month(g["month"]), int(g["day"]), kind)
    if kind in {"md", "dm"}:
        month, day = _month(g["month"]), int(g["day"])
        if not 1 <= day <= 31 or month is None:
            return None
        return mk(span, _year_for(month, day, published, strict=False), month, day, kind)
    if kind in {"my", "ym"}:
        return mk(span, int(g["year"]), _month(g["month"]), None, kind)
    if kind == "month_last_year":
        month = _month(g["month"])
        offset = {"last": -1, "this": 0, "next": 1}[g["rel"].lower()]
        year = None if published is None else published.year + offset
        return mk(span, year, month, None, kind)
    if kind == "last_month_name":
        month = _month(g["month"])
        assert month is not None
        strict = g["rel"].lower() != "this"
        return mk(span, _year_for(month, None, published, strict=strict), month, None, kind)
    if kind == "in_month":
        month = _month(g["month"])
        assert month is not None
        since = m.group().lower().startswith("since")
        year = _year_for(month, None, published, strict=False)
        return mk(span, year, month, None, kind, since=since)
    return _relative_mention(kind, g, span, published)


def _on_day(span: Span, day: date | None, kind: str) -> DateMention:
    """A day-level mention, unresolved (all None) when there is no publication date."""
    if day is None:
        return DateMention(span, None, None, None, kind)
    return DateMention(span, day.year, day.month, day.day, kind)


def _relative_mention(
    kind: str, g: dict[str, str], span: Span, published: date | None
) -> DateMention | None:
    """Mentions that only make sense against the publication date (or another event)."""
    mk = DateMention
    if kind == "relative_day":
        return _on_day(span, _relative_day(g["rel"], published), kind)
    if kind == "weekday":
        return _on_day(span, _weekday_date(g["weekday"], bool(g.get("last")), published), kind)
    if kind == "relative_period":
        rel = g["rel"].lower()
        back = 0 if rel.split()[-1] == "this" else 1
        if published is None:
            return mk(span, None, None, None, kind)
        if g["unit"].lower() == "year":
            return mk(span, published.year - back, None, None, kind)
        if g["unit"].lower() == "week":
            day = published - timedelta(days=7 * back)
            return mk(span, day.year, day.month, None, kind)
        year, month = _months_back(published, back)
        return mk(span, year, month, None, kind)
    if kind == "ago":
        count = 1 if g["count"].lower() in {"a", "an"} else parse_number(g["count"])
        return _ago(span, count, g["unit"].lower(), published)
    if kind == "earlier":
        count = 1 if g["count"].lower() in {"a", "an"} else parse_number(g["count"])
        sign = 1 if g["dir"].lower() == "later" else -1
        return mk(span, None, None, None, kind, relative_years=sign * (count or 1))
    if kind == "year":
        return mk(span, int(g["year"]), None, None, kind)
    if kind == "same_day":
        return mk(span, None, None, None, kind)
    return None


def _ago(span: Span, count: int | None, unit: str, published: date | None) -> DateMention | None:
    if published is None or count is None:
        return DateMention(span, None, None, None, "ago")
    if unit == "day":
        day = published - timedelta(days=count)
        return DateMention(span, day.year, day.month, day.day, "ago")
    if unit == "week":
        return None
    if unit == "month":
        year, month = _months_back(published, count)
        return DateMention(span, year, month, None, "ago")
    return DateMention(span, published.year - count, None, None, "ago")


def _outlet_name(kind: str, text: str, m: re.Match[str]) -> bool:
    """'India Today', 'Pakistan Today': a newspaper, not a date."""
    if kind != "relative_day" or not m.group()[0].isupper():
        return False
    return bool(re.search(r"[A-Z][\w.]*\s+$", text[: m.start()]))


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


_STATED_KINDS = frozenset({"iso", "numeric", "mdy", "dmy", "md", "dm"})


def _in_dateline(before: str, after: str) -> bool:
    """'BANGUI, March 20 (Reuters) - ...': the date a story was filed."""
    label = _PUB_LABEL.match(before.lstrip())
    if label is not None:
        before = re.sub(r"^\S+\s+", "", before.lstrip()[label.end() :])
    opens = re.fullmatch(rf"\s*{_DATELINE_PLACE}", before) is not None
    return opens and bool(re.match(rf"(?:,?\s+(?:19|20)\d\d)?{_DATELINE_END}", after))


def _reported(before: str, after: str) -> bool:
    """A date of the telling, not of the attack: 'police said on Tuesday', 'On Sunday, the
    FBI said ...', 'China on Saturday warned ...'. 'Officials say two were killed on Sunday'
    dates the killing."""
    said = _REPORTING.search(before)
    if said is not None:
        return not _EVENT_VERB.search(said.group("gap"))
    if _TOLD_AFTER.match(after):
        return True
    opening = re.fullmatch(r"(?i)\s*(?:(?:early|late)\s+)?(?:on\s+)?", before) is not None
    return opening and bool(_REPORTED_AFTER.match(after))


def find_dates(clause: Span, published: date | None) -> list[DateMention]:
    """Date expressions in a clause, most specific pattern first, offsets into the article."""
    return list(_dates_in(clause, published))


@functools.lru_cache(maxsize=4096)
def _dates_in(clause: Span, published: date | None) -> tuple[DateMention, ...]:
    found: list[DateMention] = []
    page_dates: list[Span] = []
    has = {name for name, pattern in _HAS.items() if pattern.search(clause.text)}
    for kind, pattern in _PATTERNS:
        if not _NEEDS.get(kind, frozenset()) <= has:
            continue
        for m in pattern.finditer(clause.text):
            mention = _from_match(kind, m, published)
            if mention is None or _outlet_name(kind, clause.text, m):
                continue
            span = clause.sub(m.start(), m.end())
            if any(_overlaps(span, f) for f in [*(f.span for f in found), *page_dates]):
                continue
            before = clause.text[: m.start()]
            if kind in _STATED_KINDS and (
                _LABELLED.search(before) or _in_dateline(before, clause.text[m.end() :])
            ):
                # 'Updated: 16-05-2024', 'KABUL, Jan 19 -' date the page, not an attack; nor
                # does a shorter reading of the same words ('July 2019' in '18 July 2019')
                page_dates.append(span)
                continue
            weak = _reported(before, clause.text[m.end() :])
            since = mention.since or bool(re.search(r"(?i)\bsince\s*(?:the\s+)?$", before))
            found.append(replace(mention, span=span, weak=weak, since=since))
    return tuple(sorted(found, key=lambda d: d.span.start))


def sentence_year(sentence: Span, published: date | None) -> int | None:
    """The one year a sentence states ('this year', 'last year', 'in 2024'), for its months."""
    years = set()
    for mention in find_dates(sentence, published):
        stated = mention.kind in {
            "relative_period",
            "year",
            "my",
            "ym",
            "mdy",
            "dmy",
            "iso",
            "numeric",
        }
        if stated and mention.year is not None and not mention.since:
            years.add(mention.year)
    return years.pop() if len(years) == 1 else None


def shift_years(mention: DateMention, anchor: DateMention | None) -> DateMention:
    """Resolve 'a year earlier' or 'hours after' against the attack mentioned just before."""
    if anchor is None or anchor.year is None:
        return mention
    if mention.kind == "same_day" and anchor.day is not None:
        return replace(mention, year=anchor.year, month=anchor.month, day=anchor.day)
    if mention.relative_years is None:
        return mention
    return replace(mention, year=anchor.year + mention.relative_years)


_PUB_LABEL = re.compile(
    r"(?i)\b(?P<label>published|created|posted|updated|last\s+updated|date)\s*(?:on|at)?\s*:?\s*"
)


def _full_dates(text: str) -> list[tuple[int, date]]:
    """(offset, date) of every day-precise absolute date in a text."""
    out = []
    for kind in ("iso", "numeric", "mdy", "dmy"):
        pattern = dict(_PATTERNS)[kind]
        for m in pattern.finditer(text):
            mention = _from_match(kind, m, None)
            if mention is not None and mention.as_date is not None:
                out.append((m.start(), mention.as_date))
    return sorted(out)


def find_publication_date(text: str) -> tuple[date, Span] | None:
    """The publication date stated in the text itself ('Updated: 02-09-2025', 'Published ...').

    Labelled dates win ('Published'/'Created'/'Posted' before 'Updated'); otherwise a short
    line near the top that is mostly a date (a dateline). Numeric dates are read day-first.
    """
    labelled: list[tuple[int, int, date]] = []
    for label in _PUB_LABEL.finditer(text):
        window = text[label.end() : label.end() + 40]
        dates = [(off, day) for off, day in _full_dates(window) if off <= 12]
        if dates:
            rank = 1 if label.group("label").lower().endswith("updated") else 0
            off, day = dates[0]
            labelled.append((rank, label.end() + off, day))
    if labelled:
        _, start, day = min(labelled)
        return day, _quote_at(text, start)
    for line in re.finditer(r"[^\n]+", text[:1500]):
        if len(line.group().split()) <= 14:
            dates = _full_dates(line.group())
            if dates:
                return dates[0][1], _quote_at(text, line.start() + dates[0][0])
    return None


_DATELINE_PLACE = r"[A-Z][\w.'’/ -]{1,60}?(?:,\s*[A-Z][\w.'’/ -]{1,60}?)?,\s+"
_DATELINE_END = r"\s*(?:\([^)\n]{0,30}\)\s*)?[-–—]"
_DATELINES = tuple(
    re.compile(rf"{_DATELINE_PLACE}(?P<date>{stated}(?:,?\s+{_YEAR})?){_DATELINE_END}")
    for stated in (rf"{_M}\s+{_DAY}", rf"{_DAY}\s+{_M}")
)


def find_dateline(text: str, published: date | None) -> tuple[date, Span] | None:
    """The date of a wire dateline ('KABUL, Jan 19 (Reuters) - ...') opening a line near the
    top, its year taken from the publication date when it states none.

    A dateline is when the story was filed: relative words ('on Sunday') count from it.
    """
    for line in re.finditer(r"[^\n]+", text[:1500]):
        body = line.group()
        label = _PUB_LABEL.match(body.lstrip())
        start = len(body) - len(body.lstrip())
        if label is not None:
            stamp = re.match(r"\S+\s+", body[start + label.end() :])
            start += label.end() + (stamp.end() if stamp else 0)
        m = next((m for p in _DATELINES if (m := p.match(body, start))), None)
        if m is None:
            continue
        month, day = _month(m.group("month")), int(m.group("day"))
        year = int(m.group("year")) if m.group("year") else _nearest_year(month, day, published)
        if month is None or year is None:
            return None
        try:
            stated = date(year, month, day)
        except ValueError:
            return None
        at = line.start() + m.start("date")
        return stated, Span(at, line.start() + m.end("date"), m.group("date"))
    return None


def _nearest_year(month: int | None, day: int, published: date | None) -> int | None:
    """The year that puts a month and day closest to publication (Dec 31 vs Jan 1)."""
    if published is None or month is None:
        return None
    best: tuple[int, int] | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            gap = abs((date(year, month, day) - published).days)
        except ValueError:
            continue
        if best is None or gap < best[0]:
            best = (gap, year)
    return best[1] if best else None


def _quote_at(text: str, start: int) -> Span:
    """The date expression starting at ``start`` as a span of the article."""
    for kind in ("iso", "numeric", "mdy", "dmy"):
        m = dict(_PATTERNS)[kind].match(text, start)
        if m:
            return Span(m.start(), m.end(), m.group())
    end = min(len(text), start + 10)
    return Span(start, end, text[start:end])
