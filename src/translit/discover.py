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

import bisect
from dataclasses import dataclass, field
from functools import lru_cache

from .fold import is_cyrillic
from .lookup import Lookup
from .nameshape import (
    _ADJECTIVE,
    _GAP,
    _INITIAL,
    _PATRONYMIC,
    _PLACE_PREPOSITIONS,
    _RUN,
    _SENTENCE_END,
    _SR_LETTER,
    _SURNAME_DE,
    _SURNAME_STRONG,
    _WORD,
    _family_index,
    _morph,
    _name_lang,
    _recase,
    _ru_tags,
    load_lexicon,
    skeleton,
    text_language,
)


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
    proposed: dict = field(default_factory=dict)  # native form, language, parts (clusters.propose)
    joins: str | None = None  # a known person this is a damaged or cut part of (Dobrivoje Vidi)

    def to_dict(self) -> dict:
        d = {"start": self.start, "end": self.end, "surface": self.surface, "id": None,
             "cluster": self.cluster, "proposed": self.proposed, "evidence": self.evidence}
        if self.joins:
            d["joins"] = self.joins
        return d


class _Lower:
    """Whether a word stands in lower case in a text, from the text's whitespace-separated tokens (a
    token may carry punctuation after it)."""

    __slots__ = ("tokens",)

    def __init__(self, tokens: list[str]):
        self.tokens = set(tokens)

    def __contains__(self, word: str) -> bool:
        t = self.tokens
        return word in t or any(word + p in t for p in ",.;:)!?")


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
        self._proposed: dict[tuple[str, str], dict] = {}
        self._given_index: tuple | None = None
        self._titles_rx = None  # (revision, folded given name -> [(person id, folded family)])
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
        if key in self.lex.given:
            return "G", word, "known given name"
        if cyr:  # a Serbian or Hungarian given name in Russian: Сретена -> Sreten, Ференц -> Ferenc
            base = self._ru_base(word)
            if {self.fold(self._sr_latin(word)), self.fold(self._sr_latin(base))} & self.lex.given:
                return "G", base, "known given name"
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
        if len(base) >= 5 and (_SURNAME_STRONG.search(base.lower()) or _SURNAME_STRONG.search(word.lower())):
            return "S", base, "surname ending"
        return "", base, ""

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Discoverer per process
    def _ru_reading(self, word: str) -> tuple[str, str, str]:
        """A Latin word read back into Cyrillic (the reverse transliteration's best reading) and classed
        by pymorphy3: Leonid -> Леонид, a given name."""
        from .romanized import reverse_candidates

        if len(word) < 3:
            return "", word, ""
        cands = reverse_candidates(word, self.lookup.authority, limit=1)
        if not cands:
            return "", word, ""
        cyr = cands[0][0]
        m = _morph()
        if m is None or not m.word_is_known(cyr.lower()):
            return "", word, ""  # pymorphy3's guesses for words it does not know name anything (Sein -> Сейн)
        for p in m.parse(cyr.lower())[:3]:
            if p.normal_form != cyr.lower() or p.score < 0.1:
                continue  # the word as it stands must be the name's base form
            for tag, cls, what in (("Name", "G", "given name"), ("Patr", "P", "patronymic"),
                                   ("Surn", "S", "surname")):
                if tag in p.tag.grammemes:
                    return cls, word, f"{what} (pymorphy3, read as {cyr})"
        return "", word, ""

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Discoverer per process
    def _common_noun(self, word: str) -> bool:
        """A word the Russian dictionary knows as a thing or an action, not a person (Kapital -> капитал):
        capitalised inside a sentence alone, it is a title or an institution, no name."""
        m = _morph()
        if m is None:
            return False
        cyr = word
        if not is_cyrillic(word):
            schemes = self.lookup.authority.schemes
            if "sr-latn-cyrl" not in schemes:
                return False
            cyr = schemes["sr-latn-cyrl"].transliterate(word)
        cyr = cyr.lower()
        if not m.word_is_known(cyr):
            return False
        top = m.parse(cyr)[0].tag
        return not top.grammemes & {"Name", "Surn", "Patr", "anim"}

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
        """The nominative singular of a Russian name word by pymorphy3 (a plural reading is no person's:
        Надь is not the genitive plural of Надя)."""
        m = _morph()
        if m is None:
            return word
        for p in m.parse(word.lower())[:4]:
            g = p.tag.grammemes
            if g & {"Name", "Surn", "Patr"} and "sing" in g:
                return _recase(word, p.normal_form)
        return word

    # -- texts ---------------------------------------------------------------------------
    def find(self, text: str, covered: list[tuple[int, int]] = (), lang: str | None = None) -> list[Found]:
        """The discovered person mentions of `text`, outside the `covered` (start, end) spans of known persons."""
        lang = text_language(text) if lang is None else lang
        # words the text also writes in lower case are common words (Party, Embassy): its tokens, split in C
        lower = _Lower(text.split())
        self._serbian = lang == "sr"
        found: list[Found] = []
        proper_only = lang in ("sh", "ru", "sr")
        runs = self._runs(text, covered)
        rest: list[tuple[int, int, str]] = []  # words no mention took: a fuller mention may support them
        for run in runs:
            if len(run) == 1:  # the usual run: one word; most are judged by their class alone
                start, _, w = run[0]
                c = self.word_info(w, self._serbian)[0]
                if c in ("X", "T", "G") or c == "" and not proper_only and not self._after_title(text, start):
                    if c != "X" and c != "T":
                        rest.append(run[0])
                    continue
            f = self._judge(run, text, lower, lang)
            if f is None:
                rest.extend(run)
            else:
                found.append(f)
                rest.extend(w for w in run if w[1] <= f.start or w[0] >= f.end)
        # a family name shown by a fuller mention supports its lone (inflected) occurrences
        families = {self.fold(f.base[f.family]): f.base[f.family] for f in found
                    if f.family >= 0 and len(f.words) > 1}
        prefixes = {k[:3] for k in families}
        for start, end, w in rest if families else ():
            if self.fold(w)[:3] not in prefixes:
                continue  # no family name of the text can be its stem
            cls, base, _ = self.word_info(w, self._serbian)
            hit = next((families[k] for k in self.stems(w) if k in families), None)
            if cls in ("", "S", "G") and hit and w.lower() not in lower:
                found.append(Found(start, end, w, [w], [hit], [f"family name of a fuller mention ({hit})"],
                                   lang=_name_lang(w, lang), family=0))
        found.sort(key=lambda f: f.start)
        from .clusters import fragment_of

        for f in found:
            f.joins = fragment_of(self, f)

        for f in found:
            f.cluster = self.cluster_key(f)
        fuller = {}
        for f in found:
            if len(f.words) > 1:
                fuller.setdefault(f.cluster.partition("|")[0], set()).add(f.cluster)
        for f in found:  # a lone family name of the text takes the cluster of its one fuller mention
            if len(f.words) == 1 and len(fuller.get(f.cluster.partition("|")[0], ())) == 1:
                f.cluster = next(iter(fuller[f.cluster.partition("|")[0]]))
        return found

    def propose(self, found: list[Found]) -> None:
        """Each mention's own proposal (native form, language, parts), for the outputs that show them
        (spans, TEI); a run that only reports clusters does not pay for it."""
        from .clusters import propose

        for f in found:
            key = (f.surface, f.cluster)
            p = self._proposed.get(key)
            if p is None:
                if len(self._proposed) > 100_000:
                    self._proposed.clear()
                p = self._proposed[key] = propose(self, [f])
            f.proposed = p

    def _runs(self, text: str, covered) -> list[list[tuple[int, int, str]]]:
        """The runs of capitalised words outside the covered spans, each a list of (start, end, word). One C
        scan finds whole runs; a run of one plain word (the usual) takes no further step."""
        spans = sorted(covered)
        starts = [a for a, _ in spans]
        runs: list[list[tuple[int, int, str]]] = []
        spans.append((len(text) + 1, len(text) + 1))
        j = 0  # the first covered span that ends after the run's start (runs come in text order)
        for m in _RUN.finditer(text):
            s, e = m.span()
            g = m.group()
            while spans[j][1] <= s:
                j += 1
            clear = spans[j][0] >= e
            if clear and g.isalpha():
                if not g.isupper():
                    runs.append([(s, e, g)])
                continue
            parts = g.split()
            if clear and all(p.isalpha() and not p.isupper() for p in parts):  # plain words, spaces between
                run, pos = [], s
                for p in parts:
                    i = text.find(p, pos, e)
                    run.append((i, i + len(p), p))
                    pos = i + len(p)
                runs.append(run)
                continue
            run: list[tuple[int, int, str]] = []
            for w_m in _WORD.finditer(text, s, e):
                w = w_m.group()
                ws, we = w_m.span()
                k = bisect.bisect_left(starts, we) - 1
                inside = k >= 0 and spans[k][1] > ws
                bad = inside or (w.isupper() and not w.endswith(".")) or not w.replace("-", "").replace(
                    ".", "").replace("'", "").replace("’", "").isalpha()
                if bad or "-" in w:
                    if run:
                        runs.append(run)
                    run = []
                    if not bad:  # a compound: its capitalised parts are names of their own (Malenkov-Molotov-csoport)
                        pos = ws
                        for part in w.split("-"):
                            if part[:1].isupper() and not part.isupper() and len(part) > 1:
                                runs.append([(pos, pos + len(part), part)])
                            pos += len(part) + 1
                    continue
                if run and _GAP.fullmatch(text, run[-1][1], ws):
                    run.append((ws, we, w))
                else:
                    if run:
                        runs.append(run)
                    run = [(ws, we, w)]
            if run:
                runs.append(run)
        return runs

    def _after_title(self, text: str, start: int) -> bool:
        before = text[max(0, start - 30):start].split()[-1:]
        return bool(before) and self.fold(before[0].strip(".,;:()")) in self.lex.titles

    def _judge(self, run, text: str, lower: set[str], lang: str) -> Found | None:
        """A run of capitalised words as a person's name, or None: the part of it with name-shaped evidence."""
        def info(w):
            return self.word_info(w[2], self._serbian)

        words, evidence, titled = list(run), [], False
        while words and info(words[0])[0] == "T":
            titled = True
            evidence.append(f"after the title {words[0][2]!r}")
            words = words[1:]
        if not titled:  # a role just before the name, or after it in Hungarian (Nagy Ferenc miniszterelnök)
            near = (text[run[-1][1]:run[-1][1] + 30].split()[:1] if lang == "hu"
                    else text[max(0, run[0][0] - 30):run[0][0]].split()[-1:])
            if near and self.fold(near[0].strip(".,;:()")) in self.lex.titles:
                titled = True
                evidence.append(f"beside the title {near[0]!r}")
        parts: list[list] = [[]]  # words that are never persons cut the run; the part with most evidence stays
        for w in words:
            if info(w)[0] in ("X", "T") or w[2].lower() in lower:
                parts.append([])
            else:
                parts[-1].append(w)
        words = max(parts, key=lambda p: (sum(1 for w in p if info(w)[0]), len(p)))
        if not words or len(words) > 4:
            return None
        infos = [info(w) for w in words]
        classes = [c for c, _, _ in infos]
        if len(words) > 1 and not {"G", "I"} & set(classes) and (lang != "hu" or "P" in classes):
            # a romanized Russian given name, patronymic or surname: read back, ask pymorphy3 (not in a
            # Hungarian text without a patronymic: Szabad Nép is no Шабад)
            infos = [self._ru_reading(w[2]) if c == "" and not is_cyrillic(w[2]) else (c, b, r)
                     for w, (c, b, r) in zip(words, infos, strict=True)]
            classes = [c for c, _, _ in infos]
        if lang == "de":  # German capitalises nouns: after the given names, one family name (Novotný Erster Sekretär)
            last = max((i for i, c in enumerate(classes) if c in ("G", "I", "P")), default=-1)
            keep = next((i for i in range(last + 1, len(classes)) if classes[i] != "S"), len(classes) - 1) + 1
            if last >= 0 and keep < len(words):
                words, infos, classes = words[:keep], infos[:keep], classes[:keep]
        first = next((i for i, c in enumerate(classes) if c in ("G", "I", "P")), None)
        if first:  # words without evidence before the given name: German nouns (Sein Vorgänger Bolesław Bierut)
            cut = first - (1 if lang == "hu" or classes[first - 1] == "S" else 0)
            words, infos, classes = words[cut:], infos[cut:], classes[cut:]
        start_of_sentence = bool(_SENTENCE_END.search(text, max(0, words[0][0] - 40), words[0][0]))
        if start_of_sentence and len(words) > 1 and classes[0] == "" and classes[1:] != ["G"]:
            words, infos, classes = words[1:], infos[1:], classes[1:]  # "Later Leonid Brezhnev"; not Tildy Zoltán
            start_of_sentence = False
        if all(c == "I" for c in classes) or (classes[-1] == "I" and lang != "hu"):
            return None
        w0 = words[0][2]
        proper_only = lang in ("sh", "ru", "sr") and is_cyrillic(w0) == (lang in ("ru", "sr"))
        if len(words) == 1:
            c = classes[0]
            if start_of_sentence and not titled:
                return None
            before = text[max(0, words[0][0] - 12):words[0][0]].split()[-1:]
            after = text[words[0][1]:words[0][1] + 20].split()[:1]
            if c == "" and before and before[0].lower() in _PLACE_PREPOSITIONS:
                return None  # "u Poljskoj", "в Москве": a place
            if _ADJECTIVE.search(w0) and after and after[0][:1].islower() and not titled:
                return None  # "Varšavskog ugovora", "Варшавского договора": an adjective before its noun
            if c == "S" and (lang != "de" or titled or _SURNAME_DE.search(w0)):
                evidence.append(infos[0][2])
            elif c == "" and (titled and lang != "hu" or proper_only and len(w0) > 3 and not self._common_noun(w0)):
                evidence.append("capitalised inside a sentence" + (" beside a title" if titled else ""))
            else:
                return None
        else:
            strong = ({"G", "P", "I"} & set(classes) or titled
                      or "S" in classes and (lang in ("hu", "sh", "ru", "sr") or any(is_cyrillic(w[2]) for w in words))
                      or len(words) == 2 and proper_only and not start_of_sentence)
            if not strong:
                return None
            evidence += [f"{w[2]}: {r}" for w, (c, _, r) in zip(words, infos, strict=True) if r]
            if not evidence:
                evidence.append("capitalised words inside a sentence")
        start, end = words[0][0], words[-1][1]
        base = [b if c != "I" else w[2] for w, (c, b, _) in zip(words, infos, strict=True)]
        return Found(start, end, text[start:end], [w[2] for w in words], base, evidence,
                     lang=_name_lang(" ".join(w[2] for w in words), lang), family=_family_index(classes, lang, words))

    # -- clusters ------------------------------------------------------------------------
    def cluster_key(self, f: Found) -> str:
        """A stable key of the person a mention names: its family name read back into Cyrillic (the
        reverse transliteration's best reading of the base form), then the first letter of its first
        given name or initial, read the same way ("хебранг|а"; "хебранг|" for the family name alone)."""
        fam = f.base[f.family] if 0 <= f.family < len(f.base) else f.base[-1]
        given = next((w for i, w in enumerate(f.base) if i != f.family), "")
        first = skeleton(given.rstrip("."))[:1] if given else ""
        return f"{skeleton(fam)}|{first}"

    def family_key(self, word: str) -> str:
        return skeleton(word)

