"""Each romanization's inverse, learnt from the scheme itself: which Latin pieces each Cyrillic letter gives.

A scheme is a letter map plus context rules, so one Latin piece stands for several Cyrillic spans
depending on context (German s for з and с, Polish l for л before a soft vowel and for ль, Czech ď for
д before я ю ё ь ...). `align` cuts the transliteration of a word into the pieces the scheme wrote for
each span of it (a rule's match or one letter), joining a span that writes nothing to the one before
(-ий -> i, ль -> l, ьё -> jo). Aligning every word of the name lexicon (`namemodel`) gives, per scheme,
P(latin piece | cyrillic span, place in the word), the channel of the noisy-channel search in
`reverse_search.py`. A scheme's `[reverse]` table adds the spellings published practice uses beside the
rule (German sh for ж, the scholarly ch for х) at a small fixed probability.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from .schemes import Scheme

VARIANT_P = 0.08  # a published variant's probability beside the rule's spelling
FOLDED_PENALTY = math.log(0.25)  # a piece written without its diacritics (Solowjow for Sołowjow)
MIN_P = 0.0005
# the ways a soft or hard sign and a tie bar reach us: one form each
_LATIN_NORM = str.maketrans({"'": "ʹ", "’": "ʹ", "´": "ʹ", "ʼ": "ʹ", "′": "ʹ", "ʹ": "ʹ", "\u02bb": "ʹ",
                             "″": "ʺ", '"': "ʺ", "”": "ʺ", "\ufe20": "\u0361", "\ufe21": None, "\u0311": "\u0361"})
_FOLD_EXTRA = str.maketrans({"ł": "l", "đ": "d", "ʹ": None, "ʺ": None, "ı": "i"})


def norm_latin(text: str) -> str:
    """Lower case NFC with one form of the soft sign's prime, the hard sign's and the tie bar."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower().translate(_LATIN_NORM))


def fold_latin(text: str) -> str:
    """`norm_latin` without diacritics, primes or tie bars (what a plain keyboard writes)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def align(scheme: Scheme, word: str) -> list[tuple[str, str]] | None:
    """[(cyrillic span, latin piece)] of a lower-case word under `scheme`; None if the pieces do not
    join to what the scheme writes (a rule that reaches across the pieces)."""
    table, ctx, group_output, _caps, _branches, outputs = scheme._compiled  # noqa: SLF001 - same package
    pairs: list[tuple[str, str]] = []
    pos = 0

    def letters(upto: int) -> None:
        for ch in word[pos:upto]:
            pairs.append((ch, table.get(ord(ch), ch)))

    if ctx is not None:
        for m in ctx.finditer(word):
            if m.end() == m.start():
                return None
            letters(m.start())
            pairs.append((m.group(), outputs[group_output[m.lastindex]]))
            pos = m.end()
    letters(len(word))
    if "".join(lat for _, lat in pairs) != scheme.transliterate(word):
        return None
    joined: list[tuple[str, str]] = []
    for cyr, lat in pairs:
        if not lat and joined:  # a span that writes nothing goes with the one before it
            joined[-1] = (joined[-1][0] + cyr, joined[-1][1])
        elif joined and not joined[-1][1]:  # ... or, at the start of a word, with the one after it
            joined[-1] = (joined[-1][0] + cyr, lat)
        else:
            joined.append((cyr, lat))
    return joined


def place(start: int, end: int, n: int) -> str:
    """Where a piece stands in a word of n letters: W whole, B beginning, E end, M middle."""
    if start == 0:
        return "W" if end == n else "B"
    return "E" if end == n else "M"


class Channel:
    """P(latin piece | cyrillic span, place, letter before) of one scheme, indexed by latin piece for the
    search: options[place][latin] = [(cyrillic span, log p)], best first, and `lp` for the letter before."""

    def __init__(self, scheme: Scheme, words):
        self.scheme_id = scheme.id
        by_place: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        span_place: dict[tuple[str, str], int] = defaultdict(int)
        by_span: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        by_prev: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for word in words:
            pairs = align(scheme, word)
            if not pairs:
                continue
            n, prev = len(pairs), "^"
            for k, (cyr, lat) in enumerate(pairs):
                lat = norm_latin(lat)
                where = place(k, k + 1, n)
                by_place[(cyr, where)][lat] += 1
                span_place[(cyr, where)] += 1
                by_span[cyr][lat] += 1
                by_prev[(prev, cyr)][lat] += 1
                prev = cyr[-1]
        variants = {(cyr, norm_latin(lat)) for lat, cyrs in scheme.reverse.items() for cyr in cyrs}
        for cyr, lat in variants:
            by_span[cyr].setdefault(lat, 0)
        self.variants = variants
        self.options: dict[str, dict[str, list[tuple[str, float]]]] = {}
        longest = 1
        for where in "WBME":
            table: dict[str, dict[str, float]] = defaultdict(dict)
            for cyr, lats in by_span.items():
                total = sum(lats.values())
                n_place = span_place.get((cyr, where), 0)
                seen = by_place.get((cyr, where), {})
                for lat, n_all in lats.items():
                    p_all = n_all / total if total else 0.0
                    p = (seen.get(lat, 0) + 2 * p_all) / (n_place + 2)  # the place's counts, backed by all places
                    if (cyr, lat) in variants:
                        p = max(p, VARIANT_P)
                    if p < MIN_P or not lat:
                        continue
                    lp = math.log(p)
                    table[lat][cyr] = max(table[lat].get(cyr, -99.0), lp)
                    folded = fold_latin(lat)
                    if folded and folded != lat:
                        table[folded][cyr] = max(table[folded].get(cyr, -99.0), lp + FOLDED_PENALTY)
            self.options[where] = {lat: sorted(c.items(), key=lambda x: -x[1]) for lat, c in table.items()}
            longest = max([longest, *map(len, table)])
        self.longest = longest
        # after a given letter: log((C(prev, span, lat) + 2 p) / (C(prev, span) + 2)), p the estimate above;
        # stored as the seen part's log and the unseen's log 2/(C + 2) to add to log p
        self.seen: dict[tuple[str, str, str], int] = {}
        self.totals: dict[tuple[str, str], int] = {}
        for (prev, cyr), lats in by_prev.items():
            self.totals[(prev, cyr)] = sum(lats.values())
            for lat, n in lats.items():
                self.seen[(prev, cyr, lat)] = n
                folded = fold_latin(lat)
                if folded != lat:  # written without its diacritics: a quarter as likely
                    self.seen.setdefault((prev, cyr, folded), n * math.exp(FOLDED_PENALTY))
        # what the search reads: steps[place][latin] = [(span, log p, {letter before: log p after it})]
        prevs: dict[str, list[str]] = defaultdict(list)
        for prev, cyr in self.totals:
            prevs[cyr].append(prev)
        self.steps = {where: {lat: [(cyr, base, {prev: self.lp(prev, cyr, lat, base) for prev in prevs[cyr]})
                                    for cyr, base in opts]
                              for lat, opts in table.items()}
                      for where, table in self.options.items()}

    def lp(self, prev: str, span: str, lat: str, base: float) -> float:
        """log P(lat | span after the letter prev), from `base` = log P(lat | span, place)."""
        total = self.totals.get((prev, span))
        if total is None or (span, lat) in self.variants:
            return base
        return math.log((self.seen.get((prev, span, lat), 0) + 2 * math.exp(base)) / (total + 2))


_CHANNELS: dict[int, tuple[Scheme, Collection[str], Channel]] = {}
# the channel's cache files are named by this module's own text too: a change of the learning learns again
_CODE = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()


def channel(scheme: Scheme, words: Collection[str]) -> Channel:
    """The scheme's channel: once per process, from the cache directory when the scheme and the lexicon
    are those it was learnt from (the file is named by a digest of both), learnt from `words` otherwise."""
    held = _CHANNELS.get(id(scheme))
    if held is None or held[0] is not scheme or held[1] is not words:
        held = _CHANNELS[id(scheme)] = (scheme, words, _cached(scheme, words))
    return held[2]


def _cached(scheme: Scheme, words: Collection[str]) -> Channel:
    from .namemodel import cache_dir, cached

    # the lexicon by its size, first and last word (a `namemodel.Lexicon` knows them without a walk)
    shape = getattr(words, "fingerprint", None) or (len(words), min(words, default=""), max(words, default=""))
    digest = hashlib.sha1(repr((_CODE, sorted(scheme.mapping.items()), scheme.rules, sorted(scheme.reverse.items()),
                                *shape)).encode()).hexdigest()
    path = cache_dir() / f"channel-{scheme.id}-{digest[:16]}.pickle"
    return cached(path, lambda: Channel(scheme, _sample(words)),
                  lambda found: isinstance(found, Channel) and found.scheme_id == scheme.id)


@lru_cache(maxsize=4)
def _sample(words: Collection[str]) -> tuple[str, ...]:
    """Every third word of the lexicon in a fixed order: enough to see every rule at work, a third of the time."""
    return tuple(sorted(words))[::3]
