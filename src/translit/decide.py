"""The one decision of who a name denotes, for lookup and normalization alike.

`Decider.rank` scores every person the query words could denote (the rules that were `Lookup.rank`
and `Lookup._score`); `Decider.decide` turns the ranking into an answer with the same evidence and
vetoes for both callers: a confident best, or explicitly none (`ambiguous` when two persons fit about
equally, `common` for a bare surname common in its language, `ordinary` for a month or an everyday
given name that is also someone's by-name). Normalization passes the document's evidence
(`context.DocContext`): persons named in full earlier, surnames the text gives to somebody the table
does not have, the years it mentions; evidence that is missing weighs nothing.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from .caches import remember
from .fold import is_cyrillic
from .model import Person

if TYPE_CHECKING:
    from .lookup import Hit

TIE = 0.03  # two scores this close are the same fit
DOMINANT = 3.0  # (prominence + 1) this many times the other's: the sources name one far more often
SHARED_IN_AUTHORITY = 3  # a surname this many persons of the authority have is common there
_FAMILY = ("family", "pseudonym")
_FAMILY_SET = frozenset(_FAMILY)


class Match:
    """One person as the answer to a query; the reason is worded and the canonical form rendered when
    they are read (a normalizer that only counts or locates mentions does not pay for either)."""

    def __init__(self, person: Person, score: float, why, canonical: str = "", native: str = ""):
        self.person = person
        self.pid = person.id  # kept at hand: the normalizer reads it at every mention
        self.score = score
        self._why = why  # a str, or a list of str and Hit whose reasons are joined on demand
        self._canonical = canonical  # a str, or a callable that renders it
        self.native = native
        self.bare = False  # the query was the surname alone (set by the ranking)
        self.roles: frozenset[str] = frozenset()  # the roles of the person's name the query words were read as
        self.own = score  # the best score of the person's own readings of a query word
        self.family_reading = False  # one of the person's readings of a query word is their family name

    @property
    def canonical(self) -> str:
        if not isinstance(self._canonical, str):
            self._canonical = self._canonical()
        return self._canonical

    @canonical.setter
    def canonical(self, value) -> None:
        """A str, or a callable without arguments that renders it when first read."""
        self._canonical = value

    @property
    def why(self) -> str:
        if not isinstance(self._why, str):
            parts: list[str] = []
            for r in self._why:
                text = r if isinstance(r, str) else r.why
                if text not in parts:
                    parts.append(text)
            self._why = "; ".join(parts)
        return self._why

    @why.setter
    def why(self, value: str) -> None:
        self._why = value

    def add_reason(self, text: str) -> None:
        """One more reason, worded with the others only when `why` is read."""
        self._why = [self._why, text] if isinstance(self._why, str) else [*self._why, text]

    def __repr__(self) -> str:
        return f"Match({self.person.id!r}, {self.score!r})"

    def to_dict(self) -> dict:
        d = {
            "id": self.person.id,
            "native": self.person.native,
            "canonical": self.canonical,
            "score": round(self.score, 4),
            "why": self.why,
        }
        if self.person.ids:  # external identifiers: from a match to the Wikidata item or catalogue record
            d["ids"] = dict(self.person.ids)
        return d


@dataclass
class LookupResult:
    query: str
    best: Match | None
    candidates: list[Match] = field(default_factory=list)
    transliterations: dict[str, str] = field(default_factory=dict)
    ambiguous: bool = False  # two persons fit about equally: no best, the candidates ranked

    def to_dict(self) -> dict:
        d = {
            "query": self.query,
            "best": self.best.to_dict() if self.best else None,
            "candidates": [c.to_dict() for c in self.candidates],
            "ambiguous": self.ambiguous,
        }
        if self.transliterations:
            d["transliterations"] = self.transliterations
        return d


@dataclass
class Decision:
    """The answer to one query: `best` or None, the ranked candidates, and why there is no best."""

    best: Match | None
    candidates: list[Match] = field(default_factory=list)
    ambiguous: bool = False
    common: bool = False  # the query is a bare surname common in its language or in the authority
    ordinary: bool = False  # the query is an ordinary word (a month, an everyday given name as a by-name)
    tied: bool = False  # others fit about as well (or the document set some aside): the document may decide
    between: list[str] = field(default_factory=list)  # an ambiguous answer's persons, if not all the tied
    ranking: list[Match] = field(default_factory=list)  # the ranking decided on, unchanged (for a re-decision)

    @property
    def needs_context(self) -> bool:
        """Could the document's evidence change this answer?"""
        return self.ambiguous or self.common or self.ordinary or self.tied

    @property
    def ids(self) -> list[str]:
        """The persons an ambiguous answer hesitates between, best first."""
        if self.between:
            return self.between
        if not self.candidates:
            return []
        top = self.candidates[0].score
        return [m.pid for m in self.candidates if top - m.score <= TIE]


class Lexicon:
    """The word lists the decision reads (tables/lexicon.toml), folded."""

    def __init__(self, path, fold):
        lex = tomllib.loads(path.read_text(encoding="utf-8"))
        self.common_words = {fold(w) for w in lex.get("common_words", [])}
        self.surnames = {lang: {fold(w) for w in words} for lang, words in lex.get("common_surnames", {}).items()}
        self.raw_surnames = {w.casefold() for words in lex.get("common_surnames", {}).values() for w in words}
        self.all_surnames = set().union(*self.surnames.values()) if self.surnames else set()
        self.given = {fold(w) for words in lex.get("given_names", {}).values() for w in words}
        self.months = {fold(w) for words in lex.get("months", {}).values() for w in words}
        self.everyday_given = {fold(w) for w in lex.get("everyday_given_names", [])}


class Decider:
    """Ranks and decides for one `Lookup` (its authority, index and threshold)."""

    def __init__(self, lookup):
        self.lookup = lookup
        self.lexicon = Lexicon(lookup.authority.tables.directory / "lexicon.toml", lookup.authority.folder.fold)
        self._shared: dict[str, bool] = {}  # person -> their surname is common
        self._shared_of = None  # the index those counts are of

    # -- ranking ------------------------------------------------------------------------------
    def rank(self, words: list[tuple[str, bool]]) -> list[Match]:
        """Every person the words could denote, best first (ties: the more often named first)."""
        names = [w for w, initial in words if not initial]
        if not names:
            return []
        index = self.lookup._current()
        if len(words) == 1:  # one word (a normalizer's first sighting): one reading is the usual case
            hits = self.lookup.explain(names[0])
            if len(hits) == 1:
                h = hits[0]
                if h.role not in _FAMILY:
                    return []
                m = self._score(h.person_id, words, {names[0]: ({h.person_id: hits}, False, None)}, index)
                return [m] if m is not None else []
        explained = {w: self._grouped(w, index) for w in set(names)}
        persons = set().union(*(g[2] for g in explained.values())) if len(explained) > 1 else explained[names[0]][2]
        matches = [m for pid in persons if (m := self._score(pid, words, explained, index)) is not None]
        if len(matches) > 1:
            matches.sort(key=lambda m: (-m.score, -m.person.prominence, m.pid))
        return matches

    def _grouped(self, word: str, index) -> tuple[dict[str, list[Hit]], bool, frozenset[str]]:
        """The explanations of a word by person, and whether it is someone's given name or patronymic
        (kept with the index's word cache, under its policy: a common given name explains thousands of
        persons in a big table)."""
        got = index.grouped.get(word)
        if got is None:
            hits = self.lookup.explain(word)
            by_pid: dict[str, list[Hit]] = defaultdict(list)
            for h in hits:
                by_pid[h.person_id].append(h)
            got = (dict(by_pid), any(h.role in ("given", "patronymic") for h in hits),
                   frozenset(h.person_id for h in hits if h.role in _FAMILY))
            remember(index.grouped, word, got)
        return got

    def _score(self, pid: str, words, explained, index) -> Match | None:
        person = self.lookup.authority.persons[pid]
        score = 1.0
        reasons: list = []
        has_family = family_reading = initials = False
        used_roles: list[str] = []
        best_own = 0.0
        for w, initial in words:
            if initial:
                if w not in index.initials.get(pid, ()):
                    return None
                initials = True
                continue
            by_pid, given_like, _ = explained[w]
            mine = by_pid.get(pid, ())
            if not mine and len(w) >= 4:
                near = _near_given(w, index.given_of.get(pid, ()))
                if near:
                    # another language's form of the same given name: Mathias for Mátyás
                    score *= 0.9
                    used_roles.append("given")
                    reasons.append(f"'{w}' read as a form of the given name '{near}'")
                    continue
            if not mine:
                if w in index.given_keys or given_like or w in self.lexicon.given:
                    return None  # another person's given name: Sergei Khrushchev is not Nikita, Vukašin not Veljko
                score *= 0.55
                reasons.append(f"'{w}' not explained")
                continue
            if len(mine) == 1:  # the usual case: one reading of the word for this person
                best = mine[0]
                role = best.role
                has_family = has_family or role in _FAMILY
                family_reading = family_reading or role == "family"
                top = best.score
            else:
                best = max(mine, key=lambda h: (h.score, h.role in _FAMILY))
                top = best.score
                if any(h.role in _FAMILY for h in mine if h.score == top):
                    best = next(h for h in mine if h.score == top and h.role in _FAMILY)
                    has_family = True
                family_reading = family_reading or any(h.role == "family" for h in mine)
                role = best.role
            used_roles.append(role)
            if top > best_own:
                best_own = top
            score *= best.score
            reasons.append(best)
        if not has_family:
            return None
        roles = frozenset(used_roles)
        if len(roles) == 1 and len(used_roles) > 1 and "family" in roles:
            score *= 0.9  # the same surname twice
        bare = roles <= _FAMILY_SET
        if bare and "family" in roles and person.given:
            score *= 0.97  # surname alone: right, but less certain than a full name
        m = Match(person, round(min(score, 1.0), 4), reasons)
        m.bare = bare and not initials  # no given name nor initial beside it
        m.roles = roles
        m.own = best_own  # how well the person's own name explains the words at best
        m.family_reading = family_reading
        return m

    # -- the decision -------------------------------------------------------------------------
    def common_surname(self, m: Match, namesakes: bool = True) -> bool:
        """Is the person's family name common in their language (the lexicon's frequency lists) or
        shared by several persons of the authority (looked at only when other persons fit: `namesakes`)?"""
        index = self.lookup._current()
        if self._shared_of is not index:  # the authority changed: counted again
            self._shared, self._shared_of = {}, index
        family = m.person.family
        if not family:
            return False
        if family.casefold() in self.lexicon.raw_surnames:
            return True
        if not namesakes:
            return False  # no other person of the authority fits: the surname is not shared there
        got = self._shared.get(m.pid)
        if got is None:
            key = self.lookup.authority.folder.fold(family)
            n = len({p.person_id for p, role in index.words.get(key, ()) if role == "family"})
            got = remember(self._shared, m.pid, key in self.lexicon.all_surnames or n >= SHARED_IN_AUTHORITY)
        return got

    def ordinary(self, words, m: Match) -> bool:
        """Is a one-word query an ordinary word: a month, or an everyday given name that is only the
        person's by-name (Walter for Tito, Pedro for Gerő)?"""
        if len(words) != 1 or words[0][1]:
            return False
        w = words[0][0]
        return w in self.lexicon.months or (m.roles <= {"pseudonym"} and w in self.lexicon.everyday_given)

    def decide(self, words: list[tuple[str, bool]], context=None, matches: list[Match] | None = None) -> Decision:
        """The answer for folded query words: lookup's (context None) and normalization's (the document's
        evidence, `context.DocContext`) by the same rules. A ranking passed in (`matches`, kept by the
        normalizer) is not changed: reasons are added to copies."""
        if matches is None:
            matches = self.rank(words)
        decision = self._decide(words, context, matches)
        decision.ranking = matches
        return decision

    def _decide(self, words, context, matches: list[Match]) -> Decision:
        threshold = self.lookup.threshold
        if len(matches) == 1 and context is None:  # the usual case, the rules below in short
            top = matches[0]
            if top.score < threshold:
                return Decision(None, matches)
            if not (top.bare and top.person.family and top.person.family.casefold() in self.lexicon.raw_surnames
                    or len(words) == 1 and self.ordinary(words, top)):
                return Decision(top, matches)
        fit = [m for m in matches if m.score >= threshold]
        if not fit:
            return Decision(None, matches)
        if context is not None:
            fit = context.weigh(fit)
            if not fit:
                return Decision(None, matches, tied=True)
        top = fit[0]
        tied = [m for m in fit[1:] if top.score - m.score <= TIE]
        common = top.bare and self.common_surname(top, namesakes=len(fit) > 1)
        if self.ordinary(words, top) and not (context is not None and context.knows(top)):
            return Decision(None, [_noted(top, "an ordinary word or everyday given name: a name only where the "
                                               "text names the person"), *matches[1:]], ordinary=True)
        if tied:
            supported = context.supported(top, tied) if context is not None else None
            if supported is not None:
                others = ", ".join(m.person.native for m in [top, *tied] if m is not supported)
                return Decision(_noted(supported, f"the text names {supported.person.native} in full "
                                                  f"(also fits {others})"), matches, tied=True)
            second = tied[0]
            if not common and top.person.prominence + 1 >= DOMINANT * (second.person.prominence + 1):
                return Decision(_noted(top, f"also fits {second.person.native}, whom the sources name far less "
                                            "often"), matches, tied=True)
            ranked = [_noted(top, f"also fits {second.person.native} about equally: ambiguous"), *matches[1:]]
            # the persons the text has named in full, if two or more of them fit: the others are not in question
            named = [m.pid for m in [top, *tied] if context is not None and context.full[m.pid]]
            return Decision(None, ranked, ambiguous=True, common=common, tied=True,
                            between=named if len(named) > 1 else [])
        if common:
            if context is not None and not context.knows(top, self.lookup.authority):
                return Decision(None, matches, common=True)  # a bare common surname needs the document's support
            top = _noted(top, f"{top.person.family} is a common surname; the only one of that name in the table")
        return Decision(top, matches, common=common)


def _noted(m: Match, text: str) -> Match:
    """A copy of m with one more reason (a ranking kept in a cache is shared by many decisions)."""
    c = Match(m.person, m.score, m._why if isinstance(m._why, str) else list(m._why), m._canonical, m.native)
    c.bare, c.roles, c.own, c.family_reading = m.bare, m.roles, m.own, m.family_reading
    c.add_reason(text)
    return c


def _near_given(word: str, givens) -> str | None:
    from .lookup import _edit_cost

    for g in givens:
        if is_cyrillic(g) != is_cyrillic(word) or abs(len(g) - len(word)) > 2:
            continue
        if _edit_cost(word, g) <= 1.0 or Levenshtein.normalized_similarity(word, g) >= 0.8:
            return g
    return None
