"""Discovery on the development set of tests/discovery/: recall, precision, cluster purity, native forms.

    python bench/eval_discovery.py            # prints the figures; writes bench/results/discovery.md

A marked mention [[surface|person]] counts as found when an "id": null span overlaps it; a span counts
as right when it overlaps a marked mention. Purity: of all found mentions, the share whose cluster's
majority person is their own. Native: the share of persons whose main cluster proposes their native
form exactly. Marked persons that the authority knows (lookup finds them) are left out.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "discovery"
_MARK = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The plain text and its marked (start, end, person) spans."""
    out, gold, pos = [], [], 0
    length = 0
    for m in _MARK.finditer(marked):
        out.append(marked[pos:m.start()])
        length += m.start() - pos
        gold.append((length, length + len(m.group(1)), m.group(2)))
        out.append(m.group(1))
        length += len(m.group(1))
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), gold


def evaluate(normalizer=None, dev: Path = DEV) -> dict:
    from translit.discover import discoverer_for
    from translit.normalize import Normalizer, Report

    nz = normalizer or Normalizer()
    natives = tomllib.loads((dev / "persons.toml").read_text(encoding="utf-8"))
    known = {p for p, n in natives.items() if nz.lookup.lookup(n).best is not None}
    report = Report()
    gold_n = found_n = right = 0
    per_lang = {}
    label_of: dict[tuple[str, int], str] = {}  # (file, start) of a found span -> the person it overlaps
    t0 = time.perf_counter()
    for path in sorted(dev.glob("*.txt")):
        text, gold = parse(path.read_text(encoding="utf-8"))
        gold = [g for g in gold if g[2] not in known]
        nz.find(text, report)
        found = nz.last_found
        for f in found:
            f.cluster = f.cluster  # keys as the report holds them
        hit = [any(f.start < e and s < f.end for f in found) for s, e, _ in gold]
        ok = 0
        for f in found:
            g = next((g for g in gold if f.start < g[1] and g[0] < f.end), None)
            if g is not None:
                ok += 1
                label_of[(path.name, f.surface)] = g[2]
        gold_n += len(gold)
        found_n += len(found)
        right += ok
        per_lang[path.stem] = {"marked": len(gold), "found": sum(hit), "spans": len(found), "right": ok}
    elapsed = time.perf_counter() - t0
    d = discoverer_for(nz.lookup)
    clusters = report.clusters.resolved(d)
    pure = total = 0
    main_cluster: dict[str, tuple[int, object]] = {}
    for c in clusters:
        labels = Counter()
        for surface, n in c.mentions.items():
            for (_, s), person in label_of.items():
                if s == surface:
                    labels[person] += n
                    break
        if not labels:
            continue
        person, n = labels.most_common(1)[0]
        pure += n
        total += sum(labels.values())
        if n > main_cluster.get(person, (0, None))[0]:
            main_cluster[person] = (n, c)
    from translit.clusters import proposal

    right_native = 0
    wrong = {}
    for person, (_, c) in main_cluster.items():
        got = unicodedata.normalize("NFC", proposal(d, c)["native"])
        if got == unicodedata.normalize("NFC", natives[person]):
            right_native += 1
        else:
            wrong[person] = got
    found_gold = sum(v["found"] for v in per_lang.values())
    return {
        "recall": found_gold / gold_n if gold_n else 1.0,
        "precision": right / found_n if found_n else 1.0,
        "purity": pure / total if total else 1.0,
        "native": right_native / len(main_cluster) if main_cluster else 1.0,
        "persons": len(main_cluster), "clusters": len(clusters), "marked": gold_n, "spans": found_n,
        "per_text": per_lang, "wrong_native": wrong, "known_left_out": sorted(known), "seconds": elapsed,
    }


HELDOUT = ROOT / "tests" / "discovery_heldout"


def main() -> None:
    lines = []
    for name, dev in (("development set tests/discovery", DEV), ("held-out set tests/discovery_heldout", HELDOUT)):
        lines += _section(name, evaluate(dev=dev))
    text = "\n".join(lines) + "\n"
    print(text)
    if "--write" in sys.argv:
        (ROOT / "bench" / "results" / "discovery.md").write_text(text, encoding="utf-8")


def _section(name: str, r: dict) -> list[str]:
    lines = [
        f"## Discovery on the {name} (6 texts: en, de, hu, ru, sh, sr)", "",
        f"- marked mentions of persons the authority does not know: {r['marked']}; spans with id null: {r['spans']}",
        f"- recall {r['recall']:.3f}, precision {r['precision']:.3f}, cluster purity {r['purity']:.3f}, "
        f"native form right for {r['native']:.3f} of {r['persons']} persons ({r['clusters']} clusters)",
        "", "| text | marked | found | spans | right |", "|---|---|---|---|---|",
    ]
    for k, v in r["per_text"].items():
        lines.append(f"| {k} | {v['marked']} | {v['found']} | {v['spans']} | {v['right']} |")
    if r["wrong_native"]:
        lines += ["", "Proposed native forms that differ: " + "; ".join(f"{k}: {v}" for k, v in r["wrong_native"].items())]
    if r["known_left_out"]:
        lines += ["", "Marked persons the authority knows (left out): " + ", ".join(r["known_left_out"])]
    return lines + [""]


if __name__ == "__main__":
    main()
