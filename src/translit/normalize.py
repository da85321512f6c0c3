"""Finding and normalizing mentions of the table's persons in running text.

A text is split into words with their offsets. A capitalised word (or an initial) is a name word
when lookup can explain it as a word of some person's name: exactly, inflected or damaged; the
answer is cached per distinct word, so a corpus costs one lookup per vocabulary item, not per token.
Runs of adjacent name words are then resolved into mentions, longest first, with the same scoring
as lookup: "Josip Broz Tito" is one mention, "Nagy Imrének" one, a lone "Imre" none.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .lookup import Lookup, Match

_UPPER = "".join(sorted({c for c in map(chr, range(0x250)) if c.isupper()} | {c for c in map(chr, range(0x400, 0x530))
                                                                                   if c.isupper()}))
_CAP_TOKEN = re.compile(
    rf"(?<![\w'’ʼ-])[{re.escape(_UPPER)}](?:[^\W\d_]|['’ʼ](?=[^\W\d_])|-(?=[^\W\d_]))*\.?"
)
_BEFORE_SENTENCE = re.compile(r"(?:^|[.!?…:;]['\"’”»)]*|\n[ \t]*\n|^[ \t]*[-–—•*]|[\"“„«(])[ \t\n]*$")
_SENTENCE_END = re.compile(r"[.!?…:]\s*$|^\s*$")
_GAP_OK = re.compile(r"^[ \t\u00a0]*(?:-[ \t]*\n[ \t]*|\n[ \t]*)?$")


@dataclass
class Mention:
    start: int
    end: int
    surface: str
    match: Match

    def to_dict(self) -> dict:
        m = self.match
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
    unknown: Counter = field(default_factory=Counter)
    contexts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add_mention(self, m: Mention) -> None:
        self.forms[m.match.person.id][m.surface] += 1

    def add_unknown(self, name: str, context: str) -> None:
        self.unknown[name] += 1
        if len(self.contexts[name]) < 3:
            self.contexts[name].append(context)

    def merge(self, other: Report) -> None:
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
        unknown = [{"name": n, "count": c, "contexts": self.contexts.get(n, [])}
                   for n, c in self.unknown.most_common()]
        return {"persons": persons, "unknown": unknown}


@dataclass
class _Tok:
    start: int
    end: int
    text: str
    key: str
    initial: bool
    name: bool
    sentence_start: bool


class Normalizer:
    """Finds mentions; one instance per process (it caches what it learned about each word)."""

    def __init__(self, lookup: Lookup | None = None, style: str = "en"):
        self.lookup = lookup or Lookup()
        self.style = style
        lex = tomllib.loads((self.lookup.authority.tables.directory / "lexicon.toml").read_text(encoding="utf-8"))
        fold = self.lookup.authority.folder.fold
        self.common = {fold(w) for w in lex.get("common_words", [])}
        self._word_cache: dict[str, tuple[str, bool]] = {}
        self._revision = None

    def _word(self, text: str) -> tuple[str, bool]:
        """(folded key, could be part of a name) for a capitalised word, cached."""
        if self._revision != self.lookup.authority.revision:
            self._word_cache.clear()
            self._revision = self.lookup.authority.revision
        hit = self._word_cache.get(text)
        if hit is None:
            key = self.lookup.authority.folder.fold(text)
            words = key.split()
            is_name = bool(words) and all(
                w not in self.lookup.titles and bool(self.lookup.explain(w)) for w in words
            )
            hit = (key, is_name)
            if len(self._word_cache) < 500_000:
                self._word_cache[text] = hit
        return hit

    def tokens(self, text: str) -> list[_Tok]:
        """The capitalised words and initials of a text (the only places a name can start), with offsets.

        Lower-case text is skipped by one C-level regular-expression scan, so the Python work is
        proportional to the capitalised words only."""
        toks: list[_Tok] = []
        fold = self.lookup.authority.folder.fold
        for m in _CAP_TOKEN.finditer(text):
            s = m.group()
            start = m.start()
            if s.endswith(".") and len(s) <= 3 and s[:-1].isalpha():
                toks.append(_Tok(start, m.end(), s, fold(s[0]), True, False, False))
                continue
            word = s[:-1] if s.endswith(".") else s
            key, is_name = self._word(word)
            toks.append(_Tok(start, start + len(word), word, key, False, is_name, False))
        return toks

    def find(self, text: str, report: Report | None = None) -> list[Mention]:
        self._text = text
        toks = self.tokens(text)
        mentions: list[Mention] = []
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if not (t.name or t.initial):
                if report is not None and t.key and len(t.text) > 2 and not _sentence_start(text, t.start):
                    self._unknown(toks, i, text, report)
                i += 1
                continue
            j = i + 1
            while j < n and (toks[j].name or toks[j].initial) and _GAP_OK.match(text[toks[j - 1].end:toks[j].start]):
                j += 1
            i = self._resolve(toks, i, j, text, mentions, report)
        return mentions

    def _resolve(self, toks, i, j, text, mentions, report) -> int:
        """Longest run of name words from i that one person explains; returns where to go on."""
        lk = self.lookup
        for end in range(j, i, -1):
            run = toks[i:end]
            if run[-1].initial:
                continue
            words = [(t.key, t.initial) for t in run]
            flat = []
            for w, initial in words:
                flat.extend((x, initial) for x in w.split()) if not initial else flat.append((w, True))
            if len(run) == 1 and run[0].key in self.common and not self._context_says_name(toks, i):
                continue
            res = lk.lookup_words(flat, style=self.style)
            if res is not None and self._given_beside(toks, i, end, j, res.person.id, text):
                continue  # "Ferenc Nagy" is not Nagy Imre: the given name beside it speaks against him
            if res is not None:
                m = Mention(run[0].start, run[-1].end, text[run[0].start:run[-1].end], res)
                mentions.append(m)
                if report is not None:
                    report.add_mention(m)
                return end
        return i + 1

    def _given_beside(self, toks, i, end, j, pid, text) -> bool:
        """Is a run toks[i:end] touched by another person's given name (just before it, or next in the run)?"""
        index = self.lookup.index
        mine = index.person_keys.get(pid, set())
        if end < j and not toks[end].initial:
            k = toks[end].key
            if k in index.given_keys and k not in mine:
                return True
        if i > 0:
            prev = toks[i - 1]
            if (not prev.initial and prev.key in index.given_keys and prev.key not in mine
                    and _GAP_OK.match(text[prev.end:toks[i].start])):
                return True
        return False

    def _context_says_name(self, toks, i) -> bool:
        """A capitalised common word ("Nagy", "Vas") is a name only where capitals are not the rule."""
        t = toks[i]
        return not _sentence_start(t_text := self._text, t.start) and not t_text[t.start:t.end].isupper()

    def _unknown(self, toks, i, text, report) -> None:
        t = toks[i]
        if i + 1 < len(toks) and toks[i + 1].key and not toks[i + 1].name and toks[i + 1].text[0].isupper():
            nxt = toks[i + 1]
            if _GAP_OK.match(text[t.end:nxt.start]):
                name = f"{t.text} {nxt.text}"
                ctx = text[max(0, t.start - 40):nxt.end + 40].replace("\n", " ")
                report.add_unknown(name, ctx)

    # -- whole inputs ---------------------------------------------------------------------
    def find_stream(self, chunks: Iterable[str], report: Report | None = None) -> Iterator[Mention]:
        """Mentions of a text given in chunks (offsets into the whole), with bounded memory."""
        base = 0
        for chunk in chunks:
            for m in self.find(chunk, report):
                m.start += base
                m.end += base
                yield m
            base += len(chunk)

    def replace(self, text: str, mentions: list[Mention], mark: bool = False) -> str:
        out, pos = [], 0
        for m in mentions:
            out.append(text[pos:m.start])
            canon = m.match.canonical
            if mark:
                out.append(f"[{m.surface}|{m.match.person.id}]")
            elif _fold_eq(self, m.surface, canon) or not _inflected(self, m):
                out.append(canon)
            else:
                out.append(f"{canon} [{m.surface}]")  # a replacement would lose the case ending: mark it
            pos = m.end
        out.append(text[pos:])
        return "".join(out)


def _sentence_start(text: str, pos: int) -> bool:
    """Does a sentence (or a heading, list item, quotation) begin at `pos`?"""
    return bool(_BEFORE_SENTENCE.search(text[max(0, pos - 12):pos])) if pos > 12 else bool(
        _BEFORE_SENTENCE.search(text[:pos]))


def _fold_eq(nz: Normalizer, a: str, b: str) -> bool:
    f = nz.lookup.authority.folder.fold
    return f(a) == f(b)


def _inflected(nz: Normalizer, m: Mention) -> bool:
    return "removed" in m.match.why or "case form" in m.match.why


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
