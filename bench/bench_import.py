"""Import benchmark: a synthetic Wikidata dump of N human entities in the dump's real format, streamed and
imported into a fresh SQLite file by `translit import wikidata` (a real process), then imported again unchanged.

    python bench/bench_import.py --humans 100000 [--keep DIR]

The dump is one JSON array with one entity per line (gzip), as https://dumps.wikimedia.org/wikidatawiki/entities/
publishes it: labels, descriptions and aliases in 18 languages, claims with ranks, qualifiers and references
(P31, P21, P27, P569/P570 with precision, P734/P735, P214/P227/P244), sitelinks; one non-human item every
10 lines (skipped unparsed). Reports wall time, persons/s, peak RSS of the importing process, and the same for a
re-import of the unchanged dump; also the JSON parsers side by side on the dump's lines (orjson vs json).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HU_FAM = ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas", "Balogh",
          "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Simon", "Rácz", "Fekete"]
HU_GIV = ["Ferenc", "Mihály", "Zoltán", "Antal", "István", "János", "László", "Imre", "Ernő", "Gyula", "Béla",
          "Sándor", "Erzsébet", "Ilona", "Katalin", "Mária"]
RU_FAM = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
          "Петров", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов", "Голубев", "Виноградов"]
RU_GIV = ["Николай", "Иван", "Сергей", "Алексей", "Дмитрий", "Михаил", "Андрей", "Юрий", "Леонид", "Фёдор"]
RU_PAT = ["Николаевич", "Иванович", "Сергеевич", "Петрович", "Ильич", "Фёдорович"]
SH_FAM = ["Popović", "Jovanović", "Petrović", "Nikolić", "Marković", "Đorđević", "Stojanović", "Ilić", "Kovačević",
          "Hebrang", "Žujović", "Babić", "Horvat", "Kovačić", "Knežević"]
SH_GIV = ["Milan", "Andrija", "Sreten", "Dragoljub", "Milovan", "Josip", "Ivan", "Stjepan", "Vladimir", "Petar"]
LAT_CYR = str.maketrans({"č": "ч", "ć": "ћ", "đ": "ђ", "š": "ш", "ž": "ж", "a": "а", "b": "б", "v": "в", "g": "г",
                         "d": "д", "e": "е", "z": "з", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н",
                         "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф", "h": "х", "c": "ц",
                         "P": "П", "J": "Ј", "N": "Н", "M": "М", "Đ": "Ђ", "S": "С", "I": "И", "K": "К", "H": "Х",
                         "Ž": "Ж", "B": "Б", "D": "Д", "A": "А", "V": "В"})


def _snak(prop, dtype, value, vtype):
    return {"snaktype": "value", "property": prop, "hash": f"{random.getrandbits(160):040x}",
            "datavalue": {"value": value, "type": vtype}, "datatype": dtype}


def _ref():
    return [{"hash": f"{random.getrandbits(160):040x}", "snaks": {"P143": [_snak(
        "P143", "wikibase-item", {"entity-type": "item", "numeric-id": 328, "id": "Q328"}, "wikibase-entityid")]},
        "snaks-order": ["P143"]}]


def _st(qid, prop, snak, rank="normal"):
    return {"mainsnak": snak, "type": "statement", "id": f"{qid}${random.getrandbits(64):016X}", "rank": rank,
            "references": _ref()}


def _item(qid, prop, q, rank="normal"):
    return _st(qid, prop, _snak(prop, "wikibase-item", {"entity-type": "item", "numeric-id": int(q[1:]), "id": q},
                                "wikibase-entityid"), rank)


def _time(qid, prop, year, prec=11):
    return _st(qid, prop, _snak(prop, "time", {"time": f"+{year:04d}-03-14T00:00:00Z", "timezone": 0, "before": 0,
                                               "after": 0, "precision": prec,
                                               "calendarmodel": "http://www.wikidata.org/entity/Q1985727"}, "time"))


def _ext(qid, prop, value):
    return _st(qid, prop, _snak(prop, "external-id", value, "string"))


def human(n: int, rng: random.Random) -> dict:
    qid = f"Q{10_000_000 + n}"
    kind = n % 3
    born = rng.randint(1880, 1960)
    died = born + rng.randint(30, 90)
    if kind == 0:
        fam, giv = rng.choice(HU_FAM), rng.choice(HU_GIV)
        native, lang, country = f"{fam} {giv}", "hu", "Q28"
        labels = {"hu": native, "en": f"{giv} {fam}", "de": f"{giv} {fam}", "fr": f"{giv} {fam}"}
    elif kind == 1:
        fam, giv, pat = rng.choice(RU_FAM), rng.choice(RU_GIV), rng.choice(RU_PAT)
        native, lang, country = f"{giv} {pat} {fam}", "ru", "Q15180"
        labels = {"ru": native, "uk": native, "en": f"{giv} {fam}", "de": f"{giv} {fam}", "pl": f"{giv} {fam}"}
    else:
        fam, giv = rng.choice(SH_FAM), rng.choice(SH_GIV)
        native, lang, country = f"{giv} {fam}", "sh", "Q83286"
        cyr = native.translate(LAT_CYR)
        labels = {"sr": cyr, "sr-el": native, "hr": native, "sh": native, "sl": native, "en": native,
                  "ru": cyr, "de": native}
    labels = {lg: f"{v} {n}" for lg, v in labels.items()}  # every person distinct (no namesakes by chance)
    labels["ja"] = f"人物 {n}"
    claims = [_item(qid, "P31", "Q5"), _item(qid, "P21", "Q6581097"), _item(qid, "P27", country),
              _time(qid, "P569", born), _time(qid, "P570", died, 9), _item(qid, "P734", f"Q{n % 5000 + 900}"),
              _item(qid, "P735", f"Q{n % 3000 + 7000}"), _ext(qid, "P214", str(100_000 + n)),
              _ext(qid, "P227", f"{1_000_000 + n}"), _item(qid, "P106", "Q82955"), _item(qid, "P39", "Q14212")]
    if n % 7 == 0:
        claims.append(_time(qid, "P569", born + 1) | {"rank": "deprecated"})
    c: dict[str, list] = {}
    for st in claims:
        c.setdefault(st["mainsnak"]["property"], []).append(st)
    return {"type": "item", "id": qid,
            "labels": {lg: {"language": lg, "value": v} for lg, v in labels.items()},
            "descriptions": {"en": {"language": "en", "value": "politician"},
                             lang: {"language": lang, "value": "politikus"}},
            "aliases": {"en": [{"language": "en", "value": f"{giv[0]}. {fam} {n}"}]},
            "claims": c, "sitelinks": {f"{lang}wiki": {"site": f"{lang}wiki", "title": native, "badges": []}},
            "lastrevid": 2_000_000 + n}


def other(n: int) -> dict:
    qid = f"Q{90_000_000 + n}"
    return {"type": "item", "id": qid, "labels": {"en": {"language": "en", "value": f"village {n}"}},
            "descriptions": {}, "aliases": {}, "claims": {"P31": [_item(qid, "P31", "Q532")]}, "sitelinks": {}}


def make_dump(path: Path, humans: int) -> int:
    rng = random.Random(15)
    random.seed(15)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(b"[\n")
        first = True
        for n in range(humans):
            for ent in ([other(n)] if n % 9 == 0 else []) + [human(n, rng)]:
                fh.write((b"" if first else b",\n") + orjson.dumps(ent))
                first = False
        fh.write(b"\n]\n")
    return path.stat().st_size


RSS_WRAPPER = """
import resource, runpy, sys
out, sys.argv = sys.argv[1], ["translit", *sys.argv[2:]]
try:
    runpy.run_module("translit", run_name="__main__")
finally:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as fh:
        fh.write(f"{me.ru_maxrss} {kids.ru_maxrss} {me.ru_utime + me.ru_stime} {kids.ru_utime + kids.ru_stime}")
"""


def run_import(db: Path, dump: Path, tree: Path | None = None) -> tuple[float, list[float], str]:
    """`translit import wikidata DUMP` in its own process (the code and tables of checkout `tree`, if given):
    wall time, [peak RSS KiB of the writing process, of the reading one, CPU s of the writing process, of
    the reading one], its summary."""
    env = dict(os.environ, TRANSLIT_DB=str(db))
    env.pop("TRANSLIT_TABLES", None)
    if tree is not None:
        env.update(PYTHONPATH=str(tree / "src"), TRANSLIT_TABLES=str(tree / "tables"))
    rss_file = db.with_suffix(".rss")
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RSS_WRAPPER, str(rss_file), "import", "wikidata", str(dump), "--no-progress",
                           "--batch", "2000"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return wall, [float(x) for x in rss_file.read_text().split()], proc.stdout


def parsers(dump: Path, lines: int = 20000) -> dict[str, float]:
    with gzip.open(dump, "rb") as fh:
        sample = [ln.rstrip(b",\n") for _, ln in zip(range(lines), fh, strict=False) if ln.startswith(b"{")]
    out = {}
    for name, loads in (("orjson", orjson.loads), ("json", json.loads)):
        t = time.perf_counter()
        for ln in sample:
            loads(ln)
        out[name] = (time.perf_counter() - t) / len(sample) * 1e6
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--humans", type=int, default=100_000)
    ap.add_argument("--keep", default=None, help="Directory for the dump and database (default: a temporary one).")
    ap.add_argument("--baseline", default=None, help="A checkout (src/, tables/) of other code: imported the same "
                    "dump first, side by side (e.g. `git archive main src tables | tar -x -C DIR`).")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    dump, db = work / f"humans-{args.humans}.json.gz", work / f"import-{args.humans}.sqlite3"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    size = dump.stat().st_size if dump.exists() else make_dump(dump, args.humans)
    gen = time.perf_counter() - t
    with gzip.open(dump, "rb") as fh:
        raw = sum(len(b) for b in iter(lambda: fh.read(1 << 24), b""))
    base = None
    if args.baseline:
        bdb = work / f"baseline-{args.humans}.sqlite3"
        for p in (bdb, Path(f"{bdb}-wal"), Path(f"{bdb}-shm")):
            p.unlink(missing_ok=True)
        base = run_import(bdb, dump, Path(args.baseline)), run_import(bdb, dump, Path(args.baseline))
    wall, m1, out = run_import(db, dump)
    wall2, m2, out2 = run_import(db, dump)
    speeds = parsers(dump)
    print(f"dump: {args.humans} humans (+{args.humans // 9 + 1} other items), {raw / 2**20:.0f} MiB JSON, "
          f"{size / 2**20:.0f} MiB gzip (made in {gen:.0f} s)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    for what, w, m, unit in (("import", wall, m1, "persons/s"), ("re-import", wall2, m2, "records/s")):
        print(f"{what + ':':<11}{w:7.1f} s wall {args.humans / w:7.0f} {unit}; CPU writer {m[2]:.1f} s + reader "
              f"{m[3]:.1f} s ({(m[2] + m[3]) / args.humans * 1e3:.2f} ms a record); peak RSS writer "
              f"{m[0] / 1024:.0f} MiB, reader {m[1] / 1024:.0f} MiB")
    if base:
        for what, (w, m, _), now in (("import", base[0], wall), ("re-import", base[1], wall2)):
            print(f"baseline {what}: {w:.1f} s wall {args.humans / w:.0f}/s; CPU writer {m[2]:.1f} s + reader "
                  f"{m[3]:.1f} s; peak RSS writer {m[0] / 1024:.0f} MiB -> this code {w / now:.2f}x faster")
    print(f"database: {db.stat().st_size / 2**20:.0f} MiB")
    print(f"parse one entity line: orjson {speeds['orjson']:.1f} µs, json {speeds['json']:.1f} µs "
          f"({speeds['json'] / speeds['orjson']:.1f}x)")
    print("--- first import\n" + out + "--- re-import\n" + out2)


if __name__ == "__main__":
    main()
