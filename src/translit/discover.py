"""Discovery: the persons a text names that the authority does not know.

A run of capitalised words that no mention of a known person covers is a person's name when it has
name-shaped evidence: a given name or patronymic the authority (or the Russian dictionary of pymorphy3)
knows, a surname ending of its language (-ović/-ić, -ov/-ev/-in/-skij, -ski, -enko ...), initials
(also the Hungarian two-letter ones: Gy., Sz., Ny., Cs., Zs.), a title or role before it (Comrade,
товарищ, elvtárs, drug, Botschafter), or a family name that a fuller mention of the same document has
already shown. Words that are not persons are filtered out: months, nationality adjectives, places and
organisations (the lexicon's lists, pymorphy3's Geox/Orgn tags), sentence-initial words without
evidence, and capitalised words the same text also writes in lower case.

Each discovered mention gets a cluster key: its words reduced to their base form (the project's
inflection rules) and read back into Cyrillic (the project's reverse transliteration), so that
Péter Gábor / Gábort / Gábor Péter, Hebrang / Hebranga / Хебранг and Gomułka / Gomulka / Гомулка
fall together (`clusters.Clusters` joins the keys across a corpus).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .fold import is_cyrillic
from .lookup import Lookup

# a capitalised word, or an initial (Hungarian initials have two letters: Gy., Sz., Ny., Cs., Zs., Ty.)
# (`_words` keeps those whose first letter is a capital and that are not all capitals)
_WORD = re.compile(r"(?<![\w'’-])(?:(?:Gy|Sz|Ny|Cs|Zs|Ty|Dzs|Dž|Lj|Nj|[^\W\d_])\.(?![^\W\d_])|"
                   r"[^\W\d_](?:[\w'’]|-(?=[^\W\d_]))*[^\W\d_])")
_GAP = re.compile(r"[ \t\u00a0]+|[ \t]*-?\n[ \t]*")
_SENTENCE_END = re.compile(r"(?:^|[.!?…:;]['\"’”»)]*|\n[ \t]*\n)[ \t\n]*[\"“„«(]?$")
# surname endings by family of languages; the first group is strong enough for a lone word
_SURNAME_STRONG = re.compile(
    r"(?:ović|ovič|ovic|ević|evič|evic|ić|vić|ич|ович|евич|ovich|evich|owitsch|ewitsch|ovics|evics|"
    r"ovski|ovsky|ovskij|ovskii|evskij|evskii|evsky|skij|skii|ски|ский|цкий|ckij|cki|ski|sky|"
    r"enko|енко|uk|ук|shvili|švili|швили|dze|дзе|yan|ян|ova|eva|ова|ева|ина|ov|ev|ёв|ов|ев|ow|ew|ин|in)$")
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovics|evics|owitsch|ewitsch|ovitch|evitch|ovič|evič|ович|евич|ична|овна|"
                         r"евна|ovna|evna|ovnа|ichna|ičná|ovny|ovnu|ovnak)$", re.I)
_SURNAME_DE = re.compile(r"(?:ić|ič|ov|ev|in|ski|sky|skij|ow|ew|owitsch|ović|enko|schwili)$")
_SR_LETTER = re.compile("[јљњђћџЈЉЊЂЋЏ]")
_INITIAL = re.compile(r"^(?:Gy|Sz|Ny|Cs|Zs|Ty|Dzs|Dž|Lj|Nj|[^\W\d_])\.$")


@dataclass
class Found:
    """A discovered mention of a person the authority does not know."""

    start: int
    end: int
    surface: str
    words: list[str]  # the name's words (initials with their full stop), titles left out
    base: list[str]  # each word in its base form (nominative), as far as the rules tell
    evidence: list[str]
    cluster: str = ""
    lang: str = ""
    family: int = -1  # index of the family name among `words`

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "surface": self.surface, "id": None,
                "cluster": self.cluster, "proposed": self.proposed(), "evidence": self.evidence}

    def proposed(self) -> dict:
        full = [w for w in self.base]
        fam = full[self.family] if 0 <= self.family < len(full) else ""
        given = [w for i, w in enumerate(full) if i != self.family and not w.endswith(".")
                 and not _PATRONYMIC.search(w)]
        patr = [w for i, w in enumerate(full) if i != self.family and _PATRONYMIC.search(w)]
        return {"native": " ".join(full), "lang": self.lang, "family": fam, "given": " ".join(given),
                "patronymic": " ".join(patr),
                "order": "family-given" if self.family == 0 and len(full) > 1 else "given-family"}


@dataclass
class Lexicon:
    """What discovery knows of words: given names, words that are never persons, titles."""

    given: set[str] = field(default_factory=set)
    not_persons: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    months: set[str] = field(default_factory=set)
    given_lang: dict[str, str] = field(default_factory=dict)  # given name -> the language it is usual in


def load_lexicon(lookup: Lookup) -> Lexicon:
    tables = lookup.authority.tables
    fold = lookup.authority.folder.fold
    data = tomllib.loads((tables.directory / "discovery.toml").read_text(encoding="utf-8"))
    words = data.get("words", {})
    lex = Lexicon()
    for lang, names in data.get("given_names", {}).items():
        for w in names:
            lex.given_lang.setdefault(fold(w), lang)
    for person in lookup.authority:
        for g in person.given_names:
            lex.given_lang.setdefault(fold(g), person.lang)
    lex.given = set(lex.given_lang) | {k for k in lookup.index.given_keys if len(k) > 2}
    lex.months = {fold(w) for w in words.get("months", [])}
    lex.not_persons = {fold(w) for w in words.get("not_persons", [])} | lex.months
    lex.not_persons |= {fold(w) for w in words.get("nationalities", [])}
    lex.titles = set(lookup.titles) | {fold(w).rstrip(".") for w in words.get("roles", [])}
    return lex


@lru_cache(maxsize=1)
def _morph():
    try:
        import pymorphy3
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    return pymorphy3.MorphAnalyzer()


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


_DISCOVERERS: dict[int, Discoverer] = {}


def discoverer_for(lookup: Lookup) -> Discoverer:
    """The process's discoverer of a lookup (built once: it loads the lexicon and learns words)."""
    d = _DISCOVERERS.get(id(lookup))
    if d is None or d.lookup is not lookup:
        d = _DISCOVERERS[id(lookup)] = Discoverer(lookup)
    return d


class Discoverer:
    """Finds unknown persons in texts; one per process (it caches what it learnt about each word)."""

    def __init__(self, lookup: Lookup):
        self.lookup = lookup
        self.fold = lookup.authority.folder.fold
        self.inflector = lookup.inflector
        self.lex = load_lexicon(lookup)
        self._serbian = False
        self._word: dict[tuple[str, bool], tuple[str, str, str]] = {}

    # -- words ---------------------------------------------------------------------------
    def word_info(self, word: str, serbian: bool = False) -> tuple[str, str, str]:
        """(class, base form, reason) of a capitalised word: class G given name, P patronymic, S surname-shaped,
        I initial, T title, X never a person, '' nothing known. A Cyrillic word of a Serbian text (or with
        a Serbian letter) is read in its Latin form, by the Serbo-Croatian rules, not Russian ones."""
        serbian = serbian and is_cyrillic(word) or bool(_SR_LETTER.search(word))
        info = self._word.get((word, serbian))
        if info is None:
            if len(self._word) > 200_000:
                self._word.clear()
            if serbian:
                cls, base, why = self._word_info(self._sr_latin(word))
                schemes = self.lookup.authority.schemes
                if "sr-latn-cyrl" in schemes:
                    base = schemes["sr-latn-cyrl"].transliterate(base)
                info = (cls, base, why)
            else:
                info = self._word_info(word)
            self._word[(word, serbian)] = info
        return info

    def _word_info(self, word: str) -> tuple[str, str, str]:
        if _INITIAL.match(word):
            return "I", word, "initial"
        key = self.fold(word)
        if key in self.lex.not_persons or (not is_cyrillic(word) and any(
                stem in self.lex.not_persons for stem, _ in self.inflector.stems(key))):
            return "X", word, "not a person's name (lexicon)"
        if key in self.lex.titles:
            return "T", word, "title or role"
        cyr = is_cyrillic(word)
        if cyr:
            tags = _ru_tags(word.lower())
            if tags & {"Geox", "Orgn", "Abbr"} and not tags & {"Name", "Surn", "Patr"}:
                return "X", word, "a place or organisation (pymorphy3)"
        latin = self.fold(self._sr_latin(word)) if cyr else key
        if key in self.lex.given or latin in self.lex.given:
            return "G", word, "known given name"
        if _PATRONYMIC.search(word):
            return "P", self._base(word), "patronymic"
        if cyr:
            tags = _ru_tags(word.lower())
            if "Name" in tags:
                return "G", self._ru_base(word), "given name (pymorphy3)"
            if "Patr" in tags:
                return "P", self._ru_base(word), "patronymic (pymorphy3)"
            if "Surn" in tags:
                return "S", self._ru_base(word), "surname (pymorphy3)"
        base = self._base(word)
        if base != word and self.fold(base) in self.lex.given:
            return "G", base, "known given name, inflected"
        if _SURNAME_STRONG.search(base.lower()) or _SURNAME_STRONG.search(word.lower()):
            return "S", base, "surname ending"
        return "", base, ""

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Discoverer per process
    def _ru_reading(self, word: str) -> tuple[str, str, str]:
        """A Latin word read back into Cyrillic (the reverse transliteration's best reading) and classed
        by pymorphy3: Leonid -> Леонид, a given name."""
        from .romanized import reverse_candidates

        if len(word) < 3:
            return "", word, ""
        cands = reverse_candidates(word, self.lookup.authority.tables, limit=1)
        if not cands:
            return "", word, ""
        cyr = cands[0][0]
        m = _morph()
        for p in m.parse(cyr.lower())[:3] if m is not None else ():
            if p.normal_form != cyr.lower() or p.score < 0.1:
                continue  # the word as it stands must be the name's base form
            for tag, cls, what in (("Name", "G", "given name"), ("Patr", "P", "patronymic"),
                                   ("Surn", "S", "surname")):
                if tag in p.tag.grammemes:
                    return cls, word, f"{what} (pymorphy3, read as {cyr})"
        return "", word, ""

    def _sr_latin(self, word: str) -> str:
        schemes = self.lookup.authority.schemes
        return schemes["sr-cyrl-latn"].transliterate(word) if "sr-cyrl-latn" in schemes else word

    def stems(self, word: str) -> set[str]:
        """The folded word and its possible stems by the inflection rules (and pymorphy3's lemma)."""
        key = self.fold(word)
        out = {key} | {stem for stem, _ in self.inflector.stems(key) if len(stem) >= 3}
        if is_cyrillic(word):
            out.add(self.fold(self._ru_base(word)))
        return out

    def _base(self, word: str) -> str:
        """The nominative of a name word by the inflection rules (Gábort -> Gábor, Hebranga -> Hebrang)."""
        if is_cyrillic(word):
            return self._ru_base(word)
        key = self.fold(word)
        for stem, _how in self.inflector.stems(key):
            if len(stem) >= 3 and (stem in self.lex.given or _SURNAME_STRONG.search(stem)):
                return _recase(word, stem)
        return word

    def _ru_base(self, word: str) -> str:
        m = _morph()
        if m is None:
            return word
        for p in m.parse(word.lower())[:3]:
            if p.tag.grammemes & {"Name", "Surn", "Patr"}:
                return _recase(word, p.normal_form)
        return word

    # -- texts ---------------------------------------------------------------------------
    def find(self, text: str, covered: list[tuple[int, int]] = (), lang: str | None = None) -> list[Found]:
        """The discovered person mentions of `text`, outside the `covered` (start, end) spans of known persons."""
        lang = text_language(text) if lang is None else lang
        lower = {self.fold(w) for w in re.findall(r"(?<![\w-])[a-zß-ÿа-яё][\w'-]*", text)}
        runs = self._runs(text, covered)
        self._serbian = lang == "sr"
        found: list[Found] = []
        for run in runs:
            f = self._judge(run, text, lower, lang)
            if f is not None:
                found.append(f)
        # a family name shown by a fuller mention supports its lone (inflected) occurrences
        families = {self.fold(f.base[f.family]): f.base[f.family] for f in found
                    if f.family >= 0 and len(f.words) > 1}
        taken = {f.start for f in found}
        for run in runs:
            for start, end, w in run:
                if start in taken or any(f.start <= start < f.end for f in found):
                    continue
                cls, base, _ = self.word_info(w, self._serbian)
                hit = next((families[k] for k in self.stems(w) if k in families), None)
                if cls in ("", "S") and hit and self.fold(w) not in lower:
                    found.append(Found(start, end, w, [w], [hit], [f"family name of a fuller mention ({hit})"],
                                       lang=_name_lang(w, lang), family=0))
        found.sort(key=lambda f: f.start)
        for f in found:
            f.cluster = self.cluster_key(f)
        return found

    def _runs(self, text: str, covered) -> list[list[tuple[int, int, str]]]:
        spans = sorted(covered)
        runs: list[list[tuple[int, int, str]]] = []
        run: list[tuple[int, int, str]] = []
        k = 0
        for m in _WORD.finditer(text):
            w = m.group()
            if not w[0].isupper() or (w.isupper() and not w.endswith(".")) or any(c.isdigit() for c in w):
                if run:
                    runs.append(run)
                run = []
                continue
            s, e = m.span()
            if "-" in w:  # a compound: its capitalised parts are names of their own (Malenkov-Molotov-csoport)
                if run:
                    runs.append(run)
                run = []
                pos = s
                for part in w.split("-"):
                    if part[:1].isupper() and not part.isupper() and len(part) > 1 \
                            and not any(a < pos + len(part) and pos < b for a, b in spans):
                        runs.append([(pos, pos + len(part), part)])
                    pos += len(part) + 1
                continue
            while k < len(spans) and spans[k][1] <= s:
                k += 1
            if k < len(spans) and spans[k][0] < e:
                if run:
                    runs.append(run)
                run = []
                continue
            if run and _GAP.fullmatch(text, run[-1][1], s):
                run.append((s, e, m.group()))
            else:
                if run:
                    runs.append(run)
                run = [(s, e, m.group())]
        if run:
            runs.append(run)
        return runs

    def _judge(self, run, text: str, lower: set[str], lang: str) -> Found | None:
        words = list(run)
        evidence: list[str] = []
        titled = False
        while words and self.word_info(words[0][2], self._serbian)[0] == "T":
            titled = True
            evidence.append(f"after the title {words[0][2]!r}")
            words = words[1:]
        if titled is False and run[0][0] > 0:
            before = text[max(0, run[0][0] - 30):run[0][0]].split()
            if before and self.fold(before[-1]) in self.lex.titles:
                titled = True
                evidence.append(f"after the title {before[-1]!r}")
        # words that are never persons cut the run; keep the part with the most evidence
        parts: list[list] = [[]]
        for w in words:
            if self.word_info(w[2], self._serbian)[0] == "X" or self.fold(w[2]) in lower:
                parts.append([])
            else:
                parts[-1].append(w)
        words = max(parts, key=lambda p: (sum(1 for w in p if self.word_info(w[2], self._serbian)[0]), len(p)))
        if len(words) > 4:
            return None
        infos = [self.word_info(w[2], self._serbian) for w in words]
        if len(words) > 1:  # a romanized Russian given name, patronymic or surname: read back, ask pymorphy3
            infos = [self._ru_reading(w[2]) if c == "" and not is_cyrillic(w[2]) else (c, b, r)
                     for w, (c, b, r) in zip(words, infos, strict=True)]
        if words and _SENTENCE_END.search(text, 0, words[0][0]) and not infos[0][0] and len(words) > 1:
            words, infos = words[1:], infos[1:]  # "Then Leonid Brezhnev": the first word of the sentence
        if not words:
            return None
        classes = [c for c, _, _ in infos]
        full = [c for c in classes if c != "I"]
        if not full or classes[-1] == "I" and len(classes) > 1 and lang != "hu":
            return None
        sentence_start = bool(_SENTENCE_END.search(text, 0, words[0][0]))
        if len(words) == 1:
            c, w = classes[0], words[0][2]
            if sentence_start and not titled:
                return None
            proper_only = lang in ("hu", "sh", "ru", "sr") and (is_cyrillic(w) == (lang in ("ru", "sr")))
            if c == "S" and (lang != "de" or titled or _SURNAME_DE.search(w)):
                evidence.append(infos[0][2])
            elif c == "" and (titled or proper_only and len(w) > 3):
                evidence.append("capitalised inside a sentence" + (" after a title" if titled else ""))
            else:
                return None
        else:
            strong = {"G", "P", "I"} & set(classes) or titled or classes.count("S") >= 1 and len(words) == 2 \
                and any(is_cyrillic(w[2]) or lang in ("hu", "sh", "ru", "sr") for w in words)
            if not strong:
                return None
            evidence += [f"{w[2]}: {r}" for w, (c, _, r) in zip(words, infos, strict=True) if r]
        start, end = words[0][0], words[-1][1]
        base = [b if c != "I" else w[2] for w, (c, b, _) in zip(words, infos, strict=True)]
        family = _family_index(classes, lang, words)
        return Found(start, end, text[start:end], [w[2] for w in words], base, evidence,
                     lang=_name_lang(" ".join(w[2] for w in words), lang), family=family)

    # -- clusters ------------------------------------------------------------------------
    def cluster_key(self, f: Found) -> str:
        """A stable key of the person a mention names: its family name read back into Cyrillic (the
        reverse transliteration's best reading of the base form), then the first letter of its first
        given name or initial, read the same way ("хебранг|а"; "хебранг|" for the family name alone)."""
        fam = f.base[f.family] if 0 <= f.family < len(f.base) else f.base[-1]
        given = next((w for i, w in enumerate(f.base) if i != f.family), "")
        first = self.family_key(given.rstrip("."))[:1] if given else ""
        return f"{self.family_key(fam)}|{first}"

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Discoverer per process
    def family_key(self, family: str) -> str:
        word = family
        if is_cyrillic(word) and any(c in word for c in "јљњђћџЈЉЊЂЋЏ"):
            word = self.lookup.authority.schemes["sr-cyrl-latn"].transliterate(word)
        if not is_cyrillic(word):
            from .romanized import reverse_candidates

            cands = reverse_candidates(word, self.lookup.authority.tables, limit=1)
            if cands:
                word = cands[0][0]
        return self.fold(unicodedata.normalize("NFC", word)).replace("ё", "е")


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
