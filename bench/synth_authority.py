"""A synthetic authority of N persons written into a translit database, with name distributions like
real ones: given names from short lists with a Zipf law, family names from a Pitman-Yor process, so that
a quarter of the persons share a few dozen common ones (many Kovácses, Popovs, Ivanovs: Zipf over the
roots) and the rest keep bringing new ones as N grows (distinct family names grow like N^0.7: about
5,000 at 10k, 26,000 at 100k, 130,000 at 1M, never exhausted).

    .venv/bin/python bench/synth_authority.py --persons 100000 --db /tmp/synth.sqlite3
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from translit.model import Person
from translit.store import Store

GIVEN = {
    "ru": "Иван Пётр Сергей Николай Алексей Михаил Юрий Андрей Дмитрий Владимир Александр Борис Виктор Геннадий "
          "Григорий Евгений Леонид Олег Павел Роман Степан Фёдор Яков Анатолий Вадим Глеб Кирилл Лев Матвей "
          "Анна Мария Ольга Нина Елена Татьяна Наталья Ирина Светлана Галина Людмила Вера Зоя".split(),
    "hu": "János István László József Ferenc Béla Zoltán Sándor Imre Gyula Mihály Károly Antal Lajos Gábor "
          "Tibor Attila Péter Géza Dezső Ernő Jenő Miklós Pál Mária Erzsébet Katalin Ilona Éva Anna Zsuzsanna "
          "Margit Judit Ágnes Klára".split(),
    "sr": "Milan Dragan Zoran Goran Nikola Marko Stevan Petar Jovan Dušan Miloš Vladimir Aleksandar Bogdan "
          "Branko Đorđe Živko Radovan Slobodan Vojislav Ana Milica Jelena Vesna Dragana Mirjana Snežana Ljiljana "
          "Gordana Zorica".split(),
}
ROOTS = {
    "ru": "Иван Петр Сидор Кузнец Смирн Соколов Лебед Козл Новик Морозов Волк Зайц Павл Семён Голуб Виноград "
          "Богдан Воробь Фёдор Михайл Беляк Тарас Комар Орл Киселёв Макар Андре Ковал Гусь Титов Жук Щук Чер "
          "Шапош Медвед Гром Дуб Берёз Калин".split(),
    "hu": "Kovács Szabó Tóth Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász Lakatos Mészáros "
          "Oláh Simon Rácz Fekete Szilágyi Török Fehér Balázs Gál Kis Szűcs Kocsis Pintér Fodor Vörös Sipos "
          "Bodnár Bíró Halász Szalai Lengyel Major Hegedűs Bálint".split(),
    "sr": "Petr Jovan Nikol Mark Đorđ Stojan Il Stank Pavl Miloš Kovač Bab Knež Luk Pop Sav Tom Vuk Mitr Živk "
          "Šar Čol Obrad Radov Vasilj Mil Dragaš Bogdan Stev Đur Lazar Ran Simon Filip Ned".split(),
}
SYL = {
    "ru": "ба бе бо ра ри ко ка ма ми но не ла ло та то ва ви са се да до га го за зо пу ру лу ту ду жи ши чу".split(),
    "hu": "ba be bo ra ri ko ka ma mi no ne la lo ta to va vi sa se da do ga go za zo pu ru lu tu du".split(),
    "sr": "ba be bo ra ri ko ka ma mi no ne la lo ta to va vi sa se da do ga go za zo pu ru lu tu du".split(),
}
SUFFIX = {"ru": ["ов", "ев", "ин", "ский", "енко"], "hu": ["", "i", "y", "s"], "sr": ["ić", "ović", "ević"]}
LANGS = (("ru", 0.4), ("hu", 0.3), ("sr", 0.3))
COMMON = 0.25  # the share of persons with one of the common family names (Zipf over ROOTS)
DISCOUNT, THETA = 0.7, 300.0  # Pitman-Yor: distinct family names grow like N ** DISCOUNT


class FamilyNames:
    """Family names of one language: mostly the known ones (by frequency), sometimes a new one."""

    def __init__(self, lang: str, rng: random.Random, taken: set[str]):
        self.lang, self.rng, self.taken = lang, rng, taken
        self.draws: list[str] = []  # every name as often as it was drawn (a draw from it is by frequency)
        self.distinct = 0

    def new(self) -> str:
        rng, lang = self.rng, self.lang
        for k in range(1, 12):
            tail = "".join(rng.choices(SYL[lang], k=rng.choice((1, 1, 2, 2, 3)) + k // 4))
            name = rng.choice(ROOTS[lang]) + tail + rng.choice(SUFFIX[lang])
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise RuntimeError("no new family name found")

    def draw(self) -> str:
        if self.rng.random() < COMMON:  # Nagy, Kovács, Иванов, Petrović: thousands of namesakes
            root = _zipf(self.rng, ROOTS[self.lang])
            return root + ("" if self.lang == "hu" else SUFFIX[self.lang][0])
        n = len(self.draws)
        if n == 0 or self.rng.random() < (THETA + DISCOUNT * self.distinct) / (n + THETA):
            name = self.new()
            self.distinct += 1
        else:
            name = self.draws[self.rng.randrange(n)]
        self.draws.append(name)
        return name


def _zipf(rng: random.Random, names: list[str]) -> str:
    weights = [1 / (r + 1) for r in range(len(names))]
    return rng.choices(names, weights)[0]


def synth_persons(n: int, seed: int = 11, taken: set[str] | None = None):
    """N person records (dicts in the tables format), reproducible from the seed; `taken`: family names
    not to make (another authority's), and the names made are added to it."""
    rng = random.Random(seed)
    taken = set() if taken is None else taken
    families = {lang: FamilyNames(lang, rng, taken) for lang, _ in LANGS}
    langs, weights = zip(*LANGS, strict=True)
    for i in range(n):
        lang = rng.choices(langs, weights)[0]
        family = families[lang].draw()
        given = _zipf(rng, GIVEN[lang])
        if lang == "ru":
            father = _zipf(rng, GIVEN["ru"][:29])
            patronymic = father + ("ович" if father[-1] not in "йь" else "евич")
            patronymic = patronymic.replace("йевич", "евич").replace("ьевич", "евич")
            yield {"id": f"s{seed}-{i}", "native": f"{given} {patronymic} {family}", "lang": "ru",
                   "family": family, "given": given, "patronymic": patronymic}
        elif lang == "hu":
            yield {"id": f"s{seed}-{i}", "native": f"{family} {given}", "lang": "hu", "family": family,
                   "given": given, "order": "family-given"}
        else:
            yield {"id": f"s{seed}-{i}", "native": f"{given} {family}", "lang": "sr", "family": family,
                   "given": given}


def write_db(path: Path, n: int, seed: int = 11, batch: int = 5000) -> dict:
    """The persons written through the store as an importer writes them (one transaction a batch,
    each person with its audit row); returns counts and the time taken."""
    store = Store(path)
    started = time.perf_counter()
    rows = []
    families: set[str] = set()
    for data in synth_persons(n, seed):
        families.add(data["family"])
        rows.append(Person.from_dict(data, origin="store"))
        if len(rows) == batch:
            _flush(store, rows)
    _flush(store, rows)
    store.close()
    return {"persons": n, "distinct_family_names": len(families), "write_s": time.perf_counter() - started}


def _flush(store: Store, rows: list[Person]) -> None:
    with store.transaction() as conn:
        for person in rows:
            store.write_person(conn, person, None, who="synth", action="import")
    rows.clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--db", required=True)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    print(write_db(Path(args.db), args.persons, args.seed))


if __name__ == "__main__":
    main()
