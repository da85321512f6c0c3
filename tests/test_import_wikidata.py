"""Wikidata import: the dump format (plain, gzip, bz2), EntityData with a redirect, SPARQL results, identity."""

from __future__ import annotations

import bz2
import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from translit.authority import Authority
from translit.errors import InputError
from translit.importers import Importer
from translit.importers.wikidata import Filters, WikidataReader
from translit.store import Store

FIX = Path(__file__).parent / "fixtures" / "wikidata"


def run(db_path, path, **kw):
    store = Store(db_path)
    authority = Authority(store=store)
    filters = kw.pop("filters", None)
    imp = Importer(authority, store, "wikidata", **kw)
    return imp.run(WikidataReader(str(path), filters, imp.summary.skipped)), store


def audit_rows(db_path) -> int:
    with sqlite3.connect(db_path) as c:
        return c.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


@pytest.mark.parametrize("packer", ["plain", "gz", "bz2"])
def test_dump_is_streamed_in_each_compression(tmp_path, packer):
    src = FIX / "humans.json"
    path = tmp_path / f"dump.json{'' if packer == 'plain' else '.' + packer}"
    data = src.read_bytes()
    path.write_bytes(data if packer == "plain" else gzip.compress(data) if packer == "gz" else bz2.compress(data))
    summary, store = run(tmp_path / "db.sqlite3", path)
    assert summary.read == 6 and summary.added == 5 and summary.joined == 1
    assert summary.skipped["entities not human"] == 2  # a non-human item and a human whose P31=Q5 is deprecated
    assert summary.skipped["humans without a name in a wanted language"] == 1
    nagy = store.stored_person("nagy-ferenc")
    assert (nagy.native, nagy.family, nagy.given, nagy.order, nagy.lang) == (
        "Nagy Ferenc", "Nagy", "Ferenc", "family-given", "hu")
    assert nagy.ids == {"wikidata": "Q900000102", "viaf": "900000102", "gnd": "900000102X"}
    assert (nagy.born, nagy.died) == (1903, 1979)


def test_fields_provenance_schemes_dates(tmp_path):
    summary, store = run(tmp_path / "db.sqlite3", FIX / "humans.json")
    kh = store.stored_person("khrushchev-nikita")  # the shipped person, joined by name and birth year
    assert kh.ids == {"wikidata": "Q35314"} and summary.joined_by_name == 1
    assert kh.born == 1894  # the deprecated 1895 statement is dropped
    sources = {v.form: v.source for v in kh.variants}
    assert sources["Nikita Chruschtschow"] == "wikidata:Q35314 label@de+scheme:ru-de"
    assert sources["Nyikita Szergejevics Hruscsov"] == "wikidata:Q35314 label@hu+scheme:ru-hu"
    assert sources["Nikita Sergejewitsch Chruschtschow"].startswith("wikidata:Q35314 alias@de")
    assert "ニキータ・フルシチョフ" not in sources  # Japanese is not a wanted language
    assert sources["Krushchev"] == "convention:en"  # the curated variants stay
    zu = store.stored_person("zujovic-sreten")
    assert zu.native == "Sreten Žujović" and zu.lang == "sr"  # Latin label of a Yugoslav citizen
    assert (zu.born, zu.died) == (1899, 1976)  # year precision is a year
    go = store.stored_person("gomulka-wladyslaw")
    assert go.born == 1905  # the century-precision statement gives no year
    br = store.stored_person("brezhnev-leonid")
    assert (br.given, br.patronymic, br.family) == ("Леонид", "Ильич", "Брежнев")


def test_reimport_unchanged_writes_nothing_and_local_edit_is_kept(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "humans.json")
    n = audit_rows(db)
    summary, _ = run(db, FIX / "humans.json")
    assert audit_rows(db) == n and summary.unchanged == 6 and summary.persons_written == 0
    # an editor corrects the description; upstream then changes it as well: reported, not overwritten
    store = Store(db)
    before = store.stored_person("nagy-ferenc")
    from dataclasses import replace

    with store.transaction() as conn:
        store.write_person(conn, replace(before, description="Smallholder prime minister"), before, "alice")
    changed = (FIX / "humans.json").read_text(encoding="utf-8").replace(
        "Prime Minister of Hungary (1946-1947)", "Hungarian politician").replace('"1979-06-12', '"1979-06-12')
    path = tmp_path / "changed.json"
    path.write_text(changed, encoding="utf-8")
    summary, store = run(db, path)
    assert store.stored_person("nagy-ferenc").description == "Smallholder prime minister"
    assert [(c["person"], c["field"], c["upstream"]) for c in summary.conflicts] == [
        ("nagy-ferenc", "description", "Hungarian politician")]
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT field FROM import_conflict").fetchall() == [("description",)]


def test_upstream_change_without_local_edit_is_applied(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "humans.json")
    text = (FIX / "humans.json").read_text(encoding="utf-8")
    path = tmp_path / "v2.json"
    path.write_text(text.replace('"Nagy Ferencz"', '"Ferenc Nagy de Bisse"'), encoding="utf-8")
    summary, store = run(db, path)
    forms = [v.form for v in store.stored_person("nagy-ferenc").variants]
    assert "Ferenc Nagy de Bisse" in forms and "Nagy Ferencz" not in forms  # the alias upstream removed goes
    assert summary.updated == 1 and summary.unchanged == 5 and not summary.conflicts


def test_filters_citizenship_and_life_dates(tmp_path):
    summary, store = run(tmp_path / "db.sqlite3", FIX / "humans.json", filters=Filters({"Q28"}, 1945, 1991))
    assert summary.read == 1 and store.stored_person("nagy-ferenc") is not None
    assert store.stored_person("kossuth-lajos") is None  # Hungarian, but died 1894
    assert summary.skipped["humans of another citizenship"] == 4
    assert summary.skipped["humans outside the life dates"] == 1


def test_entitydata_redirect_becomes_local_redirect(tmp_path):
    db = tmp_path / "db.sqlite3"
    run(db, FIX / "humans.json")
    # upstream merged a duplicate item of Brezhnev (imported earlier under its own id) into another one
    dup = json.loads((FIX / "entitydata-brezhnev.json").read_text(encoding="utf-8"))
    ent = dict(dup["entities"]["Q900000208"])
    ent["id"] = "Q900000208"
    ent["labels"] = {"ru": {"language": "ru", "value": "Леонид Брежнев"}}
    p = tmp_path / "dup.json"
    p.write_text(json.dumps({"entities": {"Q900000208": ent}}, ensure_ascii=False), encoding="utf-8")
    run(db, p)
    store = Store(db)
    assert store.person_by_external_id("wikidata", "Q900000208") not in (None, "brezhnev-leonid")
    dup_pid = store.person_by_external_id("wikidata", "Q900000208")
    summary, store = run(db, FIX / "entitydata-brezhnev.json")  # Q900000208 -> Q900000108
    assert summary.redirects == 1
    assert store.stored_person(dup_pid) is None  # merged away
    kept = store.stored_person("brezhnev-leonid")
    assert "Леонид Брежнев" in [v.form for v in kept.variants]
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT from_id, to_id FROM redirect").fetchall() == [(dup_pid, "brezhnev-leonid")]


def test_sparql_results(tmp_path):
    summary, store = run(tmp_path / "db.sqlite3", FIX / "sparql.json")
    assert summary.added == 2
    p = store.stored_person(store.person_by_external_id("wikidata", "Q900000110"))
    assert (p.native, p.lang, p.born, p.died) == ("Tildy Zoltán", "hu", 1889, 1961)
    assert {v.form for v in p.variants} == {"Zoltán Tildy", "Золтан Тилди"}


def test_bad_line_names_position_and_id_and_loses_nothing(tmp_path):
    lines = (FIX / "humans.json").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:200]  # Q900000103 cut off in the middle
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "db.sqlite3"
    with pytest.raises(InputError, match=r"line 5 \(byte \d+\) \(Q900000103\): not valid JSON"):
        run(db, path)
    store = Store(db)
    assert store.stored_person("nagy-ferenc") is not None  # the records before it are written
    assert store.person_by_external_id("wikidata", "Q900000103") is None
    summary, store = run(db, path, skip_bad=True)
    assert len(summary.bad) == 1 and store.stored_person("kossuth-lajos") is not None


def test_cli_import_and_lookup_carries_ids(tmp_path, cli_env):
    out = subprocess.run([sys.executable, "-m", "translit", "import", "wikidata", str(FIX / "humans.json")],
                         env=cli_env, capture_output=True, text=True, check=True).stdout
    assert "5 new persons, 1 joined" in out and "transactions of 1000 records" in out
    res = subprocess.run([sys.executable, "-m", "translit", "lookup", "--jsonl", "Ferenc Nagy"], env=cli_env,
                         capture_output=True, text=True, check=True).stdout
    best = json.loads(res)["best"]
    assert best["id"] == "nagy-ferenc" and best["ids"]["wikidata"] == "Q900000102"
    missing = subprocess.run([sys.executable, "-m", "translit", "import", "wikidata", str(tmp_path / "none.json")],
                             env=cli_env, capture_output=True, text=True)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_sigkill_leaves_whole_batches(tmp_path):
    """A killed import keeps whole batches (every person with its ids and audit row) and resumes."""
    src = tmp_path / "big.json"
    shutil.copy(FIX / "humans.json", src)
    lines = src.read_text(encoding="utf-8").splitlines()
    body = lines[3].rstrip(",")  # Nagy Ferenc, made into 400 distinct persons
    many = [body.replace("Q900000102", f"Q9100{i:05d}").replace("Nagy Ferenc", f"Nagy Ferenc{i}")
            .replace("900000102X", f"91{i:05d}X").replace('"900000102"', f'"91{i:05d}"') for i in range(400)]
    src.write_text("[\n" + ",\n".join(many) + "\n]\n", encoding="utf-8")
    db = tmp_path / "db.sqlite3"
    script = ("import sys, os, signal\nfrom translit.authority import Authority\nfrom translit.store import Store\n"
              "from translit.importers import Importer\nfrom translit.importers.wikidata import WikidataReader\n"
              "s = Store(sys.argv[1]); imp = Importer(Authority(store=s), s, 'wikidata', batch_size=50)\n"
              "def prog(n, w):\n    print(w, flush=True)\n    if w >= 150: os.kill(os.getpid(), signal.SIGKILL)\n"
              "imp.run(WikidataReader(sys.argv[2]), progress=prog)\n")
    proc = subprocess.run([sys.executable, "-c", script, str(db), str(src)], capture_output=True, text=True)
    assert proc.returncode == -9
    with sqlite3.connect(db) as c:
        persons = c.execute("SELECT COUNT(*) FROM person").fetchone()[0]
        ids = c.execute("SELECT COUNT(*) FROM external_id").fetchone()[0]
        audits = c.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    assert persons % 50 == 0 and persons == audits and ids == 3 * persons
    summary, store = run(db, src)
    assert summary.unchanged == persons and summary.added == 400 - persons


def test_person_to_dict_is_the_dataclass_fields(authority, tmp_path):
    """Person.to_dict, written out by hand for speed, gives what dataclasses.asdict gives (every field but
    origin and revision, empty ones left out); and the importer's unchecked person is the checked one."""
    from dataclasses import asdict, fields

    from translit.importers.records import person_from, person_of, prepare
    from translit.model import Person, Variant

    def reference(p):
        d = asdict(p)
        d.pop("origin")
        d.pop("revision")
        return {k: v for k, v in d.items() if v not in (None, "", [], {}) or k in ("id", "native", "family")}

    full = Person(id="x", native="Nagy Ferenc", lang="hu", family="Nagy", given="Ferenc", patronymic="P",
                  order="family-given", gender="m", born=1903, died=1979, description="d", confidence="probable",
                  note="n", exonyms={"de": "Franz Nagy"}, variants=[Variant("Ferenc Nagy", "spelling", "s")],
                  prominence=3, ids={"wikidata": "Q1"}, origin="o", revision=4)
    assert set(full.to_dict()) == {f.name for f in fields(Person)} - {"origin", "revision"}
    for p in [full, *authority]:
        assert p.to_dict() == reference(p)
    records = [r for r in WikidataReader(str(FIX / "humans.json"), None, {}) if not isinstance(r, InputError)]
    assert records
    for r in records:
        prepare(r, authority)
        assert person_of(r, "p") == person_from(r, "p")


def test_two_processes_import_what_one_does(tmp_path, cli_env):
    """-j 2 (reading and preparing in a worker process) writes the same persons as -j 1, and reports a bad
    record the same way."""
    dbs = []
    for jobs in ("1", "2"):
        env = dict(cli_env, TRANSLIT_DB=str(tmp_path / f"j{jobs}.sqlite3"))
        subprocess.run([sys.executable, "-m", "translit", "import", "wikidata", "-j", jobs, "--batch", "2",
                        str(FIX / "humans.json")], env=env, check=True, capture_output=True)
        with sqlite3.connect(env["TRANSLIT_DB"]) as c:
            dbs.append(c.execute("SELECT id, data FROM person ORDER BY id").fetchall())
    assert dbs[0] == dbs[1] and len(dbs[0]) == 6
    # a changed record is tagged by the worker on a re-import (unchanged ones are left untagged, unwritten)
    changed = tmp_path / "changed.json"
    changed.write_text((FIX / "humans.json").read_text(encoding="utf-8").replace(
        '"Leonid Breschnew"', '"Leonid Iljitsch Breschnew"'), encoding="utf-8")
    env = dict(cli_env, TRANSLIT_DB=str(tmp_path / "j2.sqlite3"))
    out = subprocess.run([sys.executable, "-m", "translit", "import", "wikidata", "-j", "2", str(changed)],
                         env=env, check=True, capture_output=True, text=True).stdout
    assert "5 unchanged" in out and "1 updated" in out
    br = Store(env["TRANSLIT_DB"]).stored_person("brezhnev-leonid")
    assert {v.form: v.source for v in br.variants}["Leonid Iljitsch Breschnew"] == \
        "wikidata:Q900000108 label@de+scheme:ru-de"
    lines = (FIX / "humans.json").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:200]
    bad = tmp_path / "bad.json"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        env = dict(cli_env, TRANSLIT_DB=str(tmp_path / f"bad{jobs}.sqlite3"))
        res = subprocess.run([sys.executable, "-m", "translit", "import", "wikidata", "-j", jobs, str(bad)],
                             env=env, capture_output=True, text=True)
        assert res.returncode == 2 and "line 5 (byte" in res.stderr and "(Q900000103): not valid JSON" in res.stderr


def test_api_and_reconciliation_carry_external_ids(tmp_path):
    from translit.web import create_app

    db = tmp_path / "web.sqlite3"
    run(db, FIX / "humans.json")
    client = create_app({"TESTING": True, "TRANSLIT_DB": str(db)}).test_client()
    best = client.get("/api/v1/lookup", query_string={"q": "Ferenc Nagy"}).get_json()["best"]
    assert best["id"] == "nagy-ferenc" and best["ids"]["gnd"] == "900000102X"
    kh = client.get("/api/v1/lookup", query_string={"q": "Chruschtschow"}).get_json()["best"]
    assert kh["id"] == "khrushchev-nikita" and kh["ids"] == {"wikidata": "Q35314"}
    r = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "Tildy Zoltán"},
                                                               "q1": {"query": "Nagy Ferenc"}})}).get_json()
    assert r["q1"]["result"][0]["ids"]["wikidata"] == "Q900000102"


def test_batch_write_path_writes_what_the_one_at_a_time_path_writes(tmp_path, monkeypatch):
    """The records written together (bulk.Batch) leave the same rows as the same records resolved one by
    one (Importer._apply): persons, external ids, audit, name keys, import records; in a batch that also
    holds records that meet earlier ones (the fixture's redirect and shipped persons)."""
    from translit.importers import bulk

    def rows(db):
        with sqlite3.connect(db) as c:
            return {
                "person": sorted((i, json.loads(d), dl, r) for i, d, dl, r in
                                 c.execute("SELECT id, data, deleted, rev FROM person")),
                "ids": sorted(c.execute("SELECT * FROM external_id")),
                "audit": sorted((a, p, json.loads(x) if x else None) for a, p, x in
                                c.execute("SELECT action, person_id, after FROM audit")),
                "key": sorted(c.execute("SELECT * FROM import_key")),
                "record": sorted(c.execute("SELECT source, record_id, person_id, digest, created, data "
                                           "FROM import_record")),
                "revision": c.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone(),
            }

    staged = []
    stage = bulk.Batch._stage
    monkeypatch.setattr(bulk.Batch, "_stage", lambda self, r, pid: staged.append(pid) or stage(self, r, pid))
    fast, _ = run(tmp_path / "fast.sqlite3", FIX / "humans.json")
    assert len(staged) == fast.added > 1 and fast.joined_by_name == 1  # both paths in one batch
    staged.clear()
    monkeypatch.setattr(bulk.Batch, "_stage", lambda self, r, pid: staged.append(pid))
    monkeypatch.setattr(bulk.Batch, "_fresh_id", lambda self, r: None)
    slow, _ = run(tmp_path / "slow.sqlite3", FIX / "humans.json")
    assert not staged
    assert fast.to_dict() == slow.to_dict()
    assert rows(tmp_path / "fast.sqlite3") == rows(tmp_path / "slow.sqlite3")
