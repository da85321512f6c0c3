"""Lookup at scale: a synthetic table of N persons (default 100,000), index build time, memory, and lookup
latency p50/p95 in-process, beside a brute-force rapidfuzz scan (process.extractOne, WRatio) over the same
table's spellings, measured in the same run.

    .venv/bin/python bench/bench_lookup.py [--persons 100000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import translit
from translit.authority import Authority
from translit.loader import default_tables_dir
from translit.lookup import Lookup

RU_GIVEN = "Иван Пётр Сергей Николай Алексей Михаил Юрий Андрей Дмитрий Владимир Анна Мария Ольга Нина".split()
RU_FAMILY_ROOTS = "Иван Петр Сидор Кузнец Смирн Соколов Лебед Козл Новик Морозов Волк Зайц Павл Семён Голуб Виноград "\
                  "Богдан Воробь Фёдор Михайл Беляк Тарас Комар Орл Киселёв Макар Андре Ковал Гусь Титов".split()
HU_GIVEN = "János István László József Ferenc Béla Zoltán Sándor Imre Gyula Mária Erzsébet Katalin".split()
HU_FAMILY = "Kovács Szabó Tóth Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász Lakatos Mészáros "\
            "Oláh Simon Rácz Fekete Szilágyi Török Fehér Balázs Gál Kis Szűcs Kocsis Orsós Pintér Fodor".split()
SH_GIVEN = "Milan Dragan Zoran Goran Nikola Marko Stevan Petar Jovan Ana Milica Jelena Vesna".split()
SH_FAMILY = "Petrović Jovanović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović Milošević Kovačević "\
            "Babić Knežević Lukić Popović Savić Tomić Vuković Mitrović Živković Šarić Čolić".split()
SYL = "ba be bo ra ri ko ka ma mi no ne la lo ta to va vi sa se da do ga go za zo".split()


def synth_persons(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    cyr = str.maketrans("abdegiklmnorstvz", "абдегиклмнорствз")
    for i in range(n):
        kind = i % 3
        tail = "".join(rng.choices(SYL, k=2))
        if kind == 0:
            fam = rng.choice(RU_FAMILY_ROOTS) + tail.translate(cyr) + "ов"
            given = rng.choice(RU_GIVEN)
            native, lang, order = f"{given} {fam}", "ru", "given-family"
        elif kind == 1:
            fam = rng.choice(HU_FAMILY) + tail
            given = rng.choice(HU_GIVEN)
            native, lang, order = f"{fam} {given}", "hu", "family-given"
        else:
            fam = rng.choice(SH_FAMILY)[:-3] + tail + "ić"
            given = rng.choice(SH_GIVEN)
            native, lang, order = f"{given} {fam}", "sr", "given-family"
        out.append(
            f'[[person]]\nid = "p{i}"\nnative = "{native}"\nlang = "{lang}"\nfamily = "{fam}"\ngiven = "{given}"\n'
            f'order = "{order}"\n'
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    try:
        d = tmp / "tables"
        shutil.copytree(default_tables_dir(), d, ignore=shutil.ignore_patterns("persons", "__pycache__"))
        (d / "persons").mkdir()
        (d / "persons" / "synth.toml").write_text("\n".join(synth_persons(args.persons)), encoding="utf-8")

        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        auth = Authority(str(d))
        lk = Lookup(auth)
        _ = lk.index
        build = time.perf_counter() - t
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024

        rng = random.Random(5)
        persons = list(auth)
        sample = rng.sample(persons, args.queries)
        # the queries: romanized, inflected, diacritics dropped, damaged
        queries = []
        for i, p in enumerate(sample):
            if p.lang == "ru":
                q = translit.transliterate(f"{p.given} {p.family}", ["ru-bgn", "ru-de", "ru-hu"][i % 3])
            elif p.lang == "hu":
                q = [f"{p.family}nak", p.native, f"{p.given} {p.family}"][i % 3]
            else:
                q = [translit.fold(p.native).title(), f"{p.family}u", p.native][i % 3]
            queries.append((q, p.id))

        lat, right = [], 0
        for q, pid in queries:
            t = time.perf_counter()
            r = lk.lookup(q)
            lat.append((time.perf_counter() - t) * 1000)
            right += bool(r.best and r.best.person.id == pid)

        # brute force: rapidfuzz over every native and ASCII form of every person
        from rapidfuzz import fuzz, process
        from unidecode import unidecode

        choices = []
        owners = []
        for p in persons:
            for form in {p.native, unidecode(p.native)}:
                choices.append(form)
                owners.append(p.id)
        rf_lat, rf_right = [], 0
        for q, pid in queries[: max(50, args.queries // 10)]:
            t = time.perf_counter()
            best = process.extractOne(q, choices, scorer=fuzz.WRatio)
            rf_lat.append((time.perf_counter() - t) * 1000)
            rf_right += owners[best[2]] == pid

        def pct(xs, p):
            return statistics.quantiles(xs, n=100)[p - 1]

        print(f"### lookup over {args.persons:,} synthetic persons")
        print(f"index build {build:.1f} s, memory (max RSS growth) {peak / 2**20:.0f} MiB")
        print("| method | p50 ms | p95 ms | right answers |")
        print("|---|---:|---:|---:|")
        print(f"| translit Lookup | {pct(lat, 50):.3f} | {pct(lat, 95):.3f} | {right / len(queries):.3f} |")
        print(f"| rapidfuzz extractOne WRatio (brute force) | {pct(rf_lat, 50):.1f} | {pct(rf_lat, 95):.1f} | "
              f"{rf_right / len(rf_lat):.3f} |")
        print(f"p95 ratio: brute force / translit = {pct(rf_lat, 95) / pct(lat, 95):.0f}×")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
