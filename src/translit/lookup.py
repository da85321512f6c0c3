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
from functools import partial

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from . import persist
from .authority import Authority, NamePart
from .decide import Decider, Decision, LookupResult, Match  # noqa: F401 - Match, LookupResult: public here too
from .fold import damaged_forms, is_cyrillic
from .index import Index, _role_in, ends  # noqa: F401 - the index lives in its own module; re-exported
from .inflect import Inflector

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
        self.decider = Decider(self)  # ranks and decides, for lookup and the normalizer alike

    def _current(self) -> Index:
        """The index as it is (public entry points refresh it first; internal steps do not re-check)."""
        return self._index if self._index is not None else self.index

    @property
    def index(self) -> Index:
        """The index, brought up to date with the store: the entries of the persons changed since it was
        made are replaced (`Index.apply`); it is built whole only the first time, or when it fell further
        behind than the authority remembers."""
        self.authority.refresh()
        if self._index is not None and self._index_revision != self.authority.revision:
            changes = self.authority.changed_since(self._index_revision)
            if changes is not None:
                self._index.apply(changes)
                self._index_revision = self.authority.revision
        if self._index is None and self.authority.saved_index is not None:
            revision, state = self.authority.saved_index
            self.authority.saved_index = None
            self._index, self._index_revision = Index.from_state(self.authority, state), revision
            return self.index  # and the changes since it was saved
        if self._index is None or self._index_revision != self.authority.revision:
            self._index = Index(self.authority)
            self._index_revision = self.authority.revision
            persist.save(self.authority, self._index, self._index_revision)
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
                for piece in raw.split("."):  # a two-letter initial is one letter: Gy. Lukács, Ny. Sz. Hruscsov
                    if piece:
                        out.append((self.authority.folder.fold(piece[0]), True))
                continue
            if "?" in raw and (forms := damaged_forms(raw)):
                raw = self._damaged_reading(forms, raw)  # Mi?unovi?: a letter printed as "?"
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

    def _damaged_reading(self, forms: list[str], raw: str) -> str:
        """The first reading of a word with "?" for a letter that the index knows exactly or inflected
        (a question mark after a known word is punctuation: "Tito?")."""
        plain = self.authority.folder.fold(raw.rstrip("?"))
        if raw.endswith("?") and any(h.score == S_EXACT for h in self.explain(plain)):
            return raw
        for form in forms:
            key = self.authority.folder.fold(form)
            if " " not in key and any(h.score >= S_INFLECTED for h in self.explain(key)):
                return form
        return raw

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
        # candidates keep their first two or their last two letters (one slip leaves one end whole; a
        # bucket is a few keys, not a share of all of them)
        by_end = index.by_end
        pool = list(dict.fromkeys(
            k for n in range(len(word) - 2, len(word) + 3) for end in ends(word, n) for k in by_end.get(end, ())
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
        words = self.words(query)
        decision = self.decider.decide(words)
        matches = decision.candidates
        for m in matches[:limit]:
            m.canonical = self.authority.canonical(m.person, style)
        result.candidates = matches[:limit]
        result.ambiguous = decision.ambiguous
        if decision.best is not None and not self._common_word(query):
            result.best = decision.best
        elif query.strip() and len(query) <= 200 and not decision.ambiguous:
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
        """The confident answer for already folded words, or None (`decide_words` says why not)."""
        return self.decide_words(words, style=style).best

    def decide_words(self, words: list[tuple[str, bool]], style: str = "en", context=None,
                     matches=None) -> Decision:
        """The decision for already folded words (used by the normalizer, with the document's evidence;
        `matches`: the ranking of these words from an earlier decision, not computed again)."""
        decision = self.decider.decide(words, context, matches)
        if decision.best is not None:
            decision.best.canonical = partial(self.authority.canonical, decision.best.person, style)
        return decision

    def word_answer(self, word: str, style: str = "en") -> tuple[Match | None, float, bool]:
        """`lookup_words` for one folded word that is not an initial, with what the normalizer's checks of
        a one-word mention need: the best score among the answer's own readings of the word and whether
        one of them is the family name ((None, 0.0, False) without an answer). One path: the decision."""
        best = self.lookup_words([(word, False)], style=style)
        if best is None:
            return None, 0.0, False
        return best, best.own, best.family_reading

    def rank(self, words: list[tuple[str, bool]]) -> list[Match]:
        """Every person the words could denote, best first (`decide.Decider.rank`)."""
        return self.decider.rank(words)


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
