"""Reverse transliteration: accuracy and speed on published forms, beside ICU's BGN inverse, in one run.

    .venv/bin/python bench/bench_reverse.py [--rounds 3]

Corpora: the development set (tests/data/reverse_dev.tsv: published forms of Russian names from ten
national practices, with their native forms) and, for speed on names never seen, 2,000 three-word names
drawn from the name lexicon (given name, patronymic, surname of the pymorphy3 dictionary) and written in
each Russian scheme in turn. Every contender gets the same names. Setup is timed apart: the first build of
the name model and of the channels (no cache), and a process's start from the cache. Speeds are names per
second with empty word caches (every name's words searched), the median over rounds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "reverse_dev.tsv"


def dev_rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            published, native, scheme, kind, _ = line.split("\t")
            rows.append((published, native, scheme, kind))
    return rows


def generated(n: int, seed: int = 5) -> list[tuple[str, str, str]]:
    """(romanized, native, scheme) for n names drawn from the lexicon, each in a scheme in turn."""
    import translit
    from translit.namemodel import name_model

    words = sorted(name_model().words)
    given = [w for w in words if w.endswith(("ий", "ей", "ан", "ил", "ор", "ан", "ав", "ем", "он"))]
    patr = [w for w in words if w.endswith(("ович", "евич"))]
    surn = [w for w in words if w.endswith(("ов", "ев", "ин", "ский", "ёв"))]
    rng = random.Random(seed)
    ids = [s.id for s in translit.get_tables().schemes.from_source("ru-Cyrl") if s.target == "Latn"]
    out = []
    for k in range(n):
        native = " ".join(w.capitalize() for w in (rng.choice(given), rng.choice(patr), rng.choice(surn)))
        sid = ids[k % len(ids)]
        out.append((translit.transliterate(native, sid), native, sid))
    return out


def accuracy(names, reverse) -> tuple[float, float]:
    top1 = top3 = 0
    for published, native, *_ in names:
        cands = reverse(published)
        top1 += cands[:1] == [native]
        top3 += native in cands[:3]
    return top1 / len(names), top3 / len(names)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--generated", type=int, default=2000)
    args = ap.parse_args()
    import icu

    # -- setup: the first build (an empty cache directory), then a new process's start from the cache
    from translit import namemodel

    with tempfile.TemporaryDirectory() as cache:
        os.environ["TRANSLIT_CACHE"] = cache
        t = time.perf_counter()
        _, model_s = namemodel.build()
        import translit
        from translit import reverse_search

        namemodel.name_model.cache_clear()
        reverse_search._for_tables.cache_clear()  # noqa: SLF001
        t = time.perf_counter()
        reverse_search.reverser(translit.get_tables())
        first = time.perf_counter() - t
        namemodel.name_model.cache_clear()
        reverse_search._for_tables.cache_clear()  # noqa: SLF001
        from translit import inverse

        inverse._CHANNELS.clear()  # noqa: SLF001
        t = time.perf_counter()
        r = reverse_search.reverser(translit.get_tables())
        warm = time.perf_counter() - t
    print("### Setup")
    print(f"- name model from the dictionary: {model_s:.1f} s ({len(r.model.words):,} words, "
          f"{r.model.n_grams:,} n-grams)")
    print(f"- first reverser with an empty cache (model and {len(r.channels)} channels built and written): {first:.1f} s")
    print(f"- a new process's reverser from the cache: {warm:.2f} s")

    bgn = icu.Transliterator.createInstance("Russian-Latin/BGN", icu.UTransDirection.REVERSE)

    def ours(text: str) -> list[str]:
        return [c for c, _, _ in r.name(text, limit=3)]

    def theirs(text: str) -> list[str]:
        return [unicodedata.normalize("NFC", bgn.transliterate(text))]

    dev = dev_rows()
    gen = generated(args.generated)
    print("\n### Accuracy (top-1 / top-3)\n| corpus | names | translit | ICU Russian-Latin/BGN reversed |")
    print("|---|---:|---:|---:|")
    for label, names in [("development set, all", dev),
                         ("development set, forms following their practice", [x for x in dev if x[3] == "rule"]),
                         ("development set, published variants", [x for x in dev if x[3] == "variant"]),
                         ("development set, BGN/PCGN forms only", [x for x in dev if x[2] == "ru-bgn"]),
                         (f"{len(gen):,} generated names, all schemes", gen)]:
        a1, a3 = accuracy(names, ours)
        b1, _ = accuracy(names, theirs)
        print(f"| {label} | {len(names)} | {a1:.3f} / {a3:.3f} | {b1:.3f} / – |")

    print(f"\n### Speed (names per second, empty word caches, median of {args.rounds} rounds)")
    print("| corpus | translit | ICU BGN reversed | ratio |")
    print("|---|---:|---:|---:|")
    for label, names in [("development set", [x[0] for x in dev]), ("generated names", [x[0] for x in gen])]:
        speeds = {"ours": [], "icu": []}
        for _ in range(args.rounds):
            r._words.clear()  # noqa: SLF001
            r._extend.clear()  # noqa: SLF001
            t = time.perf_counter()
            for name in names:
                r.name(name)
            speeds["ours"].append(len(names) / (time.perf_counter() - t))
            t = time.perf_counter()
            for name in names:
                bgn.transliterate(name)
            speeds["icu"].append(len(names) / (time.perf_counter() - t))
        o, i = statistics.median(speeds["ours"]), statistics.median(speeds["icu"])
        print(f"| {label} | {o:,.0f} | {i:,.0f} | {o / i:.4f}× |")


if __name__ == "__main__":
    main()
