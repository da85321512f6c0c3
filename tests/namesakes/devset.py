"""The namesake development set: short texts written from facts (tests/namesakes/*.txt), scored.

A text marks each mention as [[surface|person-id]]; [[surface|?]] is a mention that fits two persons
about equally and must not be linked (an ambiguous mark is right, a link is wrong). Any other link the
normalizer makes is a false positive. Scored with the shipped tables plus the namesakes of
tests/namesakes/persons.toml (Nagy Ferenc, Horváth Márton, ...):

    .venv/bin/python tests/namesakes/devset.py      # P, R and the errors, per text and overall
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_MARK = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")


def parse(marked: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The plain text and its gold mentions (start, end, surface, id or '?')."""
    out, gold, pos = [], [], 0
    n = 0
    for m in _MARK.finditer(marked):
        out.append(marked[pos:m.start()])
        n += m.start() - pos
        gold.append((n, n + len(m.group(1)), m.group(1), m.group(2)))
        out.append(m.group(1))
        n += len(m.group(1))
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), gold


def make_tables(root: Path) -> Path:
    """The shipped tables with the namesakes added, in a folder of their own."""
    from translit.loader import default_tables_dir

    d = root / "tables"
    shutil.copytree(default_tables_dir(), d, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(HERE / "persons.toml", d / "persons" / "namesakes.toml")
    return d


def score(nz) -> dict:
    """Per text and overall: links right/wrong, gold found, ambiguous golds kept unlinked, errors."""
    totals = {"linked": 0, "right": 0, "gold": 0, "found": 0, "unsure": 0, "unsure_kept": 0, "errors": []}
    per = {}
    for path in sorted(HERE.glob("*.txt")):
        text, gold = parse(path.read_text(encoding="utf-8"))
        mentions = nz.find(text)
        links = [m for m in mentions if not getattr(m, "ambiguous", ())]
        t = {"linked": len(links), "right": 0, "gold": sum(g[3] != "?" for g in gold), "found": 0,
             "unsure": sum(g[3] == "?" for g in gold), "unsure_kept": 0, "errors": []}
        used = set()
        for m in links:
            hit = next((g for g in gold if g[0] < m.end and m.start < g[1] and g not in used), None)
            if hit is not None and hit[3] == m.match.pid:
                used.add(hit)
                t["right"] += 1
            else:
                t["errors"].append(f"{path.stem}: {m.surface!r} -> {m.match.pid} (gold {hit[3] if hit else 'none'})")
        t["found"] = t["right"]
        for g in gold:
            if g[3] == "?":
                if not any(g[0] < m.end and m.start < g[1] for m in links):
                    t["unsure_kept"] += 1
            elif g not in used:
                t["errors"].append(f"{path.stem}: missed {g[2]!r} ({g[3]})")
        per[path.stem] = t
        for k in ("linked", "right", "gold", "found", "unsure", "unsure_kept"):
            totals[k] += t[k]
        totals["errors"] += t["errors"]
    totals["P"] = totals["right"] / totals["linked"] if totals["linked"] else 1.0
    totals["R"] = totals["found"] / totals["gold"] if totals["gold"] else 1.0
    totals["texts"] = per
    return totals


def main() -> int:
    from translit.authority import Authority
    from translit.lookup import Lookup
    from translit.normalize import Normalizer

    with tempfile.TemporaryDirectory() as tmp:
        nz = Normalizer(Lookup(Authority(str(make_tables(Path(tmp))))))
        s = score(nz)
    for err in s["errors"]:
        print(err)
    print(f"namesakes dev set: P={s['P']:.3f} R={s['R']:.3f} links={s['linked']} gold={s['gold']} "
          f"ambiguous kept unlinked={s['unsure_kept']}/{s['unsure']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
