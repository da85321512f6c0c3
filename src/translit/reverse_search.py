"""Latin -> Russian Cyrillic: reverse transliteration as a search over each scheme's inverse.

For every Russian romanization the query is segmented into the Latin pieces the scheme writes
(`inverse.Channel`: learnt from the scheme itself, so German s reads as з or с, Polish final l as ль,
Czech ď as дь or д before a soft vowel, Hungarian ny as н or нь ...), by a beam search whose score is
the noisy channel log P(latin | cyrillic, scheme) + log P(cyrillic) under the name model
(`namemodel`: a character 5-gram model of the Russian names of the pymorphy3 dictionary). The
survivors are checked the other way: a candidate that the scheme turns back into the query exactly
(or up to diacritics) gains, and so do words of the lexicon and of the authority's own native forms.

A name of several words is read in one scheme at a time, so the candidates of its words agree on
one national practice; the schemes are then pooled, and the practice a spelling follows is what
`identify` reports. Names of other origins keep their own candidates: the Hungarian and
Serbo-Croatian practical transcriptions into Russian (Nagy -> Надь, Mićunović -> Мичунович) and
Serbian Cyrillic, scored by the same model.
"""

from __future__ import annotations

import math
import unicodedata
import weakref
from functools import lru_cache

from .fold import is_cyrillic
from .inverse import Channel, channel, fold_latin, norm_latin, place
from .namemodel import NameModel, name_model

BEAM = 10
KEEP = 5  # candidates per word and scheme
ROUND_TRIP = 4.0  # the scheme gives the query back exactly
ROUND_TRIP_FOLDED = 2.5  # ... up to diacritics and case
LEXICON = 4.0  # a name of the pymorphy3 dictionary
NATIVE = 7.0  # a native form of the authority: the user's own table outweighs the dictionary
OTHER_ORIGIN = -6.0  # a reading as a Hungarian or Serbo-Croatian name, without letters of that language
OTHER_ORIGIN_LETTERS = {"sh-ru": "ćđ", "sr-latn-cyrl": "ćđ", "hu-ru": "őű"}
OTHER_ORIGIN_SCHEMES = ("hu-ru", "sh-ru", "sr-latn-cyrl")


class Reverser:
    """Reverse transliteration over the schemes of one tables directory, with the native forms of an
    authority (when there is one) as known words."""

    def __init__(self, tables, natives: frozenset[str] = frozenset()):
        self.tables = tables
        self.model: NameModel = name_model()
        self.natives = natives
        self.russian = [s for s in tables.schemes.from_source("ru-Cyrl") if s.target == "Latn"]
        self.channels: dict[str, Channel] = {s.id: channel(s, self.model.words) for s in self.russian}
        self.other = [tables.schemes[sid] for sid in OTHER_ORIGIN_SCHEMES if sid in tables.schemes]
        self._words: dict[str, dict[str, list[tuple[str, float, int]]]] = {}
        self._extend: dict[str, tuple[float, str]] = {}  # name model state + span -> (log P, next state)

    # -- one word -----------------------------------------------------------------------------
    def word(self, word: str) -> dict[str, list[tuple[str, float, int]]]:
        """Per scheme id: [(cyrillic lower case, score, fit)], best first; fit 2 = the scheme gives the
        word back exactly, 1 = up to diacritics, 0 = only through the channel."""
        cached = self._words.get(word)
        if cached is not None:
            return cached
        out: dict[str, list[tuple[str, float, int]]] = {}
        if not any(c.isalpha() for c in word):  # digits, punctuation: as they are, in every scheme
            return {s.id: [(word, 0.0, 2)] for s in self.russian}
        folded = fold_latin(word)
        plain = folded == word  # typed without diacritics: a scheme's form up to diacritics fits
        for scheme in self.russian:
            found = self._search(word, self.channels[scheme.id])
            scored = []
            for cyr, logp in found:
                back = norm_latin(scheme.transliterate(cyr))
                fit = 2 if back == word else 1 if plain and fold_latin(back) == folded else 0
                bonus = ROUND_TRIP if fit == 2 else ROUND_TRIP_FOLDED if fit == 1 else 0.0
                scored.append((cyr, logp + bonus + self._known(cyr), fit))
            scored.sort(key=lambda x: -x[1])
            if scored:
                out[scheme.id] = scored[:KEEP]
        for scheme in self.other:
            cyr = scheme.transliterate(word).lower()
            if not is_cyrillic(cyr) or any(c.isascii() and c.isalpha() for c in cyr):
                continue
            letters = OTHER_ORIGIN_LETTERS.get(scheme.id, "")
            bonus = ROUND_TRIP if any(c in word for c in letters) else OTHER_ORIGIN
            out[scheme.id] = [(cyr, self.model.score(cyr) + bonus + self._known(cyr), 1)]
        if len(self._words) > 5_000:
            self._words.clear()
        self._words[word] = out
        return out

    def _known(self, cyr: str) -> float:
        if cyr in self.natives:
            return NATIVE
        return LEXICON if cyr in self.model.words else 0.0

    def _search(self, word: str, ch: Channel) -> list[tuple[str, float]]:
        """Beam search over the segmentations of `word` into the channel's pieces; a beam entry is the
        Cyrillic so far -> (score, the name model's state after it)."""
        model, n, longest, steps = self.model, len(word), ch.longest, ch.steps
        extend = self._extend
        beams: list[dict[str, tuple[float, str]]] = [dict() for _ in range(n + 1)]
        beams[0][""] = (0.0, model.context(""))
        for i in range(n):
            if not beams[i]:
                continue
            best = sorted(beams[i].items(), key=lambda x: -x[1][0])[:BEAM]
            for j in range(i + 1, min(n, i + longest) + 1):
                opts = steps[place(i, j, n)].get(word[i:j])
                if not opts:
                    continue
                nxt = beams[j]
                for cyr, (score, ctx) in best:
                    prev = cyr[-1] if cyr else "^"
                    for span, base, after in opts:
                        key = ctx + span
                        ext = extend.get(key)
                        if ext is None:
                            ext = extend[key] = self._lm_step(ctx, span)
                        s = score + after.get(prev, base) + ext[0]
                        new = cyr + span
                        held = nxt.get(new)
                        if held is None or s > held[0]:
                            nxt[new] = (s, ext[1])
        final = [(cyr, s + model.logp(ctx, "$")) for cyr, (s, ctx) in beams[n].items()]
        final.sort(key=lambda x: -x[1])
        return final[:KEEP * 2]

    def _lm_step(self, ctx: str, span: str) -> tuple[float, str]:
        """The name model's log P of `span` after the state `ctx`, and the state after it."""
        if len(self._extend) > 50_000:
            self._extend.clear()
        model, total = self.model, 0.0
        for c in span:
            total += model.logp(ctx, c)
            ctx = ctx[1:] + c
        return total, ctx

    # -- a name -------------------------------------------------------------------------------
    def name(self, text: str, limit: int = 5) -> list[tuple[str, float, list[str]]]:
        """[(cyrillic, share of the probability, [scheme ids that read it])], best first."""
        raw = text.split()
        words = [norm_latin(w) for w in raw]
        if not words:
            return []
        per_word = [self.word(w) for w in words]
        pool: dict[tuple[str, ...], tuple[float, list[tuple[int, float, str]]]] = {}
        for sid in {sid for pw in per_word for sid in pw}:
            if not all(sid in pw for pw in per_word):
                continue  # a scheme that cannot read one of the words does not read the name
            combos: list[tuple[float, tuple[str, ...], int]] = [(0.0, (), 2)]
            for pw in per_word:
                combos = sorted(((s + ws, c + (cyr,), min(fit, wf)) for s, c, fit in combos
                                 for cyr, ws, wf in pw[sid]), key=lambda x: -x[0])[:limit * 2]
            for s, cyr, fit in combos:
                best, readers = pool.get(cyr, (-1e9, []))
                readers.append((fit, s, sid))
                pool[cyr] = (max(best, s), readers)
        ranked = sorted(pool.items(), key=lambda x: -x[1][0])[:limit]
        if not ranked:
            return []
        top = ranked[0][1][0]
        total = sum(math.exp(s - top) for _, (s, _) in pool.items())
        out = []
        for cyr, (s, readers) in ranked:
            readers.sort(key=lambda r: (-r[0], -r[1], r[2]))
            best_fit = readers[0][0]
            sids = [sid for fit, _, sid in readers if fit == best_fit]
            out.append((_case_like(" ".join(cyr), raw), round(math.exp(s - top) / total, 4), sids))
        return out

    def identify(self, text: str) -> list[tuple[str, float]]:
        """[(scheme id, probability)] of the practices the spelling may follow, best first: each scheme's
        best reading of the whole name, a scheme that gives it back exactly first."""
        words = [norm_latin(w) for w in text.split()]
        if not words:
            return []
        per_word = [self.word(w) for w in words]
        scores: dict[str, float] = {}
        for sid in self.channels:
            if all(sid in pw for pw in per_word):
                scores[sid] = sum(pw[sid][0][1] for pw in per_word)
        if not scores:
            return []
        top = max(scores.values())
        total = sum(math.exp(s - top) for s in scores.values())
        return sorted(((sid, round(math.exp(s - top) / total, 4)) for sid, s in scores.items()),
                      key=lambda x: (-x[1], x[0]))


def _case_like(cyr: str, src: list[str]) -> str:
    out = []
    for i, w in enumerate(cyr.split()):
        o = src[i] if i < len(src) else ""
        letters = [c for c in o if c.isalpha()]
        if len(letters) > 1 and all(c.isupper() for c in letters):
            out.append(w.upper())
        elif letters and letters[0].isupper():
            out.append(w[:1].upper() + w[1:])
        else:
            out.append(w)
    return " ".join(out)


# -- one reverser per tables directory or authority ------------------------------------------------
_BY_AUTHORITY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reverser(source) -> Reverser:
    """The Reverser of a Tables (the shipped persons' native forms as known words, read once) or of an
    Authority (its own native forms, taken again only when its table changes)."""
    if hasattr(source, "persons") and hasattr(source, "tables"):
        key = (getattr(source, "revision", None), len(source))
        held = _BY_AUTHORITY.get(source)
        if held is None or held[0] != key:
            held = (key, Reverser(source.tables, native_words(source)))
            _BY_AUTHORITY[source] = held
        return held[1]
    return _for_tables(source)


@lru_cache(maxsize=8)
def _for_tables(tables) -> Reverser:
    from .authority import Authority

    return reverser(Authority(tables))


def native_words(persons) -> frozenset[str]:
    """The Cyrillic words of the persons' native names, lower case, with their ё."""
    words = set()
    for p in persons:
        for w in p.native.split():
            if is_cyrillic(w):
                words.add(unicodedata.normalize("NFC", w.lower()))
    return frozenset(words)


def reverse_candidates(text: str, source, limit: int = 5) -> list[tuple[str, float, list[str]]]:
    """[(cyrillic, score in [0,1], [scheme ids that read it])] for a romanized name, best first.
    `source` is a Tables or an Authority (whose native forms then count as known words)."""
    return reverser(source).name(text, limit=limit)


def identify(text: str, source) -> list[tuple[str, float]]:
    """[(scheme id, probability)]: which national practice a romanized Russian name follows."""
    return reverser(source).identify(text)
