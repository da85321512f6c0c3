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
        self._rare: set[tuple[str, str, str]] = set()  # (ending, lang, note) read only after the others
        self._after: dict[tuple[str, str, str], str] = {}  # (ending, lang, note) -> letters it follows
        self._palatal: list[tuple[str, str, str]] = []  # (written, for, reason): Maljenkov, Vašarhelji
        for lang, spec in data.items():
            if not isinstance(spec, dict):
                continue
            self._restore[lang] = tuple(spec.get("restore", ()))
            endings = [tuple(e) for e in spec.get("endings", [])]
            for base, note in spec.get("possessive_adjectives", []):  # Hebrangov, Hebrangova, Hebrangovo ...
                endings += [(base + tail, f"possessive adjective -{base}{tail}" if tail else note)
                            for tail in spec.get("adjective_endings", [""])]
            for ending, note, *flags in endings:
                self._endings.append((ending, lang, note, bool(spec.get("undouble"))))
                if "rare" in flags:
                    self._rare.add((ending, lang, note))
                for flag in flags:
                    if flag.startswith("after:"):  # the ending follows only these letters (Rakoši-ja)
                        self._after[(ending, lang, note)] = flag[6:]
            for written, meant, note in spec.get("palatal_spellings", []):
                self._palatal.append((written, meant, f"{spec.get('name', lang)} {note}"))
        self._endings.sort(key=lambda e: -len(e[0]))
        # by ending, for a lookup of each suffix of a word instead of a scan of every ending
        self._by_ending: dict[str, list[tuple[str, str, str, bool]]] = {}
        for entry in self._endings:
            self._by_ending.setdefault(entry[0], []).append(entry)
        self._longest = max((len(e) for e in self._by_ending), default=0)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Inflector per tables directory
    def stems(self, word: str) -> tuple[tuple[str, str], ...]:
        """(stem, reason) pairs for a folded word, longest ending first, a rare reading (the Hungarian
        possessive -ja of a surname) after the others; then the same for the word's palatal spellings read
        back (Maljenkov: lj for Russian ль; Vašarhelji: lj for Hungarian ly); the word itself excluded."""
        out = list(self._stems(word))
        seen = {word, *(c for c, _ in out)}
        for written, meant, note in self._palatal if not is_cyrillic(word) else ():
            if written not in word:
                continue
            alt = word.replace(written, meant)
            for cand, why in ((alt, note), *((c, f"{note}; {w}") for c, w in self._stems(alt))):
                if cand not in seen:
                    seen.add(cand)
                    out.append((cand, why))
        return tuple(out)

    def _stems(self, word: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        rare: list[tuple[str, str]] = []
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
            after = self._after.get((ending, lang, note))
            if after is not None and stem[-1] not in after:
                continue
            why = f"{self.langs[lang].get('name', lang)} {note} removed"
            is_rare = (ending, lang, note) in self._rare
            for cand in _mend(stem, undouble) + [stem + v for v in self._restore[lang]]:
                if is_rare:
                    rare.append((cand, why))  # claims its stem only if no other reading does
                elif cand not in seen:
                    seen.add(cand)
                    out.append((cand, why))
        for cand, why in rare:
            if cand not in seen:
                seen.add(cand)
                out.append((cand, why))
        return out

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
