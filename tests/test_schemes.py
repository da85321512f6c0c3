"""Every sample of every scheme is a test; the list of schemes is pinned."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from translit.loader import Tables
from translit.schemes import SchemeSet

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = SchemeSet(ROOT / "tables" / "schemes")

EXPECTED_IDS = {
    "ru-alalc", "ru-alalc-plain", "ru-bgn", "ru-iso9", "ru-scholarly", "ru-icao", "ru-wikipedia",
    "ru-de", "ru-fr", "ru-hu", "ru-sh", "ru-pl", "ru-pl-pwn", "ru-cs",
    "sr-cyrl-latn", "sr-latn-cyrl", "hu-ru", "hu-sh", "sh-ru", "sh-hu",
}


def test_scheme_list_is_pinned():
    assert set(SCHEMES.ids()) == EXPECTED_IDS


@pytest.mark.parametrize(
    ("scheme_id", "source", "expected"),
    [(s.id, x.source, x.expected) for s in SCHEMES for x in s.samples],
    ids=[f"{s.id}:{x.source[:30]}" for s in SCHEMES for x in s.samples],
)
def test_sample(scheme_id, source, expected):
    assert SCHEMES[scheme_id].transliterate(source) == expected


@pytest.mark.parametrize("scheme", list(SCHEMES), ids=lambda s: s.id)
def test_every_scheme_has_caps_title_and_nfd_samples(scheme):
    sources = [x.source for x in scheme.samples]
    assert len(sources) >= 5
    assert any(s.isupper() and len(s) > 3 for s in sources), "an ALL-CAPS sample"
    assert any(s[:1].isupper() and not s.isupper() for s in sources), "a Title Case sample"
    assert any(not unicodedata.is_normalized("NFC", s) for s in sources), "a decomposed (NFD) sample"


@pytest.mark.parametrize("scheme", list(SCHEMES), ids=lambda s: s.id)
def test_scheme_metadata(scheme):
    assert scheme.name and scheme.standard and scheme.source and scheme.target
    assert Path(scheme.path).stem == scheme.id


def test_nfd_equals_nfc_everywhere():
    for scheme in SCHEMES:
        for x in scheme.samples:
            nfd = unicodedata.normalize("NFD", x.source)
            assert scheme.transliterate(nfd) == scheme.transliterate(x.source)


def test_serbian_round_trip_is_identity():
    to_lat, to_cyr = SCHEMES["sr-cyrl-latn"], SCHEMES["sr-latn-cyrl"]
    for text in ["Мићуновић", "ЉУБИША ЊЕГОШ", "Џаковица и Ђурђевдан", "Вукмановић-Темпо", "Кардељ"]:
        assert to_cyr(to_lat(text)) == text


def test_unknown_scheme_names_the_known_ones():
    from translit.errors import UnknownSchemeError

    with pytest.raises(UnknownSchemeError) as err:
        SCHEMES["ru-klingon"]
    assert "ru-alalc" in str(err.value)


def test_bad_scheme_file_names_file(tmp_path):
    from translit.errors import TableError

    (tmp_path / "schemes").mkdir()
    (tmp_path / "schemes" / "x.toml").write_text('id = "x"\nname = "X"\n[map\n', encoding="utf-8")
    with pytest.raises(TableError) as err:
        Tables(tmp_path)
    assert "x.toml" in str(err.value)


def test_rule_with_capturing_group_is_refused(tmp_path):
    from translit.errors import TableError
    from translit.schemes import load_scheme

    p = tmp_path / "y.toml"
    p.write_text('id = "y"\nname = "Y"\nstandard = "s"\nsource = "ru-Cyrl"\ntarget = "Latn"\n'
                 '[[rule]]\nmatch = "(а)"\nto = "a"\n', encoding="utf-8")
    with pytest.raises(TableError, match="capturing"):
        load_scheme(p)


@pytest.mark.parametrize("scheme", list(SCHEMES), ids=lambda s: s.id)
def test_long_text_path_equals_whole_text(scheme):
    """Long texts go word by word through a cache; the result must be that of the whole-text engine."""
    parts = [s.source for s in scheme.samples]
    text = "\n".join(f"{a}, {b}; ({c}) — «{a}-{b}» {c.upper()}’s" for a, b, c in zip(parts, parts[1:], parts[2:], strict=False))
    text = (text + "\n") * 3
    assert len(text) > 256
    assert scheme.transliterate(text) == scheme._whole(unicodedata.normalize("NFC", text))


@pytest.mark.parametrize("scheme_id", sorted(EXPECTED_IDS))
def test_a_list_of_names_in_one_pass_equals_one_by_one(scheme_id):
    """A list whose capitals all start words goes through the case-sensitive engine in one pass
    (transliterate_many); the answers are those of a call per name."""
    scheme = SCHEMES[scheme_id]
    names = [unicodedata.normalize("NFC", s.source).lower().title() for s in scheme.samples]
    engine = scheme._cased
    if engine is not None:
        names = [n for n in names if not engine[2].search(n)]
        assert len(names) >= 3 and not engine[2].search("\n".join(names))
    expected = [scheme.transliterate(n) for n in names]
    scheme.forget()
    assert scheme.transliterate_many(names * 3) == expected * 3


REVERSE_SAMPLES = [(s.id, x.source, x.expected) for s in SCHEMES for x in s.reverse_samples]


@pytest.mark.parametrize(("scheme_id", "latin", "cyrillic"), REVERSE_SAMPLES,
                         ids=[f"{c[0]}:{c[1][:30]}" for c in REVERSE_SAMPLES])
def test_reverse_sample(scheme_id, latin, cyrillic):
    """Every [[reverse_sample]] (a published form and its native form) is read back first, and the
    scheme it belongs to is among the practices named for it."""
    import translit

    cands = translit.reverse(latin)
    assert cands[0][0] == cyrillic, cands[:3]
    assert scheme_id in cands[0][2] or scheme_id in [s for s, _ in translit.identify(latin)[:3]], cands[0]


def test_reverse_table_of_a_scheme_is_checked(tmp_path):
    from translit.errors import TableError
    from translit.schemes import load_scheme

    head = 'id = "z"\nname = "Z"\nstandard = "s"\nsource = "ru-Cyrl"\ntarget = "Latn"\n'
    p = tmp_path / "z.toml"
    p.write_text(head + '[reverse]\n"sh" = 3\n', encoding="utf-8")
    with pytest.raises(TableError, match="reverse value for 'sh'"):
        load_scheme(p)
    p.write_text(head + '[[reverse_sample]]\nin = "Breshnew"\n', encoding="utf-8")
    with pytest.raises(TableError, match="reverse_sample"):
        load_scheme(p)
    p.write_text(head + '[reverse]\n"SH" = ["ж", "щ"]\n', encoding="utf-8")
    assert load_scheme(p).reverse == {"sh": ["ж", "щ"]}
