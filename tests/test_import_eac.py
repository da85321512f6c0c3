"""EAC-CPF import (2010 and 2.0) and export; MARC and CSV export; round trips through real files."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from translit.authority import Authority
from translit.errors import InputError
from translit.importers import Importer
from translit.importers.eac import NS, read_eac
from translit.importers.export import export
from translit.importers.marc import read_marc
from translit.importers.wikidata import WikidataReader
from translit.store import Store

FIX = Path(__file__).parent / "fixtures"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def run(db, path, source):
    store = Store(db)
    imp = Importer(Authority(store=store), store, source)
    readers = {"eac-cpf": read_eac, "marc": read_marc}
    reader = readers[source](str(path), imp.summary.skipped) if source in readers else WikidataReader(str(path))
    return imp.run(reader), store


@pytest.fixture()
def filled(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "wikidata" / "humans.json", "wikidata")
    run(db, FIX / "marc" / "authorities.mrc", "marc")
    return db


def test_eac2_import_parallel_names_and_convention(tmp_path):
    summary, store = run(tmp_path / "db.sqlite3", FIX / "eac", "eac-cpf")
    assert summary.skipped == {"records not of a person": 1} and summary.added == 1
    p = store.stored_person(store.person_by_external_id("gnd", "900000107"))
    assert (p.native, p.given, p.family, p.lang, p.born, p.died) == (
        "Andrija Hebrang", "Andrija", "Hebrang", "hr", 1899, 1949)
    sources = {v.form: v.source for v in p.variants}
    assert sources["Андрија Хебранг"] == "eac-cpf:HR-HDA-0001 nameEntry@srp+scheme:sr-latn-cyrl"
    assert sources["Андрия Хебранг"].startswith("eac-cpf:HR-HDA-0001 nameEntry@rus")


def test_eac_export_and_round_trip(filled, tmp_path):
    store = Store(filled)
    authority = Authority(store=store)
    out = tmp_path / "eac"
    n = export(authority, store, "eac-cpf", out, only_imported=True)
    assert n == len(list(out.glob("*.xml"))) >= 8
    doc = etree.parse(str(out / "khrushchev-nikita.xml"))
    ns = {"e": NS}
    entries = doc.findall(".//e:nameEntryParallel/e:nameEntry", ns)
    native = entries[0]
    assert native.get(XML_LANG) == "ru" and native.get("scriptCode") == "Cyrl"
    assert [p.get("localType") for p in native.findall("e:part", ns)] == ["given", "patronymic", "family"]
    by_scheme = {e.get("transliteration"): "".join(e.itertext()).strip() for e in entries[1:]}
    assert by_scheme["ru-de"] == "Nikita Sergejewitsch Chruschtschow"
    assert all(e.get("scriptCode") == "Latn" for e in entries[1:] if e.get("transliteration") == "ru-de")
    events = doc.findall(".//e:maintenanceHistory/e:maintenanceEvent", ns)
    assert len(events) == len(store.history("khrushchev-nikita")) == 1
    assert events[0].findtext("e:agent", namespaces=ns) == "import:wikidata"
    assert doc.findtext(".//e:otherRecordId[@localType='wikidata']", namespaces=ns) == "Q35314"
    # EAC-CPF written by translit reads back as the same persons
    summary, fresh = run(tmp_path / "fresh.sqlite3", out, "eac-cpf")
    for pid in ("nagy-ferenc", "zujovic-sreten", "brezhnev-leonid"):
        a = store.stored_person(pid)
        b = fresh.stored_person(fresh.person_by_external_id("wikidata", a.ids["wikidata"]))
        assert (b.native, b.family, b.given, b.born, b.died, b.ids) == (a.native, a.family, a.given, a.born,
                                                                         a.died, a.ids)
        assert {v.form for v in a.variants} <= {v.form for v in b.variants}


def test_marc_export_round_trip(filled, tmp_path):
    store = Store(filled)
    authority = Authority(store=store)
    for name in ("out.mrc", "out.xml"):
        export(authority, store, "marc", tmp_path / name, only_imported=True)
        _, fresh = run(tmp_path / f"{name}.sqlite3", tmp_path / name, "marc")
        a = store.stored_person("nagy-ferenc")
        b = fresh.stored_person(fresh.person_by_external_id("wikidata", "Q900000102"))
        assert (b.native, b.family, b.given, b.lang, b.born, b.died, b.ids) == (
            "Nagy Ferenc", "Nagy", "Ferenc", "hu", 1903, 1979, a.ids)
        assert {v.form for v in a.variants} == {v.form for v in b.variants}


def test_csv_export_feeds_tables_import(filled, tmp_path, cli_env):
    cli_env["TRANSLIT_DB"] = str(filled)
    out = tmp_path / "persons.csv"
    subprocess.run([sys.executable, "-m", "translit", "export", "csv", str(out)], env=cli_env, check=True,
                   capture_output=True)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    nagy = [r for r in rows if r["id"] == "nagy-ferenc"]
    assert nagy[0]["kind"] == "native" and nagy[0]["wikidata"] == "Q900000102" and nagy[0]["born"] == "1903"
    assert {r["form"] for r in nagy} >= {"Nagy Ferenc", "Ferenc Nagy", "Nad' Ferent\u0361s"}
    variants = tmp_path / "variants.csv"
    with variants.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerow(nagy[1] | {"form": "Nagy Ferencz bácsi", "kind": "spelling", "source": "user:test"})
    res = subprocess.run([sys.executable, "-m", "translit", "tables", "import", str(variants)], env=cli_env,
                         capture_output=True, text=True, check=True)
    assert "imported 1 variants" in res.stdout


def test_bad_eac_document(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text((FIX / "eac" / "eac2-hebrang.xml").read_text(encoding="utf-8").replace("</identity>", ""),
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.xml record 1.*not well-formed XML"):
        run(tmp_path / "db.sqlite3", bad, "eac-cpf")
    assert Store(tmp_path / "db.sqlite3").person_by_external_id("gnd", "900000107") is None
