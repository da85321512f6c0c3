"""Finding and normalizing mentions of the table's persons in running text.

A text is split into words with their offsets. A capitalised word (or an initial) is a name word
when lookup can explain it as a word of some person's name: exactly, inflected or damaged; the
answer is cached per distinct word, so a corpus costs one lookup per vocabulary item, not per token.
Runs of adjacent name words are then resolved into mentions, longest first, with the same scoring
as lookup: "Josip Broz Tito" is one mention, "Nagy Imrének" one, a lone "Imre" none.
"""

from __future__ import annotations

import gc
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, islice
from typing import NamedTuple

from .caches import remember
from .clusters import Clusters
from .context import DocContext
from .discover import Found
from .fold import UPPER_LETTERS
from .lookup import S_INFLECTED, Lookup, Match
from .namesakes import NamesakeChecks

_UPPER = "".join(sorted(UPPER_LETTERS))
# a capitalised word; whether it starts a word, and where it really ends, is checked per distinct match
# word characters, combining accents of decomposed (NFD) text, and the invisible characters that fold drops
_W = "\\w'’ʼ\u0300-\u036f\u00ad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff-"
# superscript and subscript digits are footnote marks, not part of a word (Kádár⁴⁷)
_TC = rf"(?:[^\W\u00b2\u00b3\u00b9\u2070-\u209f]|[{_W[2:]}])"
_CAP_TOKEN = re.compile(rf"[{re.escape(_UPPER)}]{_TC}*\.?")
_CAP_SPLIT = re.compile(f"({_CAP_TOKEN.pattern})")
_NEXT_WORD = re.compile(rf"[ \t]+([{re.escape(_UPPER)}]{_TC}*)")
_MAX_RUN = 7  # words in one name at most (Josip Broz Tito, N. S. Khrushchev, Rainer M. János)
_TOKEN_CHAR = re.compile(_TC)
_WORD_CHAR = re.compile("[\\w'’ʼ\u0300-\u036f-]")  # a letter before a capital: inside a word
_BEFORE_SENTENCE = re.compile(r"(?:^|[.!?…:;]['\"’”»)]*|\n[ \t]*\n|^[ \t]*[-–—•*]|[\"“„«(])[ \t\n]*$")
# what may stand between two words of one name: spaces, a line break, a hyphenated line break (the final
# optional newline keeps the behaviour of the earlier ^...$ form, whose $ also matched before a last newline)
_GAP = re.compile(r"[ \t\u00a0]*(?:-[ \t]*\n[ \t]*|\n[ \t]*)?\n?")
_GAP_CHARS = " \t\u00a0-\n"  # every character a gap can hold


@contextmanager
def _collector_paused(lookup: Lookup):
    """The cyclic garbage collector off while a text is read: it would walk the caches and the table's
    index again and again while the text allocates small, acyclic results that reference counting
    frees anyway. Its former state comes back at the end.

    When the table's index was exempted from collection (`gc.freeze`: a big table, see `Lookup.index`;
    it may be built during the read), what the read added to the caches is exempted too, by the same
    policy: else the first collection after the read walks all of it at once (a third of a second
    after 50 MB at 100,000 variants)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if lookup.exempted:
            gc.freeze()
        if enabled:
            gc.enable()


def _gap_ok(text: str, a: int, b: int) -> bool:
    """Is text[a:b] a gap between two words of one name?  (No copy of the gap, however long.)  Most gaps
    are not, and show it by their first two characters, which are looked at before the expression."""
    return (a == b or (text[a] in _GAP_CHARS and (b - a == 1 or text[a + 1] in _GAP_CHARS))
            and _GAP.fullmatch(text, a, b) is not None)


def _cap_words(text: str, capitals: bytes, word_chars: bytes, glue_chars: bytes, known: dict[str, tuple] | None):
    """The scan of `_speedups.cap_tokens` in Python: (offset, word, entry) of the capitalised words of `text`
    not glued after a letter whose entry in `known` (a tuple: may the word start a name first) says they
    may start a name or that have none (entry None; every word, if `known` is None).  One
    regular-expression split (words at odd places; the lengths summed give the offsets)."""
    parts = _CAP_SPLIT.split(text)
    get = known.get if known is not None else {}.get
    # offsets[2k]: where word k starts (one more offset than words: the end of the tail)
    return [(start, w, e) for start, w in zip(islice(accumulate(map(len, parts)), 0, None, 2), parts[1::2],
                                               strict=False)
            if not (start and _WORD_CHAR.match(text, start - 1)) and ((e := get(w)) is None or e[0])]


@cache
def _char_classes() -> tuple[bytes, bytes, bytes]:
    """The character classes of the scan (`cap_tokens`) as bytes indexed by code point: capitals (`_UPPER`), and, for
    the Basic Multilingual Plane, what `_TOKEN_CHAR` and `_WORD_CHAR` match (each class marked over the
    whole plane by one substitution, not 65,536 matches)."""
    bmp = "".join(map(chr, range(0x10000)))

    def bitmap(char_class: re.Pattern) -> bytes:
        flags = re.sub("[^\x01]", "\x00", char_class.sub("\x01", bmp)).encode("latin-1")
        return flags[:1] + bytes([char_class.match("\x01") is not None]) + flags[2:]  # \x01 was itself

    return (bytes(c in _UPPER for c in bmp[:max(map(ord, _UPPER)) + 1]), bitmap(_TOKEN_CHAR), bitmap(_WORD_CHAR))


def _cap_tokens(text: str, capitals: bytes, word_chars: bytes, glue_chars: bytes, known: dict[str, tuple],
                token_type: type) -> tuple[list, list[tuple[int, int, str]]]:
    """The Python form of `_speedups.cap_tokens`: the words `_cap_words` keeps, each as a token made from
    its entry in `known` (kind, key, length, flat, surface, alone), or None in its place when it has none,
    then listed in `unknown` as (place, offset, word)."""
    tokens: list = []
    unknown: list[tuple[int, int, str]] = []
    for start, w, entry in _cap_words(text, capitals, word_chars, glue_chars, known):
        if entry is None:
            unknown.append((len(tokens), start, w))
            tokens.append(None)
        else:
            kind, key, n, flat, surface, alone = entry
            tokens.append(token_type(start, start + n, surface, key, kind == 2, kind == 1, flat, alone))
    return tokens, unknown


try:
    from ._speedups import cap_tokens
except ImportError:  # built without a C compiler
    cap_tokens = _cap_tokens


@dataclass(slots=True)
class Mention:
    start: int
    end: int
    surface: str
    match: Match  # for an ambiguous mention: the first of the persons it hesitates between
    ambiguous: tuple = ()  # the persons who fit about equally (the mention is then not linked)

    def to_dict(self) -> dict:
        m = self.match
        if self.ambiguous:
            return {"start": self.start, "end": self.end, "surface": self.surface, "ambiguous": list(self.ambiguous)}
        return {
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "id": m.person.id,
            "native": m.person.native,
            "canonical": m.canonical,
            "score": round(m.score, 4),
        }


@dataclass
class Report:
    """What a run saw: forms per person, and capitalised names that are not in the table."""

    forms: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    collect_unknown: bool = True
    unknown: Counter = field(default_factory=Counter)
    contexts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    clusters: Clusters = field(default_factory=Clusters)  # the unknown persons, grouped (discover.py)

    def add_mention(self, m: Mention) -> None:
        if not m.ambiguous:
            self.forms[m.match.person.id][m.surface] += 1

    def add_unknown(self, name: str, context: str) -> None:
        self.unknown[name] += 1
        if len(self.contexts[name]) < 3:
            self.contexts[name].append(context)

    def add_found(self, found: list[Found], text: str, base: int = 0) -> None:
        """Discovered persons of a text (offsets in the stream; `base`: where `text` starts in it)."""
        self.clusters.add(found, text, base=base)
        for f in found:
            self.add_unknown(f.surface, text[max(0, f.start - base - 40):f.end - base + 40].replace("\n", " "))

    def merge(self, other: Report) -> None:
        self.clusters.merge(other.clusters)
        for pid, c in other.forms.items():
            self.forms[pid].update(c)
        self.unknown.update(other.unknown)
        for k, v in other.contexts.items():
            room = 3 - len(self.contexts[k])
            self.contexts[k].extend(v[:room])

    def to_dict(self, authority=None) -> dict:
        persons = []
        for pid, forms in sorted(self.forms.items(), key=lambda kv: -sum(kv[1].values())):
            p = authority.get(pid) if authority else None
            persons.append({"id": pid, "native": p.native if p else None, "mentions": sum(forms.values()),
                            "forms": dict(forms.most_common())})
        unknown = []
        if authority is not None and self.clusters:
            from .discover import discoverer_for

            unknown = self.clusters.to_dicts(discoverer_for(_lookup_of(authority)))
        return {"persons": persons, "unknown": unknown}


class _Tok(NamedTuple):
    """A capitalised word or initial of a text: offsets, surface, folded key and its words as a query.
    A named tuple, so that the scan in C makes the tokens of known words itself (`_speedups.cap_tokens`)."""

    start: int
    end: int
    text: str
    key: str
    initial: bool
    name: bool
    flat: tuple  # ((word, is_initial), ...) as lookup_words takes them
    alone: list  # the answer for the word as a run of its own, shared by its tokens (see _resolve)


class Normalizer(NamesakeChecks):
    """Finds mentions; one instance per process (it caches what it learned about each word)."""

    def __init__(self, lookup: Lookup | None = None, style: str = "en"):
        self.lookup = lookup or Lookup()
        self.style = style
        lex = tomllib.loads((self.lookup.authority.tables.directory / "lexicon.toml").read_text(encoding="utf-8"))
        fold = self.lookup.authority.folder.fold
        self.common = {fold(w) for w in lex.get("common_words", [])}
        self._word_cache: dict[str, tuple[int, str, int, tuple, str, list]] = {}
        # query words of a run of two words or more -> [its answer] (a one-word run's is kept with the
        # word: `_kind`, `_Tok.alone`)
        self._run_cache: dict[tuple, list] = {}
        self._revision = None
        self.last_found: list[Found] = []  # the discovered persons of the last text read with a report
        _LOOKUPS[id(self.lookup.authority)] = self.lookup

    def _check_revision(self) -> None:
        index = self.lookup.index  # applies the changes another process made to the store
        state = (index.serial, index.generation)  # changes to persons only (not the review queue, users)
        if self._revision != state:
            self._word_cache.clear()
            self._run_cache.clear()
            self._revision = state

    def _kind(self, s: str) -> tuple[int, str, int, tuple, str, list]:
        """_classify(s), the token's words as a query, its surface and the holder of its answer as a run of
        its own, cached per distinct token."""
        hit = self._word_cache.get(s)
        if hit is None:
            kind, key, n = self._classify(s)
            if kind == 2:
                flat = ((key, True),)
            else:
                flat = ((key, False),) if " " not in key else tuple((w, False) for w in key.split())
            hit = (kind, key, n, flat, s[:n], [])
            remember(self._word_cache, s, hit)
        return hit

    def _classify(self, s: str) -> tuple[int, str, int]:
        """(kind, folded key, length of the word) of a capitalised token: kind 0 other, 1 name word, 2 initial."""
        if s.isalpha() and "ʼ" not in s:  # the usual word: none of the trimming below applies
            key = self.lookup.authority.folder.fold(s)
            if " " not in key and len(s) >= 2:
                return (1 if key not in self.lookup.titles and self.lookup.explain(key) else 0), key, len(s)
        return self._classify_trimmed(s)

    def _classify_trimmed(self, s: str) -> tuple[int, str, int]:
        """_classify for any token: a full stop, apostrophes, a possessive, footnote digits or a hyphen
        taken into account (for a plain word of letters the same answer as _classify's short way: test)."""
        if s.endswith(".") and len(s) <= 3 and s[:-1].isalpha():
            return 2, self.lookup.authority.folder.fold(s[0]), len(s)
        word = (s[:-1] if s.endswith(".") else s).rstrip("'’ʼ-_")
        if len(word) < 2:
            return 0, "", len(word)  # a one-letter word (Russian С, В) without a period is not an initial
        if word[-2:] in ("'s", "’s", "ʼs"):
            word = word[:-2]  # English possessive: the mention is the name itself
        if word[-1:].isdigit() and len(word.rstrip("0123456789")) >= 2:
            word = word.rstrip("0123456789")  # a footnote number glued to the name (Kádár47)
        key = self.lookup.authority.folder.fold(word)
        words = key.split()
        is_name = bool(words) and all(w not in self.lookup.titles and bool(self.lookup.explain(w)) for w in words)
        if not is_name and "-" in word:
            # a compound whose first part is a name: Nagy-Regierung, Tito-Regime, Kádár-kormány
            first = word.split("-", 1)[0]
            fkey = self.lookup.authority.folder.fold(first)
            if (len(first) > 2 and fkey and " " not in fkey and fkey not in self.common
                    and fkey not in self.lookup.titles and self.lookup.explain(fkey)):
                return 1, fkey, len(first)
        return (1 if is_name else 0), key, len(word)

    def tokens(self, text: str, keep_other: bool = False) -> list[_Tok]:
        """The name words and initials of a text (the only places a name can start; `keep_other`: every
        capitalised word), with offsets, words glued after a letter (McDonald's D) left out.

        One scan in C (`_speedups.cap_tokens`; `_cap_tokens` is its Python form) finds the capitalised
        words, reads each one's entry in the word cache and makes the tokens of the known name words, so
        Python steps only over the words not seen before; what is learnt about a word is cached."""
        self._check_revision()
        kind_of = self._kind
        if keep_other:  # every word asked of an empty cache: each one comes back to be made here
            _, every = cap_tokens(text, *_char_classes(), {}, _Tok)
            toks = []
            for _, start, s in every:
                kind, key, n, flat, surface, alone = kind_of(s)
                toks.append(_Tok(start, start + n, surface, key, kind == 2, kind == 1, flat, alone))
            return toks
        toks, unknown = cap_tokens(text, *_char_classes(), self._word_cache, _Tok)
        if unknown:  # words not seen before: learnt here, in their places; those that are no names dropped
            for place, start, s in unknown:
                kind, key, n, flat, surface, alone = kind_of(s)
                if kind:
                    toks[place] = _Tok(start, start + n, surface, key, kind == 2, kind == 1, flat, alone)
            toks = [t for t in toks if t is not None]
        return toks

    def find(self, text: str, report: Report | None = None) -> list[Mention]:
        """The mentions in `text`, in order, with offsets into it."""
        with _collector_paused(self.lookup):
            return self._find(text, report)

    def _find(self, text: str, report: Report | None, base: int = 0) -> list[Mention]:
        """The mentions of `text`, their offsets shifted by `base` (where the text starts in a stream)."""
        self._text = text
        self._base = base
        self._seen = seen = set()  # persons named so far in this text
        self._ctx = ctx = DocContext(text, seen)  # the document's evidence for the decision
        self._pending = []  # bare common surnames waiting for the rest of the text (see _settle)
        self._last_end = -1  # where the last mention ended
        want_unknown = report is not None and report.collect_unknown
        toks = self.tokens(text)  # discovery scans the text itself
        mentions: list[Mention] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if not (t.name or t.initial):
                i += 1
                continue
            j = i + 1
            if j < n and _gap_ok(text, t.end, toks[j].start):  # a run of more than one word
                keys = {t.key}
                while (j < n and j - i < _MAX_RUN and (toks[j].name or toks[j].initial)
                       and (toks[j].initial or toks[j].key not in keys)
                       and _gap_ok(text, toks[j - 1].end, toks[j].start)):
                    keys.add(toks[j].key)
                    j += 1
            elif ((entry := t.alone) and entry[2] and not (i and toks[i - 1].end > self._last_end)
                  and entry[0].pid not in ctx.others and not self._given_word_near(text, t.start, t.end, entry[0].pid)):
                # the usual case, in line: one word whose answer needs no context, no word just before it
                # that a mention did not take, no given name of someone else beside it (see _resolve and
                # _given_beside); what _take does
                res = entry[0]
                m = Mention(t.start + base, t.end + base, t.text, res)
                seen.add(res.pid)
                self._last_end = t.end
                mentions.append(m)
                if report is not None:
                    report.add_mention(m)
                i = j
                continue
            i = self._resolve(toks, i, j, text, mentions, report)
        if self._pending:
            mentions = self._settle(mentions)
        if mentions or "?" in text:
            mentions = self._extra_mentions(mentions, text, report)
        if want_unknown:
            self._report_unknown(toks, mentions, text, report)
        return mentions

    def _report_unknown(self, toks, mentions, text, report) -> None:
        """The persons of `text` that the authority does not know (discover.py), into the report; kept in
        `last_found` (stream offsets) for the outputs that show them."""
        from .discover import discoverer_for

        base = self._base
        found = discoverer_for(self.lookup).find(text, [(m.start - base, m.end - base) for m in mentions])
        for f in found:
            f.start += base
            f.end += base
        report.add_found(found, text, base)
        self.last_found = found

    def _resolve(self, toks, i, j, text, mentions, report) -> int:
        """Longest run of name words from i that one person explains; returns where to go on."""
        cache = self._run_cache
        for end in range(j, i, -1):
            if toks[end - 1].initial:
                continue
            if end - i == 1:  # a word's answer on its own is kept with the word (`_kind`)
                entry = toks[i].alone
                if not entry:
                    # [answer, facts of a one-word run, whether a one-word run needs no other check, decision]
                    entry += self._alone_entry(toks[i])
                flat = toks[i].flat
            else:
                flat = tuple(p for t in toks[i:end] for p in t.flat)
                entry = cache.get(flat)
                if entry is None:
                    decision = self.lookup.decide_words(list(flat), style=self.style)
                    entry = remember(cache, flat, [decision.best, None, False, decision])
            res = entry[0]
            decision = entry[3]
            facts = entry[1]
            if decision is not None and (decision.needs_context or (res is not None and res.pid in self._ctx.others)):
                # the document decides: persons named so far, surnames given to others, its years
                decided = self.lookup.decide_words(list(flat), style=self.style, context=self._ctx,
                                                   matches=decision.ranking)
                if decided.ambiguous:
                    return self._take_ambiguous(toks[i].start, toks[end - 1].end, decided, text, mentions, end)
                defer = (decided.common and decided.best is None and res is not None
                         and not self._ctx.others[res.pid])  # the rest of the text may support it
                if not defer:
                    if decided.best is not None and decided.best.pid != getattr(res, "pid", None):
                        facts = None
                    res = decided.best
            else:
                defer = False
            if res is None:
                continue
            if self._given_beside(toks, i, end, j, res.pid, text):
                self._ctx.others[res.pid] += 1
                continue  # "Ferenc Nagy" is not Nagy Imre: the given name beside it speaks against him
            if end - i == 1:
                tok = toks[i]
                if facts is None:
                    facts = self._alone(tok.key, res)
                    if res is entry[0]:
                        entry[1] = facts
                        entry[2] = not facts[0] and facts[1] >= S_INFLECTED and facts[2] and not decision.needs_context
                common, best, family = facts
                if self._date_after(text, tok):
                    continue  # "Július 31.": a month before a day is a date
                if common and not self._common_is_name(family, res, not self._context_says_name(toks, i)):
                    continue  # "Nagy" starting a sentence is the adjective, "Vas megye" a county, "Max" a name
                if not self._sure_alone(tok, best, res):
                    continue  # one word read only as a misspelling (Winner, GARF) needs the person named before
                if not family and self._by_name_of_another(tok, text):
                    continue  # "Walter Ulbricht" is not Tito, whose alias was Walter
            if defer:  # decided at the end of the text, by the persons it names (see _settle)
                self._pending.append((len(mentions), toks[i].start, toks[end - 1].end, res, report))
                return end
            if end - i > 1:
                self._ctx.full[res.pid] += 1  # named in full: anchors the partial mentions after it
            return self._take(toks[i].start, toks[end - 1].end, res, text, mentions, report, end)
        return i + 1

    def _take(self, start: int, stop: int, res: Match, text: str, mentions, report, end: int) -> int:
        """Record the mention text[start:stop] of res; returns `end`, the token to go on from."""
        m = Mention(start + self._base, stop + self._base, text[start:stop], res)
        self._seen.add(res.pid)
        self._last_end = stop
        mentions.append(m)
        if report is not None:
            report.add_mention(m)
        return end

    def _alone_entry(self, tok) -> list:
        """A word's answer as a one-word run, with the facts its checks need (see `_alone`) and whether
        it needs no check beyond the word before it: [answer, facts or None, no other check]."""
        decision = self.lookup.decide_words(list(tok.flat), style=self.style)
        res = decision.best
        if tok.initial or " " in tok.key or res is None:
            return [res, None, False, decision]
        best, family = res.own, res.family_reading  # what `Lookup.word_answer` gives
        common = tok.key in self.common
        fast = not common and best >= S_INFLECTED and family and not decision.needs_context
        return [res, (common, best, family), fast, decision]

    def _alone(self, key: str, res: Match) -> tuple[bool, float, bool]:
        """What a one-word mention's checks need to know of its word, once per word and person: is it a
        common word, how well does the person's own name explain it, is it the family name."""
        pid = res.pid
        own = [h for w in key.split() for h in self.lookup.explain(w) if h.person_id == pid]
        return (key in self.common, max((h.score for h in own), default=0.0),
                any(h.role == "family" for h in own))

    def _sure_alone(self, tok, best: float, res) -> bool:
        """A word on its own stands for a person if it is a name word, exactly or inflected; read as an
        OCR slip (confusable letters) only when the person was named before in the text or is named
        often in the sources, and never as a plainly different word or an acronym."""
        if best >= S_INFLECTED:
            return True
        if best < 0.80 or tok.text.isupper():
            return False  # another word one letter away (Winner for Zinner, Spring for Sering), an acronym
        return res.person.id in self._seen or res.person.prominence >= 20  # an OCR slip (Trto for Tito)

    def _common_is_name(self, family: bool, res, sentence_start: bool) -> bool:
        """A word that is also a common word or given name stands for the person when the person was
        already named in this text, or, in the middle of a sentence, when it is the family name of a
        person the sources name often (Nagy)."""
        if res.person.id in self._seen:
            return True
        if sentence_start:
            return False
        return family and res.person.prominence >= 20

    def _given_beside(self, toks, i, end, j, pid, text) -> bool:
        """Is a run toks[i:end] touched by another person's given name (just before it, or next in the run)?"""
        index = self.lookup._current()
        if end < j and not toks[end].initial:
            k = toks[end].key
            if (k in index.given_keys or k in self.given) and k not in index.person_keys.get(pid, ()):
                return True
        if self._given_word_near(text, toks[i].start, toks[end - 1].end, pid):
            return True  # a given name the table does not know: Vukašin Mićunović
        if i > 0 and toks[i - 1].end > self._last_end:  # not a word of the mention just before
            prev = toks[i - 1]
            if (not prev.initial and prev.key in index.given_keys and prev.key not in index.person_keys.get(pid, ())
                    and _gap_ok(text, prev.end, toks[i].start)):
                return True
        return False

    def _by_name_of_another(self, tok, text) -> bool:
        """A lone word that is only a by-name or given name of the person (the caller checks that), followed
        by an unknown capitalised word: the two are one name of someone else."""
        m = _NEXT_WORD.match(text, tok.end)
        if not m:
            return False
        nxt = m.group(1)
        kind, key = self._kind(nxt)[:2]
        return kind == 0 and key not in self.lookup.titles

    def _context_says_name(self, toks, i) -> bool:
        """A capitalised common word ("Nagy", "Vas") is a name only where capitals are not the rule."""
        t = toks[i]
        return not _sentence_start(t_text := self._text, t.start) and not t_text[t.start:t.end].isupper()

    # -- whole inputs ---------------------------------------------------------------------
    def find_stream(self, chunks: Iterable[str], report: Report | None = None) -> Iterator[Mention]:
        """Mentions of a text given in chunks (offsets into the whole), with bounded memory.

        The cyclic garbage collector is paused until the stream ends (or is closed): what a chunk leaves
        behind is the caches' new entries and its mentions, which a collection after every chunk would
        walk again and again (a tenth of the time at 100,000 variants) to find nothing; everything else
        is freed by reference counting. Mentions are yielded with the collector paused."""
        with _collector_paused(self.lookup):
            base = 0
            for chunk in chunks:
                yield from self._find(chunk, report, base)
                base += len(chunk)

    def replace(self, text: str, mentions: list[Mention], mark: bool = False) -> str:
        out, pos = [], 0
        for m in mentions:
            out.append(text[pos:m.start])
            canon = m.match.canonical
            if m.ambiguous:
                out.append(f"[{m.surface}|?{'|'.join(m.ambiguous)}]" if mark else m.surface)  # left unlinked
            elif mark:
                out.append(f"[{m.surface}|{m.match.person.id}]")
            elif _fold_eq(self, m.surface, canon) or not _inflected(self, m):
                out.append(canon)
            else:
                out.append(f"{canon} [{m.surface}]")  # a replacement would lose the case ending: mark it
            pos = m.end
        out.append(text[pos:])
        return "".join(out)


_LOOKUPS: dict[int, Lookup] = {}


def _lookup_of(authority) -> Lookup:
    """A lookup over `authority` for the report's proposals (the normalizer's own where one was made)."""
    lk = _LOOKUPS.get(id(authority))
    if lk is None or lk.authority is not authority:
        lk = _LOOKUPS[id(authority)] = Lookup(authority)
    return lk


def _sentence_start(text: str, pos: int) -> bool:
    """Does a sentence (or a heading, list item, quotation) begin at `pos`?"""
    return bool(_BEFORE_SENTENCE.search(text[max(0, pos - 12):pos]))


def _fold_eq(nz: Normalizer, a: str, b: str) -> bool:
    f = nz.lookup.authority.folder.fold
    return f(a) == f(b)


def _fold_key(nz: Normalizer, text: str) -> str:
    words = nz.lookup.authority.folder.fold(text).split()
    return words[-1] if words else ""


def _inflected(nz: Normalizer, m: Mention) -> bool:
    """Does the mention end in a case form (its last word is not itself a known name word)?"""
    return _fold_key(nz, m.surface) not in nz.lookup._current().words


def chunked(stream: Iterable[str], size: int = 1 << 20) -> Iterator[str]:
    """Join lines into chunks of about `size` characters, never cutting after a hyphen or inside a paragraph
    that is still short."""
    buf: list[str] = []
    n = 0
    for line in stream:
        buf.append(line)
        n += len(line)
        if n >= size and not line.rstrip().endswith("-") and line.strip() == "":
            yield "".join(buf)
            buf, n = [], 0
        elif n >= 4 * size and not line.rstrip().endswith("-"):
            yield "".join(buf)
            buf, n = [], 0
    if buf:
        yield "".join(buf)
