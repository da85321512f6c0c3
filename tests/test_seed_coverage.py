"""The seed article's persons: every spelling it prints in the footnotes and the bibliography
(authors it cites, persons named only inside cited titles or archival references) finds its person.

The article is ../shared/seed/000_2505bae2a3f66b2c.txt (copyrighted, not in the repository); the
tests skip without it. Each case is (line, spelling as printed on that line, expected person id);
the line is checked too, so that a case cannot drift from the text it stands for.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

SEED = Path("seed") / "000_2505bae2a3f66b2c.txt"

# Persons the article names only outside its body text (footnotes, bibliography, title page),
# with the spellings as printed: OCR damage (Guievskii), Hungarian transcription (Jelcin),
# inverted bibliography headings (Vida, István) included.
FOOTNOTE_SPELLINGS = [
    # L5, title page
    (5, "Johanna Granville", "granville-johanna"),
    # L51, title page
    (51, "Johanna C. Granville", "granville-johanna"),
    # L59, fn 2
    (59, "Jelcin", "eltsin-boris"),
    (59, "Gyorgy Litvan", "litvan-gyorgy"),
    (59, "Ferenc A. Vali", "vali-ferenc"),
    (59, "Bill Lomax", "lomax-bill"),
    (59, "Charles Gati", "gati-charles"),
    (59, "Paul E. Zinner", "zinner-paul"),
    (59, "Paul Kecskemeti", "kecskemeti-paul"),
    # L63, fn 3
    (63, "Veselin Djuretic", "djuretic-veselin"),
    (63, "Stevan K. Pavlowitch", "pavlowitch-stevan"),
    (63, "Kosta Cavoski", "cavoski-kosta"),
    (63, "Michael Lees", "lees-michael"),
    (63, "Nora Beloff", "beloff-nora"),
    (63, "David Martin", "martin-david"),
    (63, "Churchill", "churchill-winston"),
    # L65, fn 4
    (65, "Vyacheslav Sereda", "sereda-viacheslav"),
    (65, "Janos M. Rainer", "rainer-janos"),
    # L77, fn 5
    (77, "Boro Pejcinovic", "pejcinovic-boro"),
    # L79, fn 6
    (79, "L. Beria", "beriia-lavrentii"),
    # L87, fn 9
    (87, "S. S. Satuchin", "satuchin-s"),
    # L89, fn 10
    (89, "Boris Nicolaevsky", "nikolaevskii-boris"),
    # L95, fn 11
    (95, "K. Voroshilov", "voroshilov-kliment"),
    (95, "Vukomanovic-Tempo", "vukmanovic-svetozar"),
    # L97, fn 12
    (97, "Dmitri Volkogonov", "volkogonov-dmitrii"),
    (97, "Maks", "grigulevich-iosif"),
    (97, "Joseph Romual'dovich Grigulevich", "grigulevich-iosif"),
    (97, "Leon Trotsky", "trotskii-lev"),
    # L103, fn 13
    (103, "I. Vinogradov", "vinogradov-i"),
    # L113, fn 16
    (113, "I. Zamchevskii", "zamchevskii-i"),
    (113, "Mordic", "mordic"),
    # L133, fn 21
    (133, "Gromyko", "gromyko-andrei"),
    # L135, fn 22
    (135, "V. N. Kelin", "kelin-v"),
    (135, "Lorant", "lorant"),
    (135, "Kiraly", "kiraly-istvan"),
    # L147, fn 25
    (147, "Petofi", "petofi-sandor"),
    # L165, fn 30
    (165, "Averell Harriman", "harriman-averell"),
    (165, "Townsend Hoopes", "hoopes-townsend"),
    (165, "Eisenhower", "eisenhower-dwight"),
    # L167, fn 31
    (167, "Zhou Enlai", "zhou-enlai"),
    # L179, fn 34
    (179, "V. Bakunov", "bakunov-v"),
    (179, "A. Khanov", "khanov-a"),
    # L185, fn 35
    (185, "Stevan K. Pavlowitch", "pavlowitch-stevan"),
    # L205, fn 42
    (205, "Ivan Gosnjak", "gosnjak-ivan"),
    (205, "Richard Lowenthal", "lowenthal-richard"),
    # L219, fn 48
    (219, "V. Kazimirov", "kazimirov-v"),
    (219, "Zoltán Vas", "vas-zoltan"),
    # L221, fn 49
    (221, "Revai", "revai-jozsef"),
    # L233, fn 50
    (233, "Sandor Kopacsi", "kopacsi-sandor"),
    # L241, fn 52
    (241, "Bulganin", "bulganin-nikolai"),
    # L243, fn 53
    (243, "John MacCormac", "maccormac-john"),
    # L255, fn 55
    (255, "Imre Horvath", "horvath-imre"),
    (255, "Horvath Imre", "horvath-imre"),
    # L265, fn 57
    (265, "Julia Rajk", "rajk-julia"),
    (265, "Gyorgy Lukacs", "lukacs-gyorgy"),
    (265, "Ferenc Donat", "donath-ferenc"),
    (265, "Gabor Tancos", "tanczos-gabor"),
    (265, "Sandor Haraszti", "haraszti-sandor"),
    (265, "Miklos Vasarhelyi", "vasarhelyi-miklos"),
    (265, "Gyorgy Fazekas", "fazekas-gyorgy"),
    (265, "Elie Abel", "abel-elie"),
    # L309, fn 65
    (309, "Boldoczki", "boldoczki-janos"),
    # L319, fn 67
    (319, "Beliusov", "beliusov"),
    (319, "N. S. Patolichev", "patolichev-nikolai"),
    # L337, fn 72
    (337, "Serov", "serov-ivan"),
    # L339, fn 73
    (339, "Kuziminov", "kuzminov"),
    (339, "Gaspar", "gaspar"),
    (339, "N. Pavlovskii", "pavlovskii-n"),
    # L341, fn 74
    (341, "V. Astafiev", "astafev-v"),
    (341, "I.K. Zamchevskii", "zamchevskii-i"),
    # L379, fn 84
    (379, "Hegedus", "hegedus-andras"),
    # L393, fn 87
    (393, "Aleksandr Stykalin", "stykalin-aleksandr"),
    (393, "Elena Orekhova", "orekhova-elena"),
    # L417, fn 91
    (417, "Peter Bondanella", "bondanella-peter"),
    # L437, fn 95
    (437, "Aristov", "aristov-averkii"),
    # L445, fn 96
    (445, "Mindszenty", "mindszenty-jozsef"),
    # L463, fn 100
    (463, "V. Nikolaev", "nikolaev-v"),
    (463, "Emil Bodnaras", "bodnaras-emil"),
    (463, "Gheorghe Gheorghiu-Dej", "gheorghiu-dej-gheorghe"),
    # L483, fn 106
    (483, "Istvan Bata", "bata-istvan"),
    (483, "Piros", "piros-laszlo"),
    # L499, fn 111
    (499, "V. V. Astafiev", "astafev-v"),
    (499, "V. M. Baskakov", "baskakov-v"),
    (499, "Janos Peter", "peter-janos"),
    (499, "P. S. Dedushkin", "dedushkin-p"),
    (499, "Janos Boldoczki", "boldoczki-janos"),
    # L507, fn 113
    (507, "V. K. Gulevski", "gulevskii-v"),
    (507, "Guievskii", "gulevskii-v"),
    (507, "Istvan Sebes", "sebes-istvan"),
    # L515, bibliography
    (515, "Békés, Csaba", "bekes-csaba"),
    # L517, bibliography
    (517, "Borhi, László", "borhi-laszlo"),
    # L519, bibliography
    (519, "Gati, Charles", "gati-charles"),
    # L521, bibliography
    (521, "Granville, Johanna", "granville-johanna"),
    # L523, bibliography
    (523, "Islamov, Tofik M.", "islamov-tofik"),
    # L525, bibliography
    (525, "Kiss, József", "kiss-jozsef"),
    (525, "Zoltán Ripp", "ripp-zoltan"),
    # L527, bibliography
    (527, "Kramer, Mark", "kramer-mark"),
    # L529, bibliography
    (529, "Sereda, Viacheslav", "sereda-viacheslav"),
    (529, "János M. Rainer", "rainer-janos"),
    # L531, bibliography
    (531, "Stykalin, Alexander", "stykalin-aleksandr"),
    (531, "Vyacheslav Sereda", "sereda-viacheslav"),
    # L535, bibliography
    (535, "Vida, István", "vida-istvan"),
]


@lru_cache(maxsize=1)
def _seed_lines(shared: Path) -> tuple[str, ...]:
    return tuple((shared / SEED).read_text(encoding="utf-8").split("\n"))


@pytest.mark.parametrize("line,spelling,person_id", FOOTNOTE_SPELLINGS)
def test_seed_spelling_finds_its_person(shared, lookup, line, spelling, person_id):
    assert spelling in _seed_lines(shared)[line - 1], f"{spelling!r} is not on line {line} of the seed"
    best = lookup.lookup(spelling).best
    assert best is not None, f"{spelling!r} (seed L{line}) finds nobody"
    assert best.person.id == person_id


def test_cases_are_distinct_and_ordered():
    keys = [(line, spelling) for line, spelling, _ in FOOTNOTE_SPELLINGS]
    assert len(set(keys)) == len(keys)
    assert [line for line, _ in keys] == sorted(line for line, _ in keys)
