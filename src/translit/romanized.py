"""Latin -> Russian Cyrillic: ranked candidates for a romanized name, from any of the schemes.

The inverse of every Russian romanization's letter map is a set of pieces (``shch`` -> щ,
``tsch`` -> ч, ``sz`` -> с ...). A romanized word is segmented into pieces by a beam search, and
each Cyrillic candidate is then checked the other way: the schemes that turn it back into the
query (after folding) are the evidence, and a candidate that a scheme reproduces outranks one that
none does. Known words (the name table, then pymorphy3's dictionary) break the remaining ties.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

from .fold import is_cyrillic
from .loader import Tables

BEAM = 64
# context spellings that letter maps do not show
_EXTRA = {"ye": "е", "je": "е", "ie": "е", "yo": "ё", "jo": "ё", "io": "ё", "yu": "ю", "ya": "я", "iy": "ий",
          "yy": "ый", "ij": "ий", "ei": "ей", "ey": "ей", "ss": "с", "gu": "г", "ou": "у", "w": "в", "ff": "в",
          "o": "ё", "e": "ё"}  # ё after ж/ч/ш/щ is o in many transcriptions, and e in the plain ones


@lru_cache(maxsize=4)
def _pieces(tables: Tables) -> tuple[dict[str, dict[str, float]], int]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    fold = tables.folder.fold
    for scheme in tables.schemes.from_source("ru-Cyrl"):
        for cyr, lat in scheme.mapping.items():
            if len(cyr) != 1:
                continue
            key = fold(lat).replace(" ", "")
            if key:
                counts[key][cyr] += 1
    for lat, cyr in _EXTRA.items():
        counts[lat][cyr] += 5 if cyr == "ё" and len(lat) == 1 else 1
    pieces = {}
    for lat, cyrs in counts.items():
        total = sum(cyrs.values())
        pieces[lat] = {c: n / total for c, n in cyrs.items()}
    return pieces, max(map(len, pieces))


def reverse_candidates(text: str, tables: Tables, limit: int = 5) -> list[tuple[str, float, list[str]]]:
    """[(cyrillic, score in [0,1], [scheme ids that give back the input])], best first."""
    words = tables.folder.fold(text).split()
    if not words:
        return []
    per_word = [_word_candidates(w, tables) for w in words]
    results = [("", 1.0, None)]
    for cands in per_word:
        nxt = []
        for prefix, score, schemes in results:
            for cyr, s, sids in cands[:limit]:
                common = set(sids) if schemes is None else schemes & set(sids)
                nxt.append(((prefix + " " + cyr).strip(), score * s, common))
        nxt.sort(key=lambda x: -x[1])
        results = nxt[:limit]
    orig = text.strip()
    return [(_case_like(c, orig), round(s, 4), sorted(sids or [])) for c, s, sids in results]


@lru_cache(maxsize=20_000)
def _word_candidates(word: str, tables: Tables) -> list[tuple[str, float, tuple[str, ...]]]:
    pieces, longest = _pieces(tables)
    beams: dict[int, list[tuple[float, str]]] = {0: [(0.0, "")]}
    n = len(word)
    for i in range(n):
        if i not in beams:
            continue
        beams[i].sort(key=lambda x: -x[0])
        for logp, cyr in beams[i][:BEAM]:
            for j in range(i + 1, min(n, i + longest) + 1):
                options = pieces.get(word[i:j])
                if not options:
                    continue
                for c, p in options.items():
                    beams.setdefault(j, []).append((logp + math.log(p) - 0.15, cyr + c))
    final = sorted(beams.get(n, []), key=lambda x: -x[0])[:BEAM]
    fold = tables.folder.fold
    ru = tables.schemes.from_source("ru-Cyrl")
    scored = []
    for logp, cyr in final:
        sids = tuple(s.id for s in ru if fold(s.transliterate(cyr)).replace(" ", "") == word)
        bonus = 2.0 if sids else 0.0
        exact, folded = _table_words(tables)
        if cyr in exact:
            bonus += 3.0  # a name of the table, with its ё
        elif fold(cyr) in folded:
            bonus += 1.5  # a name of the table
        elif _known(cyr):
            bonus += 1.0  # a word pymorphy3 knows
        scored.append((cyr, logp + bonus, sids))
    if not scored:
        return []
    scored.sort(key=lambda x: -x[1])
    top = scored[0][1]
    seen, out = set(), []
    for cyr, s, sids in scored:
        if cyr in seen:
            continue
        seen.add(cyr)
        out.append((cyr, round(math.exp((s - top) / 2) * (0.95 if sids else 0.5), 4), sids))
    return out


@lru_cache(maxsize=4)
def _table_words(tables: Tables) -> tuple[frozenset[str], frozenset[str]]:
    """Cyrillic words of the shipped persons' native names: as written (lower case), and folded."""
    from .model import load_person_file

    words = set()
    for path in tables.person_files():
        for p in load_person_file(path):
            words.update(w.lower() for w in p.native.split() if is_cyrillic(w))
    return frozenset(words), frozenset(tables.folder.fold(w) for w in words)


@lru_cache(maxsize=1)
def _morph():
    try:
        import pymorphy3
    except ImportError:  # pragma: no cover
        return None
    return pymorphy3.MorphAnalyzer()


def _known(word: str) -> bool:
    morph = _morph()
    return bool(morph and morph.word_is_known(word))


def _case_like(cyr: str, orig: str) -> str:
    out = []
    src = orig.split()
    for i, w in enumerate(cyr.split()):
        o = src[i] if i < len(src) else ""
        if o.isupper() and len(o) > 1:
            out.append(w.upper())
        elif o[:1].isupper():
            out.append(w[:1].upper() + w[1:])
        else:
            out.append(w)
    return " ".join(out)
