"""Militant groups, and whether the text says one *claimed* an attack.

Only an explicit claim counts ('the BLA claimed responsibility', 'an attack claimed by the
TTP', 'the group said it targeted ...'). Suspicion, blame and a group's general record
('police suspect the BLA', 'the BLA has long targeted Chinese nationals') are not claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jsms.threat.osint.lexicon import load_lexicon
from jsms.threat.osint.text import Span

__all__ = ["Claim", "GroupMention", "find_claim", "find_groups"]

_CLAIM = re.compile(
    r"(?i)\b(?:claim(?:ed|s|ing)?|took|taken|takes|taking|accepted|owned|assumed)\s+(?:the\s+)?"
    r"(?:full\s+)?responsibility\b|\bresponsibility\s+(?:was|has\s+been|had\s+been)\s+claimed\b|"
    r"\bclaimed\s+by\b|\bclaim(?:ed|s)?\s+(?:the|that|this|its)\s+(?:attack|bombing|blast|assault|"
    r"explosion|killing|killings|abduction|kidnapping|suicide)\b|"
    r"\bclaim(?:ed|s)?\s+(?:that\s+)?(?:it|they)\s+(?:had\s+)?(?:killed|carried|attacked|"
    r"targeted|executed|was\s+behind)\b"
)
_GROUP_SAID = re.compile(
    r"(?i)\b(?:the\s+)?(?:militant|separatist|insurgent|terrorist|banned|outlawed|proscribed)?\s*"
    r"(?:group|outfit|organi[sz]ation)(?:['’]s\s+[\w\s]{0,30}?)?\s+(?:said|says|told)\b|"
    r"\bspokes(?:man|person|woman)\s+for\s+the\s+(?:group|outfit)\b"
)
_GROUP_ACT = re.compile(
    r"(?i)\b(?:attacked|targeted|killed|carried\s+out|stormed|ambushed|struck|kidnapped)\b"
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


@dataclass(frozen=True)
class GroupMention:
    """A militant group named in the text and its canonical name."""

    span: Span
    name: str


@dataclass(frozen=True)
class Claim:
    """What one sentence says about responsibility: claimed by ``group``, or denied."""

    claimed: bool
    group: GroupMention | None
    phrase: Span


def find_groups(sentence: Span) -> list[GroupMention]:
    """Group names and acronyms in a sentence ('BLA', 'Pakistani Taliban')."""
    lex = load_lexicon()
    out = []
    for m in lex.group_re.finditer(sentence.text):
        key = re.sub(r"\s+", " ", m.group()).casefold()
        name = lex.group_of.get(key)
        if name is not None:
            out.append(GroupMention(sentence.sub(m.start(), m.end()), name))
    return out


def _nearest(groups: list[GroupMention], phrase: Span) -> GroupMention | None:
    """The group closest to the claim phrase; 'claimed by X' prefers the group after it."""
    if not groups:
        return None
    after = [g for g in groups if g.span.start >= phrase.end]
    if phrase.text.lower().startswith("claimed by") and after:
        return min(after, key=lambda g: g.span.start - phrase.end)
    return min(
        groups, key=lambda g: min(abs(g.span.start - phrase.end), abs(phrase.start - g.span.end))
    )


def find_claim(sentence: Span) -> Claim | None:
    """The claim (or explicit absence of one) a sentence states; None if it says neither."""
    denied = _DENIED.search(sentence.text)
    claim = _CLAIM.search(sentence.text)
    if denied and (claim is None or denied.start() <= claim.start()):
        return Claim(False, None, sentence.sub(denied.start(), denied.end()))
    groups = find_groups(sentence)
    if claim is not None:
        if _GENERIC_CLAIM.search(sentence.text):
            return None
        phrase = sentence.sub(claim.start(), claim.end())
        return Claim(True, _nearest(groups, phrase), phrase)
    said = _GROUP_SAID.search(sentence.text)
    if said and groups and _GROUP_ACT.search(sentence.text):
        phrase = sentence.sub(said.start(), said.end())
        return Claim(True, _nearest(groups, phrase), phrase)
    return None
