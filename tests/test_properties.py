"""Properties that hold for every input (hypothesis): no exceptions, identities, idempotence, exact spans."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import translit
from translit.normalize import Normalizer

# text that looks like the inputs: names, Cyrillic, accents, combining marks, invisibles, punctuation
ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ áéőűöüčćšžđĐŠЧ.,;:'’-\n\t()")
    + list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯђјљњћџЂЈЉЊЋЏ")
    + ["\u0301", "\u0308", "\u200b", "\u202e", "\ufeff", "\u00ad", "ǅ", "ǈ", "ǋ"]
)
TEXT = st.one_of(st.text(ALPHABET, max_size=80), st.text(max_size=40))
WORDS = ["Hruscsovval", "Tito", "Nagy", "Imre", "Мичунович", "Khrushchev", "N.", "S.", "Kardeljem", "nagy", "Vas",
         "Брежнев", "Leonid", "Ferenc", "Walter", "Gerő", "Titóval"]
NAMEY = st.lists(st.one_of(st.sampled_from(WORDS), st.text(ALPHABET, max_size=6)), max_size=12).map(" ".join)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SR_CYRILLIC = st.text(st.sampled_from(list("абвгдђежзијклљмнњопрстћуфхцчџшАБВГДЂЕЖЗИЈКЛЉМНЊОПРСТЋУФХЦЧЏШ .,-")),
                      max_size=60).filter(lambda t: not any(d in t.lower() for d in ("лј", "нј", "дж"))
                                          and not re.search("њ(?:ек[цт]|угац|унк[цт])", t.lower()))
# Л+Ј, Н+Ј, Д+Ж written as two letters occur only across a prefix boundary (подјела is written with ј after д,
# but лј/нј/дж would read back as љ/њ/џ); sr-latn-cyrl keeps the known prefixed words, so such strings are
# outside the lossless claim and are left out here; so is њ before -ект/-екц/-угац/-ункц/-ункт, which the
# Latin side reads as the prefix boundary of injekcija, konjunktura (no Serbian word has њ there).

@SETTINGS
@given(TEXT, st.sampled_from([s["id"] for s in translit.schemes()]))
def test_transliterate_never_raises(text, scheme):
    out = translit.transliterate(text, scheme)
    assert isinstance(out, str)


@SETTINGS
@given(SR_CYRILLIC)
def test_serbian_round_trip_is_identity(text):
    latin = translit.transliterate(text, "sr-cyrl-latn")
    assert translit.transliterate(latin, "sr-latn-cyrl") == unicodedata.normalize("NFC", text)


@SETTINGS
@given(TEXT)
def test_fold_is_idempotent(text):
    once = translit.fold(text)
    assert translit.fold(once) == once


@SETTINGS
@given(st.one_of(TEXT, NAMEY))
def test_lookup_never_raises_and_scores_are_in_range(query):
    r = translit.lookup(query)
    for m in ([r.best] if r.best else []) + r.candidates:
        assert 0 <= m.score <= 1
    assert r.to_dict()["query"] == query


NZ = Normalizer()


@SETTINGS
@given(st.one_of(TEXT, NAMEY, st.lists(NAMEY, max_size=5).map(". ".join)))
def test_every_span_is_exact(text):
    for m in NZ.find(text):
        assert text[m.start:m.end] == m.surface
        assert m.start < m.end


def _toks(toks) -> list[tuple]:
    return [(t.start, t.end, t.text, t.key, t.initial, t.name, t.flat) for t in toks]


# name words glued to letters, hyphens, apostrophes and each other as well as standing apart
GLUED = st.lists(st.tuples(st.sampled_from(["", " ", "-", "’", "x", "é", ". ", "\n", "5"]),
                           st.one_of(st.sampled_from(WORDS), TEXT)), min_size=1, max_size=12
                 ).map(lambda pieces: "".join(a + b for a, b in pieces))


@SETTINGS
@given(GLUED, st.data())
def test_both_forms_of_the_capitalised_word_scan_agree(text, data):
    """The scan of `_speedups.cap_tokens` (C; every word comes back with an empty cache) finds what
    `_CAP_TOKEN` finds after no `_WORD_CHAR`, as its Python form `_cap_words` does: every word; or the
    words whose entry in a cache says they may start a name or that have none, each with its entry."""
    from translit import _speedups
    from translit.normalize import _CAP_TOKEN, _WORD_CHAR, _cap_words, _char_classes, _Tok

    every = [(m.start(), m.group()) for m in _CAP_TOKEN.finditer(text)
             if not (m.start() and _WORD_CHAR.match(text, m.start() - 1))]  # not glued after a letter
    assert [(i, w) for _, i, w in _speedups.cap_tokens(text, *_char_classes(), {}, _Tok)[1]] == every
    assert _cap_words(text, *_char_classes(), None) == [(i, w, None) for i, w in every]
    words = sorted({w for _, w in every})
    known = data.draw(st.lists(st.sampled_from(words), unique=True)) if words else []
    cache = {w: (data.draw(st.integers(0, 2)), w.lower()) for w in known}
    assert (_cap_words(text, *_char_classes(), cache)
            == [(i, w, cache.get(w)) for i, w in every if w not in cache or cache[w][0]])


@SETTINGS
@given(GLUED, st.data())
def test_both_forms_of_the_token_scan_agree(text, data):
    """`_speedups.cap_tokens` (C) makes the tokens its Python form `_cap_tokens` makes: a token of each kept
    word from its entry (kind, key, length, flat, surface, alone), words of kind 0 left out, words without
    an entry in their places as None and listed with their place and offset."""
    from translit import _speedups
    from translit.normalize import _cap_tokens, _cap_words, _char_classes, _Tok

    words = sorted({w for _, w, _ in _cap_words(text, *_char_classes(), None)})
    known = data.draw(st.lists(st.sampled_from(words), unique=True)) if words else []
    cache = {w: (data.draw(st.integers(0, 2)), w.lower(), data.draw(st.integers(1, len(w))), ((w.lower(), False),),
                 w[:2], []) for w in known}
    got = _speedups.cap_tokens(text, *_char_classes(), cache, _Tok)
    assert got == _cap_tokens(text, *_char_classes(), cache, _Tok)
    tokens, unknown = got
    assert all(type(t) is _Tok for t in tokens if t is not None)
    assert [tokens[place] for place, _, _ in unknown] == [None] * len(unknown) == [t for t in tokens if t is None]
    every = [(i, w) for i, w, _ in _cap_words(text, *_char_classes(), None)]
    kept = [(i, w) for i, w in every if w not in cache or cache[w][0]]
    assert len(tokens) == len(kept)
    for t, (i, w) in zip(tokens, kept, strict=True):
        if t is None:
            assert (i, w) in [(start, word) for _, start, word in unknown]
        else:
            kind, key, n, flat, surface, alone = cache[w]
            assert t == (i, i + n, surface, key, kind == 2, kind == 1, flat, alone) and t.alone is alone


def test_the_capitalised_word_scan_rejects_a_cache_it_cannot_read():
    from translit import _speedups
    from translit.normalize import _char_classes, _Tok

    with pytest.raises(TypeError):
        _speedups.cap_tokens("Nagy Imre", *_char_classes(), {"Nagy": True}, _Tok)
    with pytest.raises(TypeError):
        _speedups.cap_tokens(b"Nagy", *_char_classes(), {}, _Tok)

    for known, token_type in (({"Nagy": (1, "nagy")}, _Tok), ({"Nagy": (1, "nagy", "x", (), "Nagy", [])}, _Tok),
                              ({}, dict), ({}, tuple.__class__), (None, _Tok)):
        with pytest.raises(TypeError):
            _speedups.cap_tokens("Nagy Imre", *_char_classes(), known, token_type)


def test_every_person_finds_itself_by_native_and_canonical_forms(authority, lookup):
    """Exhaustive rather than sampled: every person, native and English canonical form."""
    for p in authority:
        for form in (p.native, authority.canonical(p, "en"), authority.canonical(p, "native")):
            r = lookup.lookup(form)
            assert r.best is not None and r.best.person.id == p.id, (form, p.id)


def test_other_scripts_fold_through_icu():
    """Scripts without a table of ours go through ICU's transforms (PyICU): Han in pinyin, Greek, Devanagari."""
    assert translit.fold("周恩来") == "zhou en lai"
    assert translit.fold("Αθήνα") == "athena"
    assert translit.fold("जवाहरलाल नेहरू").isascii()
    assert translit.lookup("周恩来").best.person.id == "zhou-enlai"


def _alphabet(scheme) -> list[str]:
    letters = {ch for key in scheme.mapping for ch in key} | {ch for p, _ in scheme.rules for ch in p if ch.isalpha()}
    return sorted(letters | {c.upper() for c in letters if len(c.upper()) == 1}) + list(" -'’.,\n1ſᲀǅ\x00\x01")


def _rule_loop_schemes() -> list[str]:
    """The schemes whose case-sensitive engine runs as the loop in C (`_speedups.Rules`)."""
    from functools import partial

    out = []
    for scheme in translit.get_tables().schemes:
        engine = scheme._cased
        if engine is not None and not isinstance(engine[4], partial):
            out.append(scheme.id)
    return out


def test_the_rule_loop_serves_every_scheme_with_context_rules():
    rule_schemes = {s.id for s in translit.get_tables().schemes if s._compiled[1] is not None}
    assert len(rule_schemes) >= 12 and set(_rule_loop_schemes()) == rule_schemes


@pytest.mark.parametrize("scheme_id", [s.id for s in translit.get_tables().schemes if s._compiled[1] is None])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_letter_loop_of_a_name_equals_the_whole_text_path(scheme_id, data):
    """A scheme without context rules maps a short text in one call into C (`_letter_run`), which declines
    a text with a capital inside a word (a word in capitals is upper-cased whole by `_whole`); what it
    answers is what `_whole` answers, and it answers every lower-case or capitalised text."""
    scheme = translit.get_tables().schemes[scheme_id]
    run = scheme._letter_run
    assert run is not None
    text = data.draw(st.text(st.sampled_from(_alphabet(scheme)), max_size=30))
    got = run(text)
    assert got is None or got == scheme._whole(text)
    titled = text.lower().title()
    assert run(text.lower()) == scheme._whole(text.lower())
    if all(not (a.isalnum() or a in "_'’ʼ-") or b == b.lower() for a, b in zip(titled, titled[1:], strict=False)):
        assert run(titled) == scheme._whole(titled)  # capitals only where words start: answered


def test_the_rule_loop_rejects_rules_it_cannot_read():
    from translit import _speedups

    table = ["a"] * 10
    one = bytes(11)
    behind = (((one,), True),)  # a lookbehind: a run of one set, negated
    ahead = (((((one,), one), ((), None)), False),)  # a lookahead: alternatives (run, set not next or None)
    good = (behind, (one,), ahead, "x", "X")
    risky = bytes(0x10000)
    _speedups.Rules([good], [()] * 10, table, 10, risky)  # the shape it takes
    for rules, first, tab, limit, marks, error in (
            ([good], [()] * 9, table, 10, risky, ValueError),            # `first` not `limit` long
            ([good], [(2,)] + [()] * 9, table, 10, risky, ValueError),   # a code past the rules
            ([((((b"x",), True),), (), (), "x", "X")], [()] * 10, table, 10, risky, TypeError),  # a set too short
            ([((), (), ((((one,),), False),), "x", "X")], [()] * 10, table, 10, risky, TypeError),  # no tail
            ([good[:4]], [()] * 10, table, 10, risky, TypeError),        # a rule without its capitalised output
            ([good], [()] * 10, [1] * 10, 10, risky, TypeError),         # a table of what is not str
            ([good], [()] * 10, table, 10, risky[:100], ValueError)):    # marks not for the whole BMP
        with pytest.raises(error):
            _speedups.Rules(rules, first, tab, limit, marks)
    for method in ("run", "run_plain"):
        with pytest.raises(TypeError):
            getattr(_speedups.Rules([good], [()] * 10, table, 10, risky), method)(b"bytes")


@pytest.mark.parametrize("scheme_id", _rule_loop_schemes())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_rule_loop_equals_the_case_sensitive_pattern(scheme_id, data):
    """`_speedups.Rules` (rules in C) gives what the general engine gives (and the case-sensitive pattern,
    its replacement and the letter table, where the rules have one), on every text the case-sensitive
    engine is for (capitals where words start): words of the scheme's letters and of anything else, at
    the edges of the text, of words and of lines; and it tells those texts from the others as the
    regular expression does."""
    from translit.schemes import _pattern_run

    scheme = translit.get_tables().schemes[scheme_id]
    engine = scheme._cased
    letters = [c for c in _alphabet(scheme) if not c.isupper()]
    words = st.one_of(st.text(st.sampled_from(letters), max_size=10), st.text(max_size=6),
                      st.text(st.sampled_from(letters + ["Ё", "Ž", "ſ", "\u07c5", "’", "ǅ"]), max_size=4))
    pieces = data.draw(st.lists(st.tuples(words, st.booleans(), st.sampled_from([" ", "\n", "-", "", ". "])),
                                max_size=8))
    text = "".join((w[:1].upper() + w[1:] if cap else w) + sep for w, cap, sep in pieces)
    plain = engine[5](text)  # None: not a text for this engine (the regular expression's judgement)
    assert (plain is None) == (engine[2].search(text) is not None or any(ord(c) > 0xFFFF for c in text))
    assume(plain is not None)
    assert plain == engine[4](text) == scheme._whole(text)
    if engine[0] is not None:
        assert plain == _pattern_run(engine, text)


@pytest.mark.parametrize("scheme_id", [s["id"] for s in translit.schemes()])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_word_path_equals_whole_text_engine(scheme_id, data):
    """Both long-text paths give exactly what the general engine gives on the whole text: the loop in C
    over the text with the words it is not for cut out (`longtext`), and the word cache's (pieces between
    spaces, the case-sensitive engine for pieces whose capitals start words: the path without C)."""
    scheme = translit.get_tables().schemes[scheme_id]
    words = st.text(st.sampled_from(_alphabet(scheme)), max_size=10)
    text = " ".join(data.draw(st.lists(words, min_size=1, max_size=40)))
    if data.draw(st.booleans()):
        text = (text + " ") * (1 + 300 // (len(text) + 1))  # words seen again
    scheme.forget()
    nfc = unicodedata.normalize("NFC", text)
    assert scheme.transliterate(text) == scheme._whole(nfc)
    if len(nfc) > 64:
        assert scheme._by_words(nfc) == scheme._whole(nfc)
    lines = text.split("\n")  # a block of lines comes out as its lines one by one (the CLI's blocks)
    assert "\n".join(scheme.transliterate(line) for line in lines) == scheme.transliterate(text)


PIECES = st.text(st.sampled_from(list("аБ ь\nxé\x00\x01") + ["\U0001d400"]), max_size=40)


@SETTINGS
@given(PIECES, st.data())
def test_both_forms_of_the_piece_loop_agree(text, data):
    """`_speedups.map_pieces` (C) and `_map_pieces` (Python) give the same text, or the same missing pieces,
    for any cache: separators kept, narrow and wide characters, empty pieces, values of any width."""
    from translit import _speedups
    from translit.schemes import _map_pieces

    pieces = sorted(set(text.replace("\n", " ").split(" ")))
    known = data.draw(st.lists(st.sampled_from(pieces), unique=True)) if pieces else []
    cache = {p: data.draw(st.text(st.sampled_from(list("ab\u044c\U0001d400")), max_size=3)) for p in known}
    expected = _map_pieces(text, cache)
    assert _speedups.map_pieces(text, cache) == expected
    if isinstance(expected, str):
        assert expected.count("\n") == text.count("\n") and len(set(pieces) - set(known)) == 0
    else:
        assert expected == set(pieces) - set(known)


@SETTINGS
@given(st.text(st.sampled_from(list("aбщ\x7f\x80ÿĀ\uffff") + ["\U0001d400", "\U0010ffff"]), max_size=30),
       st.lists(st.text(st.sampled_from(list("xë\u0100ь") + ["\U0001d400"]), max_size=4), max_size=8),
       st.integers(0, 0x500))
def test_the_letter_loop_equals_str_translate(text, values, size):
    """`_speedups.translate` (C) gives what str.translate gives with the same list table: items of every
    width, empty and multi-letter items, characters past the table's end passed through, and a result as
    narrow as its characters allow (equal and hashed alike)."""
    from translit import _speedups

    table = [chr(c) for c in range(size)]
    for k, value in enumerate(values):  # replace some of the letters the text uses, and some it does not
        c = [ord("a"), ord("б"), ord("щ"), 0x7F, 0x80, 0xFF, 0x100, 0x4FF][k]
        if c < size:
            table[c] = value
    got, expected = _speedups.translate(text, table), text.translate(table)
    assert got == expected and hash(got) == hash(expected)
    assert sys.getsizeof(got) == sys.getsizeof(expected)  # the same width of storage: as narrow as it can be


def test_the_letter_loop_rejects_a_table_it_cannot_read():
    from translit import _speedups

    with pytest.raises(TypeError):
        _speedups.translate("abc", {97: "x"})
    with pytest.raises(TypeError):
        _speedups.translate("abc", ["x"] * 97 + [1])
    with pytest.raises(TypeError):
        _speedups.translate(b"abc", ["x"])
    assert _speedups.translate("abc", ["x"] * 97 + [""]) == "bc"


def test_the_piece_loop_rejects_what_is_not_a_text_and_a_cache():
    from translit import _speedups

    with pytest.raises(TypeError):
        _speedups.map_pieces(b"bytes", {})
    with pytest.raises(TypeError):
        _speedups.map_pieces("a b", {"a": 1, "b": "b"})
    assert _speedups.map_pieces("", {"": "x"}) == "x"


@SETTINGS
@given(st.text(st.characters(max_codepoint=127), max_size=30))
def test_fold_of_ascii_text_equals_the_full_fold(text):
    """ASCII text takes a short way through fold(); it must end where the full way ends."""
    folder = NZ.lookup.authority.folder
    assert folder.fold(text) == folder._fold(text)


@pytest.mark.parametrize("scheme_id", [s["id"] for s in translit.schemes()])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_many_texts_in_one_pass_equal_one_by_one(scheme_id, data):
    """transliterate_many gives what a call per text gives, texts with line breaks of their own included."""
    scheme = translit.get_tables().schemes[scheme_id]
    texts = data.draw(st.lists(st.text(st.sampled_from(_alphabet(scheme)), max_size=30), max_size=30))
    expected = [scheme.transliterate(t) for t in texts]
    scheme.forget()
    assert translit.transliterate_many(texts, scheme_id) == expected
    names = [t.lower().title() for t in texts]  # capitals where words start: the one-pass way of a list
    expected = [scheme.transliterate(t) for t in names]
    scheme.forget()
    assert translit.transliterate_many(names, scheme_id) == expected


_WITHOUT_C = r"""
import json, sys
sys.modules["translit._speedups"] = None  # as if the C module had not been built: its import fails
import translit
from translit import normalize
from translit.normalize import Normalizer
schemes = sys.modules["translit.schemes"]  # (translit.schemes is the function that lists them)
assert schemes._Rules is None and schemes.map_pieces is schemes._map_pieces
assert normalize.cap_tokens is normalize._cap_tokens
texts = json.loads(sys.stdin.read())
out = {s.id: [s.transliterate(t) for t in texts] + s.transliterate_many(texts) for s in translit.get_tables().schemes}
nz = Normalizer()
out["normalize"] = [[m.start, m.end, m.match.pid] for t in texts for m in nz.find(t)]
print(json.dumps(out))
"""


def test_without_the_c_module_every_answer_is_the_same():
    """The C module is optional (built when a compiler is there): without it the Python forms run, and
    every scheme and the normalizer answer exactly as with it."""
    from translit.normalize import Normalizer

    texts = [s.source for scheme in translit.get_tables().schemes for s in scheme.samples]
    texts += [t.lower() for t in texts[:40]] + [t.upper() for t in texts[:40]]
    texts += ["Хрущёв встретился с Тито. Nagy Imre és Kádár János; Mićunović, МакДональд, ХРУЩЁВ-а " * 3]
    proc = subprocess.run([sys.executable, "-c", _WITHOUT_C], input=json.dumps(texts), capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    for scheme in translit.get_tables().schemes:
        scheme.forget()
        assert got[scheme.id] == [scheme.transliterate(t) for t in texts] + scheme.transliterate_many(texts), scheme.id
    nz = Normalizer()
    assert got["normalize"] == [[m.start, m.end, m.match.pid] for t in texts for m in nz.find(t)]
    assert len(got["normalize"]) > 20
