"""Militant groups, and what the text says about who carried out an attack.

A *claim* is the group's own word ('the BLA claimed responsibility', 'an attack claimed by the
TTP', 'the group said it targeted ...', 'rebels admit kidnapping ...'). An *attribution* is
anyone else's: officials blame or suspect a group ('suspicion fell on X', 'blamed the attack on
X'), or the text says the group did it ('the X militia attacked', 'abducted by X militants').
A denied or missing claim is neither, and so is a group's general record ('the BLA has long
targeted Chinese nationals').

Group names come from the lexicon (aliases and acronyms of well-known groups) and from their
context, so a group no list knows is still found: a capitalised name after 'militant group' or
'a gang called', before 'militants' or 'militia', or as the subject of 'claimed
responsibility'. Names are reported as the article writes them, with the acronym it defines
for them ('Islamic State (IS)'), because that is how an analyst finds them in the text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from jsms.geo.gazetteer import normalize_name
from jsms.geo.world import load_world
from jsms.threat.osint.lexicon import load_lexicon
from jsms.threat.osint.text import Span

__all__ = [
    "Claim",
    "GroupMention",
    "find_attribution",
    "find_claim",
    "find_groups",
    "find_named_groups",
    "written_name",
]

_CLAIM = re.compile(
    r"(?i)\b(?:claim(?:ed|s|ing)?|took|taken|takes|taking|accepted|owned|assumed)\s+(?:the\s+)?"
    r"(?:full\s+)?responsibility\b|\bresponsibility\s+(?:was|has\s+been|had\s+been)\s+claimed\b|"
    r"\bclaimed\s+by\b|\bclaim(?:ed|s)?\s+(?:the|that|this|its)\s+(?:attack|bombing|blast|assault|"
    r"explosion|killing|killings|abduction|kidnapping|suicide)\b|"
    r"\bclaim(?:ed|s)?\s+(?:that\s+)?(?:it|they)\s+(?:had\s+)?(?:killed|carried|attacked|"
    r"targeted|executed|was\s+behind)\b|"
    r"\badmit(?:s|ted)?\s+(?:to\s+)?(?:kidnapping|abducting|killing|attacking|bombing|carrying\s+"
    r"out|the\s+(?:attack|kidnapping|abduction|bombing|killing))\b"
)
_GROUP_SAID = re.compile(
    r"(?i)\b(?:the\s+)?(?:(?:militant|separatist|insurgent|terrorist|banned|outlawed|proscribed|"
    r"rebel|jihadist|guerrilla|armed|Islamist)\s+)?"
    r"(?:group|outfit|organi[sz]ation)(?:['’]s\s+[\w\s]{0,30}?)?\s+(?:said|says|told)\b|"
    r"\bspokes(?:man|person|woman)\s+for\s+the\s+(?:\w+\s+)?(?:group|outfit|organi[sz]ation)\b"
)
_GROUP_ACT = re.compile(
    r"(?i)\b(?:attacked|targeted|killed|carried\s+out|stormed|ambushed|struck|kidnapped)\b"
)
_SAID_IT_DID = re.compile(
    r"(?i)\b(?:said|says|stated)\s+(?:that\s+)?(?:it|they|its\s+(?:fighters|men|militants|"
    r"members|cadres|(?:suicide\s+)?bombers?|unit))\s+(?:had\s+|have\s+)?(?:attacked|"
    r"targeted|carried\s+out|killed|kidnapped|abducted|stormed|ambushed|launched|started|staged|"
    r"struck|was\s+behind|were\s+behind)\b"
)
_DENIED = re.compile(
    r"(?i)\bno\s+(?:\w+\s+){0,2}(?:group|one|organi[sz]ation|outfit)\s+(?:has\s+|had\s+|have\s+)?"
    r"(?:yet\s+|immediately\s+|so\s+far\s+)?(?:claimed|taken|accepted|owned)|"
    r"\bno\s+(?:immediate\s+)?claim\b|\bnot\s+(?:yet\s+|immediately\s+)?(?:been\s+)?claimed|"
    r"\byet\s+to\s+(?:be\s+)?claim|\bunclaimed\b|\bwithout\s+(?:any\s+)?claim"
)
_GENERIC_CLAIM = re.compile(
    r"(?i)\bclaimed\s+(?:\w+\s+){0,2}attacks\b|\bin\s+the\s+past\b|\bpreviously\b|"
    r"\b(?:has|have)\s+(?:long|repeatedly|often)\b"
)

# A capitalised name: 'Abu Sayyaf', 'al-Shabab', 'Tehreek e-Taliban Pakistan', 'Coalition of
# Patriots for Change', '400 Mawozo'.
_TOKEN = r"(?:(?:al|el|ul|wal|e|i)-)?[A-Z][\w'’]*(?:-[\w'’]+)*"
_LINK = r"(?:(?:of|for|in)(?:\s+the)?|al|el|wal|bin)"
_NAME = rf"(?:\d+\s+)?{_TOKEN}(?:\s+(?:{_LINK}\s+)?{_TOKEN})*"
_ADJ = (
    r"(?:militant|terrorist|rebel|separatist|jihadist|armed|insurgent|extremist|Islamist|"
    r"regional|criminal|bandit|guerrilla|banned|outlawed|proscribed|local|notorious|"
    r"al-Qaeda-linked|al-Qaida-linked)"
)
_HEAD = (
    rf"(?:(?:{_ADJ}\s+)+(?:group|organi[sz]ation|outfit|faction|network|movement)|"
    r"(?:suicide\s+(?:car\s+)?)?bombers?|militia|militiamen|militants?|fighters?|rebels?|"
    r"insurgents?|terrorists?|jihadists?|guerrillas?|gang|cadres?)\b"
)
_INTRO = re.compile(
    rf"(?i:\b{_ADJ}\s+(?:group|organi[sz]ation|outfit|militia|movement|faction|gang|network)"
    r"|\b(?:group|gang|militia|organi[sz]ation|outfit|faction)\s+(?:called|named|known\s+as)"
    r"|\b(?:group|organi[sz]ation|outfit),\s+the"
    r"|\b(?:banned|outlawed|proscribed)"
    r"|\bsuspicion\s+(?:fell|falls|has\s+fallen|had\s+fallen)\s+on"
    r"|\bblamed\s+(?:the\s+)?(?:\w+\s+){0,6}?on"
    r"|\bsuspect(?:s|ed|ing)?\s+the)"
    rf"\s+(?:the\s+)?({_NAME})"
)
_BEFORE_HEAD = re.compile(rf"({_NAME})(?:\s*\([^()]{{1,60}}\))?\s+(?i:{_HEAD})")
_SUBJECT = re.compile(
    rf"({_NAME})(?:\s*\([A-Z][\w-]*\))?(?:\s+(?i:{_HEAD}))?\s*"
    r"(?:,[^,]{0,80},|--.{0,120}--|—.{0,120}—)?\s*"
    r"(?:(?:has|have|had|also|later|reportedly|quickly|swiftly|now)\s+)*$"
)
_AFTER_BY = re.compile(rf"\s*(?:the\s+)?(?:{_ADJ}\s+)*({_NAME})")
_ACRONYM_AFTER = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9-]*[A-Z0-9])\s*\)")
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "their",
        "his",
        "her",
        "our",
        "some",
        "many",
        "several",
        "police",
        "officials",
        "authorities",
        "government",
        "army",
        "security",
        "militia",
        "militants",
        "gunmen",
        "rebels",
        "fighters",
        "group",
        "islamist",
        "islamic",
        "jihadist",
        "local",
        "foreign",
        "unknown",
        "unidentified",
        "suspected",
        "armed",
        "masked",
        "but",
        "and",
        "however",
        "meanwhile",
        "earlier",
        "later",
        "last",
        "since",
        "when",
        "after",
        "before",
        "while",
        "in",
        "on",
        "at",
        "it",
        "they",
        "he",
        "she",
        "we",
        "militant",
        "terrorist",
        "terrorists",
        "insurgents",
        "separatist",
        "ethnic",
    ]
)
_GROUP_WORDS = re.compile(
    r"\s(?:Front|Movement|Brigades?|Mujahideen|Mujahidin|Militia|Jihad|(?:Liberation|Freedom|"
    r"Revolutionary|Republican|People['’]s|Peoples|Resistance|Salvation|Islamic)\s+Army)$"
)
_NAMED = re.compile(rf"{_NAME}")
_LEADING = re.compile(
    r"^(?:(?:The|A|An|But|And|However|Meanwhile|Then|So|Also|Both|Last|In|On|At|By)\s+|"
    r"(?i:banned|outlawed|proscribed|separatist|militant|rebel|jihadist|terrorist)\s+)+"
)
_MODIFIER = re.compile(
    r"^.*?\S+-(?:linked|affiliated|allied|backed|based|inspired|aligned|led)(?:\s+|$)"
)

_BLAME = re.compile(
    r"(?i)\bblam(?:ed|es|ing)\b|\bsuspicion\s+(?:fell|falls|has\s+fallen|had\s+fallen)\s+on\b|"
    r"\bsuspect(?:s|ed|ing)?\b|\bbelieved\s+to\s+(?:be|have\s+been)\s+(?:behind|from|members?\s+"
    r"of|linked)\b|\blinks?\s+(?:with|to)\b|\bheld\s+responsible\b|\b(?:is|was|were|are)\s+"
    r"(?:likely\s+|probably\s+)?behind\b|\b(?:was|were|is|are|been)\s+involved\s+in\b|"
    r"\bpointed\s+(?:the\s+finger\s+)?at\b|\bhallmarks?\s+of\b|"
    r"\battribut(?:ed|es|ing)\s+(?:\w+\s+){0,3}to\b|\bbelong(?:ed|s|ing)?\s+to\b|"
    r"\b(?:were|was|are|is)\s+(?:all\s+)?members?\s+of\b|"
    r"\b(?:was|were|is|are)\s+(?:likely\s+|probably\s+)?responsible\b(?!\s+for\s+(?:security|the\s+security))"
)
_DONE_BY = re.compile(
    r"(?i)\b(?:carried\s+out|orchestrated|planted|perpetrated|masterminded|executed|staged|"
    r"abducted|kidnapped|seized|killed|attacked|ambushed|targeted|shot|taken|held|captured|"
    r"detonated|launched)\s+by\b"
)
_ACTOR_VERB = re.compile(
    rf"(?:\s*\([^()]{{1,60}}\))?(?:\s+(?i:{_HEAD}))?"
    r"(?:\s+(?:on\s+\w+|also|reportedly|allegedly|have|has|had|then|later|overnight|last\s+\w+))*"
    r"\s+(?:attacked|kidnapped|abducted|seized|killed|stormed|ambushed|bombed|raided|struck|"
    r"detonated|planted|shot|opened\s+fire|carried\s+out|captured|beheaded|executed|"
    r"orchestrated|targeted)\b"
)
_FIGHTERS = re.compile(
    r"(?:\s*\([^()]{1,60}\))?\s+(?:militants|fighters|rebels|terrorists|gunmen|insurgents|"
    r"militiamen|jihadists|guerrillas|(?:suicide\s+)?(?:car\s+)?bombers?|kidnappers|abductors)\b"
)
_DESCRIBED = re.compile(
    r"\b(?:by|as|on)\s+[“\"]?((?:criminal|terrorist|armed|militant|extremist|insurgent|bandit|"
    r"jihadist)\s+groups?\s+(?:located|based|operating|active|hiding)\s+in\s+(?:the\s+)?"
    r"(?:[a-z]+\s+){0,3}(?:of\s+)?(?:\([A-Z][^()]{1,40}\)|[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*))"
)
"""Unnamed perpetrators an official describes: 'by criminal groups located in the territory
of X', 'described the attackers as terrorist groups based in Y'."""
_TARGETED = re.compile(
    r"(?i)\b(?:against|fighting|battling|targeting|on|into|with|of|from)\s+(?:the\s+)?$"
)
_GROUP_DID = re.compile(
    r"\b[Tt]he\s+(?:(?:militant|rebel|terrorist|armed|jihadist|separatist|insurgent)\s+)?"
    r"(?:group|outfit|organi[sz]ation|militia|front|movement)\s+(?:also\s+|had\s+|has\s+)?"
    r"(?:attacked|abducted|kidnapped|seized|killed|stormed|ambushed|bombed|carried\s+out)\b"
)
_INDEFINITE = re.compile(
    r"(?i)\s*(?:an?|some|another|one)\s+(?:\w+\s+)?(?:group|organi[sz]ation|outfit)\b"
)
_NEGATED = re.compile(
    r"(?i)\b(?:not|never|no\s+one|nobody|without|stop(?:s|ped)?\s+short\s+of|declined\s+to|"
    r"refused\s+to|denied|rejected)\b[^.;,]{0,25}$"
)
_GENERIC_BLAME = re.compile(
    r"(?i)\bblamed\s+for\s+(?:a\s+(?:number|string|series|spate|wave)|many|several|scores|"
    r"dozens|numerous|most)\b|\binvolved\s+in\s+(?!the\b|this\b|that\b)[a-z]+s\b|"
    r"\b(?:has|have)\s+(?:long\s+|often\s+|repeatedly\s+|frequently\s+)?been\s+"
    r"(?:targeted|attacked|hit)\s+by\b"
)
_AND = re.compile(r"\s*(?:,|and|or|&)\s+(?:the\s+)?$")


@dataclass(frozen=True)
class GroupMention:
    """A militant group named in the text and its canonical name (the name as written when
    the lexicon does not know it)."""

    span: Span
    name: str


ClaimKind = Literal["claimed", "denied", "attributed"]


@dataclass(frozen=True)
class Claim:
    """What one sentence says about responsibility: claimed by ``group``, denied, or
    attributed to it by others (``also`` holds groups blamed together with it).

    ``local`` marks an attribution that tells the attack itself ('X militants kidnapped two
    engineers'): it belongs to that sentence's attack only, never to one spoken of before.
    ``nameless`` says the text gives the group no name ('claimed by a group'), so none is
    looked for nearby; ``weak`` marks a group merely named as the attackers ('X gunmen')."""

    kind: ClaimKind
    group: GroupMention | None
    phrase: Span
    also: tuple[GroupMention, ...] = ()
    local: bool = False
    nameless: bool = False
    weak: bool = False

    @property
    def claimed(self) -> bool:
        return self.kind == "claimed"


def find_groups(sentence: Span) -> list[GroupMention]:
    """Group names and acronyms the lexicon knows ('BLA', 'Pakistani Taliban')."""
    return list(_groups_in(sentence))


@functools.lru_cache(maxsize=4096)
def _groups_in(sentence: Span) -> tuple[GroupMention, ...]:
    """Cached: mentions, claims and events all ask about the same sentences."""
    lex = load_lexicon()
    out = []
    for m in lex.group_re.finditer(sentence.text):
        key = re.sub(r"\s+", " ", m.group()).casefold()
        name = lex.group_of.get(key)
        if name is not None:
            out.append(GroupMention(sentence.sub(m.start(), m.end()), name))
    return tuple(out)


def _is_acronym(name: str) -> bool:
    return " " not in name and sum(c.isupper() for c in name) >= 2 and len(name) <= 8


def _is_state(word: str) -> bool:
    """A country or its demonym ('Pakistan', 'Nigerian')."""
    word = re.sub(r"['’]s$", "", word)
    return bool(load_lexicon().nationality_re.fullmatch(word)) or (
        normalize_name(word) in load_world().countries
    )


_REGION_ADJECTIVES = frozenset(
    {"Eastern", "Western", "Northern", "Southern", "Asian", "African", "European", "American"}
    | {"Arab", "Arabian", "Latin", "Caucasian", "Balkan", "Nordic", "Scandinavian"}
)


def _clean_name(sentence: Span, start: int, end: int) -> GroupMention | None:
    """A context-found name without leading articles and modifiers, unless it is no name
    ('Police', 'Somali', a sentence's first word that is just capitalised)."""
    text = sentence.text[start:end]
    for pattern in (_LEADING, _MODIFIER):
        cut = pattern.match(text)
        if cut:
            start, text = start + cut.end(), text[cut.end() :]
    text = re.sub(r"['’]s$", "", text)  # 'ISSP's rival'
    words = text.split()
    if len(words) > 8:
        return None  # a title-case headline, not a name
    if not words or all(w.casefold().strip("'’") in _NOT_NAMES for w in words):
        return None
    lex = load_lexicon()
    if lex.nationality_re.fullmatch(words[-1]) or lex.nationality_re.fullmatch(text):
        return None
    if words[-1] in _REGION_ADJECTIVES:
        return None  # 'Middle Eastern', 'South Asian': where people come from, not a group
    if _GROUP_WORDS.search(" " + " ".join(words[-2:])) and _is_state(words[0]):
        return None  # 'Pakistan Army', 'Nigerian Army': a state's forces
    first_word = not sentence.text[:start].strip() or sentence.text[:start].rstrip()[-1] in ".:\n"
    if first_word and len(words) == 1 and not _is_acronym(text):
        return None
    known = lex.group_of.get(re.sub(r"\s+", " ", text).casefold())
    return GroupMention(sentence.sub(start, start + len(text)), known or text)


def _clashes(found: Span, known: Span) -> bool:
    """A context-found name overlaps a known one and is not a longer name that starts with it
    ('Islamic State Sahel Province' extends 'Islamic State'; '13 Balochistan ...' clashes)."""
    overlap = found.start < known.end and known.start < found.end
    return overlap and not (found.start == known.start and found.end > known.end)


def find_named_groups(sentence: Span) -> list[GroupMention]:
    """The lexicon's groups plus names the context marks as groups ('the CODECO militia', 'a
    gang called X', 'the militant group X'); an acronym in brackets after its full name
    ('Islamic State (IS)') is part of that name."""
    return list(_named_groups_in(sentence))


@functools.lru_cache(maxsize=4096)
def _named_groups_in(sentence: Span) -> tuple[GroupMention, ...]:
    known = find_groups(sentence)
    found = list(known)
    for m in _NAMED.finditer(sentence.text):
        g = _clean_name(sentence, m.start(), m.end())
        if g is not None and _GROUP_WORDS.search(g.span.text):
            found.append(g)  # 'Eastern Freedom Army', 'National Salvation Front'
    for pattern in (_INTRO, _BEFORE_HEAD):
        for m in pattern.finditer(sentence.text):
            g = _clean_name(sentence, m.start(1), m.end(1))
            if g is None:
                continue
            if pattern is _BEFORE_HEAD and " " not in g.span.text and not _is_acronym(g.name):
                continue  # 'Baloch militants', 'Islamist fighters': a people, not a group
            found.append(g)
    out: list[GroupMention] = []
    for g in sorted(found, key=lambda g: (g.span.start, -(g.span.end - g.span.start))):
        if any(o.span.start <= g.span.start < o.span.end for o in out):
            continue
        if g not in known and any(_clashes(g.span, k.span) for k in known):
            continue  # the lexicon knows where the name starts, and it is not this longer name
        gap = (
            sentence.text[out[-1].span.end - sentence.start : g.span.start - sentence.start]
            if out
            else ""
        )
        if out and re.fullmatch(r"\s*\(\s*", gap):
            continue  # 'Islamic State (IS)': the acronym repeats the name
        out.append(g)
    return tuple(out)


def _full_name_of(acronym: str, text: str) -> str | None:
    """The full name an article defines for an acronym: 'Islamic State Sahel Province (ISSP)'."""
    for m in re.finditer(rf"({_NAME})\s*\(\s*{re.escape(acronym)}\s*\)", text):
        words = m.group(1).split()
        while words and words[0][0].upper() != acronym[0].upper():
            words.pop(0)
        if len(words) >= 2:
            return " ".join(words)
    return None


def written_name(group: GroupMention, text: str) -> str:
    """The group's name as the article writes it in its fullest form: with the acronym it
    defines for it ('Baloch Liberation Army (BLA)'), an acronym with its full name."""
    name = re.sub(r"\s+", " ", group.span.text)
    after = _ACRONYM_AFTER.match(text, group.span.end)
    if after and _is_acronym(after.group(1)) and after.group(1)[0] == name[0].upper():
        return f"{name} ({after.group(1)})"
    if _is_acronym(name):
        full = _full_name_of(name, text)
        return f"{full} ({name})" if full else name
    defined = re.search(
        re.escape(name).replace(r"\ ", r"\s+") + r"\s*\(\s*([A-Z][A-Za-z0-9-]*[A-Z0-9])\s*\)", text
    )
    if defined and defined.group(1)[0] == name[0].upper():
        return f"{name} ({defined.group(1)})"
    return name


def _nearest(groups: list[GroupMention], phrase: Span) -> GroupMention | None:
    """The group closest to the phrase; 'claimed by X', 'blamed on X' prefer the group after."""
    if not groups:
        return None
    after = [g for g in groups if g.span.start >= phrase.end]
    if re.search(r"(?i)\b(?:by|on|suspect\w*|blam\w*|with|to|at)$", phrase.text) and after:
        return min(after, key=lambda g: g.span.start - phrase.end)
    return min(
        groups, key=lambda g: min(abs(g.span.start - phrase.end), abs(phrase.start - g.span.end))
    )


def _claimant(
    sentence: Span, claim: re.Match[str], groups: list[GroupMention]
) -> GroupMention | None:
    """A name the claim itself marks: the subject of 'X has claimed', the agent of 'claimed
    by X' (none for 'claimed by a group ...'); else the nearest group named."""
    phrase = sentence.sub(claim.start(), claim.end())
    if phrase.text.lower().startswith("claimed by"):
        if _INDEFINITE.match(sentence.text, claim.end()):
            return None
        named = _nearest(groups, phrase)
        if named is not None and named.span.start >= phrase.end:
            return named
        by = _AFTER_BY.match(sentence.text, claim.end())
        g = _clean_name(sentence, by.start(1), by.end(1)) if by else None
        if g is not None:
            return g
    subject = _SUBJECT.search(sentence.text[: claim.start()])
    if subject:
        g = _clean_name(sentence, subject.start(1), subject.end(1))
        inside = [k for k in groups if k.span.start <= g.span.start < k.span.end] if g else []
        if inside:
            return inside[0]
        if g is not None:
            return g
    return _nearest(groups, phrase)


def find_claim(sentence: Span) -> Claim | None:
    """The claim (or explicit absence of one) a sentence states; None if it says neither."""
    denied = _DENIED.search(sentence.text)
    claim = _CLAIM.search(sentence.text)
    if denied and (claim is None or denied.start() <= claim.start()):
        return Claim("denied", None, sentence.sub(denied.start(), denied.end()))
    groups = find_named_groups(sentence)
    if claim is not None:
        if _GENERIC_CLAIM.search(sentence.text):
            return None
        phrase = sentence.sub(claim.start(), claim.end())
        nameless = bool(_INDEFINITE.match(sentence.text, claim.end()))
        return Claim("claimed", _claimant(sentence, claim, groups), phrase, nameless=nameless)
    said = _GROUP_SAID.search(sentence.text)
    if (
        said
        and (groups or said.group().lower().startswith("spokes"))
        and _GROUP_ACT.search(sentence.text)
    ):
        phrase = sentence.sub(said.start(), said.end())
        return Claim("claimed", _nearest(groups, phrase), phrase)
    did = _SAID_IT_DID.search(sentence.text)
    if did and not _GENERIC_CLAIM.search(sentence.text):
        phrase = sentence.sub(did.start(), did.end())
        subject = _SUBJECT.search(sentence.text[: did.start()])
        named = [g for g in groups if subject and g.span.end == sentence.start + subject.end(1)]
        if named or _GROUP_SAID.search(sentence.text[: did.end()]):
            return Claim("claimed", named[0] if named else None, phrase)
    return None


def _together(
    sentence: Span, group: GroupMention, groups: list[GroupMention]
) -> tuple[GroupMention, ...]:
    """Groups blamed together with ``group`` ('Jemaah Islamiyah and the Abu Sayyaf')."""
    out: list[GroupMention] = []
    last = group
    for g in sorted(groups, key=lambda g: g.span.start):
        if g.span.start < last.span.end:
            continue
        between = sentence.text[last.span.end - sentence.start : g.span.start - sentence.start]
        between = _ACRONYM_AFTER.sub("", between, count=1)
        if not _AND.fullmatch(between) or between.strip() == ",":
            break
        out.append(g)
        last = g
    return tuple(out)


_REACH = 100
"""Characters between a blame phrase and the group it blames, at most."""


def _distance(group: GroupMention, phrase: Span) -> int:
    return max(group.span.start - phrase.end, phrase.start - group.span.end, 0)


def _attribution(sentence: Span) -> Claim | None:
    """The named group a sentence blames for an attack or says carried it out; None when it
    names none, denies blaming it ('stopped short of blaming X') or speaks of its record."""
    if _GENERIC_CLAIM.search(sentence.text) or _GENERIC_BLAME.search(sentence.text):
        return None
    groups = find_named_groups(sentence)
    for pattern in (_BLAME, _DONE_BY):
        for m in pattern.finditer(sentence.text):
            if _NEGATED.search(sentence.text[: m.start()]):
                continue
            phrase = sentence.sub(m.start(), m.end())
            group = _nearest(groups, phrase)
            if group is None or _distance(group, phrase) > _REACH:
                continue
            if pattern is _DONE_BY and group.span.start < phrase.end:
                continue
            return Claim("attributed", group, phrase, _together(sentence, group, groups))
    described = _DESCRIBED.search(sentence.text)
    if described and not _NEGATED.search(sentence.text[: described.start()]):
        g = GroupMention(sentence.sub(described.start(1), described.end(1)), described.group(1))
        return Claim("attributed", g, sentence.sub(described.start(), described.end()))
    for g in groups:
        act = _ACTOR_VERB.match(sentence.text, g.span.end - sentence.start)
        if act:
            phrase = sentence.sub(g.span.start - sentence.start, act.end())
            return Claim("attributed", g, phrase, local=True)
    for g in groups:
        head = _FIGHTERS.match(sentence.text, g.span.end - sentence.start)
        if head and not _TARGETED.search(sentence.text[: g.span.start - sentence.start]):
            phrase = sentence.sub(g.span.start - sentence.start, head.end())
            return Claim("attributed", g, phrase, local=True, weak=True)
    return None


def find_attribution(sentence: Span) -> Claim | None:
    """The group a sentence blames for an attack or says carried it out; 'the group abducted
    two engineers' means the group last named (``group`` is None then)."""
    found = _attribution(sentence)
    if found is not None:
        return found
    back = _GROUP_DID.search(sentence.text)
    if back and not _GENERIC_CLAIM.search(sentence.text):
        return Claim("attributed", None, sentence.sub(back.start(), back.end()), local=True)
    return None
