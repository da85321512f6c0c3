"""Lookup: any spelling of a name -> the person, with a calibrated score and the reason.

Every word of every person's name is indexed under its folded key in every spelling the schemes
derive (and every variant of the table). A query is cleaned (titles, possessives, broken
hyphenation, initials), split into words, and each word is explained by the index: exactly, after a
case ending is removed, or as an OCR/typing slip within a small edit distance. A person is the
answer only when a family name or by-name of theirs is among the explanations and no word of the
query speaks against them (another given name, a wrong initial, an unexplained word).
"""

from __future__ import annotations

import gc
import re
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .authority import Authority, NamePart
from .fold import is_cyrillic
from .inflect import Inflector
from .model import Person

THRESHOLD = 0.70  # default: chosen on the public development set (README, "Calibration")

# score of each way a word can be explained
S_EXACT = 1.0
S_INFLECTED = 0.95
S_OCR = 0.86
S_FUZZY = 0.76

# pairs of letters that OCR, PDF extraction and typing confuse (after folding)
_CONFUSABLE = {
    frozenset(p) for p in ["il", "i1", "l1", "ij", "ir", "it", "rt", "ce", "o0", "oc", "uv", "nu", "mn", "hb",
                           "ae", "eo", "s5", "lt", "fi", "ft", "ao", "yv", "yj", "ui", "ei", "ou"]
}
_CHEAP_INDEL = set("hjy'")
_VOWELS = frozenset("aeiouy")
_HYPHEN_BREAK = re.compile(r"(\w)[-\u00ad\u2010\u2011]\s+(\w)")
_POSSESSIVE = re.compile(r"(?<=\w)['’ʼ]s\b|(?<=s)['’ʼ](?=\s|$)")
_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.)+$|^[^\W\d_]\.?$")
_SPLIT = re.compile(r"[\s,;:()\[\]/\"“”„«»]+")
_SR_CYRL = set("ђјљњћџЂЈЉЊЋЏ")
_FAMILY = ("family", "pseudonym")


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
        return {
            "id": self.person.id,
            "native": self.person.native,
            "canonical": self.canonical,
            "score": round(self.score, 4),
            "why": self.why,
        }


@dataclass
class LookupResult:
    query: str
    best: Match | None
    candidates: list[Match] = field(default_factory=list)
    transliterations: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {
            "query": self.query,
            "best": self.best.to_dict() if self.best else None,
            "candidates": [c.to_dict() for c in self.candidates],
        }
        if self.transliterations:
            d["transliterations"] = self.transliterations
        return d


class Hit:
    """A query word explained as a word of a person's name; the reason is worded only when it is shown."""

    __slots__ = ("person_id", "role", "score", "_why")

    def __init__(self, person_id: str, role: str, score: float, why):
        self.person_id = person_id
        self.role = role
        self.score = score
        self._why = why  # a str, or a callable that words it

    @property
    def why(self) -> str:
        if not isinstance(self._why, str):
            self._why = self._why()
        return self._why


class Index:
    """The word index of an authority, rebuilt when the authority changes."""

    def __init__(self, authority: Authority):
        self.authority = authority
        self.fold = authority.folder.fold
        self.cache: dict[str, list[Hit]] = {}
        self.grouped: dict[str, tuple[dict[str, list[Hit]], bool, frozenset[str]]] = {}
        self.words: dict[str, list[tuple[NamePart, str]]] = defaultdict(list)  # key -> (part, role)
        self.given_keys: set[str] = set()
        self.initials: dict[str, set[str]] = defaultdict(set)
        self.person_keys: dict[str, set[str]] = defaultdict(set)  # every key of every person
        self.given_of: dict[str, set[str]] = defaultdict(set)  # given-name keys of each person
        self._seen: set[tuple[str, str, str]] = set()
        for person in authority:
            self._add_person(person)
        del self._seen
        self.keys = list(self.words)
        self.by_end: dict[tuple[int, str, int], list[str]] = defaultdict(list)  # (length, letter, 0 first|1 last)
        for k in self.keys:
            self.by_end[(len(k), k[0], 0)].append(k)
            self.by_end[(len(k), k[-1], 1)].append(k)

    def _add_person(self, person: Person) -> None:
        folder = self.authority.folder
        parts = self.authority.name_parts(person)
        family_keys = set()
        given_keys = set()
        for part in parts:
            if part.role in ("family", "pseudonym"):
                family_keys |= {k for f in [part.form] for k in folder.keys(f)}
            elif part.role in ("given", "patronymic"):
                given_keys |= {k for k in folder.keys(part.form)}
        for part in parts:
            for key in folder.keys(part.form):
                words = key.split()
                if not words:
                    continue
                self.initials[person.id].update(w for w in words if len(w) == 1)  # Rainer M. János
                if part.role != "full":
                    for w in words:
                        self._put(w, part, part.role if len(words) == 1 else _role_in(w, family_keys, given_keys, part.role))
                    continue
                for i, w in enumerate(words):
                    role = _role_in(w, family_keys, given_keys, None)
                    if role is None and family_keys and given_keys:
                        # a variant in the other order or damaged: the word is whichever part it resembles
                        fam = max(fuzz.ratio(w, k) for k in family_keys)
                        giv = max(fuzz.ratio(w, k) for k in given_keys)
                        if max(fam, giv) >= 60 and fam != giv:
                            role = "family" if fam > giv else "given"
                    if role is None:
                        last = i == len(words) - 1 if person.order == "given-family" else i == 0
                        role = "family" if last else "given"
                    self._put(w, part, role)
        for key in given_keys:
            if len(key) > 1:
                self.given_keys.add(key)
            self.initials[person.id].add(key[0])
        if any(p.role == "pseudonym" for p in parts):
            self.initials[person.id] |= {k[0] for k in family_keys}
        self.initials[person.id] |= {k[0] for k in given_keys}

    def _put(self, word: str, part: NamePart, role: str) -> None:
        if role == "given" and len(word) > 1:
            self.given_keys.add(word)
            self.given_of[part.person_id].add(word)
            self.initials[part.person_id].add(word[0])
        if role == "patronymic":
            self.initials[part.person_id].add(word[0])
        self.person_keys[part.person_id].add(word)
        sig = (word, part.person_id, role)
        if sig in self._seen:
            return
        self._seen.add(sig)
        self.words[word].append((part, role))


def _role_in(word, family_keys, given_keys, default):
    if word in family_keys:
        return "family"
    if word in given_keys:
        return "given"
    return default


class Lookup:
    """Looks names up against an authority; reuse one instance (its index is built once)."""

    def __init__(self, authority: Authority | None = None, threshold: float = THRESHOLD):
        self.authority = authority or Authority()
        self.threshold = threshold
        tables = self.authority.tables
        self.inflector = Inflector(tables.directory / "inflection.toml")
        lex = tomllib.loads((tables.directory / "lexicon.toml").read_text(encoding="utf-8"))
        self.titles = {self.authority.folder.fold(t) for t in lex.get("titles", [])}
        self.common = {self.authority.folder.fold(t) for t in lex.get("common_words", [])}
        self._index: Index | None = None
        self._index_revision = None
        self.exempted = False  # the index was exempted from cyclic collection (a big table)

    def _current(self) -> Index:
        """The index as it is (public entry points refresh it first; internal steps do not re-check)."""
        return self._index if self._index is not None else self.index

    @property
    def index(self) -> Index:
        self.authority.refresh()
        if self._index is None or self._index_revision != self.authority.revision:
            self._index = Index(self.authority)
            self._index_revision = self.authority.revision
            if len(self._index.keys) > 50_000:
                # A big table's index is millions of long-lived objects; left to the cyclic garbage
                # collector they are traversed at every full collection. Collect once, then exempt them.
                gc.collect()
                gc.freeze()
                self.exempted = True  # what reads through this index adds to its caches is exempted too
        return self._index

    # -- query cleaning ---------------------------------------------------------------------
    def words(self, query: str) -> list[tuple[str, bool]]:
        """(folded word, is_initial) pairs of a query, titles and possessives removed."""
        q = unicodedata.normalize("NFC", query)
        q = _HYPHEN_BREAK.sub(r"\1\2", q)
        q = _POSSESSIVE.sub("", q)
        if any(c in _SR_CYRL for c in q) and "sr-cyrl-latn" in self.authority.schemes:
            q = self.authority.schemes["sr-cyrl-latn"].transliterate(q)
        out: list[tuple[str, bool]] = []
        for raw in _SPLIT.split(q):
            if not raw:
                continue
            if _INITIALS.match(raw) and raw.count(".") >= (0 if len(raw) == 1 else 1):
                for letter in raw.replace(".", ""):
                    out.append((self.authority.folder.fold(letter), True))
                continue
            key = self.authority.folder.fold(raw)
            if "-" in raw and len(key.split()) > 1:
                joined = self.authority.folder.fold(raw.replace("-", ""))
                if self.explain(joined) and not all(self.explain(w) for w in key.split()):
                    key = joined  # a word broken by hyphenation: Micuno-vic
            for w in key.split():
                if w in self.titles:
                    continue
                out.append((w, False))
        # a title like "Marshal" may also be a name elsewhere; keep the query if only titles were left
        return out

    # -- word explanation -----------------------------------------------------------------
    def explain(self, word: str) -> list[Hit]:
        index = self._current()
        cached = index.cache.get(word)
        if cached is not None:
            return cached
        hits: list[Hit] = []
        seen: set[tuple[str, str]] = set()

        def take(key: str, score: float, how: str) -> None:
            for part, role in index.words.get(key, ()):
                sig = (part.person_id, role)
                if sig in seen:
                    continue
                seen.add(sig)
                hits.append(Hit(part.person_id, role, score, partial(_why, self.authority, part, how)))

        take(word, S_EXACT, "")
        for stem, reason in self.inflector.stems(word) if not hits else ():
            take(stem, S_INFLECTED, reason)
        if not hits:
            for stem, reason in self.inflector.lemmas(word):
                take(stem, S_INFLECTED, reason)
        if not hits and is_cyrillic(word):
            # Serbian Cyrillic without its own letters (Титом), or a Western name in Russian (Даллес)
            for sid in ("sr-cyrl-latn", "ru-alalc-plain"):
                if sid not in self.authority.schemes:
                    continue
                latin = self.authority.folder.fold(self.authority.schemes[sid].transliterate(word))
                if is_cyrillic(latin):
                    continue  # Russian letters that Serbian lacks (э, ы): not Serbian
                for hit in sorted(self._explain_loose(latin), key=lambda h: -h.score):
                    sig = (hit.person_id, hit.role)
                    if sig not in seen:
                        seen.add(sig)
                        hits.append(Hit(hit.person_id, hit.role, hit.score * 0.98,
                                        lambda hit=hit, latin=latin: f"{hit.why}; read from Cyrillic as {latin}"))
                if hits:
                    break
        if not hits and len(word) >= 4:
            for key, cost in self._near(word):
                score = S_OCR if cost <= 0.7 else S_FUZZY
                take(key, score - 0.05 * max(0.0, cost - 0.3), f"read as a damaged or misspelled form ({word})")
        if len(index.cache) < 200_000:
            index.cache[word] = hits
        return hits

    def _explain_loose(self, latin: str) -> list[Hit]:
        """A romanized Russian spelling of a foreign name: vowels are transcribed by sound (Dulles -> Даллес)."""
        hits = list(self.explain(latin))
        if any(h.score >= S_INFLECTED for h in hits) or len(latin) < 4:
            return hits
        index = self._current()
        for key, cost in self._near(latin, loose=True):
            score = S_OCR - 0.05 * max(0.0, cost - 0.3)
            for part, role in index.words.get(key, ()):
                hits.append(Hit(part.person_id, role, score,
                                partial(_why, self.authority, part, f"a Russian transcription by sound ({latin})")))
        return hits

    def _near(self, word: str, loose: bool = False) -> list[tuple[str, float]]:
        index = self._current()
        # candidates within two edits keep their first or their last letter (damage at both ends is rare)
        pool = list(dict.fromkeys(
            k for n in range(len(word) - 2, len(word) + 3)
            for k in (*index.by_end.get((n, word[0], 0), ()), *index.by_end.get((n, word[-1], 1), ()))
        ))
        found = process.extract(word, pool, scorer=Levenshtein.distance, score_cutoff=2, limit=20)
        out = []
        for key, dist, _ in found:
            if dist == 0:
                continue
            cost = _edit_cost(word, key, loose)
            n = min(len(word), len(key))
            # short words allow one confusable slip (Trto, Raik), longer ones one edit, long ones a little more
            if (n <= 5 and cost <= 0.4) or (n >= 6 and cost <= 1.0) or (n >= 8 and cost <= 1.3):
                out.append((key, cost))
        out.sort(key=lambda x: x[1])
        return out[:5]

    # -- persons ----------------------------------------------------------------------------
    def lookup(self, query: str, style: str = "en", limit: int = 5) -> LookupResult:
        result = LookupResult(query=query, best=None)
        _ = self.index  # see the edits of other processes, once per query
        matches = self.rank(self.words(query))
        for m in matches[:limit]:
            m.canonical = self.authority.canonical(m.person, style)
        result.candidates = matches[:limit]
        if matches and matches[0].score >= self.threshold and not self._common_word(query):
            result.best = matches[0]
        elif query.strip() and len(query) <= 200:
            result.transliterations = self.transliterations(query.strip())
        return result

    def transliterations(self, query: str) -> dict[str, str]:
        """For a name that is not in the table: its useful spellings in the other scripts and schemes."""
        schemes = self.authority.schemes
        if is_cyrillic(query):
            if any(c in _SR_CYRL for c in query):
                ids = ["sr-cyrl-latn"]
            else:
                ids = ["ru-alalc-plain", "ru-bgn", "ru-wikipedia", "ru-de", "ru-fr", "ru-hu", "ru-sh", "ru-pl", "ru-cs"]
            return {sid: schemes[sid].transliterate(query) for sid in ids if sid in schemes}
        from .romanized import reverse_candidates

        out = {}
        cands = reverse_candidates(query, self.authority, limit=3)
        if cands:
            out["ru-Cyrl"] = ", ".join(c for c, _, _ in cands)
        if "sr-latn-cyrl" in schemes and any(c in "čćđšžČĆĐŠŽ" for c in query):
            out["sr-latn-cyrl"] = schemes["sr-latn-cyrl"].transliterate(query)
        return out

    def _common_word(self, query: str) -> bool:
        """A query in lower case made only of common words ("nagy", "vas") is a word, not a name."""
        words = query.split()
        return bool(words) and query == query.lower() and all(self.authority.folder.fold(w) in self.common
                                                              for w in words)

    def lookup_words(self, words: list[tuple[str, bool]], style: str = "en") -> Match | None:
        """The confident answer for already folded words, or None (used by the normalizer)."""
        matches = self.rank(words)
        if matches and matches[0].score >= self.threshold:
            best = matches[0]
            best.canonical = partial(self.authority.canonical, best.person, style)
            return best
        return None

    def word_answer(self, word: str, style: str = "en") -> tuple[Match | None, float, bool]:
        """`lookup_words` for one folded word that is not an initial, read from one pass over the word's
        explanations (the normalizer's first sighting of a word), with what its checks of a one-word
        mention need: the best score among the answer's own readings of the word and whether one of
        them is the family name ((None, 0.0, False) without an answer). The same answer as
        `lookup_words([(word, False)])` (tested over whole tables): a person qualifies when a family
        name or by-name reading of theirs has their best score, which a family name alone, with a given
        name known, has at 0.97 of."""
        hits = self.explain(word)
        if not hits:
            return None, 0.0, False
        if len(hits) == 1:  # the usual case: one reading of the word, the steps below in short
            h = hits[0]
            if h.role not in _FAMILY:
                return None, 0.0, False
            person = self.authority.persons[h.person_id]
            score = round(min(h.score * 0.97 if h.role == "family" and person.given else h.score, 1.0), 4)
            if score < self.threshold:
                return None, 0.0, False
            return (Match(person, score, [h], partial(self.authority.canonical, person, style)), h.score,
                    h.role == "family")
        mine: dict[str, list[Hit]] = {}
        for h in hits:
            mine.setdefault(h.person_id, []).append(h)
        matches = []
        for pid, own in mine.items():
            top = max(h.score for h in own)
            best = next((h for h in own if h.score == top and h.role in _FAMILY), None)
            if best is None:
                continue  # a given name or patronymic of theirs explains the word best: not them alone
            person = self.authority[pid]
            score = best.score * 0.97 if best.role == "family" and person.given else best.score
            matches.append(Match(person, round(min(score, 1.0), 4), [best]))
        if not matches:
            return None, 0.0, False
        if len(matches) > 1:
            matches.sort(key=lambda m: (-m.score, -m.person.prominence, m.pid))
            if matches[0].score == matches[1].score:
                matches[0].add_reason(f"also fits {matches[1].person.native}")
        best = matches[0]
        if best.score < self.threshold:
            return None, 0.0, False
        best.canonical = partial(self.authority.canonical, best.person, style)
        own = mine[best.pid]
        return best, max(h.score for h in own), any(h.role == "family" for h in own)

    def rank(self, words: list[tuple[str, bool]]) -> list[Match]:
        """Every person the words could denote, best first."""
        names = [w for w, initial in words if not initial]
        if not names:
            return []
        index = self._current()
        explained = {w: self._grouped(w, index) for w in set(names)}
        persons = set().union(*(g[2] for g in explained.values())) if len(explained) > 1 else explained[names[0]][2]
        matches = [m for pid in persons if (m := self._score(pid, words, explained, index)) is not None]
        if len(matches) > 1:
            matches.sort(key=lambda m: (-m.score, -m.person.prominence, m.pid))
        if len(matches) > 1 and matches[0].score == matches[1].score:
            matches[0].add_reason(f"also fits {matches[1].person.native}")
        return matches

    def _grouped(self, word: str, index: Index) -> tuple[dict[str, list[Hit]], bool, frozenset[str]]:
        """The explanations of a word by person, and whether it is someone's given name or patronymic
        (cached: a common given name explains thousands of persons in a big table)."""
        got = index.grouped.get(word)
        if got is None:
            hits = self.explain(word)
            by_pid: dict[str, list[Hit]] = defaultdict(list)
            for h in hits:
                by_pid[h.person_id].append(h)
            got = (dict(by_pid), any(h.role in ("given", "patronymic") for h in hits),
                   frozenset(h.person_id for h in hits if h.role in ("family", "pseudonym")))
            if len(index.grouped) < 200_000:
                index.grouped[word] = got
        return got

    def _score(self, pid: str, words, explained, index) -> Match | None:
        person = self.authority[pid]
        score = 1.0
        reasons: list[str] = []
        has_family = False
        used_roles: list[str] = []
        for w, initial in words:
            if initial:
                if w not in index.initials.get(pid, set()):
                    return None
                continue
            by_pid, given_like, _ = explained[w]
            mine = by_pid.get(pid, ())
            if not mine and len(w) >= 4:
                near = _near_given(w, index.given_of.get(pid, ()))
                if near:
                    # another language's form of the same given name: Mathias for Mátyás, Александр for
                    # Aleksandar
                    score *= 0.9
                    used_roles.append("given")
                    reasons.append(f"'{w}' read as a form of the given name '{near}'")
                    continue
            if not mine:
                if w in index.given_keys or given_like:
                    return None  # another person's given name: Sergei Khrushchev is not Nikita
                score *= 0.55
                reasons.append(f"'{w}' not explained")
                continue
            if len(mine) == 1:  # the usual case: one reading of the word for this person
                best = mine[0]
                has_family = has_family or best.role in _FAMILY
            else:
                best = max(mine, key=lambda h: (h.score, h.role in _FAMILY))
                if any(h.role in _FAMILY for h in mine if h.score == best.score):
                    best = next(h for h in mine if h.score == best.score and h.role in _FAMILY)
                    has_family = True
            used_roles.append(best.role)
            score *= best.score
            reasons.append(best)
        if not has_family:
            return None
        if used_roles.count("family") > 1 and len(set(used_roles)) == 1:
            score *= 0.9  # the same surname twice
        if set(used_roles) <= {"family"} and person.given:
            score *= 0.97  # surname alone: right, but less certain than a full name
        return Match(person, round(min(score, 1.0), 4), reasons)


def _near_given(word: str, givens) -> str | None:
    for g in givens:
        if is_cyrillic(g) != is_cyrillic(word) or abs(len(g) - len(word)) > 2:
            continue
        if _edit_cost(word, g) <= 1.0 or Levenshtein.normalized_similarity(word, g) >= 0.8:
            return g
    return None


def _why(authority: Authority, part: NamePart, how: str) -> str:
    src = part.source
    label = {"family": "family name", "given": "given name", "patronymic": "patronymic",
             "pseudonym": "by-name", "full": "name"}.get(part.role, part.role)
    if src == "native":
        text = f"{part.form}: native {label}"
    elif "scheme:" in src:
        sid = src.split("scheme:", 1)[1].split("+")[0].split(" ")[0]
        scheme = authority.schemes[sid] if sid in authority.schemes else None
        name = scheme.name if scheme else sid
        text = f"{part.form}: {name} spelling of the {label}"
    elif src.startswith("seed:"):
        text = f"{part.form}: {part.kind} seen in the source ({src[5:]})"
    elif src.startswith("convention:"):
        text = f"{part.form}: {part.kind} usual in {src.split(':', 1)[1]} sources"
    else:
        text = f"{part.form}: {part.kind} ({src})"
    return f"{text}; {how}" if how else text


def _edit_cost(a: str, b: str, loose: bool = False) -> float:
    """Edit cost where OCR-confusable substitutions and a dropped h/j/y are cheap (`loose`: vowels too)."""
    cost = 0.0
    for op in Levenshtein.editops(a, b):
        if op.tag == "replace":
            pair = frozenset((a[op.src_pos], b[op.dest_pos]))
            if pair in _CONFUSABLE:
                cost += 0.35
            elif loose and pair <= _VOWELS:
                cost += 0.4
            else:
                cost += 1.0
        elif op.tag == "delete":
            cost += 0.3 if a[op.src_pos] in _CHEAP_INDEL else 1.0
        else:
            cost += 0.3 if b[op.dest_pos] in _CHEAP_INDEL else 1.0
    # rn <-> m, cl <-> d, vv <-> w
    for x, y in (("rn", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u"), ("li", "h")):
        if (x in a and y in b and a.replace(x, y) == b) or (x in b and y in a and b.replace(x, y) == a):
            return 0.35
    return cost
