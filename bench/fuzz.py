"""Coverage-guided fuzzing (atheris) of the text normalizer and the table loader.

    .venv/bin/python bench/fuzz.py normalize -max_total_time=60
    .venv/bin/python bench/fuzz.py tables -max_total_time=60

Any exception other than the documented ones is a crash that atheris reports with the input that caused
it; tests/test_fuzz.py runs both targets for a bounded time in CI.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from translit.authority import Authority
    from translit.errors import TableError
    from translit.loader import default_tables_dir
    from translit.normalize import Normalizer

SEEDS = ["Khrushchev met Tito. Nagy Imrének és Kádárral.", "Хрущёв и Мичунович. N. S. Khrushchev",
         "[[person]]\nid = \"a-b\"\nnative = \"B A\"\nlang = \"en\"\nfamily = \"A\"\ngiven = \"B\"\n"]


def normalize_target():
    nz = Normalizer()

    def one(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
        for m in nz.find(text):
            if text[m.start:m.end] != m.surface:
                raise AssertionError(f"span {m.start}:{m.end} is not {m.surface!r}")

    return one


def tables_target():
    root = Path(tempfile.mkdtemp())
    tables = root / "tables"
    shutil.copytree(default_tables_dir(), tables, ignore=shutil.ignore_patterns("persons", "__pycache__"))
    (tables / "persons").mkdir()
    path = tables / "persons" / "fuzz.toml"

    def one(data: bytes) -> None:
        path.write_bytes(data)
        try:
            Authority(str(tables))
        except TableError:
            pass  # the documented error: names the file (and line)

    return one


def main() -> None:
    target = sys.argv[1] if len(sys.argv) > 1 else ""
    fn = {"normalize": normalize_target, "tables": tables_target}.get(target)
    if fn is None:
        raise SystemExit("usage: fuzz.py normalize|tables [libFuzzer options]")
    corpus = Path(tempfile.mkdtemp())
    for i, s in enumerate(SEEDS):
        (corpus / f"seed{i}").write_text(s, encoding="utf-8")
    atheris.Setup([sys.argv[0], *sys.argv[2:], str(corpus)], fn())
    atheris.Fuzz()


if __name__ == "__main__":
    main()
