"""Transliteration schemes: data in tables/schemes/*.toml compiled into a fast engine.

A scheme file holds a one-letter `map` (lower case; upper case is derived), optional multi-letter
keys in the same map (Serbian ``lj``, Hungarian ``sz``) and context `rule`s written as regular
expressions over the source text.  Compilation gives one `str.translate` table for the bulk of the
text and one combined regular expression for the contexts, so a whole text is transliterated in
three C-level passes (all-caps words, contexts, letters) whatever its size.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import accumulate
from operator import attrgetter
from pathlib import Path

from .errors import TableError, UnknownSchemeError
from .errors import toml_line as _toml_line
from .fold import UPPER_LETTERS
from .longtext import run_segments
from .rx import (
    TABLE_LIMIT,
    Unconvertible,
    capital_inside_word,
    cased_dispatch,
    dispatch,
    hazards,
    risky_map,
    table_rules,
)

_MACRO = re.compile(r"\{([A-Z])\}")


@dataclass(frozen=True)
class Sample:
    source: str
    expected: str
    note: str = ""


@dataclass
class Scheme:
    """One compiled transliteration scheme."""

    id: str
    name: str
    standard: str
    source: str  # e.g. "ru-Cyrl", "sh-Latn", "hu-Latn"
    target: str  # e.g. "Latn", "ru-Cyrl"
    family: str = ""  # e.g. "ru-Latn": schemes that answer the same question
    notes: str = ""
    lang: str = ""  # house-style language this scheme serves (en, de, fr, hu, sh, pl, cs)
    mapping: dict[str, str] = field(default_factory=dict)
    rules: list[tuple[str, str]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    classes: dict[str, str] = field(default_factory=dict)
    path: str = ""
    # published spellings the practice also uses, read (never written) by reverse transliteration: latin -> cyrillic
    reverse: dict[str, list[str]] = field(default_factory=dict)
    reverse_samples: list[Sample] = field(default_factory=list)  # published form -> native form
    _word_cache: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _short_cache: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def forget(self) -> None:
        """Empty the caches of transliterated pieces and short texts (benchmarks and tests start cold)."""
        self._word_cache.clear()
        self._short_cache.clear()

    @property
    def direction(self) -> str:
        return f"{self.source} → {self.target}"

    # -- compilation ---------------------------------------------------------------------
    @cached_property
    def _compiled(self):
        table: dict[int, str] = {}
        multi: dict[str, str] = {}
        for key, value in self.mapping.items():
            if len(key) == 1:
                table[ord(key)] = value
                up = key.upper()
                if up != key and len(up) == 1:
                    table.setdefault(ord(up), _title(value))
            else:
                multi[key] = value
        branches: list[str] = []
        outputs: list[str] = []
        for pattern, out in self.rules:
            branches.append(pattern)
            outputs.append(out)
        for key in sorted(multi, key=len, reverse=True):
            branches.append(re.escape(key))
            outputs.append(multi[key])
        ctx = None
        group_output: list[int] = []  # regex group number -> index into outputs
        if branches:
            ctx, group_output = dispatch(branches)
        # A rule's output is written as a private-use placeholder that the letter table expands, so the
        # letter map never re-reads what a rule wrote (Hungarian s -> sz must not touch the s of cs).
        for i, out in enumerate(outputs):
            for case, value in enumerate((out, _title(out), out.upper())):
                table[_PLACEHOLDER + 3 * i + case] = value
        letters = {chr(c) for c in table if c < _PLACEHOLDER} | {ch for k in multi for ch in k}
        letters |= {ch for pattern, _ in self.rules for ch in pattern if ch.isalpha()}
        upper = sorted({c.upper() for c in letters if c.upper() != c.lower() and len(c.upper()) == 1} | UPPER_LETTERS)
        caps = None
        if upper and any(len(v) > 1 for v in list(table.values()) + outputs):
            cls = "".join(re.escape(c) for c in upper)
            # the first capital is consumed before the look behind it, so that sre can skip to candidates
            # with a character-set scan instead of trying the look-behind at every position
            caps = re.compile(rf"[{cls}](?<!\w.)(?:[{cls}]|[\u2019'ʼ-](?=[{cls}]))*[{cls}](?!\w)")
        return table, ctx, group_output, caps, branches, outputs

    def _core(self, text: str) -> str:
        table, ctx = self._compiled[:2]
        if ctx is not None:
            return ctx.sub(self._replacer, text).translate(table)
        listed = self._listed
        return _translate(text, listed) if type(listed) is list else text.translate(listed)

    @cached_property
    def _listed(self) -> list[str] | dict[int, str]:
        """The letter table of a scheme without rules as a list indexed by code point (str.translate looks a
        list up a third faster than a dict; characters past its end pass through), or the dict itself when
        its letters lie far up (astral letters would make the list megabytes long)."""
        table = self._compiled[0]
        top = max(table, default=0)
        return table if top >= 0x3000 else _list_table(table, top + 1)

    @cached_property
    def _letter_run(self) -> Callable[[str], str | None] | None:
        """For a scheme without context rules: its letter table as a loop in C (`_speedups.Rules` without
        rules) that answers None for a text with a capital inside a word (a word in capitals, which
        `_whole` upper-cases whole); None without the C module or with astral letters."""
        listed = self._listed
        if _Rules is None or type(listed) is not list:
            return None
        capitals = {c.upper() for c in map(chr, self._compiled[0]) if len(c.upper()) == 1} | UPPER_LETTERS
        return _Rules([], [()] * TABLE_LIMIT, listed, TABLE_LIMIT, risky_map("", "".join(capitals))).run_plain

    @cached_property
    def _replacer(self):
        """The callback of the context pass: a rule's placeholder, in the case of the matched text."""
        group_output = self._compiled[2]
        lower = [chr(_PLACEHOLDER + 3 * o) for o in group_output]

        def replace(m: re.Match) -> str:
            g = m.group()
            if g.islower():
                return lower[m.lastindex]
            return chr(_PLACEHOLDER + 3 * group_output[m.lastindex] + _case_of(g))

        return replace

    def transliterate(self, text: str) -> str:
        """Transliterate `text`; characters the scheme does not cover pass through."""
        # a name or a short line seen lately: from a small cache of its own (names come with the traffic,
        # so it is kept small: a server's memory is to follow its data); its keys are in NFC, so a text
        # found there needs no check
        out = self._short_cache.get(text)
        if out is not None:
            return out
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if self._compiled[1] is None:
            if len(text) <= _SHORT and (letters := self._letter_run) is not None:
                out = letters(text)  # a name: one call into C, unless a word of it is in capitals
                if out is not None:
                    return out
            return self._whole(text)
        if len(text) > _SHORT:
            return self._long(text)
        engine = self._cased  # one pass of the case-sensitive engine, if the text is one it is for
        out = engine[5](text) if engine is not None else None
        if out is None:
            out = self._whole(text)
        short = self._short_cache
        if len(short) >= _SHORT_CACHED:
            short.clear()
        short[text] = out
        return out

    def transliterate_many(self, texts: list[str]) -> list[str]:
        """`[self.transliterate(t) for t in texts]` in one pass: the texts joined by line breaks (which no
        rule looks or writes across) go through `transliterate` as one text, and the result is cut at the
        line breaks again, a text that holds k line breaks of its own taking k + 1 of the lines.  A long
        joined text takes the long-text path (`_long`: the rules' loop in C, the few words it is not for
        cut out and sent through the general engine), a short one the path of a name."""
        texts = list(texts)
        if not texts:
            return []
        joined = "\n".join(texts)  # NFC of the joined text is the NFC of each text: a line break composes with nothing
        lines = self.transliterate(joined).split("\n")
        breaks = [t.count("\n") for t in texts] if len(lines) != len(texts) else None
        if breaks is None:
            return lines
        if len(lines) != len(texts) + sum(breaks):  # cannot happen (no rule writes or removes a line break)
            return [self.transliterate(t) for t in texts]
        ends = accumulate(b + 1 for b in breaks)
        starts = accumulate((b + 1 for b in breaks), initial=0)
        return ["\n".join(lines[a:b]) for a, b in zip(starts, ends, strict=False)]

    def _long(self, text: str) -> str:
        """A long text: through the rules' loop in C with the words it is not for cut out (`longtext`),
        or, without the C module, word by word through the cache (`_by_words`)."""
        engine = self._cased
        if engine is None or isinstance(engine[4], partial):
            return self._by_words(text)
        return run_segments(engine[4], self._whole, engine[2], text)

    def _by_words(self, text: str) -> str:
        """Text through a scheme with context rules: each distinct piece is transliterated once.

        Context rules look inside a word only (a word's edges are its start and end), so a text is the
        concatenation of the transliterations of its pieces between spaces and line breaks; running
        text repeats its words (Zipf), which a per-scheme cache turns into dictionary lookups.  The loop
        over the pieces is C (`_speedups.map_pieces`, or C-level string operations in `_map_pieces`); only
        the pieces not seen before reach the engines: one probe a piece plus the new pieces' pass through
        the rules, whatever the length."""
        cache = self._word_cache
        if len(cache) > 200_000:
            cache.clear()
        out = map_pieces(text, cache)
        if isinstance(out, str):
            return out
        long = self._fill(list(out))
        out = map_pieces(text, cache)
        for piece in long:  # a text with few spaces or lines: its long pieces are not kept
            del cache[piece]
        return out

    def _fill(self, words: list[str]) -> list[str]:
        """Transliterate new pieces of text into the word cache, in as few engine passes as possible.

        Pieces whose capitals start words (the bulk of running text) go through the case-sensitive
        engine (`rx.cased_dispatch`) in one pass; the rest (capitals inside a word, letters that
        case-insensitive matching equates with others) through the general engine.  Returns the
        pieces longer than `_LONG`, which the caller drops from the cache after use."""
        cache = self._word_cache
        general = words
        if self._cased is not None:
            joined = "\x00".join(words)
            outs = _each(partial(_cased_run, self._cased), joined, len(words))
            if outs is not None:
                cache.update(zip(words, outs, strict=True))
                # pieces outside the engine's reach go (again) through the general engine below
                general = list(_pieces_at(joined, self._cased[2]))
            # else a piece holds \x00 itself: all through the general engine
        if general:
            outs = _each(self._whole, "\x00".join(general), len(general)) or [self._whole(w) for w in general]
            cache.update(zip(general, outs, strict=True))
        if max(map(len, words)) <= _LONG:
            return []
        return [w for w in words if len(w) > _LONG]

    @cached_property
    def _cased(self) -> tuple[re.Pattern | None, Callable | None, re.Pattern, list[str], Callable, Callable] | None:
        """The engine for lower-case and capitalised text: its pattern (`rx.cased_dispatch`), whose
        groups are named by their placeholders (one character each, from `_CASED_NAMES`), and the
        replacement (the matched group's name, read in C), or None, None where the rules have more
        alternatives than there are names; what sends a piece to the general engine (a capital inside a
        word, `rx.capital_inside_word`, a letter of `rx.hazards`, a character of the placeholders'
        range); its letter table as a list indexed by code point; the function that runs the engine and
        the one that runs it only on a text it is for (else None).  The functions are the rules as a
        loop in C (`_speedups.Rules`, `rx.table_rules`) where they have its shape, else the pattern.
        None when neither can be made or either disagrees with the general engine on the scheme's own
        samples (in lower case and capitalised)."""
        table, ctx, _, _, branches, outputs = self._compiled
        letters = [c for c in table if c < _PLACEHOLDER]
        if ctx is None or max(letters, default=0) >= _CASED_BASE:
            return None
        try:
            hazard = hazards(branches)
        except Unconvertible:
            return None
        # one scan finds every kind of piece the engine is not for
        not_for = f"{hazard}\\u{_CASED_BASE:04x}-\\u{_CASED_END - 1:04x}"
        risky = capital_inside_word(not_for)
        texts = [text for sample in self.samples for src in [unicodedata.normalize("NFC", sample.source)]
                 for text in (src.lower(), src.title()) if not risky.search(text)]  # the texts it is for
        expected = [self._whole(text) for text in texts]
        try:
            pattern, group_output = cased_dispatch(branches, _CASED_NAMES)
        except Unconvertible:
            pattern, group_output = None, [(0, 0)]
        listed = _list_table({c: table[c] for c in letters}
                             | {ord(name): table[_PLACEHOLDER + 3 * o + case]
                                for name, (o, case) in zip(_CASED_NAMES, group_output[1:], strict=False)},
                             _CASED_END)
        engine = None
        if pattern is not None:
            engine = pattern, attrgetter("lastgroup"), risky, listed
            engine += (partial(_pattern_run, engine), partial(_pattern_run_plain, engine))
            if [engine[4](text) for text in texts] != expected:
                engine = None
        rules = _table_engine(branches, outputs, listed, not_for)
        if rules is not None and [rules.run(text) for text in texts] == expected:
            # the same pass as a loop in C
            engine = (*(engine[:2] if engine else (None, None)), risky, listed, rules.run, rules.run_plain)
        return engine

    def _whole(self, text: str) -> str:
        caps = self._compiled[3]
        if caps is None:
            return self._core(text)
        # words in capitals are transliterated whole and upper-cased (ХРУЩЁВ -> KHRUSHCHËV, not KhRUSHCHËV)
        out: list[str] = []
        pos = 0
        for m in caps.finditer(text):
            out.append(self._core(text[pos:m.start()]))
            out.append(self._core(m.group().lower()).upper())
            pos = m.end()
        if not pos:
            return self._core(text)
        out.append(self._core(text[pos:]))
        return "".join(out)

    __call__ = transliterate

    def info(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "standard": self.standard,
            "source": self.source,
            "target": self.target,
            "direction": self.direction,
            "family": self.family,
            "lang": self.lang,
            "notes": self.notes,
            "samples": len(self.samples),
        }


def _list_table(table: dict[int, str], size: int) -> list[str]:
    """A str.translate table as a list indexed by code point (looked up a third faster than a dict):
    `table`'s entries, every other code point below `size` mapped to itself."""
    listed = [chr(c) for c in range(size)]
    for c, value in table.items():
        listed[c] = value
    return listed


def _cased_run(engine: tuple, text: str) -> str:
    """`text` (capitals only where words start) through a case-sensitive engine (`Scheme._cased`): its
    rules as a loop in C where they have the common shape (`_speedups.Rules`), else its pattern."""
    return engine[4](text)


def _pattern_run(engine: tuple, text: str) -> str:
    """`text` through the case-sensitive pattern of `engine`, its replacement and its letter table."""
    pattern, replacement, _, listed = engine[:4]
    return _translate(pattern.sub(replacement, text), listed)


def _pattern_run_plain(engine: tuple, text: str) -> str | None:
    """`_pattern_run`, or None for a text the engine is not for (`Scheme._cased`)."""
    return None if engine[2].search(text) else _pattern_run(engine, text)


def _table_engine(branches: list[str], outputs: list[str], listed: list[str], not_for: str):
    """The rules as a loop in C (`rx.table_rules`, `_speedups.Rules`; `not_for`: the hazards of
    `rx.capital_inside_word`), or None when they do not have its shape or the C module was not built."""
    if _Rules is None:
        return None
    try:
        rules, first = table_rules(branches, outputs)
    except Unconvertible:
        return None
    return _Rules(rules, list(first), listed, TABLE_LIMIT, risky_map(not_for))


def _map_pieces(text: str, cache: dict[str, str]) -> str | set[str]:
    """Every piece of `text` between spaces and line breaks replaced by `cache[piece]`, separators kept;
    or, if `cache` lacks some pieces, the set of those.  The Python form of `_speedups.map_pieces` (used when
    the C module was not built): split, map and join are C-level string operations, one Python step a line."""
    get = cache.__getitem__
    try:
        return "\n".join([" ".join(map(get, line.split(" "))) for line in text.split("\n")])
    except KeyError:
        return set(text.replace("\n", " ").split(" ")).difference(cache)


def _str_translate(text: str, table: list[str]) -> str:
    """The Python form of `_speedups.translate`: str.translate with a list of str indexed by code point."""
    return text.translate(table)


try:
    from ._speedups import Rules as _Rules
    from ._speedups import map_pieces
    from ._speedups import translate as _translate
except ImportError:  # built without a C compiler
    map_pieces, _translate, _Rules = _map_pieces, _str_translate, None


def _each(engine, joined: str, n: int) -> list[str] | None:
    """`n` \\x00-separated pieces through `engine` in one call, or None if the count does not come back
    (a piece holds \\x00 itself)."""
    outs = engine(joined).split("\x00")
    return outs if len(outs) == n else None


def _pieces_at(joined: str, pattern: re.Pattern) -> set[str]:
    """The \\x00-separated pieces of `joined` in which `pattern` matches."""
    out: set[str] = set()
    end = -1
    for m in pattern.finditer(joined):
        if m.start() < end:
            continue  # in the piece just taken
        start = joined.rfind("\x00", 0, m.start()) + 1
        end = joined.find("\x00", m.start())
        end = len(joined) if end < 0 else end
        out.add(joined[start:end])
    return out


def _title(value: str) -> str:
    """The value for a capital letter: its first letter upper-cased, both letters of a pair joined by a tie
    bar (ALA-LC: Ц is T͡S, Ю is I͡U, as in T͡Svetaeva, I͡Uriĭ)."""
    if len(value) > 2 and value[1] == "\u0361":
        return value[0].upper() + value[1] + value[2].upper() + value[3:]
    return value[:1].upper() + value[1:] if value else value


_PLACEHOLDER = 0xF0000  # Supplementary Private Use Area-A: never in real text
_LONG = 1000  # pieces of text longer than this are transliterated but not cached
_SHORT = 64  # texts up to this long (names) are transliterated whole, not piece by piece
_SHORT_CACHED = 4096  # short texts kept per scheme
# The case-sensitive engine's placeholders: NKo to Arabic Extended-A, scripts foreign to these sources (a piece
# holding one goes through the general engine), low enough for a list-indexed letter table.
_CASED_BASE, _CASED_END = 0x07C0, 0x0900
# ... those of them that may name a regex group (letters): each group's name is its own placeholder
_CASED_NAMES = [c for c in map(chr, range(_CASED_BASE, _CASED_END)) if c.isidentifier()]



def _case_of(matched: str) -> int:
    """0 lower, 1 title, 2 upper: how the replacement of `matched` is to be cased."""
    letters = [c for c in matched if c.isalpha()]
    if not letters or not letters[0].isupper():
        return 0
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return 2
    return 1


# -- loading ----------------------------------------------------------------------------------

def load_scheme(path: Path, _seen: tuple = ()) -> Scheme:
    """Load one scheme file; `extends = "other-id"` starts from that scheme's map and rules."""
    try:
        raw = path.read_bytes().decode("utf-8")
        data = tomllib.loads(raw)
    except UnicodeDecodeError as exc:
        raise TableError(str(path), f"not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        line = _toml_line(exc)
        raise TableError(str(path), f"invalid TOML: {exc}", line) from None
    for key in ("id", "name", "standard", "source", "target"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise TableError(str(path), f"missing or empty field {key!r}")
    if path.stem != data["id"]:
        raise TableError(str(path), f"id {data['id']!r} differs from the file name")
    classes: dict[str, str] = {}

    def expand(pattern: str) -> str:
        def sub(m):
            name = m.group(1)
            if name not in classes:
                raise TableError(str(path), f"unknown class {{{name}}} in rule {pattern!r}")
            return re.escape(classes[name]).replace("\\-", "-")
        return _MACRO.sub(sub, pattern)

    mapping: dict[str, str] = {}
    rules: list[tuple[str, str]] = []
    reverse: dict[str, list[str]] = {}
    parent_id = data.get("extends")
    if parent_id:
        parent_path = path.with_name(f"{parent_id}.toml")
        if parent_id in _seen or not parent_path.exists():
            raise TableError(str(path), f"extends {parent_id!r}: no such scheme, or a cycle")
        parent = load_scheme(parent_path, _seen + (data["id"],))
        mapping.update(parent.mapping)
        classes.update(parent.classes)
        reverse.update(parent.reverse)
        if data.get("inherit_rules", True):
            rules.extend(parent.rules)
    classes.update(data.get("classes", {}))
    own_rules = []
    for key, value in data.get("map", {}).items():
        if not isinstance(value, str):
            raise TableError(str(path), f"map value for {key!r} is not a string")
        mapping[unicodedata.normalize("NFC", key)] = unicodedata.normalize("NFC", value)
    for i, rule in enumerate(data.get("rule", [])):
        if "match" not in rule or "to" not in rule:
            raise TableError(str(path), f"rule #{i + 1} needs 'match' and 'to'")
        pattern = expand(rule["match"])
        try:
            groups = re.compile(pattern).groups
        except re.error as exc:
            raise TableError(str(path), f"rule #{i + 1} {rule['match']!r}: {exc}") from None
        if groups:
            raise TableError(str(path), f"rule #{i + 1} {rule['match']!r}: use (?:...), not capturing groups")
        own_rules.append((pattern, unicodedata.normalize("NFC", rule["to"])))
    rules = own_rules + rules  # a scheme's own rules take precedence over inherited ones
    for key, value in data.get("reverse", {}).items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise TableError(str(path), f"reverse value for {key!r} is not a string or a list of strings")
        reverse[unicodedata.normalize("NFC", key.lower())] = [unicodedata.normalize("NFC", v) for v in values]
    samples = []
    for s in data.get("sample", []):
        if "in" not in s or "out" not in s:
            raise TableError(str(path), "a sample needs 'in' and 'out'")
        samples.append(Sample(s["in"], s["out"], s.get("note", "")))
    reverse_samples = []
    for s in data.get("reverse_sample", []):
        if "in" not in s or "out" not in s:
            raise TableError(str(path), "a reverse_sample needs 'in' and 'out'")
        reverse_samples.append(Sample(s["in"], s["out"], s.get("note", "")))
    return Scheme(
        id=data["id"],
        name=data["name"],
        standard=data["standard"],
        source=data["source"],
        target=data["target"],
        family=data.get("family", ""),
        notes=data.get("notes", ""),
        lang=data.get("lang", ""),
        mapping=mapping,
        rules=rules,
        samples=samples,
        classes=classes,
        path=str(path),
        reverse=reverse,
        reverse_samples=reverse_samples,
    )


class SchemeSet:
    """All schemes of a tables directory, by id."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._schemes: dict[str, Scheme] = {}
        files = sorted(directory.glob("*.toml"))
        if not files:
            raise TableError(str(directory), "no scheme files (*.toml)")
        for path in files:
            scheme = load_scheme(path)
            self._schemes[scheme.id] = scheme

    def __getitem__(self, scheme_id: str) -> Scheme:
        try:
            return self._schemes[scheme_id]
        except KeyError:
            raise UnknownSchemeError(scheme_id, sorted(self._schemes)) from None

    def __contains__(self, scheme_id: str) -> bool:
        return scheme_id in self._schemes

    def __iter__(self):
        return iter(self._schemes.values())

    def __len__(self) -> int:
        return len(self._schemes)

    def ids(self) -> list[str]:
        return list(self._schemes)

    def from_source(self, prefix: str) -> list[Scheme]:
        """Schemes whose source starts with `prefix` (e.g. "ru-Cyrl")."""
        return [s for s in self._schemes.values() if s.source.startswith(prefix)]
