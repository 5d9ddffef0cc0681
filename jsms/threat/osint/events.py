"""Grouping mentions into events, and attaching claims of responsibility to them.

Mentions join an event when nothing contradicts it (place, date, death toll) and something
links them (same place, same day, or 'the attack' pointing back); national tallies ('20
Chinese killed since 2021') gather into one aggregate event that never becomes an incident.
"""

from __future__ import annotations

from jsms.threat.osint.claims import (
    Claim,
    GroupMention,
    find_attribution,
    find_claim,
    find_named_groups,
    written_name,
)
from jsms.threat.osint.dates import DateMention, find_dates, shift_years
from jsms.threat.osint.mentions import Article, Event, Mention, same_place
from jsms.threat.osint.places import PlaceMention
from jsms.threat.osint.text import Span
from jsms.threat.osint.types import choose_attack_type

__all__ = [
    "IMPLICIT",
    "NEWS_WINDOW_DAYS",
    "attach_claims",
    "attributed_to",
    "claimed_by",
    "group_events",
]

IMPLICIT = "implicit"
NEWS_WINDOW_DAYS = 7
"""An undated lead attack is taken to be within this many days of publication."""


def _dates_conflict(a: DateMention | None, b: DateMention | None) -> bool:
    """Two dates that cannot be the same attack (an implicit news date allows a week)."""
    if a is None or b is None or a.weak or b.weak:
        return False
    da, db = a.as_date, b.as_date
    if da is not None and db is not None:
        tolerance = NEWS_WINDOW_DAYS if IMPLICIT in (a.kind, b.kind) else 1
        return abs((da - db).days) > tolerance
    if a.year is not None and b.year is not None and a.year != b.year:
        return True
    return a.month is not None and b.month is not None and a.month != b.month


def _unlocated(place: PlaceMention) -> bool:
    """A place named but not found anywhere ('the Serene Hotel'): 'the blast' there may be the
    attack already told, so it does not contradict one."""
    return place.lat is None and place.province is None


def _places_conflict(known: PlaceMention, named: PlaceMention, m: Mention, event: Event) -> bool:
    """Two places that cannot be one attack's; a vague anchor, 'the blast' at a place found
    nowhere, or a site found nowhere named right after the town ('... in Sousse.' then 'opened
    fire at the Imperial Marhaba Hotel') does not contradict."""
    if same_place(known, named) or _weak_anchor(m):
        return False
    site_after_town = _unlocated(named) and named.rank >= 4 and not _unlocated(known)
    if site_after_town and m.index - event.mentions[-1].index <= 1:
        return False
    return not (m.anaphoric and _unlocated(named))


def _told_as_past(d: DateMention | None) -> bool:
    """'last year', 'last month', 'two years ago': before the news, whatever the exact date."""
    if d is None or d.weak:
        return False
    if d.kind == "ago":
        return True
    return d.kind == "relative_period" and d.span.text.lower().startswith(("last", "earlier"))


def _weak_anchor(m: Mention) -> bool:
    """Only a province and no date: too vague to make a separate event of."""
    return m.date is None and m.place is not None and m.place.rank == 1


def _is_event_mention(m: Mention) -> bool:
    """An attack word plus something specific: a place, a date or a casualty count."""
    if not m.attack or m.casualties.aggregate:
        return False
    threat = any(c.kind == "threat" for c in m.cues)
    specific = m.place is not None or m.date is not None or (threat and m.lead)
    counted = not m.casualties.empty
    placed = m.place is not None and m.place.rank >= 1  # a town or province, not a country
    if m.generic and not threat and not (counted or (m.date is not None and placed)):
        return False
    if _weak_anchor(m) and not counted:
        return False
    return specific or counted


def _national_counts(event: Event) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for m in event.mentions:
        for iso, per in m.casualties.nationals.items():
            for status, value in per.items():
                out[(iso, status)] = max(value, out.get((iso, status), value))
    return out


def _counts_fit(event: Event, m: Mention) -> bool:
    """An unplaced mention can't join an event whose victims it contradicts (5 vs 9 Chinese)."""
    known = _national_counts(event)
    return all(
        known.get((iso, status), value) == value
        for iso, per in m.casualties.nationals.items()
        for status, value in per.items()
    )


def _event_type(mentions: list[Mention]) -> str | None:
    cue = choose_attack_type([c for m in mentions for c in m.cues])
    return cue.kind if cue else None


def _contradicts(event: Event, m: Mention) -> bool:
    """Another attack in the same town: different method and a different death toll."""
    killed = m.casualties.totals.get("killed")
    known = [
        x.casualties.totals["killed"] for x in event.mentions if "killed" in x.casualties.totals
    ]
    kinds = _event_type(event.mentions), _event_type([m])
    different_kind = None not in kinds and kinds[0] != kinds[1]
    return different_kind and killed is not None and bool(known) and killed not in known


class _Grouper:
    """Walks the mentions in order and gathers them into events."""

    def __init__(self, doc: Article) -> None:
        self.doc = doc
        self.events: list[Event] = []
        self.focus: Event | None = None
        self.aggregate: Event | None = None

    def when(self, event: Event) -> DateMention | None:
        """The stated date, or for an undated lead attack the publication date (implicit)."""
        stated = event.date
        pub = self.doc.published
        if stated is not None or pub is None or not event.mentions[0].lead:
            return stated
        return DateMention(Span(0, 0, ""), pub.year, pub.month, pub.day, IMPLICIT)

    def fits(self, event: Event, m: Mention) -> bool:
        """No contradiction between the event so far and the mention."""
        ep, mp = event.place, m.place
        if ep is not None and mp is not None and _places_conflict(ep, mp, m, event):
            return False
        if _told_as_past(m.date) and self.is_news(event):
            return False  # 'last year ... abducting some 40 people' is not today's raid
        when = self.when(event)
        both_lead = m.lead and event.mentions[0].lead
        if _dates_conflict(when, m.date) and not (both_lead and when and when.kind == IMPLICIT):
            return False
        return not _contradicts(event, m)

    def is_news(self, event: Event) -> bool:
        """The article's own news: told in the lead, dated today or this week, or undated."""
        if not event.mentions[0].lead:
            return False
        when = self.when(event)
        return when is None or when.kind in {IMPLICIT, "weekday", "relative_day", "same_day"}

    @staticmethod
    def linked(event: Event, m: Mention) -> bool:
        """Positive evidence that the mention is about this event: same place or same day."""
        ep, mp = event.place, m.place
        if ep is not None and mp is not None and same_place(ep, mp):
            return True
        ed, md = event.date, m.date
        if ed is not None and md is not None and ed.precision == md.precision == "day":
            return not _dates_conflict(ed, md)
        return m.anaphoric

    def _elaborates_focus(self, m: Mention) -> bool:
        """A sentence right after an event that adds a place or a date usually goes on about it.

        That holds for a dated but unplaced sentence, and for any sentence after an event that
        has neither place nor date yet (a headline: 'Gunmen storm hotel, killing one').
        """
        focus = self.focus
        if focus is None or m.index - focus.mentions[-1].index > 3:
            return False
        vague = focus.place is None and (focus.date is None or focus.date.precision is None)
        # a headline's town, then the lead's more exact place in the same province ('... in
        # Karachi' above 'near Port Qasim on Sunday night'): one attack told twice
        ep, mp = focus.place, m.place
        headline = m.lead and focus.date is None and all(x.lead for x in focus.mentions)
        province = ep.province if ep is not None else None
        if headline and province is not None and mp is not None and mp.province == province:
            return not _dates_conflict(self.when(focus), m.date) and _counts_fit(focus, m)
        if m.place is not None and not vague:
            return False
        return self.fits(focus, m) and _counts_fit(focus, m)

    def target(self, m: Mention) -> Event | None:
        """The event a mention belongs to, or None when it starts a new one."""
        live = [e for e in self.events if not e.aggregate]
        if m.place is not None or m.date is not None:
            linked = [e for e in live if self.fits(e, m) and self.linked(e, m)]
            if linked:
                return linked[-1]
            if self._elaborates_focus(m):
                return self.focus
            if not (m.anaphoric or _weak_anchor(m)):
                return None
        ordered = ([self.focus] if self.focus is not None else []) + list(reversed(live))
        return next((e for e in ordered if self.fits(e, m) and _counts_fit(e, m)), None)

    def continues(self, m: Mention) -> bool:
        """An unanchored sentence right after an event that goes on about it ('the blast ...')."""
        focus = self.focus
        if focus is None or not self.fits(focus, m) or not _counts_fit(focus, m):
            return False
        gap = m.index - focus.mentions[-1].index
        counted = not m.casualties.empty and gap <= 3
        return m.anaphoric or counted or (gap <= 2 and m.attack and not m.generic)

    def resolve_relative(self, m: Mention) -> None:
        """'A year earlier', 'hours after' count from the attack mentioned just before."""
        previous = next((e.date for e in reversed(self.events) if not e.aggregate), None)
        m.dates = [shift_years(d, previous) for d in m.dates]

    def add(self, m: Mention) -> None:
        self.resolve_relative(m)
        if _foreign_aggregate(m, self.doc.host):
            if self.aggregate is None:
                self.aggregate = Event([], aggregate=True)
                self.events.append(self.aggregate)
            self.aggregate.mentions.append(m)
        elif _is_event_mention(m):
            target = self.target(m)
            if target is None:
                target = Event([])
                self.events.append(target)
            target.mentions.append(m)
            self.focus = target
        elif self.continues(m):
            self.focus.mentions.append(m)  # type: ignore[union-attr]


def _foreign_aggregate(m: Mention, host: str | None) -> bool:
    """A national tally ('20 Chinese nationals killed since 2021') rather than an attack."""
    c = m.casualties
    return c.aggregate and not c.empty and any(iso != host for iso in c.nationals)


def group_events(doc: Article, mentions: list[Mention]) -> list[Event]:
    grouper = _Grouper(doc)
    for m in mentions:
        grouper.add(m)
    return grouper.events


# Claims of responsibility


def _named_before(doc: Article, index: int, before: int) -> GroupMention | None:
    """The group spoken of before an offset: the first one named in the nearest sentence
    that names any (its subject: 'Abu Sayyaf is an Islamic State affiliate'), up to four
    sentences back."""
    for j in range(index, max(index - 5, -1), -1):
        groups = [g for g in find_named_groups(doc.sentences[j]) if g.span.end <= before]
        if groups:
            return groups[0]
    return None


def _nearby_group(doc: Article, index: int, claim: Claim) -> GroupMention | None:
    """The group a claim without a name means ('the rebel group said it ...'): the one named
    last before it, else (for a claim) one named in the next three sentences."""
    before = _named_before(doc, index, claim.phrase.start)
    if before is not None or not claim.claimed:
        return before
    for j in range(index + 1, min(index + 4, len(doc.sentences))):
        groups = find_named_groups(doc.sentences[j])
        if groups:
            return groups[0]
    return None


def _belongs(claim: Claim, event: Event | None, last: Event | None, undated: bool) -> bool:
    """Where an attribution telling the attack itself may go: its own sentence's event, or
    the one spoken of when its sentence is no event of its own and names no other date."""
    if not claim.local:
        return True
    return event is last or (event is None and undated)


def attach_claims(doc: Article, events: list[Event], mentions: list[Mention]) -> None:
    """Each claim goes to the event of its sentence, else to the one last spoken of; a claim
    in a headline, before any attack is told, goes to the first one.

    An attribution that tells an attack itself ('X militants kidnapped ...') goes only to its
    own sentence's event: it is about whichever attack that sentence reports."""
    del mentions
    owner: dict[int, Event] = {}
    for event in events:
        for m in event.mentions:
            owner.setdefault(m.index, event)
    last: Event | None = None
    early: list[tuple[Claim, GroupMention | None]] = []
    for i, sentence in enumerate(doc.sentences):
        if i in owner and not owner[i].aggregate:
            if last is None:
                owner[i].claims.extend(early)
            last = owner[i]
        for claim in (find_claim(sentence), find_attribution(sentence)):
            if claim is None or claim.kind == "denied":
                continue
            undated = not find_dates(sentence, doc.published)
            if not _belongs(claim, owner.get(i), last, undated):
                continue
            group = claim.group
            if group is None and not claim.nameless:
                group = _nearby_group(doc, i, claim)
            (early if last is None else last.claims).append((claim, group))
    _hand_on_from_vague(events)


def _vague(event: Event) -> bool:
    """An older attack recalled with neither a town nor a date: it makes no incident."""
    place, when = event.place, event.date
    no_place = place is None or place.rank <= 1
    no_date = when is None or when.precision in {None, "year"}
    return not event.mentions[0].lead and no_place and no_date


def _hand_on_from_vague(events: list[Event]) -> None:
    """A claim that lands on a vague recollection ('the attack ... after a similar one in
    2021') is about the article's lead attack: that one is reported, the recollection is not."""
    lead = next((e for e in events if not e.aggregate and e.mentions[0].lead), None)
    if lead is None:
        return
    for event in events:
        if event is not lead and not event.aggregate and event.claims and _vague(event):
            lead.claims.extend(event.claims)
            event.claims.clear()


def _quote(claim: Claim, group: GroupMention, text: str) -> str:
    """The phrase and the group's name together when they are close, else the name."""
    a, b = claim.phrase, group.span
    if abs(a.start - b.start) < 200:
        return text[min(a.start, b.start) : max(a.end, b.end)]
    return group.span.text


def claimed_by(event: Event, text: str) -> tuple[str, str] | None:
    """(group name as written, evidence quote) of the first explicit claim naming a group."""
    for claim, group in event.claims:
        if claim.claimed and group is not None:
            return written_name(group, text), _quote(claim, group, text)
    return None


def attributed_to(event: Event, text: str) -> tuple[str, str] | None:
    """(group name as written, evidence quote) of the first group blamed for the attack, one
    merely named as the attackers ('X gunmen') last; groups blamed together joined by ' / '."""
    for weak in (False, True):
        for claim, group in event.claims:
            if claim.kind == "attributed" and group is not None and claim.weak == weak:
                names = [written_name(g, text) for g in (group, *claim.also)]
                return " / ".join(names), _quote(claim, group, text)
    return None
