"""A model of Russian name spelling: a character n-gram model learnt from a real lexicon.

The lexicon is every given name, patronymic and surname in the nominative singular that the
OpenCorpora dictionary of `pymorphy3` tags Name, Patr or Surn (about 45,000 words: Никита, Сергеевич,
Хрущёв, Хрущёва ...), with the adjectives in -ский/-цкий/-ской and their feminines (adjectival surnames,
which the dictionary tags as adjectives only: Дзержинский, Троцкий). The model is an interpolated
Witten-Bell character 5-gram model with word boundaries; reverse transliteration ranks its candidates
with it (`reverse_search.py`). Reading the dictionary takes seconds, so the word list and the model are built
once and kept in the user's cache directory ($TRANSLIT_CACHE, else $XDG_CACHE_HOME/translit, else
~/.cache/translit), named by the dictionary's version and the model's; a cache that cannot be written
(a read-only home) only means building once per process.

The model is kept compact: its log probabilities (as whole millionths) and its word list are DAWGs
(`dawg.IntDAWG`, `dawg.CompletionDAWG`: DAWG2, pymorphy3's own back-end), about 3 MB in memory where Python dicts
and a frozenset of the same took about 55 MB; the cache file holds their bytes.
"""

from __future__ import annotations

import math
import os
import pickle
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

ORDER = 5
VERSION = 2  # of the model's form: a new version builds a new cache file
_NAME_TAGS = ("Name", "Patr", "Surn")
_ADJ_ENDINGS = ("ский", "цкий", "ской", "ская", "цкая")
BOS, EOS = "^", "$"


SCALE = 1_000_000  # log probabilities are kept as whole millionths (-log P, so never negative)


class Lexicon:
    """The lexicon's words as a DAWG (`dawg.CompletionDAWG`): `in`, `len` and iteration (sorted) of a frozenset, in a tenth of its
    memory."""

    def __init__(self, words):
        import dawg

        self._dawg = dawg.CompletionDAWG(w for w in words if w)
        self._len = sum(1 for _ in self._dawg.iterkeys())
        keys = self._dawg.keys()
        # what names it: the channels' cache files are keyed by it (`inverse._cached`)
        self.fingerprint = (self._len, keys[0], keys[-1]) if keys else (0, "", "")

    def __contains__(self, word) -> bool:
        return isinstance(word, str) and bool(word) and word in self._dawg

    def __len__(self) -> int:
        return self._len

    def __iter__(self):
        return iter(self._dawg.iterkeys())

    def __getstate__(self):
        return {"dawg": self._dawg.tobytes(), "len": self._len, "fingerprint": self.fingerprint}

    def __setstate__(self, state):
        import dawg

        self._dawg = dawg.CompletionDAWG().frombytes(state["dawg"])
        self._len, self.fingerprint = state["len"], tuple(state["fingerprint"])


class NameModel:
    """P(word) under a character n-gram model; `words` is the lexicon it was learnt from."""

    def __init__(self, words, order: int = ORDER):
        import dawg

        self.order = order
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        alphabet = set()
        for w in words:
            padded = BOS * (order - 1) + w + EOS
            alphabet.update(w)
            for i in range(order - 1, len(padded)):
                c = padded[i]
                for k in range(order):
                    counts[padded[i - k:i]][c] += 1
        self.uniform = -math.log(len(alphabet) + 1)
        # interpolated Witten-Bell: P(c|h) = (C(h,c) + T(h) P(c|h')) / (C(h) + T(h)), h' = h without its
        # first letter; stored as log P for the seen (h, c) and log T(h)/(C(h)+T(h)) for the unseen
        prob: dict[str, float] = {}
        back: dict[str, float] = {}
        self._memo: dict[str, float] = {}
        self._get_prob, self._get_back, self._root = prob.get, back.get, None
        for h in sorted(counts, key=len):
            cont = counts[h]
            total, types = sum(cont.values()), len(cont)
            back[h] = math.log(types / (total + types))
            for c, n in cont.items():
                lower = math.exp(self._logp(h[1:], c)) if h else math.exp(self.uniform)
                prob[h + c] = math.log((n + types * lower) / (total + types))
        # the compact form: -log P in millionths; the empty history (no DAWG key) apart
        self._prob = dawg.IntDAWG((k, round(-v * SCALE)) for k, v in prob.items())
        self.n_grams = len(prob)  # how many character n-grams the model holds
        self._root = back.pop("", None)
        self._back = dawg.IntDAWG((k, round(-v * SCALE)) for k, v in back.items())
        self.words = Lexicon(words)
        self._bind()
        self._memo.clear()

    def _bind(self) -> None:
        prob_get, back_get, root = self._prob.get, self._back.get, self._root

        def get_prob(key: str) -> float | None:
            v = prob_get(key)
            return None if v is None else -v / SCALE

        def get_back(h: str) -> float | None:
            if not h:
                return root
            v = back_get(h)
            return None if v is None else -v / SCALE

        self._get_prob, self._get_back = get_prob, get_back

    def logp(self, h: str, c: str) -> float:
        """log P(c | h), h the preceding letters (at most order - 1 of them, BOS-padded at a word's start)."""
        key = h + "\x00" + c
        v = self._memo.get(key)
        if v is None:
            if len(self._memo) > 100_000:
                self._memo.clear()
            v = self._memo[key] = self._logp(h, c)
        return v

    def _logp(self, h: str, c: str) -> float:
        acc = 0.0
        prob, back = self._get_prob, self._get_back
        while True:
            v = prob(h + c)
            if v is not None:
                return acc + v
            b = back(h)
            if b is not None:
                acc += b
            if not h:
                return acc + self.uniform
            h = h[1:]

    def __getstate__(self):
        return {"order": self.order, "uniform": self.uniform, "root": self._root, "words": self.words,
                "prob": self._prob.tobytes(), "back": self._back.tobytes(), "n_grams": self.n_grams}

    def __setstate__(self, state):
        import dawg

        self.order, self.uniform, self._root = state["order"], state["uniform"], state["root"]
        self.words = state["words"]
        self._prob = dawg.IntDAWG().frombytes(state["prob"])
        self._back = dawg.IntDAWG().frombytes(state["back"])
        self.n_grams = state.get("n_grams", 0)
        self._memo = {}
        self._bind()

    def score(self, word: str) -> float:
        """log P(word), word in lower case."""
        n = self.order - 1
        padded = BOS * n + word + EOS
        return sum(self.logp(padded[i - n:i], padded[i]) for i in range(n, len(padded)))

    def context(self, prefix: str) -> str:
        """The model's state after `prefix` (the letters that condition the next one)."""
        n = self.order - 1
        return (BOS * n + prefix)[-n:]


def lexicon_words() -> frozenset[str]:
    """The names of the pymorphy3 dictionary (see the module's doc), in lower case with their ё."""
    from .inflect import _morph

    d = _morph().dictionary  # the process's one analyser
    wanted = set()
    for tag_id, tag in enumerate(d.gramtab):
        grams = set(str(tag).replace(" ", ",").split(","))
        if "nomn" in grams and "sing" in grams and grams & set(_NAME_TAGS):
            wanted.add(tag_id)
    adjective = {i for i, tag in enumerate(d.gramtab)
                 if str(tag).startswith("ADJF") and "nomn" in str(tag) and "sing" in str(tag)}
    names: dict[int, set[int]] = {}
    adjs: dict[int, set[int]] = {}
    for pid, paradigm in enumerate(d.paradigms):
        n = len(paradigm) // 3
        tags = paradigm[n:2 * n]
        if found := {i for i in range(n) if tags[i] in wanted}:
            names[pid] = found
        if found := {i for i in range(n) if tags[i] in adjective}:
            adjs[pid] = found
    out = set()
    for word, (pid, idx) in d.words.iteritems(""):
        if idx in names.get(pid, ()) or (idx in adjs.get(pid, ()) and word.endswith(_ADJ_ENDINGS)):
            out.add(word)
    return frozenset(out)


def cache_dir() -> Path:
    env = os.environ.get("TRANSLIT_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "translit"


def _cache_path() -> Path:
    try:
        from importlib.metadata import version

        dicts = version("pymorphy3-dicts-ru")
    except Exception:  # noqa: BLE001 - an unusual install: name the cache by the model alone
        dicts = "unknown"
    return cache_dir() / f"namemodel-v{VERSION}-o{ORDER}-{dicts}.pickle"


def build() -> tuple[NameModel, float]:
    """A model from the dictionary, and the seconds building it took."""
    start = time.perf_counter()
    model = NameModel(lexicon_words())
    return model, time.perf_counter() - start


def cached(path: Path, make, valid):
    """The object pickled at `path` if `valid(obj)`; else `make()`, pickled there for the next process
    (written to a temporary file and renamed, so that readers never see half a file; a cache directory that
    cannot be written only means making it again next time)."""
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
        if valid(found):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, ImportError, IndexError):
        pass  # no cache yet, or a damaged one
    found = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(found, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return found


@lru_cache(maxsize=1)
def name_model() -> NameModel:
    """The model, from the cache when there is one; built (and cached) otherwise."""
    return cached(_cache_path(), lambda: build()[0], lambda m: isinstance(m, NameModel) and m.order == ORDER)
