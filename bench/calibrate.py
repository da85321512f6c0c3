"""Calibrating the lookup threshold: precision, recall and negatives rejected at each threshold on the public
development set (../shared/eval/lookup_dev.tsv), from one pass that keeps every best candidate's score.

    .venv/bin/python bench/calibrate.py [--set ../shared/eval/lookup_dev.tsv]
"""

from __future__ import annotations

import argparse
import csv
import unicodedata
from pathlib import Path

from translit.lookup import Lookup

ROOT = Path(__file__).resolve().parent.parent


def tokens(native: str) -> set[str]:
    out = set()
    for w in unicodedata.normalize("NFC", native).casefold().replace("ё", "е").split():
        w = w.strip(".,;:()[]\"'«»„“”")
        out.add(w)
        out.update(w.split("-"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=str(ROOT.parent / "shared" / "eval" / "lookup_dev.tsv"))
    args = ap.parse_args()
    rows = list(csv.DictReader(open(args.set, encoding="utf-8"), delimiter="\t"))
    lk = Lookup(threshold=0.0)
    scored = []
    for r in rows:
        res = lk.lookup(r["query"])
        best = res.candidates[0] if res.candidates and not lk._common_word(r["query"]) else None
        expect = r["expect"]
        ok = None
        if best is not None and expect != "-":
            want = unicodedata.normalize("NFC", expect).casefold().replace("ё", "е").split()
            ok = all(t in tokens(best.person.native) for t in want)
        scored.append((expect, best.score if best else -1.0, ok))
    pos = sum(1 for e, _, _ in scored if e != "-")
    neg = len(scored) - pos
    print("| threshold | P | R | neg |")
    print("|---:|---:|---:|---:|")
    for t in [x / 100 for x in range(50, 100, 2)]:
        answered = [(e, ok) for e, s, ok in scored if s >= t]
        right = sum(1 for e, ok in answered if e != "-" and ok)
        p = right / len(answered) if answered else 1.0
        rejected = sum(1 for e, s, _ in scored if e == "-" and s < t)
        print(f"| {t:.2f} | {p:.3f} | {right / pos:.3f} | {rejected / neg:.3f} |")


if __name__ == "__main__":
    main()
