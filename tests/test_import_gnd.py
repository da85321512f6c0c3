"""lobid-gnd import: search results and JSON Lines, sameAs joins, Tn skipped."""

from __future__ import annotations

import json
import sqlite3
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


def _entity(qid: str, hu: str, born: int | None) -> dict:
    """A Wikidata human in the dump's format: a Hungarian label, P31 Q5, P27 Hungary, P569 (day precision)."""
    def claim(prop, value, dtype, vtype):
        return [{"mainsnak": {"snaktype": "value", "property": prop, "datavalue": {"value": value, "type": vtype},
                              "datatype": dtype}, "type": "statement", "id": f"{qid}${prop}", "rank": "normal"}]
    claims = {"P31": claim("P31", {"entity-type": "item", "numeric-id": 5, "id": "Q5"}, "wikibase-item",
                           "wikibase-entityid"),
              "P27": claim("P27", {"entity-type": "item", "numeric-id": 28, "id": "Q28"}, "wikibase-item",
                           "wikibase-entityid")}
    if born:
        claims["P569"] = claim("P569", {"time": f"+{born}-01-01T00:00:00Z", "timezone": 0, "before": 0, "after": 0,
                                        "precision": 11, "calendarmodel": "http://www.wikidata.org/entity/Q1985727"},
                               "time", "time")
    return {"type": "item", "id": qid, "labels": {"hu": {"language": "hu", "value": hu}}, "descriptions": {},
            "aliases": {}, "claims": claims, "sitelinks": {}}


def _dump(path, entities) -> Path:
    path.write_text("[\n" + ",\n".join(json.dumps(e, ensure_ascii=False) for e in entities) + "\n]\n",
                    encoding="utf-8")
    return path


def _gnd(path, gid: str, family: str, given: str, born: str | None = None) -> Path:
    rec = {"id": f"https://d-nb.info/gnd/{gid}", "gndIdentifier": gid,
           "type": ["Person", "AuthorityResource", "DifferentiatedPerson"], "preferredName": f"{family}, {given}",
           "preferredNameEntityForThePerson": {"forename": [given], "surname": [family]}}
    if born:
        rec["dateOfBirth"] = [born]
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _rows(db, pid=None):
    with sqlite3.connect(db) as c:
        if pid is None:
            return c.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        return c.execute("SELECT data, rev FROM person WHERE id = ?", (pid,)).fetchone()


@pytest.mark.parametrize("one_file", [True, False])
def test_record_that_fits_two_persons_is_a_conflict_and_writes_nothing(tmp_path, one_file):
    """Two namesakes born the same year (two Wikidata items); a GND record with that name and year and no
    shared id fits both: reported as a conflict with each, neither is changed, no third person is made."""
    db = tmp_path / "db.sqlite3"
    twins = [_entity("Q900000201", "Kovács János", 1910), _entity("Q900000202", "Kovács János", 1910)]
    if one_file:  # in one batch too: the second item is no join of the first (each has its own item)
        summary, store = run(db, _dump(tmp_path / "w.json", twins), source="wikidata")
    else:
        for n, e in enumerate(twins):
            summary, store = run(db, _dump(tmp_path / f"w{n}.json", [e]), source="wikidata")
    a, b = (store.person_by_external_id("wikidata", q) for q in ("Q900000201", "Q900000202"))
    assert a and b and a != b
    before = {pid: _rows(db, pid) for pid in (a, b)}
    audits, persons = _rows(db), len(store.conn.execute("SELECT id FROM person").fetchall())
    summary, store = run(db, _gnd(tmp_path / "g.jsonl", "900000301", "Kovács", "János", "1910-05-01"))
    assert {(c["person"], c["field"]) for c in summary.conflicts} == {(a, "identity"), (b, "identity")}
    assert all("2 persons fit the name and birth year" in c["upstream"] for c in summary.conflicts)
    assert summary.added == summary.joined == summary.joined_by_name == summary.persons_written == 0
    assert {pid: _rows(db, pid) for pid in (a, b)} == before and _rows(db) == audits
    assert len(store.conn.execute("SELECT id FROM person").fetchall()) == persons
    assert store.person_by_external_id("gnd", "900000301") is None
    with sqlite3.connect(db) as c:
        assert {r[0] for r in c.execute("SELECT person_id FROM import_conflict")} == {a, b}
    again, _ = run(db, tmp_path / "g.jsonl")  # not remembered as imported: reported again, still not merged
    assert len(again.conflicts) == 2 and again.persons_written == 0


def test_no_birth_year_no_join_by_name(tmp_path):
    """A record without a birth year and without a shared id is never joined by its name alone: namesakes
    are common, and a wrong person is worse than a second one (the lookup then says two persons fit)."""
    db = tmp_path / "db.sqlite3"
    summary, store = run(db, _dump(tmp_path / "w.json", [_entity("Q900000201", "Kovács János", 1910)]),
                         source="wikidata")
    first = store.person_by_external_id("wikidata", "Q900000201")
    before = _rows(db, first)
    summary, store = run(db, _gnd(tmp_path / "g.jsonl", "900000302", "Kovács", "János"))
    assert summary.added == 1 and summary.joined == summary.joined_by_name == 0
    second = store.person_by_external_id("gnd", "900000302")
    assert second != first and _rows(db, first) == before
    assert "gnd" not in store.stored_person(first).ids
    # nor a shipped person: Khrushchev without dates stays apart from khrushchev-nikita
    summary, store = run(db, _gnd(tmp_path / "k.jsonl", "900000303", "Chruščëv", "Nikita Sergeevič"))
    assert summary.added == 1 and summary.joined == 0
    assert store.person_by_external_id("gnd", "900000303") != "khrushchev-nikita"
    assert store.stored_person("khrushchev-nikita") is None  # the shipped person untouched
    # and a dated record of the same name joins the dated person, not the undated one
    summary, store = run(db, _gnd(tmp_path / "d.jsonl", "900000304", "Kovács", "János", "1910"))
    assert summary.joined_by_name == 1 and store.person_by_external_id("gnd", "900000304") == first
