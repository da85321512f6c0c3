"""Case endings: candidate stems of an inflected name word, with what was removed.

Endings are data (tables/inflection.toml); Russian words also go through pymorphy3, a real
morphological analyser, when it is installed. A stem is only a candidate: lookup accepts it only
when it is a known name word.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from .fold import is_cyrillic

_CONSONANT_DIGRAPHS = ("ggy", "nny", "tty", "lly", "ssz", "ccs", "zzs", "ddz")


class Inflector:
    def __init__(self, path: Path):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        self.langs: dict[str, dict] = data
        self._endings: list[tuple[str, str, str, bool]] = []  # (ending, lang, note, undouble)
        # final vowels that a case ending replaces (Serbo-Croatian Tito -> Titom, Đuka -> Đuke)
        self._restore: dict[str, tuple[str, ...]] = {}
        for lang, spec in data.items():
            self._restore[lang] = tuple(spec.get("restore", ()))
            for ending, note in spec.get("endings", []):
                self._endings.append((ending, lang, note, bool(spec.get("undouble"))))
        self._endings.sort(key=lambda e: -len(e[0]))
        # by ending, for a lookup of each suffix of a word instead of a scan of every ending
        self._by_ending: dict[str, list[tuple[str, str, str, bool]]] = {}
        for entry in self._endings:
            self._by_ending.setdefault(entry[0], []).append(entry)
        self._longest = max((len(e) for e in self._by_ending), default=0)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Inflector per tables directory
    def stems(self, word: str) -> tuple[tuple[str, str], ...]:
        """(stem, reason) pairs for a folded word, longest ending first; the word itself excluded."""
        out: list[tuple[str, str]] = []
        seen = {word}
        cyr = is_cyrillic(word)
        matching = [entry for k in range(min(self._longest, len(word) - 3), 0, -1)
                    for entry in self._by_ending.get(word[-k:], ())]
        for ending, lang, note, undouble in matching:
            if (lang == "ru") != cyr:
                continue
            stem = word[: len(word) - len(ending)]
            if len(stem) < 3:
                continue
            why = f"{self.langs[lang].get('name', lang)} {note} removed"
            for cand in _mend(stem, undouble) + [stem + v for v in self._restore[lang]]:
                if cand not in seen:
                    seen.add(cand)
                    out.append((cand, why))
        return tuple(out)

    def lemmas(self, word: str) -> tuple[tuple[str, str], ...]:
        """Lemmas from pymorphy3 for a Russian word (slower: asked when the endings explain nothing)."""
        if not is_cyrillic(word):
            return ()
        return tuple((lemma, "Russian case form (pymorphy3 lemma)") for lemma in _russian_lemmas(word)
                     if lemma != word)


def _mend(stem: str, undouble: bool) -> list[str]:
    cands = [stem]
    if undouble:
        for dg in _CONSONANT_DIGRAPHS:
            if stem.endswith(dg):
                cands.append(stem[:-3] + dg[1:])
        if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiou":
            cands.append(stem[:-1])
        if stem.endswith("hh"):
            cands.append(stem[:-2] + "ch")  # Münnichhel
    return cands


@lru_cache(maxsize=1)
def _morph():
    try:
        import pymorphy3
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=50_000)
def _russian_lemmas(word: str) -> tuple[str, ...]:
    morph = _morph()
    if morph is None:
        return ()
    lemmas = []
    for parse in morph.parse(word)[:6]:
        lemma = parse.normal_form.replace("ё", "е")
        if lemma != word and lemma not in lemmas:
            lemmas.append(lemma)
        # the masculine of a feminine surname (Хрущёва -> Хрущёв)
        if "Surn" in parse.tag and "femn" in parse.tag:
            masc = parse.inflect({"masc", "nomn"})
            if masc is not None:
                m = masc.word.replace("ё", "е")
                if m not in lemmas and m != word:
                    lemmas.append(m)
    return tuple(lemmas)
