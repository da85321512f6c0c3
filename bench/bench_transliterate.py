"""Transliteration throughput: translit's schemes beside ICU, iuliia, cyrtranslit, anyascii, transliterate,
unidecode and a plain str.translate table, on the same Russian and Serbian text, in one run.

    .venv/bin/python bench/bench_transliterate.py [--mb 5] [--corpus repetitive|new|both]

Two corpora (each table's heading says what it holds: tokens, distinct tokens): `repetitive`, running
text drawn Zipf-wise from a 50,000-form vocabulary of news words and names (bench/corpus.py; a few
per cent of its tokens distinct), and `new`, Russian only, where almost every word is new: word forms of
the pymorphy3 dictionary used about once each, with names and words in capitals (bench/newwords.py).

Prints one Markdown table per language: MB/s (UTF-8 input bytes per second, best of 7 interleaved rounds) and,
as the median over the rounds of each run's speed over that of a str.translate run just before it, the ratio to
the floor and to the fastest competitor.  Slow whole-text runs (ICU on one big string)
are measured on a 1 MB slice to keep the run bounded; the rate is what matters.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import translit
from corpus import RU_WORDS, SR_WORDS, text, vocabulary


def rate(fn: Callable[[str], object], data: str, repeat: int = 3, setup: Callable[[], None] | None = None) -> float:
    """MB/s of `fn` on `data`, best of `repeat` runs; `setup` runs before each (untimed)."""
    size = len(data.encode("utf-8")) / 1e6
    best = float("inf")
    for _ in range(repeat):
        if setup:
            setup()
        t = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - t)
    return size / best


def per_line(f: Callable[[str], str]) -> Callable[[str], str]:
    return lambda s: "".join(f(line) for line in s.splitlines(keepends=True))


def per_word(f: Callable[[str], str]) -> Callable[[str], str]:
    return lambda s: " ".join(f(w) for w in s.split(" "))


def floor_table(scheme_id: str) -> dict[int, str]:
    """The best Python can do: one str.translate with the scheme's letters (no context, no case rules)."""
    s = translit.get_tables().schemes[scheme_id]
    table = {}
    for k, v in s.mapping.items():
        if len(k) == 1:
            table[ord(k)] = v
            table[ord(k.upper())] = v[:1].upper() + v[1:]
    return table


def competitors(lang: str) -> dict[str, tuple[Callable[[str], str], bool]]:
    """name -> (function, slow-on-whole-text)."""
    out: dict[str, tuple[Callable[[str], str], bool]] = {}
    import icu

    icu_id = "Russian-Latin/BGN" if lang == "ru" else "Serbian-Latin/BGN"
    tr = icu.Transliterator.createInstance(icu_id)
    out[f"ICU {icu_id}, whole text"] = (tr.transliterate, True)
    out[f"ICU {icu_id}, per line"] = (per_line(tr.transliterate), False)
    out[f"ICU {icu_id}, per word"] = (per_word(tr.transliterate), False)
    if lang == "ru":
        import iuliia

        out["iuliia BGN_PCGN"] = (iuliia.BGN_PCGN.translate, False)
    import cyrtranslit

    out[f"cyrtranslit {lang}"] = (lambda s: cyrtranslit.to_latin(s, lang), False)
    from anyascii import anyascii

    out["anyascii"] = (anyascii, False)
    from transliterate import translit as tr2

    out[f"transliterate {lang}"] = (lambda s: tr2(s, lang, reversed=True), False)
    from unidecode import unidecode

    out["unidecode"] = (unidecode, False)
    return out


def run(lang: str, mb: float, rounds: int = 7, corpus: str = "repetitive") -> list[tuple[str, float, float]]:
    """Every implementation once per round, rounds interleaved, each run right after a run of the
    str.translate floor on the same text.  Returns (name, best MB/s, median over rounds of the floor's
    time over this run's time): on a shared machine whose speed drifts from second to second, a ratio
    to a neighbour in time is steadier than two bests taken at different moments."""
    if corpus == "new":
        from newwords import new_word_text

        data = new_word_text(int(mb * 1e6))
    else:
        data = text(RU_WORDS if lang == "ru" else SR_WORDS, int(mb * 1e6), seed=7, lang=lang)
    tokens = data.split()
    print(f"\n{lang}, {corpus} corpus: {len(data.encode('utf-8')) / 1e6:.1f} MB, {len(tokens):,} tokens, "
          f"{len(set(tokens)):,} distinct ({len(set(tokens)) / len(tokens):.0%})", flush=True)
    slice_1mb = data[: 500_000]
    floor = floor_table("ru-alalc-plain" if lang == "ru" else "sr-cyrl-latn")
    floor_fn = lambda s: s.translate(floor)  # noqa: E731
    listed = [chr(c) for c in range(max(floor) + 1)]  # the same table as a list indexed by code point
    for c, v in floor.items():
        listed[c] = v
    jobs: list[tuple[str, Callable[[str], object], str, Callable[[], None] | None]] = [
        ("str.translate floor (letters only)", floor_fn, data, None),
        ("str.translate, the same table as a list", lambda s: s.translate(listed), data, None)]
    ids = [s.id for s in translit.get_tables().schemes if s.source == ("ru-Cyrl" if lang == "ru" else "sr-Cyrl")]
    for sid in ids:
        scheme = translit.get_tables().schemes[sid]
        # every run starts cold: the word cache fills during the timed run
        jobs.append((f"translit {sid}", scheme.transliterate, data, scheme.forget))
    for name, (fn, slow) in competitors(lang).items():
        jobs.append((name, fn, slice_1mb if slow else data, None))
    best: dict[str, float] = {}
    ratios: dict[str, list[float]] = {name: [] for name, *_ in jobs}
    for r in range(rounds):
        for name, fn, sample, setup in jobs:
            if r and name.endswith("whole text"):
                continue  # minutes per run; one is enough to show the order of magnitude
            floor_rate = rate(floor_fn, sample, repeat=1)
            mbps = rate(fn, sample, repeat=1, setup=setup)
            best[name] = max(best.get(name, 0.0), mbps)
            ratios[name].append(mbps / floor_rate)
    return [(name, best[name], statistics.median(ratios[name])) for name, *_ in jobs]


def report(lang: str, rows: list[tuple[str, float, float]], corpus: str = "repetitive") -> None:
    others = [(n, q) for n, _, q in rows if not n.startswith(("translit ", "str.translate"))]
    fastest_name, fastest = max(others, key=lambda x: x[1])
    ours = [q for n, _, q in rows if n.startswith("translit ")]
    print(f"\n### {lang}, {corpus} corpus: {len(ours)} translit schemes; slowest of ours {min(ours):.2f}× the floor, "
          f"{min(ours) / fastest:.2f}× the fastest library ({fastest_name})")
    print("| implementation | best MB/s | vs fastest other | vs str.translate |")
    print("|---|---:|---:|---:|")
    for name, r, q in rows:
        print(f"| {name} | {r:.2f} | {q / fastest:.2f}× | {q:.2f}× |")


def run_names(lang: str, n: int = 20_000, rounds: int = 5) -> None:
    """Names one call each, as a name list is transliterated: µs per name, the median over interleaved
    rounds, for new names (our caches cleared: every name's words go through the rules), for names seen
    before (the same list again; 20,000 names overflow the short-text cache, so few are found there) and
    for the new list in one call, beside the libraries and the floor."""
    vocab = vocabulary(RU_WORDS if lang == "ru" else SR_WORDS, lang, 2 * n, seed=3)
    names = [f"{a[:1].upper()}{a[1:]} {b[:1].upper()}{b[1:]}" for a, b in zip(vocab[::2], vocab[1::2], strict=True)]
    floor = floor_table("ru-alalc-plain" if lang == "ru" else "sr-cyrl-latn")

    def each(f: Callable[[str], object]) -> Callable[[list[str]], object]:
        return lambda xs: [f(x) for x in xs]

    jobs: list[tuple[str, Callable[[list[str]], object], Callable[[], None] | None]] = [
        ("str.translate floor", each(lambda s: s.translate(floor)), None)]
    for name, (fn, _) in competitors(lang).items():
        if not name.endswith(("per line", "per word")):  # a name is one line, one or two words
            jobs.append((name.replace(", whole text", ""), each(fn), None))
    ids = ["ru-bgn", "ru-de", "ru-pl", "ru-fr", "ru-sh", "ru-alalc"] if lang == "ru" else ["sr-cyrl-latn"]
    for sid in ids:
        scheme = translit.get_tables().schemes[sid]
        jobs.append((f"translit {sid}, new names", each(scheme.transliterate), scheme.forget))
        jobs.append((f"translit {sid}, names seen before", each(scheme.transliterate), None))
        jobs.append((f"translit {sid}, the new list in one call (transliterate_many)", scheme.transliterate_many,
                     scheme.forget))
    times: dict[str, list[float]] = {name: [] for name, *_ in jobs}
    for _ in range(rounds):
        for name, fn, setup in jobs:
            if setup:
                setup()
            t = time.perf_counter()
            fn(names)
            times[name].append((time.perf_counter() - t) / len(names) * 1e6)
    floor_times = times["str.translate floor"]
    print(f"\n### {lang}: {len(names):,} two-word names, one call each (µs per name, median of {rounds} rounds)")
    print("| implementation | µs per name | speed ÷ floor's (median over rounds) |")
    print("|---|---:|---:|")
    for name, *_ in jobs:
        ratio = statistics.median(f / t for f, t in zip(floor_times, times[name], strict=True))
        print(f"| {name} | {statistics.median(times[name]):.1f} | {ratio:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0, help="size of each test text in MB")
    ap.add_argument("--corpus", choices=["repetitive", "new", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--no-names", action="store_true", help="leave out the names one call each")
    args = ap.parse_args()
    for corpus in (["repetitive", "new"] if args.corpus == "both" else [args.corpus]):
        for lang in ("ru", "sr") if corpus == "repetitive" else ("ru",):
            report(lang, run(lang, args.mb, args.rounds, corpus), corpus)
    if not args.no_names:
        for lang in ("ru", "sr"):
            run_names(lang)


if __name__ == "__main__":
    main()
