"""Latin -> Russian Cyrillic candidates from any romanization, ranked."""

from __future__ import annotations

import pytest

import translit


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
