"""The name model: learnt from the pymorphy3 dictionary's names, kept in the cache directory."""

from __future__ import annotations

import os
import subprocess
import sys

from translit.namemodel import name_model

SCORE = "from translit.namemodel import name_model; m = name_model(); print(len(m.words), m.score('хрущёв'))"


def _run(cache, code=SCORE):
    env = dict(os.environ, TRANSLIT_CACHE=str(cache))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=True)
    return out.stdout.split()


def test_the_lexicon_is_the_dictionarys_names():
    model = name_model()
    assert len(model.words) > 40_000
    for word in ("никита", "сергеевич", "хрущёв", "хрущёва", "дзержинский", "надежда"):
        assert word in model.words
    assert "стол" not in model.words and "бежать" not in model.words  # common words are not names


def test_names_score_above_misreadings():
    model = name_model()
    for right, wrong in [("зиновьев", "синовйев"), ("ильич", "илйич"), ("гоголь", "гогол"), ("соловьёв", "соловйов"),
                         ("надежда", "нагыезсда"), ("дзержинский", "дсерщхински")]:
        assert model.score(right) > model.score(wrong) + 3, (right, wrong)


def test_built_once_then_read_from_the_cache_and_rebuilt_when_damaged(tmp_path):
    first = _run(tmp_path)
    files = list(tmp_path.glob("namemodel-*.pickle"))
    assert len(files) == 1 and files[0].stat().st_size > 100_000
    stamp = files[0].stat().st_mtime_ns
    assert _run(tmp_path) == first and files[0].stat().st_mtime_ns == stamp  # read, not built again
    files[0].write_bytes(b"not a pickle")
    assert _run(tmp_path) == first  # a damaged cache is built again, and replaced
    assert files[0].stat().st_size > 100_000


def test_a_cache_that_cannot_be_written_only_costs_the_build(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert _run(blocker / "below")[0].isdigit()  # the cache directory cannot be made: built, answered
