"""Latin -> Russian Cyrillic candidates from any romanization, ranked."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import translit
from translit import reverse_search
from translit.inverse import norm_latin


@pytest.mark.parametrize("latin,cyrillic", [
    ("Firiubin", "Фирюбин"), ("Firyubin", "Фирюбин"), ("Firjubin", "Фирюбин"),
    ("Chruschtschow", "Хрущёв"), ("Khrouchtchev", "Хрущёв"), ("Hruscsov", "Хрущёв"), ("Khrushchev", "Хрущёв"),
    ("Schukow", "Жуков"), ("Zhukov", "Жуков"), ("Breschnew", "Брежнев"), ("Gorbatschow", "Горбачёв"),
    ("Semyonov", "Семёнов"),
])
def test_best_candidate(latin, cyrillic):
    cands = translit.reverse(latin)
    assert cands[0][0] == cyrillic, cands[:3]
    assert cands[0][2], "the best candidate names the schemes that give the query back"


def test_several_candidates_best_first():
    cands = translit.reverse("Khrushchev")
    assert len(cands) > 1 and [c[1] for c in cands] == sorted((c[1] for c in cands), reverse=True)
    assert "Хрущев" in [c[0] for c in cands]  # the spelling without ё is a candidate too


def test_case_and_empty():
    assert translit.reverse("KHRUSHCHEV")[0][0] == "ХРУЩЁВ"
    assert translit.reverse("") == []


# -- the development set: published forms from national rules and their examples -------------------
DEV = Path(__file__).resolve().parent / "data" / "reverse_dev.tsv"


def _dev_rows():
    rows = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            published, native, scheme, kind, source = line.split("\t")
            assert kind in ("rule", "variant") and source, line
            rows.append((published, native, scheme, kind))
    return rows


def test_dev_set_reverse_top1_and_top3():
    rows = _dev_rows()
    assert len(rows) >= 300
    top1 = top3 = 0
    for published, native, _, _ in rows:
        cands = [c for c, _, _ in translit.reverse(published, limit=3)]
        top1 += cands[:1] == [native]
        top3 += native in cands
    assert top1 / len(rows) >= 0.80 and top3 / len(rows) >= 0.90, (top1, top3, len(rows))


def test_dev_set_transliteration_where_the_source_follows_its_practice():
    rows = [r for r in _dev_rows() if r[3] == "rule"]
    right = sum(translit.transliterate(native, scheme) == unicodedata.normalize("NFC", published)
                for published, native, scheme, _ in rows)
    assert right / len(rows) >= 0.97, (right, len(rows))


def test_dev_set_identification_names_the_practice():
    """The practice a spelling follows is among the two most probable (several practices often write a
    name alike: Boris Pasternak is German, Czech, Polish and English at once)."""
    rows = [r for r in _dev_rows() if r[3] == "rule"]
    named = 0
    for published, _, scheme, _ in rows:
        top = translit.identify(published)
        p_best = top[0][1]
        named += scheme in [s for s, p in top if p >= p_best - 1e-9] or scheme in [s for s, _ in top[:2]]
    assert named / len(rows) >= 0.85, (named, len(rows))


# -- the published cases of the issue -----------------------------------------------------------------
@pytest.mark.parametrize("latin,cyrillic,scheme", [
    ("Grigori Jewsejewitsch Sinowjew", "Григорий Евсеевич Зиновьев", "ru-de"),
    ("Felix Edmundowitsch Dserschinski", "Феликс Эдмундович Дзержинский", "ru-de"),
    ("Wladimir Iljitsch Lenin", "Владимир Ильич Ленин", "ru-de"),
    ("Władimir Iljicz Uljanow", "Владимир Ильич Ульянов", "ru-pl"),
    ("Sołowjow", "Соловьёв", "ru-pl"),
    ("Voloďa", "Володя", "ru-cs"),
    ("Nyikita Szergejevics Hruscsov", "Никита Сергеевич Хрущёв", "ru-hu"),
    ("Nagyezsda", "Надежда", "ru-hu"),
    ("Elʹt͡sin", "Ельцин", "ru-alalc"),
    ("Breshnew", "Брежнев", "ru-de"),
    ("Czernyszewskij", "Чернышевский", "ru-pl-pwn"),
    ("Vjačeslav Michajlovič Molotov", "Вячеслав Михайлович Молотов", "ru-scholarly"),
])
def test_published_forms_of_the_issue(latin, cyrillic, scheme):
    cands = translit.reverse(latin)
    assert cands[0][0] == cyrillic, cands[:3]
    assert scheme in [s for s, _ in translit.identify(latin)[:3]]


def test_the_words_of_a_name_agree_on_one_scheme():
    """Each candidate of a multi-word name is one scheme's reading of every word: the German Sinowjew is
    not read with the Polish j of another word."""
    for text in ["Grigori Jewsejewitsch Sinowjew", "Nikołaj Czernyszewskij", "Lev Nikolajevič Tolstoj"]:
        r = reverse_search.reverser(translit.get_tables())
        words = [norm_latin(w) for w in text.split()]
        for cyr, _, sids in translit.reverse(text):
            assert sids
            for sid in sids:
                per_word = [r.word(w).get(sid, []) for w in words]
                assert all(c in [x[0] for x in pw] for c, pw in zip(cyr.lower().split(), per_word, strict=True))


def test_names_of_other_origins_keep_their_candidates():
    cands = translit.reverse("Mićunović")
    assert cands[0][0] == "Мичунович" and cands[0][2] == ["sh-ru"]
    assert "Мићуновић" in [c for c, _, _ in cands]  # Serbian Cyrillic
    hungarian = [c for c, _, s in translit.reverse("Nagy Imre") if "hu-ru" in s or "ru-hu" in s]
    assert "Надь Имре" in hungarian


def test_bad_input_is_refused_clearly():
    with pytest.raises(translit.InputError):
        translit.reverse(None)  # type: ignore[arg-type]
    with pytest.raises(translit.InputError):
        translit.identify(b"Lenin")  # type: ignore[arg-type]
    assert translit.identify("") == [] and translit.reverse("   ") == []
    assert translit.reverse("Lenin 1924")[0][0] == "Ленин 1924"  # what has no letters passes through


# -- the authority's native forms, taken from the loaded authority -------------------------------------
def test_the_authoritys_native_forms_are_known_words_without_reading_files(tmp_path, monkeypatch):
    from translit import editing
    from translit.authority import Authority
    from translit.loader import Tables
    from translit.store import Store

    tables = Tables(Path(__file__).resolve().parent.parent / "tables")
    store = Store(tmp_path / "edits.sqlite3")
    authority = Authority(tables, store=store)
    # German s is з or с: the name model alone reads Sesjukow as Сезюков (or Зезюков)
    assert reverse_search.reverse_candidates("Sesjukow", authority)[0][0] != "Сесюков"
    editing.add_person(authority, store, {"id": "ru-sesyukov", "native": "Пётр Сесюков", "lang": "ru",
                                          "family": "Сесюков", "given": "Пётр"})
    monkeypatch.setattr(Tables, "person_files", lambda self: pytest.fail("table files re-read for a query"))
    cands = reverse_search.reverse_candidates("Sesjukow", authority)
    assert cands[0][0] == "Сесюков", cands[:3]  # the person the table now has
