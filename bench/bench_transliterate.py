"""Transliteration throughput: translit's schemes beside ICU, iuliia, cyrtranslit, anyascii, transliterate,
unidecode and a plain str.translate table, on the same Russian and Serbian text, in one run.

    .venv/bin/python bench/bench_transliterate.py [--mb 5]

Prints one Markdown table per language: MB/s (UTF-8 input bytes per second, best of 5 interleaved rounds) and the ratio to
the fastest competitor and to the str.translate floor.  Slow whole-text runs (ICU on one big string)
are measured on a 1 MB slice to keep the run bounded; the rate is what matters.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import translit
from corpus import RU_WORDS, SR_WORDS, text


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


def run(lang: str, mb: float, rounds: int = 5) -> list[tuple[str, float]]:
    """Every implementation once per round, rounds interleaved, best round kept: a burst of load on a shared
    machine then costs every implementation alike instead of whichever happened to run during it."""
    data = text(RU_WORDS if lang == "ru" else SR_WORDS, int(mb * 1e6), seed=7, lang=lang)
    slice_1mb = data[: 500_000]
    floor = floor_table("ru-alalc-plain" if lang == "ru" else "sr-cyrl-latn")
    jobs: list[tuple[str, Callable[[str], object], str, Callable[[], None] | None]] = [
        ("str.translate floor (letters only)", lambda s: s.translate(floor), data, None)]
    ids = [s.id for s in translit.get_tables().schemes if s.source == ("ru-Cyrl" if lang == "ru" else "sr-Cyrl")]
    for sid in ids:
        scheme = translit.get_tables().schemes[sid]

        def cold(scheme=scheme) -> None:  # every run starts cold: the word caches fill during the timed run
            scheme._word_cache.clear()

        jobs.append((f"translit {sid}", scheme.transliterate, data, cold))
    for name, (fn, slow) in competitors(lang).items():
        jobs.append((name, fn, slice_1mb if slow else data, None))
    best: dict[str, float] = {}
    for r in range(rounds):
        for name, fn, sample, setup in jobs:
            if r and name.endswith("whole text"):
                continue  # minutes per run; one is enough to show the order of magnitude
            best[name] = max(best.get(name, 0.0), rate(fn, sample, repeat=1, setup=setup))
    return [(name, best[name]) for name, *_ in jobs]


def report(lang: str, rows: list[tuple[str, float]]) -> None:
    floor = rows[0][1]
    others = [r for n, r in rows[1:] if not n.startswith("translit ")]
    fastest = max(others)
    ours = [r for n, r in rows if n.startswith("translit ")]
    print(f"\n### {lang}: {len(ours)} translit schemes; slowest of ours {min(ours):.1f} MB/s")
    print("| implementation | MB/s | vs fastest other | vs str.translate |")
    print("|---|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r:.2f} | {r / fastest:.2f}× | {r / floor:.2f}× |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0, help="size of each test text in MB")
    args = ap.parse_args()
    for lang in ("ru", "sr"):
        report(lang, run(lang, args.mb))


if __name__ == "__main__":
    main()
