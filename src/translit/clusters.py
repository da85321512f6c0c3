"""Clusters of discovered persons across a corpus: one per person, with a proposal for the authority.

A discovered mention (`discover.Found`) has a key made of its family name read back into Cyrillic and the
first letter of its given name, so that Péter Gábor / Gábort / Gábor Péter, Hebrang / Hebranga /
Хебранг and Gomułka / Gomulka / Гомулка share one. A mention of the family name alone joins the one
cluster with that family name (two Nagys with different given names: it stays apart, "ambiguous").
Each cluster proposes a person: the native form in the right script and order, in the base
(nominative) forms, its language, family and given parts, every spelling seen with its count and
contexts, the evidence, and the nearest persons of the authority when one may be the same.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .discover import Discoverer, Found
from .fold import is_cyrillic
from .nameshape import _PATRONYMIC, skeleton

_SR = re.compile("[јљњђћџЈЉЊЂЋЏ]")
_RU_SURNAME = re.compile(r"(?:ov|ev|in|ow|ew|yn|off|sky|skiy|skij|skii|ski|enko|itch|ich|ovich|evich|ovics)$")


@dataclass
class Cluster:
    key: str
    mentions: Counter = field(default_factory=Counter)  # surface -> count
    forms: list[Found] = field(default_factory=list)  # one Found per distinct surface (the first seen)
    contexts: list[str] = field(default_factory=list)
    sources: Counter = field(default_factory=Counter)  # file -> count
    evidence: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.mentions.values())

    def add(self, f: Found, context: str = "", source: str = "") -> None:
        if f.surface not in self.mentions:
            self.forms.append(f)
        self.mentions[f.surface] += 1
        if context and len(self.contexts) < 5:
            self.contexts.append(context)
        if source:
            self.sources[source] += 1
        for e in f.evidence:
            self.evidence[e] += 1

    def absorb(self, other: Cluster) -> None:
        for f in other.forms:
            if f.surface not in self.mentions:
                self.forms.append(f)
        self.mentions.update(other.mentions)
        self.contexts.extend(other.contexts[: max(0, 5 - len(self.contexts))])
        self.sources.update(other.sources)
        self.evidence.update(other.evidence)


class Clusters:
    """The unknown persons of a corpus, grouped; `merge` joins the clusters of another file or worker."""

    def __init__(self):
        self.by_key: dict[str, Cluster] = {}  # plain data: a worker process's clusters travel back by pickle

    def __len__(self) -> int:
        return len(self.by_key)

    def add(self, found: list[Found], text: str = "", source: str = "", base: int = 0) -> None:
        for f in found:
            ctx = text[max(0, f.start - base - 50):f.end - base + 50].replace("\n", " ") if text else ""
            self.by_key.setdefault(f.cluster, Cluster(f.cluster)).add(f, ctx, source)

    def merge(self, other: Clusters) -> None:
        for key, c in other.by_key.items():
            if key in self.by_key:
                self.by_key[key].absorb(c)
            else:
                self.by_key[key] = c

    def resolved(self, d: Discoverer) -> list[Cluster]:
        """The clusters with inflected family names joined to their base form's cluster (Hebrangot, Хебранга
        -> Hebrang: the inflection rules' stems of the family name), and family-name-only ones joined to the
        one fuller cluster of that family name (two of them: it stays apart)."""
        out: dict[str, Cluster] = {}
        for c in sorted(self.by_key.values(), key=lambda c: (-c.count, c.key)):
            target = self._stem_target(d, c, out)
            if target is not None:
                target.absorb(c)
            else:
                out[c.key] = _copy(c)
        full: dict[str, list[str]] = {}
        for key in out:
            fam, _, given = key.partition("|")
            if given:
                full.setdefault(fam, []).append(key)
        for key in [k for k in out if not k.partition("|")[2]]:
            cands = full.get(key.partition("|")[0])
            if cands and len(cands) == 1:
                out[cands[0]].absorb(out.pop(key))
        return sorted(out.values(), key=lambda c: (-c.count, c.key))

    @staticmethod
    def _stem_target(d: Discoverer, c: Cluster, out: dict[str, Cluster]) -> Cluster | None:
        """The cluster (of those kept so far) whose family name is a stem of this one's, same given initial."""
        if c.key in out:
            return out[c.key]
        fam, _, given = c.key.partition("|")
        for f in c.forms:
            word = f.words[f.family] if 0 <= f.family < len(f.words) else f.words[-1]
            for stem in sorted(d.stems(word), key=len, reverse=True):
                for key in (f"{skeleton(stem)}|{given}", f"{skeleton(stem)}|"):
                    if key != c.key and key in out and (given or key.endswith("|")):
                        return out[key]
        return None

    def to_dicts(self, d: Discoverer, limit: int | None = None) -> list[dict]:
        return [proposal(d, c) for c in self.resolved(d)[:limit]]


def _base_forms(c: Cluster) -> dict[str, str]:
    """Each spelling's base form, where the rules found it (an inflected family name that only its stem
    joined to the cluster is left out: the engine's inflection rules read it)."""
    fam = c.key.partition("|")[0]
    out = {}
    for f in c.forms:
        word = f.base[f.family] if 0 <= f.family < len(f.base) else f.base[-1]
        if skeleton(word) == fam:
            out[f.surface] = " ".join(f.base)
    return out


def _copy(c: Cluster) -> Cluster:
    new = Cluster(c.key)
    new.absorb(c)
    return new


def proposal(d: Discoverer, c: Cluster) -> dict:
    """What a cluster proposes for the authority, with its evidence and the nearest known persons."""
    prop = propose(d, c.forms, c.mentions)
    nearest = []
    for pid in dict.fromkeys(f.joins for f in c.forms if f.joins):
        p = d.lookup.authority.get(pid)
        if p is not None:
            nearest.append({"id": pid, "native": p.native, "score": None, "why": "a damaged or cut form of the name"})
    for query in dict.fromkeys([prop["native"], c.mentions.most_common(1)[0][0]]):
        res = d.lookup.lookup(query, limit=3)
        for m in res.candidates:
            if m.score >= 0.5 and m.person.id not in {n["id"] for n in nearest}:
                nearest.append({"id": m.person.id, "native": m.person.native, "score": round(m.score, 3)})
    return {
        "cluster": c.key, "name": c.mentions.most_common(1)[0][0], "count": c.count, **prop,
        "joins": next((n["id"] for n in nearest if n.get("why")), None),
        "spellings": dict(c.mentions.most_common()), "forms": _base_forms(c),
        "evidence": [e for e, _ in c.evidence.most_common(5)],
        "contexts": c.contexts[:3], "sources": dict(c.sources.most_common(10)), "nearest": nearest[:3],
    }


def propose(d: Discoverer, forms: list[Found], counts: Counter | None = None) -> dict:
    """The person that spellings of one cluster propose: native form in the right script and order, in
    base (nominative) forms, its language, family, given and patronymic parts."""
    counts = counts or Counter()
    best = max(forms, key=lambda f: (len(f.base) - sum(w.endswith(".") for w in f.base) / 2, counts[f.surface]))
    lang = _lang(d, forms, best)
    words = list(best.base)
    fam_i = best.family if 0 <= best.family < len(words) else len(words) - 1
    cyr_form = max((f for f in forms if is_cyrillic(f.surface) and not _SR.search(f.surface)),
                   key=lambda f: (len(f.base) - sum(w.endswith(".") for w in f.base), counts[f.surface]), default=None)
    if lang == "ru":
        if cyr_form is not None:
            words, fam_i = list(cyr_form.base), cyr_form.family
        else:
            words = [_reverse(d, w) for w in words]
    elif lang in ("sh", "sr", "hr", "bs", "sl", "mk") and all(is_cyrillic(w) for w in words):
        words = [d._sr_latin(w) for w in words]
    family = words[fam_i] if 0 <= fam_i < len(words) else ""
    others = [w for i, w in enumerate(words) if i != fam_i]
    given = [w for w in others if not _PATRONYMIC.search(w)]
    patronymic = [w for w in others if _PATRONYMIC.search(w)]
    if lang == "hu":
        order, native = "family-given", " ".join([family, *given])
    else:
        order, native = "given-family", " ".join([*given, *patronymic, family])
    return {"native": native, "lang": lang, "family": family, "given": " ".join(given),
            "patronymic": " ".join(patronymic), "order": order}


def _lang(d: Discoverer, forms: list[Found], best: Found) -> str:
    """The person's language, by votes: the languages its given names are usual in, the letters of its
    spellings, a Russian surname's shape and a patronymic (Konyev in a Hungarian text is Конев)."""
    votes: Counter = Counter()
    for f in forms:
        if f.lang:
            votes[f.lang] += 1
        for i, w in enumerate(f.base):
            if i == f.family or w.endswith("."):
                continue
            if _PATRONYMIC.search(w):
                votes["ru"] += 3
            for lang in (langs := d.lex.given_lang.get(d.fold(d._sr_latin(w) if is_cyrillic(w) else w), ())):
                votes[lang] += 1 / len(langs)
    fam = best.base[best.family] if 0 <= best.family < len(best.base) else best.base[-1]
    if _RU_SURNAME.search(fam.lower()) and not re.search("[čćšžđČĆŠŽĐłŁ]", fam):
        votes["ru"] += 2
    return votes.most_common(1)[0][0] if votes else ""


def fragment_of(d: Discoverer, f: Found) -> str | None:
    """The known person whose name this is a damaged or cut part of: a given name of theirs beside a
    family word that is a prefix of theirs or one edit away (Dobrivoje Vidi -> Dobrivoje Vidić)."""
    if len(f.words) < 2 or not 0 <= f.family < len(f.words):
        return None
    rev = d.lookup.authority.revision
    if d._given_index is None or d._given_index[0] != rev:
        by_given: dict[str, list[tuple[str, str]]] = {}
        for p in d.lookup.authority:
            fam = d.fold(p.family)
            for g in p.given_names:
                by_given.setdefault(d.fold(g), []).append((p.id, fam))
        d._given_index = (rev, by_given)
    fam = d.fold(f.words[f.family])
    from rapidfuzz.distance import Levenshtein

    for i, w in enumerate(f.words):
        if i == f.family:
            continue
        for pid, pfam in d._given_index[1].get(d.fold(w), ()):
            if len(fam) >= 3 and (pfam.startswith(fam) or Levenshtein.distance(fam, pfam) <= 1):
                return pid
    return None

_INITIAL_CYR = dict(zip("ABVGDEZIKLMNOPRSTUFHCŽČŠ", "АБВГДЕЗИКЛМНОПРСТУФХЦЖЧШ", strict=True))
_HU_INITIAL = {"Gy": "Д", "Sz": "С", "Cs": "Ч", "Zs": "Ж", "Ny": "Н", "Ty": "Т", "Dzs": "Дж"}


def _reverse(d: Discoverer, word: str) -> str:
    """A romanized word of a Russian's name in Cyrillic (initials too: Sz. -> С.)."""
    if word.endswith(".") and len(word) <= 4:
        letter = _HU_INITIAL.get(word[:-1]) or _INITIAL_CYR.get(word[:1].upper()) or _reverse_word(d, word[:-1])[:1]
        return f"{letter}." if letter else word
    return _reverse_word(d, word) or word


def _reverse_word(d: Discoverer, word: str) -> str:
    from .romanized import reverse_candidates

    cands = reverse_candidates(word, d.lookup.authority, limit=1)
    return cands[0][0] if cands else ""
