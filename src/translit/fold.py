"""Folding names to matching keys: one normalizer for the tables and the queries alike."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from itertools import product
from pathlib import Path

from unidecode import unidecode

# Characters that carry no letter: zero-width, bidirectional controls, soft hyphen, BOM.
INVISIBLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_PUNCT = re.compile(r"[\s\-‐‑‒–—―.,;:!?()\[\]{}/\\_*+=<>|#№~^]+")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# upper-case Latin and Cyrillic letters (capitalised words are where names start; all-caps words are headlines)
UPPER_LETTERS = frozenset(c for r in (range(0x41, 0x250), range(0x400, 0x530)) for c in map(chr, r) if c.isupper())
_LATIN = re.compile(r"[a-z]")
_NOT_KEY = re.compile(r"[^a-z0-9 ]")
# letters of scripts other than Latin and Cyrillic (and not combining marks or punctuation)
_OTHER_SCRIPT = re.compile(r"[^\x00-\u024f\u0300-\u036f\u0400-\u04ff\u1e00-\u1eff\u2000-\u206f\ufeff]+")
# letters that look alike in the two scripts (after casefolding): a word that mixes scripts is read in the
# script of most of its letters (a Latin "e" typed inside Хрущёв)
_LAT_TO_CYR = str.maketrans("aceopxykmthbi", "асеорхукмтнві")
_CYR_TO_LAT = str.maketrans("асеорхукмтнві", "aceopxykmthbi")
_MIXED = re.compile(r"\w*(?:[a-z]\w*[\u0400-\u04ff]|[\u0400-\u04ff]\w*[a-z])\w*")


class Folder:
    """Folds text to lower-case keys: Latin without diacritics, Cyrillic with е for ё."""

    def __init__(self, table_path: Path):
        data = tomllib.loads(table_path.read_text(encoding="utf-8"))
        self.primary: dict[str, str] = data.get("primary", {})
        self.alternates: dict[str, list[str]] = data.get("alternates", {})
        table: dict[int, str | None] = dict(INVISIBLE)
        for ch, out in self.primary.items():
            table[ord(ch)] = out
        for cp in range(0x300, 0x370):  # stray combining marks
            table[cp] = None
        self._table = table
        self._alt_re = re.compile("|".join(map(re.escape, self.alternates))) if self.alternates else None

    @lru_cache(maxsize=200_000)  # noqa: B019 - one Folder per tables directory, kept for the process
    def fold(self, text: str) -> str:
        """The primary key: casefolded, no diacritics, punctuation and hyphens as single spaces."""
        if text.isascii():  # most words of Western sources: none of the steps below changes them
            return _PUNCT.sub(" ", text.lower().translate(self._table)).strip()
        return self._fold(text)

    def _fold(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text).casefold().translate(self._table)
        if _OTHER_SCRIPT.search(text):
            text = _OTHER_SCRIPT.sub(_icu_latin, text)  # Greek, Arabic, Devanagari, Han ... through ICU
        out = []
        for ch in text:
            if ch < "\x80" or "\u0400" <= ch <= "\u04ff":
                out.append(ch)
            elif ch == "й":
                out.append(ch)
            else:
                out.append(_strip_char(ch))
        text = "".join(out)
        if _CYRILLIC.search(text) and _LATIN.search(text):
            text = _MIXED.sub(_one_script, text)
        text = text.replace("ё", "е")
        return _PUNCT.sub(" ", text).strip()

    def keys(self, text: str) -> set[str]:
        """The primary key and the keys of established alternate spellings (Đilas: djilas, dilas)."""
        base = unicodedata.normalize("NFC", text).casefold()
        found = self._alt_re.findall(base) if self._alt_re else []
        result = {self.fold(base)}
        if not found or len(found) > 4:
            return result
        parts = self._alt_re.split(base)
        choices = [[self.primary.get(ch, ch), *self.alternates[ch]] for ch in found]
        for combo in product(*choices):
            s = parts[0]
            for rep, tail in zip(combo, parts[1:], strict=True):
                s += rep + tail
            result.add(self.fold(s))
        return result


@lru_cache(maxsize=1)
def _icu_transliterator():
    import icu  # PyICU: ICU's own transforms for the scripts the tables do not cover

    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII; Lower")


def _icu_latin(m: re.Match) -> str:
    """Runs of other scripts in ASCII Latin by ICU (Han in pinyin: 周恩来 -> zhou en lai)."""
    out = _icu_transliterator().transliterate(m.group())
    if not out.isascii():
        out = unidecode(out).lower()
    return _NOT_KEY.sub("", out)


def _one_script(m: re.Match) -> str:
    word = m.group()
    cyr = len(_CYRILLIC.findall(word))
    lat = len(_LATIN.findall(word))
    return word.translate(_LAT_TO_CYR if cyr >= lat else _CYR_TO_LAT)


@lru_cache(maxsize=4096)
def _strip_char(ch: str) -> str:
    if not ch.isalnum():
        return " "  # a symbol or punctuation mark outside ASCII separates words
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base.isascii():
        return base
    if _CYRILLIC.match(base):
        return base
    return unidecode(base).lower()


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


# letters that a lossy conversion prints as "?" (the Serbo-Croatian and Hungarian letters outside
# Latin-1), as folded keys: Mi?unovi? -> micunovic, Vidi? -> vidic
_DAMAGED_AS = ("c", "s", "z", "dj", "o", "u")
_QMARK_WORD = re.compile(r"^[^\W\d_][\w?]*\?[\w?]*$|^[^\W\d_]\w*\?$")


def damaged_forms(word: str, limit: int = 3) -> list[str]:
    """The readings of a word in which `?` stands for a letter a conversion could not print (at most
    `limit` of them; [] for a word without one inside or at its end)."""
    if "?" not in word or not _QMARK_WORD.match(word) or word.count("?") > limit:
        return []
    parts = word.split("?")
    out = []
    for combo in product(_DAMAGED_AS, repeat=len(parts) - 1):
        s = parts[0]
        for rep, tail in zip(combo, parts[1:], strict=True):
            s += rep + tail
        out.append(s)
    return out
