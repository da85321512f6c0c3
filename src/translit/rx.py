"""Regular-expression compilation for the scheme engine: the context rules of a scheme as one pattern.

Two forms are built from the same list of rule patterns (branches, tried in order at each position):

- `dispatch`: case-insensitive, for text in any case; each group of branches sits behind a one-letter
  lookahead on the letters it can start with.
- `cased_dispatch`: case-sensitive, for text whose capitals start words.  Every branch is rewritten to
  consume its first letter before it looks around it (``(?<=[бв])е`` becomes ``е(?<=[бвБВ]е)``: one
  lookbehind, not a nested one), and the branches are grouped under their first letter, lower case and
  capital apart.  Python's regex engine then skips positions that start no rule with a character-set
  scan and picks the group of a letter with one comparison, two to four times faster than trying
  lookaheads at every letter.

The rewriting works on the pattern as parsed by Python's own regex parser and writes it back as a pattern
string; anything it does not know raises `Unconvertible`, and the caller keeps the case-insensitive form.

- `table_rules`: the cased form once more, as tables for a loop in C (`_speedups.Rules`), for rules of the
  common shape (one character looked at behind, a run of letters, a fixed run looked at ahead): the rules
  of most schemes.  The scheme keeps it only where it agrees with the cased pattern (tests hold the two
  equal on random text).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from re import _constants as C  # noqa: N812 - the parser's opcode names
from re import _parser


class Unconvertible(Exception):
    """A pattern the cased rewriting does not handle."""


def dispatch(branches: list[str]) -> tuple[re.Pattern, list[int]]:
    """One regular expression for all context branches, dispatched on the letter that starts a match.

    A branch that starts with a lookbehind defeats the regex engine's scan for a first letter, and at
    every letter every branch would be tried. Grouping the branches by the letters they can start
    with, each group behind a one-letter lookahead, gives the scan back and tries only the branches
    that can match there, in their original order, so the result is that of the plain alternation.
    Returns the pattern and, per regex group number, the index of the branch it stands for."""
    firsts = [first_letters(b) for b in branches]
    if any(f is None for f in firsts):
        plain = "|".join(f"({b})" for b in branches)
        return re.compile(plain, re.IGNORECASE), [0, *range(len(branches))]
    letters = sorted({c.lower() for f in firsts for c in f})
    group_output = [0]
    pieces = []
    for letter in letters:
        members = [i for i, f in enumerate(firsts) if letter in {c.lower() for c in f}]
        group_output.extend(members)
        cls = "".join(re.escape(c) for c in sorted({letter, letter.upper()}) if len(c) == 1)
        pieces.append(f"(?=[{cls}])(?:{'|'.join(f'({branches[i]})' for i in members)})")
    every = "".join(re.escape(c) for c in sorted({x for f in firsts for x in f}))
    return re.compile(f"(?=[{every}])(?:{'|'.join(pieces)})", re.IGNORECASE), group_output


def first_letters(pattern: str) -> set[str] | None:
    """The characters that can begin a match of `pattern` (both cases), or None if unknown."""

    def first(items) -> set[str] | None:
        for op, av in items:
            if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
                continue  # zero-width: look at what follows
            if op is C.LITERAL:
                return {chr(av)}
            if op is C.IN:
                out: set[str] = set()
                for o, a in av:
                    if o is C.LITERAL:
                        out.add(chr(a))
                    elif o is C.RANGE and a[1] - a[0] < 4096:
                        out.update(map(chr, range(a[0], a[1] + 1)))
                    else:
                        return None
                return out
            if op is C.SUBPATTERN:
                return first(list(av[3]))
            if op is C.BRANCH:
                sets = [first(list(b)) for b in av[1]]
                return None if any(x is None for x in sets) else set().union(*sets)
            if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] > 0:
                return first(list(av[2]))
            return None
        return None

    try:
        got = first(list(_parser.parse(pattern)))
    except Exception:  # noqa: BLE001 - an analysis we cannot do only costs speed
        return None
    if not got:
        return None
    return {x for ch in got for x in (ch, ch.lower(), ch.upper()) if len(x) == 1}


# -- the cased form -----------------------------------------------------------------------------------

def cased_dispatch(branches: list[str], names: Sequence[str] = ()) -> tuple[re.Pattern, list[tuple[int, int]]]:
    """A case-sensitive pattern that finds what `dispatch(branches)` finds, in text whose capitals
    stand only at the start of a word (lower-case and capitalised words, the bulk of running text).

    Each branch is rewritten to consume its first letter before it looks around it, once in lower
    case and once as a capital; the letters it consumes after the first are lower case, the letters
    it looks at either case.  Returns the pattern and, per regex group number, (index of the branch,
    0 for a lower-case or 1 for a capitalised match): one empty group closes every alternative, so a
    match's `lastindex` names both.  With `names`, group k is named names[k - 1], so that `lastgroup`
    (which `operator.attrgetter` reads without a Python call) can be the replacement itself.  Raises
    `Unconvertible` (also when the names run out)."""
    by_letter: dict[str, list[tuple[int, str, str]]] = {}
    for index, branch in enumerate(branches):
        try:
            items = list(_parser.parse(branch))
        except re.error as exc:
            raise Unconvertible(branch) from exc
        for asserts, letter, rest in _alternatives(items):
            by_letter.setdefault(letter, []).append((index, asserts, _pattern(rest)))
    group_output: list[tuple[int, int]] = [(0, 0)]
    pieces = []
    for letter, members in by_letter.items():
        capital = letter.upper()
        cases = [(0, letter)]
        if capital != letter and len(capital) == 1 and capital.lower() == letter:
            cases.append((1, capital))
        for case, first in cases:
            alts = []
            for index, asserts, tail in members:
                group_output.append((index, case))
                if names and len(group_output) > len(names) + 1:
                    raise Unconvertible("more alternatives than names")
                group = f"(?P<{names[len(group_output) - 2]}>)" if names else "()"
                alts.append(f"{_behind(asserts, first)}{tail}{group}")
            pieces.append(f"{_char(first)}(?:{'|'.join(alts)})")
    if not pieces:
        raise Unconvertible("no branches")
    return re.compile("|".join(pieces)), group_output


def hazards(branches: list[str]) -> str:
    """Letters on which the lower-case form and the case-insensitive one may disagree: those that
    case-insensitive matching equates with a letter of the rules (ſ with s, ı with i, ᲂ with о).
    Words holding one go through the case-insensitive engine.  Returns the inside of a character class
    (empty if none).  Raises `Unconvertible` if unknown here."""
    try:
        from re._casefix import _EXTRA_CASES
    except ImportError as exc:
        raise Unconvertible("no case-folding table on this Python") from exc
    chars: set[str] = set()

    def walk(items) -> None:
        for op, av in items:
            if op in (C.LITERAL, C.NOT_LITERAL):
                chars.add(chr(av))
            elif op is C.IN:
                chars.update(_members([(o, a) for o, a in av if o in (C.LITERAL, C.RANGE)]))
            elif op in (C.ASSERT, C.ASSERT_NOT):
                walk(av[1])
            elif op is C.SUBPATTERN:
                walk(av[3])
            elif op is C.BRANCH:
                for alt in av[1]:
                    walk(alt)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                walk(av[2])

    for branch in branches:
        walk(_parser.parse(branch))
    lows = {low for ch in chars for low in [ch.lower()] if len(low) == 1}
    risky = {chr(other) for low in lows for other in _EXTRA_CASES.get(ord(low), ()) if chr(other) != low}
    # capitals other than the one upper() gives (K for k, Å for å, ẞ for ß) and title-case letters (ǅ)
    risky |= {c for low in lows for c in _capitals().get(low, ()) if c != low.upper()} | _titlecase()
    risky |= {c for low, cs in _capitals().items() if len(low) > 1 for c in cs}  # İ: "i̇" here, "i" to the regex engine
    return "".join(_char(c) for c in sorted(risky))


def _behind(asserts: tuple, first: str) -> str:
    """What a rule looked at before its first letter, looked at from after that letter: a lookbehind
    (?<=L) before x becomes (?<=Lx), (?<!L) becomes (?<!Lx) (x is there), anything else (?<=...x)."""
    out = []
    for op, av in asserts:
        if op in (C.ASSERT, C.ASSERT_NOT) and av[0] < 0:
            kind = "<=" if op is C.ASSERT else "<!"
            out.append(f"(?{kind}{_pattern(av[1], both=True)}{_char(first)})")
        else:
            out.append(f"(?<={_pattern([(op, av)], both=True)}{_char(first)})")
    return "".join(out)


@functools.cache
def _capitals() -> dict[str, set[str]]:
    """Lower case -> the characters of the Basic Multilingual Plane that lower-case to it (İ to "i̇")."""
    out: dict[str, set[str]] = {}
    for i in range(0x10000):
        ch = chr(i)
        low = ch.lower()
        if low != ch:
            out.setdefault(low, set()).add(ch)
    return out


@functools.cache
def _capital_class() -> str:
    return "".join(map(_char, sorted({c for cs in _capitals().values() for c in cs})))


def capital_inside_word(hazard: str = "") -> re.Pattern:
    """A capital that does not start a word (after a letter, digit, apostrophe or hyphen), or a letter of
    `hazard` (a character class's inside).  Text with neither has its capitals where `cased_dispatch`
    expects them (ХРУЩЁВ, МакДональд and Й-О have some)."""
    # one character class first: the regex engine scans for it; what it must look like is asserted after
    if not hazard:
        return re.compile(f"[{_capital_class()}]" + r"(?<=[\w'’ʼ-].)")
    return re.compile(f"[{_capital_class()}{hazard}]" + rf"(?:(?<=[{hazard}])|(?<=[\w'’ʼ-].))")


@functools.cache
def _titlecase() -> set[str]:
    return {chr(i) for i in range(0x10000) if unicodedata.category(chr(i)) == "Lt"}


def _alternatives(items: list, asserts: tuple = ()):
    """(zero-width items before the first letter, that letter in lower case, the items after it) for each
    way the pattern can start, in the order the regex engine tries them."""
    for i, (op, av) in enumerate(items):
        if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
            asserts += ((op, av),)
            continue
        rest = items[i + 1:]
        if op is C.LITERAL:
            yield asserts, _lower(chr(av)), rest
        elif op is C.IN:
            if any(o not in (C.LITERAL, C.RANGE) for o, _ in av):
                raise Unconvertible("a negated class or a category starts a rule")
            seen: set[str] = set()
            for ch in _members(av):
                low = _lower(ch)
                if low not in seen:
                    seen.add(low)
                    yield asserts, low, rest
        elif op is C.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
            yield from _alternatives(list(av[3]) + rest, asserts)
        elif op is C.BRANCH:
            for alt in av[1]:
                yield from _alternatives(list(alt) + rest, asserts)
        else:
            raise Unconvertible(f"a rule starting with {op}")
        return
    raise Unconvertible("a rule that matches the empty string")


def _members(items) -> list[str]:
    out: list[str] = []
    for o, a in items:
        if o is C.LITERAL:
            out.append(chr(a))
        else:
            if a[1] - a[0] >= 4096:
                raise Unconvertible("a wide range")
            out.extend(map(chr, range(a[0], a[1] + 1)))
    return out


def _lower(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        raise Unconvertible(f"{ch!r} lower-cases to {low!r}")
    return low


def _char(ch: str) -> str:
    """`ch` as a pattern (inside a class too): itself if a letter or digit, else an escape."""
    return ch if ch.isalnum() else f"\\U{ord(ch):08x}"


_CATEGORY = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}
_AT = {C.AT_BEGINNING: "^", C.AT_END: "$", C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B",
       C.AT_BEGINNING_STRING: r"\A", C.AT_END_STRING: r"\Z"}


def _class(items, both: bool = False) -> str:
    """A character class that matches what `items` matches ignoring case: in lower-case text, or with
    `both` in text of either case."""
    negate = ""
    parts: list[str] = []
    for o, a in items:
        if o is C.NEGATE:
            negate = "^"
        elif o is C.CATEGORY:
            parts.append(_CATEGORY[a])
        elif o is C.LITERAL:
            parts.extend(_char(c) for c in _cases(chr(a), both))
        elif o is C.RANGE:
            parts.append(f"{_char(chr(a[0]))}-{_char(chr(a[1]))}")
            members = _members([(o, a)])
            extra = {c for ch in members for c in _cases(ch, both)} - set(members)
            parts.extend(_char(ch) for ch in sorted(extra))
        else:
            raise Unconvertible(f"class item {o}")
    return f"[{negate}{''.join(parts)}]"


def _cases(ch: str, both: bool) -> list[str]:
    """The characters `ch` stands for when case is ignored: its lower case, and with `both` its capital."""
    low = _lower(ch)
    if not both:
        return [low]
    up = low.upper()
    return [low, up] if len(up) == 1 and up != low and up.lower() == low else [low]


def _pattern(items, both: bool = False) -> str:
    """Write parsed items back as a pattern that matches ignoring case: in lower-case text, or with
    `both` (for what a rule looks at around its match) in text of either case."""
    out: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            chars = _cases(chr(av), both)
            out.append(_char(chars[0]) if len(chars) == 1 else f"[{''.join(map(_char, chars))}]")
        elif op is C.NOT_LITERAL:
            out.append(f"[^{''.join(map(_char, _cases(chr(av), both)))}]")
        elif op is C.IN:
            out.append(_class(av, both))
        elif op is C.ANY:
            out.append(".")
        elif op is C.AT:
            out.append(_AT[av])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            direction, sub = av
            kind = ("=" if op is C.ASSERT else "!") if direction > 0 else ("<=" if op is C.ASSERT else "<!")
            out.append(f"(?{kind}{_pattern(sub, both=True)})")
        elif op is C.SUBPATTERN:
            group, add, delete, sub = av
            if group is not None or add or delete:
                raise Unconvertible("a capturing group or inline flags")
            out.append(f"(?:{_pattern(sub, both)})")
        elif op is C.BRANCH:
            out.append("(?:" + "|".join(_pattern(alt, both) for alt in av[1]) + ")")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            bound = f"{{{lo},{'' if hi is C.MAXREPEAT else hi}}}"
            out.append(f"(?:{_pattern(sub, both)}){bound}{'?' if op is C.MIN_REPEAT else ''}")
        else:
            raise Unconvertible(f"opcode {op}")
    return "".join(out)


# -- the table form -----------------------------------------------------------------------------------

TABLE_LIMIT = 0x800  # letters of the table form: Latin, Greek, Cyrillic (sets are bitmaps this long)


def table_rules(branches: list[str], outputs: list[str]) -> tuple[list[tuple], list[tuple[int, ...]]]:
    """The rules of `cased_dispatch` for `_speedups.Rules`, a loop in C that does what the cased pattern
    and its replacement do, for rules of a common shape: looks behind at fixed runs of characters, a
    fixed run of letters, looks ahead at alternatives of fixed runs (each perhaps not followed by some
    character).  Returns the rules, each (behind, letters after the first, ahead, output in lower case,
    output capitalised) where behind is a tuple of (run, negated) and ahead a tuple of (alternatives,
    negated), an alternative being (run, set that must not follow or None), a run a tuple of sets, a set
    a bitmap over the code points below TABLE_LIMIT with one more byte for \\w; and, per code point below
    TABLE_LIMIT, the rules that can start there, in the order the pattern tries them, as
    rule * 2 + (1 for a capital).  Raises `Unconvertible` for anything else (the scheme keeps the
    pattern)."""
    rules: list[tuple] = []
    first: list[list[int]] = [[] for _ in range(TABLE_LIMIT)]
    for index, branch in enumerate(branches):
        try:
            items = list(_parser.parse(branch))
        except re.error as exc:
            raise Unconvertible(branch) from exc
        out = outputs[index]
        for alt in _top_alternatives(items):
            behind: list[tuple] = []
            while alt and alt[0][0] in (C.ASSERT, C.ASSERT_NOT) and alt[0][1][0] < 0:
                behind.append((tuple(_bitmap(x, both=True) for x in alt[0][1][1]), alt[0][0] is C.ASSERT_NOT))
                alt = alt[1:]
            ahead: list[tuple] = []
            while alt and alt[-1][0] in (C.ASSERT, C.ASSERT_NOT):
                direction, sub = alt[-1][1]
                if direction < 0:
                    raise Unconvertible("a lookbehind after the letters")
                ahead.insert(0, (tuple(_runs(list(sub))), alt[-1][0] is C.ASSERT_NOT))
                alt = alt[:-1]
            if not alt:
                raise Unconvertible("a rule without letters")
            body = [_bitmap(x, both=False) for x in alt]
            if any(b[-1] for b in body):
                raise Unconvertible("\\w among the letters")
            k = len(rules)
            rules.append((tuple(behind), tuple(body[1:]), tuple(ahead), out, out[:1].upper() + out[1:]))
            for code in (c for c in range(TABLE_LIMIT) if body[0][c]):
                low = chr(code)
                first[code].append(2 * k)
                capital = low.upper()
                if capital != low and len(capital) == 1 and capital.lower() == low:
                    if ord(capital) >= TABLE_LIMIT:
                        raise Unconvertible("a capital past the table")
                    first[ord(capital)].append(2 * k + 1)
    return rules, [tuple(f) for f in first]


def _top_alternatives(items: list, limit: int = 64) -> list[list]:
    """A rule as the alternatives the regex engine tries, in its order, each a flat list of parsed items:
    groups and branches at the top multiplied out ((?:(?<=[aeiou])|(?<=[aeiou]l))(?:j|ly)a: four
    alternatives, tried as the engine backtracks)."""
    alternatives: list[list] = [[]]
    for op, av in items:
        if op is C.SUBPATTERN and av[0] is None and not any(av[1:3]):
            options = _top_alternatives(list(av[3]), limit)
        elif op is C.BRANCH:
            options = [x for alt in av[1] for x in _top_alternatives(list(alt), limit)]
        else:
            options = [[(op, av)]]
        alternatives = [done + more for done in alternatives for more in options]
        if len(alternatives) > limit:
            raise Unconvertible("a rule of too many alternatives")
    return alternatives


def _runs(items: list, limit: int = 64) -> list[tuple[tuple[bytes, ...], bytes | None]]:
    """What a lookahead matches as alternatives of fixed runs of sets, each perhaps followed by a set that
    must not come next ((?:ев|ин)(?:а|у)?(?![а-яё]): ев, ева, еву, ин, ... not followed by a letter)."""
    runs: list[tuple[tuple[bytes, ...], bytes | None]] = [((), None)]
    for n, (op, av) in enumerate(items):
        if op is C.ASSERT_NOT and av[0] > 0 and n == len(items) - 1:
            sub = list(av[1])
            if len(sub) != 1:
                raise Unconvertible("a negative lookahead of more than one character inside a lookahead")
            tail = _bitmap(sub[0], both=True)
            runs = [(run, tail) for run, _ in runs]
            continue
        if op is C.SUBPATTERN and av[0] is None and not any(av[1:3]):
            options = _runs(list(av[3]), limit)
        elif op is C.BRANCH:
            options = [r for alt in av[1] for r in _runs(list(alt), limit)]
        elif op is C.MAX_REPEAT and av[0] == 0 and av[1] == 1:
            options = [((), None), *_runs(list(av[2]), limit)]
        elif op in (C.LITERAL, C.IN):
            options = [((_bitmap((op, av), both=True),), None)]
        else:
            raise Unconvertible(f"opcode {op} in a lookahead")
        if any(tail is not None for _, tail in options) or any(tail is not None for _, tail in runs):
            raise Unconvertible("a negative lookahead before the end of a lookahead")
        runs = [(run + more, None) for run, _ in runs for more, _ in options]
        if len(runs) > limit:
            raise Unconvertible("a lookahead of too many alternatives")
    return runs


def _bitmap(item, both: bool) -> bytes:
    """A one-character item (a letter, a class, \\w) as a bitmap over the code points below TABLE_LIMIT,
    with one more byte set for \\w: lower case only, or with `both` either case (as `_cases`)."""
    op, av = item
    chars: list[str] = []
    word = False
    if op is C.LITERAL:
        chars = [chr(av)]
    elif op is C.IN:
        for o, a in av:
            if o is C.CATEGORY and a is C.CATEGORY_WORD:
                word = True
            elif o in (C.LITERAL, C.RANGE):
                chars.extend(_members([(o, a)]))
            else:
                raise Unconvertible(f"class item {o}")
    else:
        raise Unconvertible(f"opcode {op}")
    flags = bytearray(TABLE_LIMIT + 1)
    for ch in chars:
        for c in _cases(ch, both):
            if ord(c) >= TABLE_LIMIT:
                raise Unconvertible("a letter past the table")
            flags[ord(c)] = 1
    flags[TABLE_LIMIT] = word
    return bytes(flags)


def risky_map(hazard: str, capitals: str = "") -> bytes:
    """What `capital_inside_word(hazard)` looks for, per code point of the Basic Multilingual Plane, for
    `_speedups.Rules.run_plain`: 1 a capital (a text is not for the cased engines where one follows a
    letter, digit, _, apostrophe or hyphen; `capitals`: more of them), 2 a character of `hazard` (never)."""
    bmp = _bmp()
    out = bytearray(0x10000)
    for m in re.finditer(f"[{_capital_class()}]", bmp):
        out[m.start()] = 1
    for ch in capitals:
        if ord(ch) < 0x10000:
            out[ord(ch)] = 1
    if hazard:
        for m in re.finditer(f"[{hazard}]", bmp):
            out[m.start()] = 2
    return bytes(out)


@functools.cache
def _bmp() -> str:
    return "".join(map(chr, range(0x10000)))
