"""Is an article about the safety of foreign nationals at all, and in which country?

Relevant means: some sentence speaks of foreigners (a nationality other than the host
country's with a person or company word, 'a Canadian-owned mine', 'two Britons', 'tourists
from Spain', 'foreigners', 'UN staff') together with security or violence, and the article is
set somewhere the gazetteers know. The host country is where the article's places lie, the
victims' homeland aside, so 'Pakistani engineers' are foreigners in Tajikistan and 'Chinese
engineers' in Pakistan. A cricket report about 'the Australian bowling attack' is not
relevant. Which events then count (:func:`is_attack`): attacks and violent crimes, not
accidents ('the bus overturned'), travel alerts ('possible attacks') or talk ('kidnapping is
a problem').
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence

from jsms.geo.gazetteer import normalize_name
from jsms.geo.world import load_world
from jsms.threat.osint.lexicon import alternation, load_lexicon
from jsms.threat.osint.mentions import Event, Mention
from jsms.threat.osint.phrases import named_nationalities
from jsms.threat.osint.places import HOME_COUNTRY, PlaceMention, find_places
from jsms.threat.osint.text import Span, split_sentences
from jsms.threat.osint.types import find_cues

__all__ = [
    "assess",
    "guest_nationalities",
    "host_country",
    "is_accident",
    "is_advisory",
    "is_attack",
    "is_hypothetical",
    "is_problem_talk",
    "is_relevant",
    "is_violent",
    "mentions_foreigners",
]

_PERSON_AFTER = re.compile(
    r"\s*(?:among|were|was|have|had|killed|injured|wounded|nationals?|kidnapped|abducted|shot|"
    r"murdered|stabbed|beheaded|dies|died)\b"
)
_RUN_BY = re.compile(
    r"(?<![\w-])(?P<who>[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)-(?:owned|run|operated|managed)\b"
)
"""'a Canadian-owned mine': a foreign-run company or project is a foreign target (the lexicon's
nationality pattern leaves out words glued to a hyphen)."""
_NOUN_BEFORE = re.compile(
    r"(?i)\b(?:a|an|another|one|two|three|four|five|six|seven|eight|nine|ten|\d+|several|"
    r"some|the)\s+$"
)
_NOUN_AFTER = re.compile(r"\s*(?:[,.;:)]|who\b|is\b|are\b|was\b|were\b|and\b|died\b|said\b)")
"""'another Spaniard.', 'two Britons who ...': a demonym used as a noun names people."""
_BY_BEFORE = re.compile(
    r"(?i)\b(?:attacked|assaulted|killed|assassinated|murdered|shot|stabbed|beaten|abducted|"
    r"kidnapped|targeted|ambushed|robbed|raped|injured|wounded|harassed|committed|carried\s+out|"
    r"perpetrated|mistreatment|abuse|assault)\s+by\s+(?:[\w'’-]+\s+){0,2}$"
)
_LOCAL_BEFORE = re.compile(r"(?i)\blocal\s+$")
_ACCUSED_AFTER = re.compile(
    r"(?i)^[\w\s'’-]{0,30}?(?:\b(?:who\s+)?(?:were|was|have\s+been|had\s+been)\s+(?:\w+\s+)?"
    r"(?:arrested|accused|charged|convicted|sentenced|deported|expelled)\b|"
    r"\bfor\s+(?:allegedly\s+)?(?:assault|attack|kill|murder|rap|rob|beat|stabb)\w*|"
    r"\bwho\s+(?:allegedly\s+)?(?:attacked|assaulted|killed|murdered|raped|robbed|beat|stabbed|shot)\b|"
    r"^(?:(?!\b(?:was|were|been|being|is|are|got)\b)[\w\s'’-]){0,40}?\b(?:attacked|assaulted|"
    r"wrestled|beat|stabbed|slapped|punched|whipped|raped|robbed|abused)\s+"
    r"(?:the|a|an|his|her|their|local|several|\d+|(?-i:[A-Z])\w*)\b)"
)
"""'four Chinese nationals who were arrested', 'Chinese staff for assaulting', 'the Chinese
staff working on the road wrestled the Kenyan engineer': suspects, not victims."""
_FROM_COUNTRY = re.compile(r"\bfrom\s+(?:the\s+)?(?P<name>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,2})")


def _is_plural_demonym(form: str) -> bool:
    """'Americans', 'Pakistanis' (not 'Swiss', 'Seychellois'): people, whatever follows."""
    return form.endswith("s") and not form.endswith(("ss", "ois"))


def _person_before(text: str, lex_heads: frozenset[str]) -> bool:
    """A person word (or an age, 'Jane Doe, 28,') among the three words before 'from'."""
    words = re.findall(r"\d+,|[\w'’-]+", text[-60:])[-3:]
    return any(w.lower() in lex_heads or w.endswith(",") for w in words)


def _from_foreign_country(sentence: str, host: str | None) -> bool:
    """'tourists from Spain', 'Jane Doe, 28, from Norway': people from another country."""
    lex, world = load_lexicon(), load_world()
    heads = lex.foreign_heads | lex.person_nouns
    for m in _FROM_COUNTRY.finditer(sentence):
        words = re.sub(r"['’]s\b", "", m.group("name")).split()
        for n in range(len(words), 0, -1):
            country = world.countries.get(normalize_name(" ".join(words[:n])))
            if country is not None:
                if country.country != host and _person_before(sentence[: m.start()], heads):
                    return True
                break
    return False


@functools.cache
def _people_words() -> frozenset[str]:
    """Any person noun after a nationality makes it people ('Chinese miners'), but 'locals'."""
    return load_lexicon().person_nouns - {"local", "locals", "others", "lives"}


def _foreign_nationality(sentence: str, m: re.Match[str]) -> bool:
    """The nationality word at ``m`` names foreign people or a foreign-run enterprise; not
    locals ('local Zambians') nor people who acted ('assassinated by Americans') or stand
    accused ('Chinese nationals who were arrested')."""
    lex = load_lexicon()
    before, after = sentence[: m.start()], sentence[m.end() :]
    if _LOCAL_BEFORE.search(before):
        return False
    following = [w.lower().strip("'’") for w in re.findall(r"[\w'’-]+", after[:40])[:3]]
    if _BY_BEFORE.search(before) or _ACCUSED_AFTER.match(after):
        return False
    if _PERSON_AFTER.match(after) or _is_plural_demonym(m.group()):
        return True
    if any(w in lex.foreign_heads or w in _people_words() for w in following):
        return True
    return bool(_NOUN_BEFORE.search(before) and _NOUN_AFTER.match(after))


_COMPANY_WORDS = (
    *("Company", "Corporation", "Corp", "Group", "Limited", "Ltd", "Co", "Engineering"),
    *("Construction", "Mining", "Petroleum", "Energy", "Telecom", "Railway", "Bank", "Holdings"),
    *("Enterprise", "Enterprises"),
)
_COMPANY = re.compile(
    r"\b(?P<who>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+(?:[A-Z][\w&.-]*\s+){0,4}"
    rf"(?:{'|'.join(_COMPANY_WORDS)})\b"
)
"""'the China Harbour Engineering Company': a company named after a country is foreign-run
where that country is not the host."""


def _foreign_company(sentence: str, host: str | None) -> bool:
    if not any(word in sentence for word in _COMPANY_WORDS):
        return False  # most sentences name no company: skip the scan of capitalised words
    countries = load_world().countries
    for m in _COMPANY.finditer(sentence):
        words = m["who"].split()
        for name in (" ".join(words), words[0]):  # 'South Korea ...', 'China Harbour ...'
            country = countries.get(normalize_name(name))
            if country is not None:
                if country.country != host:
                    return True
                break
    return False


def mentions_foreigners(sentence: str, host: str | None = HOME_COUNTRY) -> bool:
    """Foreign people or a foreign-run enterprise: 'foreigners', a nationality other than the
    host's with a person or company word ('Chinese engineers', 'a Canadian-owned mine'), as a
    noun ('two Britons'), or people 'from' another country."""
    lex = load_lexicon()
    if lex.foreign_re.search(sentence):
        return True
    for m in lex.nationality_re.finditer(sentence):
        if lex.nationality_of[m.group()] != host and _foreign_nationality(sentence, m):
            return True
    for m in _RUN_BY.finditer(sentence):
        if lex.nationality_of.get(m.group("who")) not in (None, host):
            return True
    if named_nationalities(sentence) - {host}:
        return True  # 'Maren Ueland of Norway', 'British tourist Grace Millane'
    return _from_foreign_country(sentence, host) or _foreign_company(sentence, host)


_VIOLENT = re.compile(
    r"(?i)\b(?:attack(?:ed|s|ing)?|assault(?:ed|s)?|targeted|murder\w*|slain|slaying|"
    r"stabbed|stabbing|knifed|behead\w*|assassinat\w*|lynch\w*|hacked\s+to\s+death|"
    r"(?:gang-?)?raped?|arson|torched|set\s+(?:on\s+)?fire|set\s+\w+\s+on\s+fire|robbery|robbed|"
    r"clash(?:es|ed)?|skirmish\w*|(?:threw|throw|hurled|pelted\s+with)\s+stones|"
    r"militants?|terrorists?|gunmen|insurgents?|plot(?:ted)?)\b"
)
"""Words that make deaths and injuries an act of violence (the attack words aside), not a
misfortune: 'three tourists were murdered' is an attack, 'three tourists died' need not be."""
_ACCIDENT = re.compile(
    r"(?i)\b(?:accidents?|accidental(?:ly)?|mishap|crash(?:ed|es)?|collided|collision|"
    r"overturn(?:ed|s)?|plunged|fell\s+into|skidded|derailed|capsized|drown(?:ed|ing)|"
    r"collapsed?|collapses|trapped|landslides?|avalanche|cave-in|earthquake|floods?|"
    r"short[- ]circuit|gas\s+leak|cylinder|boiler|electrocuted|mistakenly|stampede)\b"
)
"""A mine collapse, a bus in a ravine, a crane falling: foreigners die, but nobody attacked."""
_ADVISORY = re.compile(
    r"(?i)\b(?:travel\s+(?:alert|advisory|warning)|advisory|advis(?:ed|es|ing)|alerts?|"
    r"warn(?:ed|s|ing)?|caution(?:ed|s|ing)?|remind(?:ed|s)?|urg(?:ed|es|ing)|concerns?|"
    r"continued\s+potential|may\s+(?:\w+\s+)?(?:carry\s+out|conduct|target|attack)|could\s+target)\b"
)
"""A security alert: talk of possible attacks, not a report of one."""
_HYPOTHETICAL = re.compile(r"(?i)\b(?:possib\w*|potential|imminent|likely|alert|danger)\b")
_PROBLEM = re.compile(
    r"(?i)\b(?:is|are|was|were|remains?|has\s+become|have\s+become)\s+(?:\w+\s+){0,3}?"
    r"(?:problem|concern|risk|challenge|issue|menace|scourge)s?\b"
)
"""'Kidnapping is another problem': a kind of crime discussed, not one that happened."""


_KILLING = re.compile(r"(?i)\b(?:killed|killing|kills)\b")
"""Someone killed, no accident told beside it: a killing ('a Chinese national was killed in
Takhar'); 'died' alone says nothing of how."""


def is_violent(text: str) -> bool:
    """True when the text calls something an attack or a violent crime, or names who did it
    ('militiamen', 'bandits', 'kidnappers')."""
    return bool(_VIOLENT.search(text) or _perpetrators_re().search(text))


@functools.cache
def _perpetrators_re() -> re.Pattern[str]:
    return re.compile(
        alternation(sorted(load_lexicon().perpetrator_nouns - {"suspect", "suspects"}))
    )


def is_accident(text: str) -> bool:
    """True when the text calls something an accident, a collapse or a crash."""
    return bool(_ACCIDENT.search(text))


def is_hypothetical(text: str) -> bool:
    """True for a threat that may come ('possible attacks', 'security alert'), not one made."""
    return bool(_HYPOTHETICAL.search(text))


def is_problem_talk(text: str) -> bool:
    """True when the text discusses a kind of attack as a problem or risk."""
    return bool(_PROBLEM.search(text))


def is_advisory(text: str) -> bool:
    """True for the language of travel alerts and warnings ('advised citizens', 'may target')."""
    return bool(_ADVISORY.search(text))


def is_attack(event: Event, sentences: Sequence[Span]) -> bool:
    """Deaths and injuries alone make no attack: a clause must name a weapon, a kidnapping, an
    attack, or its sentence or one beside it a violent crime ('murdered', 'clashes'). A
    sentence that speaks of an accident ('the bus overturned') and names no weapon is a
    misfortune. Talk is no attack either: the possible attacks of a travel alert or a
    meeting on security ('possible attacks', nobody hurt), or 'kidnapping is a problem'."""
    typed = {c.kind for m in event.mentions for c in m.cues if c.kind is not None}
    own = sorted({m.index for m in event.mentions})
    texts = [sentences[i].text for i in own]
    near = [
        sentences[j].text
        for j in sorted({i + d for i in own for d in (-1, 0, 1)})
        if 0 <= j < len(sentences)
    ]
    advisory = any(is_advisory(t) for t in near)

    def talk(m: Mention) -> bool:
        harm = any(c.kind is None and not is_violent(c.span.text) for c in m.cues)
        kinds = [c for c in m.cues if c.kind is not None]
        vague = bool(kinds) and not harm
        vague = vague and all(c.kind == "threat" and is_hypothetical(c.span.text) for c in kinds)
        return is_problem_talk(m.clause.text) or (vague and advisory)

    if all(talk(m) and m.casualties.empty for m in event.mentions):
        return False
    if not typed - {"threat", "protest", "ied"} and any(is_accident(t) for t in texts):
        return False
    if typed or any(is_violent(t) for t in near):
        return True
    return any(_KILLING.search(t) for t in texts) and not any(is_accident(t) for t in near)


@functools.lru_cache(maxsize=4096)
def _about_security(sentence: Span) -> bool:
    """Security or violence words, attack words that are not cricket ('bowling attack')."""
    lex = load_lexicon()
    if find_cues(sentence) or is_violent(sentence.text):
        return True
    if _KILLING.search(sentence.text) and not is_accident(sentence.text):
        return True
    words = lex.security_re.findall(sentence.text)
    return any(w.lower() not in {"attack", "attacks", "attacked"} for w in words)


def host_country(
    places: Sequence[PlaceMention], countries: frozenset[str], guests: frozenset[str] = frozenset()
) -> str | None:
    """The country most of the article's towns and provinces lie in (a dateline counts half,
    a route's end or an embassy's seat not at all); else the country named most; else the
    home country when it is named or nothing is. ``guests`` are the nationalities the article
    speaks of as people ('Chinese nationals'): their homeland is where victims come from, not
    where it happened, so any other country placed there wins over it."""
    weight = {"dateline": 1, "route": 0, "org": 0}
    located: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for p in places:
        if p.country and weight.get(p.role, 2):
            (located if p.rank >= 1 else named)[p.country] += weight.get(p.role, 2)
    for counts in (located, named):
        ranked = [c for c, _ in counts.most_common()]
        if ranked:
            return next((c for c in ranked if c not in guests), ranked[0])
    if len(countries) == 1:
        return next(iter(countries))
    if not countries and (placed := Counter(p.country for p in places if p.country)):
        return placed.most_common(1)[0][0]
    return HOME_COUNTRY if not countries or HOME_COUNTRY in countries else None


def guest_nationalities(sentences: Sequence[Span]) -> frozenset[str]:
    """Countries whose people the article names as such ('Chinese engineers', 'Britons')."""
    lex = load_lexicon()
    return frozenset(
        lex.nationality_of[m.group()]
        for s in sentences
        for m in lex.nationality_re.finditer(s.text)
        if _foreign_nationality(s.text, m)
    )


def assess(sentences: Sequence[Span], countries: frozenset[str]) -> tuple[bool, str | None]:
    """(relevant, host country) of an article already split into sentences. Where no place is
    known, nationalities say nothing (who is foreign there?) but 'foreigners' still does."""
    # a site no gazetteer lists ('a resort on Talong Island') says nothing of the country
    places = [p for s in sentences for p in find_places(s, countries) if p.country]
    host = host_country(places, countries, guest_nationalities(sentences))
    lex = load_lexicon()
    for i, s in enumerate(sentences):
        # no country to judge nationalities by: only words that need none ('foreigners')
        foreign = mentions_foreigners(s.text, host) if places else lex.foreign_re.search(s.text)
        # 'a conflict between locals and the Chinese company's staff. Both sides threw stones'
        if foreign and any(_about_security(t) for t in sentences[i : i + 2]):
            return True, host
    return False, host


def is_relevant(text: str, title: str | None = None) -> bool:
    """True when the article reports or discusses threats to foreigners somewhere known."""
    from jsms.threat.osint.places import article_countries

    sentences = split_sentences(f"{title}\n{text}" if title else text)
    return assess(sentences, article_countries(sentences))[0]
