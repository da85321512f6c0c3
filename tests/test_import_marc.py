"""MARC 21 authority import: binary (UTF-8 and MARC-8) and MARCXML, joins through 024, deleted records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from translit.authority import Authority
from translit.errors import InputError
from translit.importers import Importer
from translit.importers.marc import read_marc
from translit.importers.wikidata import WikidataReader
from translit.store import Store

FIX = Path(__file__).parent / "fixtures"


def run(db, path, source="marc", **kw):
    store = Store(db)
    imp = Importer(Authority(store=store), store, source, **kw)
    reader = read_marc(str(path), imp.summary.skipped) if source == "marc" else WikidataReader(str(path))
    return imp.run(reader), store


def test_binary_records_marc8_inverted_headings_dates(tmp_path):
    summary, store = run(tmp_path / "db.sqlite3", FIX / "marc" / "authorities.mrc")
    assert summary.skipped == {"records not of a personal name": 1, "undifferentiated personal names": 1}
    assert summary.deleted == 1
    nagy = store.stored_person(store.person_by_external_id("lcnaf", "n90000001"))
    assert (nagy.native, nagy.family, nagy.given, nagy.lang, nagy.born, nagy.died) == (
        "Nagy Ferenc", "Nagy", "Ferenc", "hu", 1903, 1979)
    assert nagy.ids == {"lcnaf": "n90000001", "wikidata": "Q900000102", "viaf": "900000102"}
    assert "His The struggle behind the Iron Curtain, 1948 (t.p. (Ferenc Nagy))" in nagy.description
    assert {v.form for v in nagy.variants} == {"Nagy Ferencz", "Nad' Ferent\u0361s"}
    zu = store.stored_person(store.person_by_external_id("wikidata", "Q900000103"))
    assert zu.native == "Sreten Žujović"  # MARC-8 (caron and acute before their letters) read as Unicode
    assert "Sreten Zhu\u012dovich" in {v.form for v in zu.variants}
    gero = store.stored_person("gero-erno")  # the shipped person, joined by name and birth year
    assert gero.ids == {"lcnaf": "n90000006"} and summary.joined_by_name == 1
    assert "Singer Ernő" in {v.form for v in gero.variants}  # decomposed ő composed
    assert gero.native == "Gerő Ernő" and gero.description != "" and "MARC 670" not in gero.description
    heb = store.stored_person(store.person_by_external_id("lcnaf", "n90000007"))
    assert (heb.given, heb.family) == ("Andrija", "Hebrang")  # $q fuller form of "A."


def test_marc_joins_the_wikidata_person_and_reimport_is_silent(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "wikidata" / "humans.json", source="wikidata")
    summary, store = run(db, FIX / "marc" / "authorities.mrc")
    nagy = store.stored_person("nagy-ferenc")
    assert nagy.ids["lcnaf"] == "n90000001" and nagy.ids["wikidata"] == "Q900000102"
    assert nagy.description == "Prime Minister of Hungary (1946-1947)"  # the first source's text stays
    sources = {v.form: v.source for v in nagy.variants}
    assert sources["Nagy Ferencz"].startswith("wikidata:")  # already known: not a second copy
    assert sources["Nad' Ferent\u0361s"].startswith("marc:oca09000001 400")
    with sqlite3.connect(db) as c:
        n = c.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        assert c.execute("SELECT COUNT(*) FROM person WHERE id LIKE 'nagy-ferenc%'").fetchone()[0] == 1
    again, _ = run(db, FIX / "marc" / "authorities.mrc")
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == n
    assert again.unchanged == 5 and again.persons_written == 0  # four persons and the deleted record


def test_marcxml_gives_the_same_persons(tmp_path):
    _, a = run(tmp_path / "a.sqlite3", FIX / "marc" / "authorities.mrc")
    _, b = run(tmp_path / "b.sqlite3", FIX / "marc" / "authorities.xml")
    for lccn in ("n90000001", "n90000006", "n90000007"):
        pa = a.stored_person(a.person_by_external_id("lcnaf", lccn))
        pb = b.stored_person(b.person_by_external_id("lcnaf", lccn))
        assert pa.to_dict() == pb.to_dict()


def test_deleted_upstream_is_reported(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "marc" / "authorities.mrc")
    data = (FIX / "marc" / "authorities.mrc").read_bytes()
    first = data.split(b"\x1d")[0] + b"\x1d"
    deleted = first[:5] + b"d" + first[6:]  # leader/05: the Nagy record deleted
    path = tmp_path / "deleted.mrc"
    path.write_bytes(deleted)
    summary, store = run(db, path)
    assert summary.deleted == 1
    assert [c["field"] for c in summary.conflicts] == ["record"]
    assert store.person_by_external_id("lcnaf", "n90000001") is not None  # nothing is silently removed


def test_bad_binary_record_names_position(tmp_path):
    data = (FIX / "marc" / "authorities.mrc").read_bytes()
    records = data.split(b"\x1d")
    broken = records[1][:5] + b"X" + records[1][6:40] + b"\x1e\x1e" + records[1][40:]
    path = tmp_path / "bad.mrc"
    path.write_bytes(records[0] + b"\x1d" + b"99999" + broken[5:] + b"\x1d" + b"\x1d".join(records[2:]))
    db = tmp_path / "db.sqlite3"
    with pytest.raises(InputError, match=r"record 2.*not a MARC 21 record"):
        run(db, path)
    store = Store(db)
    assert store.person_by_external_id("lcnaf", "n90000001") is not None  # the record before it
    assert store.person_by_external_id("wikidata", "Q900000103") is None


def test_record_naming_two_persons_is_a_conflict_not_a_merge(tmp_path):
    import pymarc

    db = tmp_path / "db.sqlite3"
    run(db, FIX / "wikidata" / "humans.json", source="wikidata")
    rec = pymarc.Record(force_utf8=True, leader="00000nz  a2200000n  4500")
    rec.add_field(pymarc.Field(tag="001", data="oca09000100"))
    for value, src in (("Q900000103", "wikidata"), ("900000102X", "gnd")):  # Žujović's item, Nagy's GND id
        rec.add_field(pymarc.Field(tag="024", indicators=pymarc.Indicators("7", " "),
                                   subfields=[pymarc.Subfield("a", value), pymarc.Subfield("2", src)]))
    rec.add_field(pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "),
                               subfields=[pymarc.Subfield("a", "Žujović, Sreten,"), pymarc.Subfield("d", "1899-1976")]))
    path = tmp_path / "two.mrc"
    path.write_bytes(rec.as_marc())
    with sqlite3.connect(db) as c:
        before = c.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    summary, store = run(db, path)
    assert {(c["person"], c["field"]) for c in summary.conflicts} == {
        ("nagy-ferenc", "identity"), ("zujovic-sreten", "identity")}
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
    assert "gnd" not in store.stored_person("zujovic-sreten").ids


def _marc(cn, status="n", lccn=None, heading=None, dates=None, z=None, notes=()):
    """One MARC 21 authority record: 001, 010 ($a, $z), 100 ($a, $d), 682 ($i, $a, $0 ...)."""
    import pymarc

    rec = pymarc.Record(force_utf8=True, leader=f"00000{status}z  a2200000n  4500")
    rec.add_field(pymarc.Field(tag="001", data=cn))
    if lccn:
        subs = [pymarc.Subfield("a", lccn)] + ([pymarc.Subfield("z", z)] if z else [])
        rec.add_field(pymarc.Field(tag="010", indicators=pymarc.Indicators(" ", " "), subfields=subs))
    if heading:
        subs = [pymarc.Subfield("a", heading)] + ([pymarc.Subfield("d", dates)] if dates else [])
        rec.add_field(pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "), subfields=subs))
    for note in notes:
        rec.add_field(pymarc.Field(tag="682", indicators=pymarc.Indicators(" ", " "),
                                   subfields=[pymarc.Subfield(c, v) for c, v in note]))
    return rec.as_marc()


REPLACED_BY_99 = [("i", "This heading has been removed because it is a duplicate of:"),
                  ("a", "Nagy, Ferenc, 1903-1979"), ("0", "(DLC)n  90000099"),
                  ("i", ", which has been added to the file.")]


def test_replaced_record_merges_into_its_replacement(tmp_path):
    """Leader/05 x with 682 $0: the person of the deleted record is merged into the replacement's person
    (a local redirect), not left beside it as a duplicate."""
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "marc" / "authorities.mrc")
    path = tmp_path / "new.mrc"
    path.write_bytes(_marc("oca09000099", lccn="n  90000099", heading="Nagy, Ferenc,", dates="1903-1979"))
    summary, store = run(db, path)
    assert summary.added == 1  # the old person has another LCCN: a namesake, not joined by name
    old, new = store.person_by_external_id("lcnaf", "n90000001"), store.person_by_external_id("lcnaf", "n90000099")
    assert old != new
    path.write_bytes(_marc("oca09000001", status="x", lccn="n  90000001", notes=[REPLACED_BY_99]))
    summary, store = run(db, path)
    assert summary.redirects == 1 and summary.added == 0 and not summary.conflicts
    assert store.stored_person(old) is None  # merged away
    kept = store.stored_person(new)
    assert kept.ids["lcnaf"] == "n90000099" and kept.ids["wikidata"] == "Q900000102"  # the old one's ids moved
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT to_id FROM redirect WHERE from_id = ?", (old,)).fetchone() == (new,)
    again, _ = run(db, path)
    assert again.unchanged == 1 and again.batches == 0


def test_replaced_record_before_its_replacement_hands_over_the_id(tmp_path):
    """The deleted record first: its person takes the replacement's LCCN, and the replacement joins it."""
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "marc" / "authorities.mrc")
    pid = Store(db).person_by_external_id("lcnaf", "n90000001")
    path = tmp_path / "both.mrc"
    path.write_bytes(_marc("oca09000001", status="x", lccn="n  90000001", notes=[REPLACED_BY_99])
                     + _marc("oca09000099", lccn="n  90000099", heading="Nagy, Ferenc,", dates="1903-1979"))
    summary, store = run(db, path)
    assert summary.redirects == 1 and summary.added == 0 and summary.joined == 1
    assert store.person_by_external_id("lcnaf", "n90000099") == pid
    assert store.person_by_external_id("lcnaf", "n90000001") is None


def test_deleted_record_without_replacement_is_reported_with_its_682(tmp_path):
    """Leader/05 d without a replacement (or s, a split into two): reported with the 682 text, kept."""
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "marc" / "authorities.mrc")
    split = [("i", "This heading has been split into:"), ("a", "Nagy, Ferenc, 1903-1979"), ("0", "n  90000098"),
             ("a", "Nagy, Ferenc, 1904-1980"), ("0", "n  90000097")]
    path = tmp_path / "gone.mrc"
    path.write_bytes(_marc("oca09000001", status="d", lccn="n  90000001",
                           notes=[[("i", "Record deleted: not a personal name.")]])
                     + _marc("oca09000002", status="s", lccn="n  90000002", notes=[split]))
    summary, store = run(db, path)
    assert summary.deleted == 2 and summary.redirects == 0
    why = {c["person"]: c["upstream"] for c in summary.conflicts}
    nagy, zuj = store.person_by_external_id("lcnaf", "n90000001"), store.person_by_external_id("lcnaf", "n90000002")
    assert why[nagy] == "deleted upstream: Record deleted: not a personal name."
    assert why[zuj] == ("deleted upstream: This heading has been split into: Nagy, Ferenc, 1903-1979 "
                        "Nagy, Ferenc, 1904-1980")
    assert store.stored_person(nagy) is not None and store.stored_person(zuj) is not None
