"""What the shape of a word says about a name: surname endings, initials, given names and non-persons of
the lexicon (tables/discovery.toml), pymorphy3's tags, the language of a text, and the skeleton key that
one name's spellings share across scripts and national practices."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .fold import UPPER_LETTERS, is_cyrillic

if TYPE_CHECKING:
    from .lookup import Lookup

# a capitalised word, or an initial (Hungarian initials have two letters: Gy., Sz., Ny., Cs., Zs., Ty.);
# only words that start with a capital are matched, so the scan steps over the rest in C (`_runs` drops
# words in capitals and words with digits)
_CAP = "[" + re.escape("".join(sorted(UPPER_LETTERS))) + "]"
# (the capital comes first and the look behind after it, so that the scan can skip to capitals)
_WORD = re.compile(rf"{_CAP}(?<![\w'’-].)(?:(?:[yzsjž]|zs)?\.(?![^\W\d_])|(?:[\w'’]|-(?=[^\W\d_]))*[^\W\d_])")
_GAP = re.compile(r"[ \t\u00a0]+|[ \t]*-?\n[ \t]*")
_RUN = re.compile(rf"(?:{_WORD.pattern})(?:(?:{_GAP.pattern})(?:{_WORD.pattern}))*")
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;]['\"’”»)]*|\n[ \t]*\n)[ \t\n]*[\"“„«(]?$")
# surname endings by family of languages; the first group is strong enough for a lone word
_SURNAME_STRONG = re.compile(
    r"(?:ović|ovič|ovic|ević|evič|evic|ić|vić|ич|ович|евич|ovich|evich|owitsch|ewitsch|ovics|evics|"
    r"ovski|ovsky|ovskij|ovskii|evskij|evskii|evsky|skij|skii|ски|ский|цкий|ckij|cki|ski|sky|"
    r"enko|енко|uk|ук|shvili|švili|швили|dze|дзе|yan|ян|ova|eva|ова|ева|ина|ov|ev|ёв|ов|ев|ow|ew|ин|in)$")
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovics|evics|owitsch|ewitsch|ovitch|evitch|ovič|evič|ович|евич|ична|овна|"
                         r"евна|ovna|evna|ovnа|ichna|ičná|ovny|ovnu|ovnak)$", re.I)
_SURNAME_DE = re.compile(r"(?:ić|ič|ov|ev|in|ski|sky|skij|ow|ew|owitsch|ović|enko|schwili)$")
# after these a lone capitalised word is a place (u Poljskoj, в Москве, in Moskau)
_PLACE_PREPOSITIONS = frozenset("u iz na do za kroz prema у из на до за кроз в во из-за под над in im nach aus".split())
# adjectival endings (Varšavskog, Варшавского) before a noun in lower case
_ADJECTIVE = re.compile(r"(?:sk|ck|šk|čk|ск|цк|шк|чк)(?:og|oga|om|omu|oj|e|i|a|ih|im|u|ого|ому|ом|ой|ая|ую|ие|их|им|ей|ог|ога|ому|ој|е|и|а|у)$")

_SR_LETTER = re.compile("[јљњђћџЈЉЊЂЋЏ]")
_INITIAL = re.compile(r"^(?:Gy|Sz|Ny|Cs|Zs|Ty|Dzs|Dž|Lj|Nj|[^\W\d_])\.$")



@dataclass
class Lexicon:
    """What discovery knows of words: given names, words that are never persons, titles."""

    given: set[str] = field(default_factory=set)
    not_persons: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    months: set[str] = field(default_factory=set)
    given_lang: dict[str, set[str]] = field(default_factory=dict)  # given name -> the languages it is usual in


def load_lexicon(lookup: Lookup) -> Lexicon:
    tables = lookup.authority.tables
    fold = lookup.authority.folder.fold
    data = tomllib.loads((tables.directory / "discovery.toml").read_text(encoding="utf-8"))
    words = data.get("words", {})
    lex = Lexicon()
    for lang, names in data.get("given_names", {}).items():
        for w in names:
            lex.given_lang.setdefault(fold(w), set()).add(lang)
    for person in lookup.authority:
        for g in person.given_names:
            lex.given_lang.setdefault(fold(g), set()).add(person.lang)
    lex.given = set(lex.given_lang) | {k for k in lookup.index.given_keys if len(k) > 2}
    lex.months = {fold(w) for w in words.get("months", [])}
    lex.not_persons = {fold(w) for w in words.get("not_persons", [])} | lex.months
    lex.not_persons |= {fold(w) for w in words.get("nationalities", [])}
    lex.titles = set(lookup.titles) | {fold(w).rstrip(".") for w in words.get("roles", [])}
    return lex


def _morph():
    """The process's one pymorphy3 analyser (inflect.py's: loading it costs a quarter of a second)."""
    from .inflect import _morph as shared

    return shared()


@lru_cache(maxsize=200_000)
def _ru_tags(word: str) -> frozenset[str]:
    """pymorphy3's tags of a Cyrillic word's likely readings (Name, Surn, Patr, Geox, Orgn ...)."""
    m = _morph()
    if m is None:
        return frozenset()
    tags: set[str] = set()
    for p in m.parse(word)[:3]:
        if p.score >= 0.1:
            tags |= set(p.tag.grammemes)
    return frozenset(tags)


def text_language(text: str) -> str:
    """The language of a text by its function words and letters: en, de, hu, sh, ru, sr (Cyrillic), or ''."""
    sample = text[:20000].lower()
    cyr = sum(1 for c in sample if "а" <= c <= "я" or c in "ёјљњђћџ")
    lat = sum(1 for c in sample if "a" <= c <= "z")
    if cyr > lat:
        return "sr" if sum(sample.count(c) for c in "јљњђћџ") > cyr / 200 else "ru"
    words = re.findall(r"[a-zäöüßáéíóőúűčćšžđ]+", sample)
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOP.items()}
    best = max(counts, key=counts.get) if counts else ""
    return best if counts.get(best) else ""


_STOP = {
    "en": set("the and of to in was that with for his by on as from".split()),
    "de": set("der die das und ist nicht mit von zu den dem des auf sich wurde".split()),
    "hu": set("a az és hogy nem is egy volt mint meg csak már pedig ezt".split()),
    "sh": set("i je u da se na za od su koji kao što bio sa".split()),
    "pl": set("i w nie się na że z do jest jak to przez był".split()),
    "cs": set("a v se na je že s do jako by byl který také".split()),
}


_CYR_LATIN = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяёјљњђћџ",
                      ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                       "u", "f", "h", "c", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia", "e", "j", "lj", "nj",
                       "dj", "c", "dz"], strict=True))
# spellings of one sound in the region's practices, longest first: Hungarian gy = Serbian đ = Russian дь
_SKELETON = [("shch", "s"), ("tsch", "c"), ("sch", "s"), ("dzs", "d"), ("gy", "d"), ("dj", "d"), ("dz", "d"),
             ("ny", "n"), ("nj", "n"), ("lj", "l"), ("ly", "l"), ("sz", "s"), ("cs", "c"), ("ch", "c"), ("cz", "c"),
             ("zs", "s"), ("zh", "s"), ("sh", "s"), ("rz", "s"), ("kh", "h"), ("ts", "c"), ("tz", "c"), ("ie", "e"),
             ("x", "ks"), ("w", "v"), ("y", "i"), ("j", "i"), ("z", "s"), ("q", "k"), ("ck", "k"), ("ph", "f")]
_SKELETON_RX = re.compile("|".join(re.escape(a) for a, _ in _SKELETON))
_SKELETON_MAP = dict(_SKELETON)


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A key that the spellings of one name in the region's scripts and practices share: Nagy, Nađ and
    Надь are "nad"; Žujović, Жујовић and Жуйович "suiovic"; Konev, Konyev, Konew and Коњев "konev"."""
    from unidecode import unidecode

    w = "".join(_CYR_LATIN.get(c, c) for c in word.lower())
    w = unidecode(unicodedata.normalize("NFC", w)).lower()
    w = re.sub(r"[^a-z]", "", w)
    w = _SKELETON_RX.sub(lambda m: _SKELETON_MAP[m.group()], w)
    return re.sub(r"(.)\1+", r"\1", w)


def _family_index(classes: list[str], lang: str, words) -> int:
    """Which word is the family name: Hungarian puts it first (Péter Gábor), the others last; a word
    with a surname ending wins over a given name."""
    full = [i for i, c in enumerate(classes) if c != "I"]
    if len(full) == 1:
        return full[0]
    s = [i for i in full if classes[i] == "S"]
    if len(s) == 1:
        return s[0]
    hungarian = lang == "hu" or any(re.search("[őűŐŰ]", w[2]) for w in words)
    if hungarian and classes[full[-1]] == "G" and classes[full[0]] != "P":
        return full[0]
    non_given = [i for i in full if classes[i] not in ("G", "P")]
    if len(non_given) == 1:
        return non_given[0]
    return full[-1]


def _name_lang(name: str, text_lang: str) -> str:
    if is_cyrillic(name):
        return "sr" if re.search("[јљњђћџЈЉЊЂЋЏ]", name) else "ru"
    if re.search("[őűŐŰ]|(?:cs|gy|sz|zs|ny)[aeiouáéíóöüú]", name) and not re.search("[čćšžđ]", name):
        return "hu"
    if re.search("[čćšžđČĆŠŽĐ]", name) or re.search("(?:ović|ević|ić)$", name):
        return "sh"
    if re.search("[łąęśźżńŁŚŹŻ]", name):
        return "pl"
    if text_lang in ("ru", "sr", "hu", "sh"):
        return text_lang
    return ""


def _recase(orig: str, base: str) -> str:
    """`base` (folded or lower case) written like `orig`: its capital first letter, its diacritics where the
    letters agree (gabor for Gábort -> Gábor)."""
    out = []
    for i, ch in enumerate(base):
        o = orig[i] if i < len(orig) else ""
        if o and unicodedata.normalize("NFD", o)[0].lower() == ch:
            out.append(o.lower())
        else:
            out.append(ch)
    s = "".join(out)
    return s[:1].upper() + s[1:] if orig[:1].isupper() else s
