"""lobid-gnd import: search results and JSON Lines, sameAs joins, Tn skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from translit.authority import Authority
from translit.errors import InputError
from translit.importers import Importer
from translit.importers.gnd import read_gnd
from translit.importers.marc import read_marc
from translit.importers.wikidata import WikidataReader
from translit.store import Store

FIX = Path(__file__).parent / "fixtures"


def run(db, path, source="gnd", **kw):
    store = Store(db)
    imp = Importer(Authority(store=store), store, source, **kw)
    reader = {"gnd": read_gnd, "marc": read_marc}[source](str(path), imp.summary.skipped) if source != "wikidata" \
        else WikidataReader(str(path))
    return imp.run(reader), store


@pytest.mark.parametrize("name", ["search.json", "persons.jsonl"])
def test_gnd_records(tmp_path, name):
    summary, store = run(tmp_path / "db.sqlite3", FIX / "gnd" / name)
    assert summary.skipped == {"undifferentiated names (Tn)": 1, "records not of a person": 1}
    nagy = store.stored_person(store.person_by_external_id("gnd", "900000102X"))
    assert (nagy.native, nagy.family, nagy.given, nagy.born, nagy.died, nagy.gender) == (
        "Ferenc Nagy", "Nagy", "Ferenc", 1903, 1979, "m")
    assert nagy.ids == {"gnd": "900000102X", "wikidata": "Q900000102", "viaf": "900000102"}
    assert {v.form: v.source for v in nagy.variants} == {
        "Franz Nagy": "gnd:900000102X variantNameEntityForThePerson",
        "Ferenc Nad'": "gnd:900000102X variantNameEntityForThePerson"}
    kh = store.stored_person("khrushchev-nikita")  # the shipped person: a GND variant is one of its spellings
    assert kh.ids == {"gnd": "900000112", "wikidata": "Q35314"} and summary.joined_by_name == 1


def test_gnd_joins_wikidata_and_marc_persons(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "wikidata" / "humans.json", source="wikidata")
    run(db, FIX / "marc" / "authorities.mrc", source="marc")
    summary, store = run(db, FIX / "gnd" / "search.json")
    assert summary.added == 0 and summary.joined == 3
    nagy = store.stored_person("nagy-ferenc")
    assert nagy.ids == {"wikidata": "Q900000102", "viaf": "900000102", "gnd": "900000102X", "lcnaf": "n90000001"}
    assert "Franz Nagy" in {v.form for v in nagy.variants}
    heb = store.stored_person(store.person_by_external_id("lcnaf", "n90000007"))
    assert heb.ids["gnd"] == "900000107"
    kh = store.stored_person("khrushchev-nikita")  # joined through the Wikidata item in sameAs
    assert kh.ids == {"wikidata": "Q35314", "gnd": "900000112"}
    assert "Nikita Sergejewitsch Chruschtschow" in {v.form for v in kh.variants}


def test_bad_gnd_line(tmp_path):
    lines = (FIX / "gnd" / "persons.jsonl").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:-5]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2 \(900000107\): not valid JSON"):
        run(tmp_path / "db.sqlite3", path)


def test_progress_bar_shows_bytes_and_persons(tmp_path, cli_env):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "translit", "import", "gnd", "--progress",
                          str(FIX / "gnd" / "persons.jsonl")], env=cli_env, capture_output=True, text=True,
                         check=True)
    last = res.stderr.replace("\r", "\n").strip().splitlines()[-1]
    size = (FIX / "gnd" / "persons.jsonl").stat().st_size
    assert "100%" in last and f"{size / 1024:.2f}k/{size / 1024:.2f}k" in last  # bytes read of the file
    assert "persons_written=3" in last and "records=3" in last
    assert "2 new persons, 1 joined" in res.stdout  # Khrushchev: the shipped person


def test_import_commands_come_from_one_table_with_their_own_help():
    """The four `import` commands are registered from cli_import.IMPORTS, each with its help and options."""
    from click.testing import CliRunner

    from translit.cli import cli
    from translit.cli_import import IMPORTS

    assert [spec[0] for spec in IMPORTS] == ["wikidata", "marc", "gnd", "eac-cpf"]
    runner = CliRunner()
    for source, _, _, doc in IMPORTS:
        out = runner.invoke(cli, ["import", source, "--help"])
        assert out.exit_code == 0, out.output
        assert doc.split("\n", 1)[0].split(":")[0] in out.output and "--skip-bad" in out.output
        assert ("--citizenship" in out.output) == (source == "wikidata")
    bad = runner.invoke(cli, ["import", "wikidata", "x.json", "--lived", "soon"])
    assert bad.exit_code != 0 and "--lived 'soon': give FROM-TO years" in bad.output
