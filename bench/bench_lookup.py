"""The authority as a database, at 10k / 100k / 1M persons (bench/synth_authority.py): building it, a fresh
process's first answer, lookup latency with cold caches (queries not seen before, a third damaged by one
typo or OCR slip, a third of persons the authority does not have), one edit and its visibility in
another open authority, worker memory; beside rapidfuzz brute force (`process.extractOne` over every
name) and an SQLite FTS5 trigram index over the same names, with the same queries, in the same run.

    .venv/bin/python bench/bench_lookup.py --persons 100000 [--queries 600]

Writes bench/results/authority-<N>.json and prints bench/results/authority.md (every size measured).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process
from unidecode import unidecode

sys.path.insert(0, str(Path(__file__).parent))
import translit  # noqa: E402
from synth_authority import synth_persons, write_db  # noqa: E402
from translit import editing  # noqa: E402
from translit.authority import Authority  # noqa: E402
from translit.lookup import Lookup  # noqa: E402
from translit.store import Store  # noqa: E402

RESULTS = Path(__file__).parent / "results"
RU_SCHEMES = ("ru-bgn", "ru-de", "ru-fr", "ru-alalc-plain")
OCR = {"i": "l", "l": "i", "e": "c", "c": "e", "o": "c", "n": "u", "u": "n", "m": "rn", "t": "f", "a": "o"}


def spell(rng: random.Random, p: dict) -> tuple[str, str]:
    """A query for a person as a user types it (not the stored form): (query, the family name typed)."""
    if p["lang"] == "ru":
        scheme = rng.choice(RU_SCHEMES)
        fam = translit.transliterate(p["family"], scheme)
        return f"{translit.transliterate(p['given'], scheme)} {fam}", fam
    if p["lang"] == "hu":
        return rng.choice((f"{p['given']} {p['family']}", unidecode(p["native"]))), p["family"]
    return rng.choice((unidecode(p["native"]), p["native"])), p["family"]


def damage(rng: random.Random, query: str, family: str) -> str:
    """One typo or OCR slip in the family name (a letter confused, dropped or doubled)."""
    word = next((w for w in query.split() if unidecode(w).lower() == unidecode(family).lower()), query.split()[-1])
    i = rng.randrange(1, len(word) - 1)
    c = word[i]
    how = rng.choice(("ocr", "drop", "double"))
    if how == "ocr" and c.lower() in OCR:
        new = word[:i] + OCR[c.lower()] + word[i + 1:]
    elif how == "drop":
        new = word[:i] + word[i + 1:]
    else:
        new = word[:i] + c + word[i:]
    return query.replace(word, new, 1)


def make_queries(n_persons: int, n: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    known = list(synth_persons(n_persons))
    taken = {p["family"] for p in known}
    unknown = list(synth_persons(n // 3 + 1, seed=99, taken=taken))
    out = []
    for i in range(n):
        p = unknown[i // 3] if i % 3 == 1 else rng.choice(known)
        q, fam = spell(rng, p)
        damaged = i % 3 == 2 or (i % 6 == 1)  # a third damaged, among known and unknown persons alike
        if damaged and len(fam) >= 6:
            q = damage(rng, q, fam)
        out.append({"q": q, "name": (p["family"], p["given"]), "known": i % 3 != 1, "damaged": damaged})
    return out


def pct(xs: list[float], p: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[p - 1] if len(xs) > 1 else xs[0]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_translit(db: Path, queries: list[dict]) -> dict:
    out: dict = {}
    t = time.perf_counter()
    opened = Lookup(Authority(None, store=Store(db)))
    assert opened.index.restored
    out["open_persisted_s"] = time.perf_counter() - t
    del opened
    t = time.perf_counter()
    store = Store(db)
    authority = Authority(None, store=store, persisted=False)
    out["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    lk = Lookup(authority)
    index = lk.index
    out["index_build_s"] = time.perf_counter() - t
    out["index_keys"] = len(index.words)
    out["rss_mib"] = rss_mib()
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lat: dict[str, list[float]] = {"clean": [], "damaged": []}
    right = {"known": 0, "known_n": 0, "unknown_silent": 0, "unknown_n": 0}
    for item in queries:
        index.cache.clear()  # cold: no word of the query explained before
        index.grouped.clear()
        t = time.perf_counter()
        r = lk.lookup(item["q"])
        lat["damaged" if item["damaged"] else "clean"].append((time.perf_counter() - t) * 1000)
        if item["known"]:
            right["known_n"] += 1
            right["known"] += bool(r.best and (r.best.person.family, r.best.person.given) == tuple(item["name"]))
        else:
            right["unknown_n"] += 1
            right["unknown_silent"] += r.best is None
    for kind, xs in lat.items():
        out[f"lookup_{kind}_p50_ms"], out[f"lookup_{kind}_p95_ms"] = pct(xs, 50), pct(xs, 95)
    out["right_known"] = right["known"] / right["known_n"]
    out["silent_unknown"] = right["unknown_silent"] / right["unknown_n"]
    # one edit here, and the same edit seen by another open authority (another worker) at its next lookup
    other = Lookup(Authority(None, store=Store(db), persisted=False)) if len(authority) <= 200_000 else None
    if other is not None:
        _ = other.index
    pids = [p.id for p in list(authority)[:: max(1, len(authority) // 40)]][:40]
    edit_ms, seen_ms = [], []
    for i, pid in enumerate(pids):
        t = time.perf_counter()
        editing.add_variant(authority, store, pid, f"Zqxvariant{i}", "spelling", "bench")
        edit_ms.append((time.perf_counter() - t) * 1000)
        if other is not None:
            t = time.perf_counter()
            r = other.lookup(f"Zqxvariant{i}")
            seen_ms.append((time.perf_counter() - t) * 1000)
            assert r.best and r.best.person.id == pid, (pid, r.best)
    t = time.perf_counter()
    _ = lk.index  # this process's own index, updated after the last edit
    out["index_update_ms"] = (time.perf_counter() - t) * 1000
    out["edit_p50_ms"], out["edit_p95_ms"] = pct(edit_ms, 50), pct(edit_ms, 95)
    if seen_ms:
        out["seen_by_other_p50_ms"], out["seen_by_other_p95_ms"] = pct(seen_ms, 50), pct(seen_ms, 95)
    out["_names"] = [(p.native, unidecode(p.native)) for p in authority]
    return out


def bench_first_answer(db: Path, query: str) -> float:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "translit", "--db", str(db), "lookup", query],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr  # 1: no answer
    return time.perf_counter() - t


def bench_peers(names: list[tuple[str, str]], queries: list[dict], n_brute: int) -> dict:
    out: dict = {}
    choices = [form for pair in names for form in dict.fromkeys(pair)]
    lat = {"clean": [], "damaged": []}
    for item in queries[:n_brute]:
        t = time.perf_counter()
        process.extractOne(item["q"], choices, scorer=fuzz.WRatio)
        lat["damaged" if item["damaged"] else "clean"].append((time.perf_counter() - t) * 1000)
    for kind, xs in lat.items():
        out[f"rapidfuzz_{kind}_p95_ms"] = pct(xs, 95)
    conn = sqlite3.connect(":memory:")
    t = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE names USING fts5(name, tokenize='trigram')")
    conn.executemany("INSERT INTO names (name) VALUES (?)", ((c,) for c in choices))
    out["fts5_build_s"] = time.perf_counter() - t
    lat = {"clean": [], "damaged": []}
    for item in queries:
        q = unidecode(item["q"]).lower()
        grams = {q[i:i + 3] for i in range(len(q) - 2) if '"' not in q[i:i + 3]}
        expr = " OR ".join(f'"{g}"' for g in grams) or '""'
        t = time.perf_counter()
        conn.execute("SELECT rowid FROM names WHERE names MATCH ? ORDER BY rank LIMIT 5", (expr,)).fetchall()
        lat["damaged" if item["damaged"] else "clean"].append((time.perf_counter() - t) * 1000)
    for kind, xs in lat.items():
        out[f"fts5_{kind}_p95_ms"] = pct(xs, 95)
    return out


def report() -> str:
    runs = sorted((json.loads(p.read_text()) for p in RESULTS.glob("authority-*.json")), key=lambda r: r["persons"])
    rows = [
        ("distinct family names", "distinct_family_names", "{:,.0f}"),
        ("build: write the database (s)", "write_s", "{:.1f}"),
        ("build: load persons from the database in a process (s)", "load_s", "{:.2f}"),
        ("build: lookup index (s)", "index_build_s", "{:.1f}"),
        ("index keys", "index_keys", "{:,.0f}"),
        ("fresh process, first answer, no saved index (CLI, s)", "first_answer_s", "{:.1f}"),
        ("fresh process, first answer, saved index (CLI, s)", "first_answer_persisted_s", "{:.2f}"),
        ("open the saved persons and index in a process (s)", "open_persisted_s", "{:.2f}"),
        ("worker RSS after build (MiB)", "rss_mib", "{:.0f}"),
        ("lookup clean p50 / p95 (ms)", ("lookup_clean_p50_ms", "lookup_clean_p95_ms"), "{:.2f}"),
        ("lookup damaged p50 / p95 (ms)", ("lookup_damaged_p50_ms", "lookup_damaged_p95_ms"), "{:.2f}"),
        ("known persons: the right name", "right_known", "{:.3f}"),
        ("unknown persons: no answer", "silent_unknown", "{:.3f}"),
        ("one edit p50 / p95 (ms)", ("edit_p50_ms", "edit_p95_ms"), "{:.1f}"),
        ("seen by another open authority p50 / p95 (ms)", ("seen_by_other_p50_ms", "seen_by_other_p95_ms"), "{:.1f}"),
        ("rapidfuzz extractOne brute force clean / damaged p95 (ms)", ("rapidfuzz_clean_p95_ms",
                                                                        "rapidfuzz_damaged_p95_ms"), "{:.0f}"),
        ("FTS5 trigram (OR of trigrams, bm25) clean / damaged p95 (ms)", ("fts5_clean_p95_ms", "fts5_damaged_p95_ms"),
         "{:.1f}"),
        ("FTS5 trigram index build (s)", "fts5_build_s", "{:.1f}"),
    ]
    lines = ["| | " + " | ".join(f"{r['persons']:,} persons" for r in runs) + " |",
             "|---|" + "---:|" * len(runs)]
    for label, key, fmt in rows:
        cells = []
        for r in runs:
            keys = key if isinstance(key, tuple) else (key,)
            cells.append(" / ".join(fmt.format(r[k]) for k in keys) if all(k in r for k in keys) else "–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--brute", type=int, default=60, help="queries for the brute-force scan (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "authority.sqlite3"
        result = {"persons": args.persons, "queries": args.queries, **write_db(db, args.persons)}
        queries = make_queries(args.persons, args.queries)
        result["first_answer_s"] = bench_first_answer(db, queries[0]["q"])  # builds the index, saves it
        result["first_answer_persisted_s"] = bench_first_answer(db, queries[1]["q"])  # opens it
        got = bench_translit(db, queries)
        names = got.pop("_names")
        result.update(got)
        result.update(bench_peers(names, queries, args.brute))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"authority-{args.persons}.json").write_text(json.dumps(result, indent=1) + "\n")
    table = report()
    (RESULTS / "authority.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
