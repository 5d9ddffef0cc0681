"""Casualty counts: how many were killed, injured or unhurt, and of which nationality.

The parser finds counted noun phrases ('five Chinese nationals', 'their Pakistani driver',
'34 injured') and ties each to the nearest casualty word it can reach through list glue
('and', 'including', commas): forwards for 'were killed', backwards for 'killing'. Phrases
after 'including'/'among' are parts of a total, not additions to it, so 'four people,
including three Chinese' is 4 killed of whom 3 Chinese. Attackers are never victims.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from jsms.threat.osint.lexicon import alternation, load_lexicon
from jsms.threat.osint.phrases import LIVES_VERB, Phrase, find_phrases
from jsms.threat.osint.text import NUMBER, Span, parse_number

__all__ = ["ATTACKERS_KILLED", "SentenceCasualties", "find_casualties"]

ATTACKERS_KILLED = "attackers_killed"
"""Attackers killed are counted apart from the victims, never among them."""

_STATUS_STEMS = (
    ("safe", re.compile(r"(?i)unhurt|unharmed|unscathed|\bsafe\b")),
    ("kidnapped", re.compile(r"(?i)kidnap|abduct|hostage|seiz|captive|gunpoint")),
    ("injured", re.compile(r"(?i)injur|wound|hurt|hospitali")),
)
"""What a casualty expression says happened; anything else it says is a death."""
_MARKER = re.compile(
    r"(?i)\b(?:(?:the\s+)?(?:deceased|dead|fatalities|victims)\s+(?:include[sd]?|were|are)|"
    r"among\s+the\s+dead(?:\s+(?:were|are))?|(?:the\s+)?injured\s+(?:include[sd]?|were|are)|"
    r"among\s+the\s+injured(?:\s+(?:were|are))?|"
    r"(?:killing|murder|slaying|assassination|kidnapping|abduction)s?\s+of|"
    r"(?:the\s+)?(?:dead\s+)?bod(?:y|ies)\s+of|"
    r"(?:stabbed|hacked|beaten|bludgeoned|burn(?:ed|t)|stoned|tortured|shot)\s+to\s+death|"
    r"shot\s+dead|shot\s+down|neutrali[sz]ed|eliminated|killed|dead|died|martyred|slain|perished|killing|kills|deaths?\s+of|"
    r"embraced\s+martyrdom|murdered|murdering|beheaded|executed|assassinated|gunned\s+down|"
    r"(?:claimed|cost|took)\s+the\s+lives\s+of|lost\s+(?:their|his|her)\s+(?:lives|life)|"
    r"injured|wounded|hurt|hospitali[sz]ed|"
    r"injuring|wounding|(?:sustained|suffered|received)\s+(?:\w+\s+){0,2}(?:injuries|wounds?)|"
    r"unhurt|unharmed|unscathed|kidnapped|abducted|kidnapping|abducting|kidnaps?|abducts?|"
    r"seized|(?:taken|held)\s+(?:hostage|captive|at\s+gunpoint)|"
    r"(?:remained|are|were|was|is)\s+safe)\b"
)
_MARKER_STEMS = (
    *("dead", "deceas", "fatalit", "victim", "injur", "kill", "murder", "slay", "assassin"),
    *("kidnap", "abduct", "death", "die", "martyr", "slain", "perish", "execut", "behead"),
    *("gunned", "lives", "life", "wound", "hurt", "hospitali", "unharm", "unscath", "seiz"),
    *("hostage", "captive", "gunpoint", "safe", "neutrali", "eliminat", "shot down", "bod"),
)
"""Letters every casualty word contains: most clauses have none, and a substring test is far
cheaper than the casualty pattern's scan."""
_PRE_ONLY = re.compile(
    r"(?i)^(?:killing|kills|injuring|wounding|kidnapping|abducting|murdering|deaths?\s+of|"
    r"(?:the\s+)?(?:dead\s+)?bod(?:y|ies)\s+of|"
    r"claimed\s+the|cost\s+the|took\s+the|(?:the\s+)?deceased|\w+s?\s+of\b|"
    r"(?:the\s+)?dead\s|(?:the\s+)?fatalities|(?:the\s+)?victims|among|(?:the\s+)?injured\s)"
)
_POST_ONLY = re.compile(
    r"(?i)^(?:dead|died|martyred|slain|perished|lost|sustained|suffered|received|unhurt|"
    r"unharmed|unscathed|remained|are|were|was|is|hurt|taken|held|embraced|hospitali)"
)
_OBJECT_AFTER = re.compile(
    rf"(?i)\s+(?:(?:at\s+least|more\s+than|over|nearly|about|around|some|another|all)\s+)*"
    rf"(?:{NUMBER}|a|an|the|their|his|her|its|no|(?-i:[A-Z][a-z]+\s+[A-Z][a-z]+))\b"
    r"(?!\s+(?:years?|months?|weeks?|days?|hours?|decades?)\b)"
)
"""'killed two Chinese': an object; 'killed two years ago' is no count of victims."""
_GLUE = (
    r"(?i)^(?:\s|[,()–—─\-]|\band\b|\bor\b|\bincluding\b|\bamong(?:\s+them|\s+those|\s+the\s+(?:people|persons|victims|ones))?\b|"
    r"\bof\s+(?:whom|which|them)\b|\bas\s+well\s+as\b|\balong\s+with\b|\bplus\b|\balso\b|"
    r"\ball\b|\bboth\b|\bwere\b|\bwas\b|\bhave\b|\bhas\b|\bhad\b|"
    r"\bbeen\b|\bbeing\b|\bare\b|\bis\b|\bgot\b|\blater\b|\bescaped\b|"
    r"\b(?!family\b|only\b|early\b)[a-z]{3,}ly\b|\bothers?\b|\bat\s+least\b|\bleaving\b|\bleft\b|"
    r"\bshot(?:\s+at)?\b|\bon\s+the\s+spot\b|\bremained\b|\bfound\b|"
    r"\breported\s+to\s+have\b|\bsaid\s+to\s+have\b|\bidentified\s+as\b|\bnamed\b|"
    r"\bfrom\b|['’]s\b|\bregion\b|\bprovince\b|"
    r"\baged\s+\d+\b|\bof\s+(?:[\w-]+\s+){1,2}(?:citizenship|nationality|origin)\b|"
    r"\bin\s+the\s+(?:\w+\s+){0,2}?(?:attacks?|incident|blast|explosion|shooting|bombing|assault|"
    r"raid|ambush|violence|firing|crossfire)\b|"
    r"\bwho\s+(?:[\w'’-]+\s+){0,8}?(?=(?:were|was|had\s+been|have\s+been)\b)|"
    r"\b(?:guarding|escorting|protecting|accompanying)\s+(?:[\w-]+\s+){0,5}?[\w-]+"
    r"(?=\s*(?:,|\b(?:were|was|are|have|has|had)\b))|"
    r"\b(?:working|employed|based|living|staying|travell?ing|heading|returning)\s+"
    r"(?:in|at|for|on|with|from|to)\s+"
    r"(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,6}?[\w-]+(?=\s*(?:,|\b(?:were|was|are|have|has|had)\b))|"
    r"\bof\s+(?:the\s+)?(?-i:[A-Z][\w-]*\s*|\([A-Z]+\)\s*)+|\b(?-i:[A-Z][a-z]+)\b|"
    r"(?:[\w-]+\s+)?<NOUNS>)*+$"
)


@functools.cache
def _glue() -> re.Pattern[str]:
    """What may stand between a listed phrase and its casualty word: list words, auxiliaries,
    names, where the victims worked, and uncounted people ('and Rangers personnel')."""
    return re.compile(_GLUE.replace("<NOUNS>", alternation(sorted(load_lexicon().person_nouns))))


_SUBORDINATE = re.compile(r"(?i)\b(?:including|among\s+them|of\s+whom|of\s+which)\b")
_NONE_HURT = re.compile(
    r"(?i)\bno\s+(?P<what>loss\s+of\s+life|casualties|fatalities|deaths|injuries|one\s+was\s+"
    r"(?:killed|hurt|injured|harmed))\b"
)
_SUCCUMBED = re.compile(
    r"(?i)\bsuccumb\w*|\blater\s+died\b|\bdied\s+(?:of|from)\s+(?:his|her|their)\b"
)
_AGGREGATE = re.compile(
    r"(?i)\bsince\s+(?:19|20)\d\d|\bsince\s+the\s+(?:start|beginning)|\bso\s+far\s+this\s+year|"
    r"\bto\s+date\b|\bover\s+the\s+(?:past|last)\s+(?:\w+\s+)?(?:years?|decade|months)|"
    r"\bin\s+(?:recent|the\s+past|the\s+last)\s+(?:\w+\s+)?years|"
    rf"\bin\s+(?:{NUMBER})\s+(?:separate\s+|terrorist\s+|targeted\s+|different\s+)?attacks|"
    r"(?<!latest\s)(?<!one\s)\bin\s+(?:these|such|various|several|multiple|a\s+series\s+of|a\s+string\s+of)\s+"
    r"(?:\w+\s+){0,2}attacks|\ba\s+total\s+of\b|\bin\s+total\b|\baltogether\b|\bcumulative|"
    r"\b(?:last|this|that|in\s+(?:19|20)\d\d)\s+(?:year\s+)?alone\b|"
    r"\bin\s+(?:[\w-]+-related|separate|similar|other|unrelated)\s+(?:incidents|attacks)\b"
)


@dataclass
class SentenceCasualties:
    """Totals stated in one clause: per status, and per nationality per status."""

    totals: dict[str, int] = field(default_factory=dict)
    total_spans: dict[str, Span] = field(default_factory=dict)
    nationals: dict[str, dict[str, int]] = field(default_factory=dict)
    national_spans: dict[str, Span] = field(default_factory=dict)
    lists: dict[str, int] = field(default_factory=dict)
    aggregate: bool = False

    @property
    def empty(self) -> bool:
        return not self.totals and not self.nationals


def _marker_status(words: str) -> str:
    """'safe', 'kidnapped', 'injured' or 'killed' for a casualty expression ('sustained
    injuries', 'kidnappings of')."""
    for status, stem in _STATUS_STEMS:
        if stem.search(words):
            return status
    return "killed"


def _markers(clause: Span) -> list[tuple[Span, str, str]]:
    """(span, status, direction) of casualty words; direction 'pre', 'post' or 'both'."""
    out = []
    for m in _MARKER.finditer(clause.text):
        word = m.group().lower()
        status = _marker_status(word)
        direction = "pre" if _PRE_ONLY.match(word) else "post" if _POST_ONLY.match(word) else "both"
        if direction == "both":
            direction = "pre" if _OBJECT_AFTER.match(clause.text[m.end() :]) else "post"
        out.append((clause.sub(m.start(), m.end()), status, direction))
    return out


def _between(clause: Span, start: int, end: int, phrases: list[Phrase]) -> str:
    """Clause text between two offsets with the counted phrases cut out."""
    pieces, cursor = [], start
    for p in phrases:
        cut_from = p.object_start if p.object_start is not None else p.span.start
        if cut_from >= start and p.span.end <= end:
            pieces.append(clause.text[cursor - clause.start : cut_from - clause.start])
            cursor = p.span.end
    pieces.append(clause.text[cursor - clause.start : end - clause.start])
    return " ".join(pieces)


def _marker_start(span: Span, phrases: list[Phrase]) -> int:
    """Where a casualty word starts, or its phrase starts when it heads one ('4 dead')."""
    for p in phrases:
        if p.span.start <= span.start < p.span.end:
            return p.span.start
    return span.start


Found = tuple[str | None, int | None]
"""A phrase's status ('killed', 'injured', 'safe') and the index of the word that says so."""


def _forward(
    clause: Span, p: Phrase, markers: list[tuple[Span, str, str]], phrases: list[Phrase]
) -> Found:
    """'five Chinese nationals and their driver were killed': the word after the list."""
    for i, (span, status, direction) in enumerate(markers):
        if p.span.start <= span.start and span.end == p.span.end:
            return status, i  # the phrase is headed by it: '34 injured'
        if span.start >= p.span.end and direction != "pre":
            gap = _between(clause, p.span.end, _marker_start(span, phrases), phrases)
            return (status, i) if _glue().match(gap) else (None, None)
    return None, None


def _backward(
    clause: Span, p: Phrase, markers: list[tuple[Span, str, str]], phrases: list[Phrase]
) -> Found:
    """'killing five Chinese citizens': the word before the list."""
    for i, (span, status, direction) in reversed(list(enumerate(markers))):
        if span.end <= p.span.start and direction != "post":
            gap = _between(clause, span.end, p.span.start, phrases)
            return (status, i) if _glue().match(gap) else (None, None)
    return None, None


def _lives(clause: Span, p: Phrase) -> Found:
    """'which took two lives', 'claimed six lives'."""
    before = clause.text[: p.span.start - clause.start]
    if p.span.text.lower().endswith(("lives", "life")) and LIVES_VERB.search(before):
        return "killed", -1
    return None, None


_SPEAKER_AFTER = re.compile(r"\s*,?\s*(?:said|says|told|added|stated|confirmed)\b")


def _assign(clause: Span, phrases: list[Phrase]) -> list[Phrase]:
    """Give each subject phrase the status of the casualty word it is glued to."""
    markers = _markers(clause)
    out: list[Phrase] = []
    for p in phrases:
        if p.is_object or _SPEAKER_AFTER.match(clause.text, p.span.end - clause.start):
            continue  # 'an official said': who told it, not who suffered it
        status, marker = _forward(clause, p, markers, phrases)
        if status is None:
            status, marker = _backward(clause, p, markers, phrases)
        if status is None:
            status, marker = _lives(clause, p)
        if status is None and out:
            status, marker = _listed_after(clause, out[-1], p, markers)
        if status is None and p.adjective:
            status, marker = p.adjective, -1
        out.append(replace(p, status=status, marker=marker))
    return _mark_subordinates(clause, out)


_PART_OF = re.compile(
    r"(?i)(?:^|[,(–—-])\s*(?:including|among\s+them|among\s+whom|of\s+whom|mostly|mainly|"
    r"most\s+of\s+them)\s+$"
)


def _listed_after(
    clause: Span, prev: Phrase, p: Phrase, markers: list[tuple[Span, str, str]]
) -> Found:
    """'claimed 26 lives, including a Nepali national': a part takes its total's status.

    Only the total's own casualty word may stand between them ('seven people died,
    including two Chinese').
    """
    gap_start, gap_end = prev.span.end, p.span.start
    others = [i for i, (span, _, _) in enumerate(markers) if gap_start <= span.start < gap_end]
    gap = clause.text[gap_start - clause.start : gap_end - clause.start]
    if prev.status is None or any(i != prev.marker for i in others):
        return None, None
    return (prev.status, prev.marker) if _PART_OF.search(gap) else (None, None)


_APPOSITION = re.compile(r"(?i)^\s*(?:,|,?\s*and|:|–|—)\s*$")
_AMONG = re.compile(r"(?i)^[\s,]*(?:(?:were|was|are|is)\s+)?(?:also\s+)?among\b")


def _mark_subordinates(clause: Span, phrases: list[Phrase]) -> list[Phrase]:
    """Parts of a total: after 'including', before 'among', or inside dashes after a phrase.

    'Seven Saudis and four Iraqis were among the 39 killed': the whole list before 'among'
    is part of the total after it; with no total after it ('were among those killed') the
    list counts nationals only.
    """
    out: list[Phrase] = []
    dashes, including = 0, False
    list_start = 0
    for p in phrases:
        prev = out[-1] if out else None
        gap = (
            ""
            if prev is None
            else clause.text[prev.span.end - clause.start : p.span.start - clause.start]
        )
        same_list = prev is not None and p.marker is not None and prev.marker == p.marker
        if not same_list:
            dashes, including, list_start = 0, False, len(out)
        dashes += len(re.findall(r"[–—─(]", gap)) - len(re.findall(r"\)", gap))
        including = including or bool(_SUBORDINATE.search(gap))
        sub = same_list and (including or dashes % 2 == 1)
        if same_list and p.named and prev is not None and _APPOSITION.match(gap):
            sub = sub or not prev.named or prev.subordinate  # 'Two hikers, Maren Ueland of ...'
        if re.search(r"(?i)\bof\s+those$", p.span.text):
            sub = True  # 'four of those seized were locals': a part of a toll told before
        out.append(_inherit(replace(p, subordinate=sub), prev, gap))
        if _AMONG.match(clause.text[p.span.end - clause.start :]):
            out[list_start:] = [replace(q, subordinate=True) for q in out[list_start:]]
    return out


_DONE_TO = re.compile(
    r"(?i)\b(?:killing|injuring|wounding|kidnapping|abducting|killed|injured|wounded|kidnapped|"
    r"abducted)\s+(?:at\s+least\s+|another\s+)?$"
)


def _inherit(p: Phrase, prev: Phrase | None, gap: str) -> Phrase:
    """'One terrorist ... and three others' are attackers; '20 Chinese ... and 34 injured' too."""
    if prev is None:
        return p
    done_to = _DONE_TO.search(gap)  # 'a suicide bomber ..., injuring five': the five are victims
    perpetrator = p.perpetrator or (
        (p.bare or p.span.text.lower().endswith("others")) and prev.perpetrator and not done_to
    )
    nationality = p.nationality
    if p.bare and nationality is None and re.search(r"(?i)\band\s+(?:another\s+)?$", gap):
        nationality = prev.nationality
    return replace(p, perpetrator=perpetrator, nationality=nationality)


def _restated(clause: Span, group: list[Phrase]) -> list[Phrase]:
    """'three attackers and all three were killed' is three: 'all three' restates a count."""
    out: list[Phrase] = []
    for p in group:
        before = clause.text[: p.span.start - clause.start]
        if out and out[-1].count == p.count and re.search(r"(?i)\b(?:all|both)\s+$", before):
            out.pop()
        out.append(p)
    return out


def _merge_totals(result: SentenceCasualties, clause: Span, group: list[Phrase]) -> None:
    """Add one list (phrases tied to one casualty word) to the clause's totals."""
    status = group[0].status
    assert status is not None
    group = _restated(clause, group)
    victims = [p for p in group if not p.perpetrator]
    attackers = [p for p in group if p.perpetrator and p.count]
    if attackers and status == "killed":
        result.totals[ATTACKERS_KILLED] = result.totals.get(ATTACKERS_KILLED, 0) + sum(
            p.count or 0 for p in attackers
        )
        result.total_spans.setdefault(
            ATTACKERS_KILLED,
            clause.sub(
                attackers[0].span.start - clause.start, attackers[-1].span.end - clause.start
            ),
        )
    if not victims:
        return
    quote = clause.sub(group[0].span.start - clause.start, group[-1].span.end - clause.start)
    top = [p for p in victims if not p.subordinate]
    none_of = all(p.count == 0 and p.nationality for p in top)  # 'no Turks were hurt'
    if status != "safe" and top and not none_of:
        total = sum(p.count or 0 for p in top)
        result.totals[status] = result.totals.get(status, 0) + total
        result.total_spans.setdefault(status, quote)
        result.lists[status] = result.lists.get(status, 0) + 1
    for p in victims:
        if p.nationality is None:
            continue
        per = result.nationals.setdefault(p.nationality, {})
        unharmed = status == "safe" or (status == "injured" and p.count == 0)
        statuses = ("killed", "injured") if unharmed else (status,)
        for st in statuses:
            per[st] = per.get(st, 0) + (0 if status == "safe" else p.count or 0)
        result.national_spans.setdefault(p.nationality, p.span)


@functools.cache
def _safe_pattern() -> re.Pattern[str]:
    """'All Chinese staff are safe': a nationality named unharmed without a count."""
    nationalities = alternation(list(load_lexicon().nationality_of), case_sensitive=True)
    return re.compile(
        rf"(?i)\b(?:all|the)\s+(?:the\s+)?(?P<nat>{nationalities})[^.;,]{{0,60}}?\b"
        r"(?:are|were|was|is|remain|remained)\s+(?:all\s+)?(?:safe|unhurt|unharmed|unscathed)\b"
    )


def _safe_nationals(clause: Span, result: SentenceCasualties) -> None:
    lex = load_lexicon()
    for m in _safe_pattern().finditer(clause.text):
        iso = lex.nationality_of.get(m.group("nat"))
        if iso is not None and iso not in result.nationals:
            result.nationals[iso] = {"killed": 0, "injured": 0}
            result.national_spans[iso] = clause.sub(m.start(), m.end())


def _none_hurt(clause: Span, result: SentenceCasualties) -> None:
    for m in _NONE_HURT.finditer(clause.text):
        what = m.group("what").lower()
        statuses = (
            ["killed", "injured"]
            if "casualties" in what
            else (["injured"] if "injur" in what or "hurt" in what else ["killed"])
        )
        for st in statuses:
            if st not in result.totals:
                result.totals[st] = 0
                result.total_spans[st] = clause.sub(m.start(), m.end())


_ONE_WAS = re.compile(
    r"(?i)\bthe\s+(?:one|person|man|woman|victim)\s+(?P<verb>killed|injured|wounded)\b"
    r"[^.;]{0,40}?\b(?:was|is)\s+an?\s+(?P<nat>[A-Z][\w-]+)"
)


@functools.cache
def _breakdown_pattern() -> re.Pattern[str]:
    """'of which five were Chinese': built once, it names every nationality."""
    nationalities = alternation(list(load_lexicon().nationality_of), case_sensitive=True)
    return re.compile(
        rf"(?i)\b(?:of\s+(?:which|whom|them)|and)\s*,?\s+(?P<num>{NUMBER})\s+(?:were|was|are|is)\s+"
        rf"(?:an?\s+)?(?P<nat>{nationalities})"
    )


def _breakdown(clause: Span, phrases: list[Phrase], result: SentenceCasualties) -> None:
    """'claimed six lives, of which five were Chinese engineers and one was a Pakistani'."""
    lex = load_lexicon()
    pattern = _breakdown_pattern()
    for m in _ONE_WAS.finditer(clause.text):
        iso = lex.nationality_of.get(m.group("nat"))
        if iso is not None:
            said = _marker_status(m.group("verb").lower())
            result.nationals.setdefault(iso, {})[said] = 1
            result.national_spans.setdefault(iso, clause.sub(m.start(), m.end()))
    for m in pattern.finditer(clause.text):
        earlier = [
            p
            for p in phrases
            if p.status in {"killed", "injured"} and p.span.end <= clause.start + m.start()
        ]
        count = parse_number(m.group("num"))
        if not earlier or count is None:
            continue
        country, of_list = lex.nationality_of[m.group("nat")], earlier[-1].status
        assert of_list is not None
        per = result.nationals.setdefault(country, {})
        per[of_list] = per.get(of_list, 0) + count
        result.national_spans.setdefault(country, clause.sub(m.start(), m.end()))


_LIVES_WORD = re.compile(r"(?i)\bli(?:ves|fe)\b")
_CONTESTED = re.compile(
    r"(?i)\bclaim(?:ed|s|ing)?\s+that\b|\bunconfirmed\b|\bunverified\b|"
    r"\bcould\s+not\s+be\s+(?:independently\s+)?verified\b|\bexaggerat\w+"
)


_TOLL = re.compile(
    rf"(?i)\bdeath\s+toll\b[^.;]{{0,80}}?\b(?:rose|risen|climbed|reached|increased|jumped|"
    rf"stood|stands|now\s+stands|has\s+risen|had\s+risen)\s+(?:to\s+|at\s+)?(?:at\s+least\s+)?"
    rf"(?P<num>{NUMBER})\b(?!\s*(?:%|per\s*cent|percent))"
)


def _toll(clause: Span, result: SentenceCasualties) -> None:
    """'The death toll from Sunday's bombing rose to 14': a death count with no noun."""
    m = _TOLL.search(clause.text) if "toll" in clause.text.lower() else None
    count = parse_number(m["num"]) if m else None
    if m is None or count is None or "killed" in result.totals:
        return
    result.totals["killed"] = count
    result.total_spans["killed"] = clause.sub(m.start(), m.end())


def find_casualties(clause: Span) -> SentenceCasualties:
    """Killed/injured totals and per-nationality counts one clause states.

    Figures someone merely 'claimed that' (often militants inflating a toll) are left out.
    """
    if _CONTESTED.search(clause.text):
        return SentenceCasualties(aggregate=bool(_AGGREGATE.search(clause.text)))
    # a count takes its status from a casualty word or 'lives': without one, no phrase counts
    low = clause.text.lower()
    marked = any(stem in low for stem in _MARKER_STEMS) and _MARKER.search(clause.text)
    counted = marked or _LIVES_WORD.search(clause.text)
    phrases = _assign(clause, find_phrases(clause)) if counted else []
    if _SUCCUMBED.search(clause.text):
        phrases = [p for p in phrases if not (p.status == "injured" and p.singular_definite)]
    result = SentenceCasualties(aggregate=bool(_AGGREGATE.search(clause.text)))
    groups: dict[tuple[int | None, str], list[Phrase]] = {}
    for p in phrases:
        if p.status is not None:
            groups.setdefault((p.marker, p.status), []).append(p)
    for group in groups.values():
        _merge_totals(result, clause, group)
    if not result.nationals:
        _breakdown(clause, phrases, result)
    _toll(clause, result)
    _none_hurt(clause, result)
    _safe_nationals(clause, result)
    return result
