"""The editable store: real SQLite files, several processes, a killed writer."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import tomllib

import pytest

from translit import editing
from translit.authority import Authority
from translit.errors import InputError, NotFoundError, StoreError
from translit.store import Store


def test_add_edit_variant_history(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_person(a, store, {"id": "rajk-julia", "native": "Rajk Júlia", "lang": "hu", "family": "Rajk",
                                  "given": "Júlia", "order": "family-given"}, who="alice")
    assert a["rajk-julia"].native == "Rajk Júlia"
    editing.edit_person(a, store, "kovacs-bela", {"description": "Secretary-general of the party"}, who="bob")
    editing.add_variant(a, store, "kovacs-bela", "Kovach Bela", "spelling", "test", who="bob")
    assert any(v.form == "Kovach Bela" for v in a["kovacs-bela"].variants)
    editing.remove_variant(a, store, "kovacs-bela", "Kovach Bela", who="bob")
    assert not any(v.form == "Kovach Bela" for v in a["kovacs-bela"].variants)
    hist = store.history()
    assert [h["action"] for h in hist][:4] == ["variant-remove", "variant-add", "edit", "add"]
    edit = next(h for h in hist if h["action"] == "edit")
    assert edit["who"] == "bob" and edit["before"]["description"] == "Smallholder politician."
    assert edit["after"]["description"] == "Secretary-general of the party"
    # a second process (a fresh Authority on the same file) sees the edits
    b = Authority(mini_tables, store=Store(db_path))
    assert b["kovacs-bela"].description == "Secretary-general of the party"
    assert "rajk-julia" in b


def test_shipped_files_never_touched(mini_tables, db_path):
    before = (mini_tables / "persons" / "mini.toml").read_bytes()
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.edit_person(a, store, "kovacs-bela", {"description": "changed"})
    assert (mini_tables / "persons" / "mini.toml").read_bytes() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "Bad Id", "native": "X", "lang": "en", "family": "X"}, "id"),
        ({"id": "x", "native": "", "lang": "en", "family": "X"}, "native"),
        ({"id": "x", "native": "X", "lang": "en", "family": "X", "order": "sideways"}, "order"),
        ({"id": "x", "native": "X", "lang": "en", "family": "X", "colour": "red"}, "unknown field"),
        ({"id": "kovacs-bela", "native": "X", "lang": "hu", "family": "X"}, "exists"),
    ],
)
def test_bad_person_is_refused_and_nothing_written(mini_tables, db_path, data, message):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    rev = store.revision()
    with pytest.raises(InputError, match=message):
        editing.add_person(a, store, data)
    assert store.revision() == rev and store.history() == []


def test_unknown_person_and_variant(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    with pytest.raises(NotFoundError):
        editing.add_variant(a, store, "nobody", "X")
    with pytest.raises(NotFoundError):
        editing.remove_variant(a, store, "kovacs-bela", "never there")


def test_no_store_means_clear_error(mini_tables):
    a = Authority(mini_tables)
    with pytest.raises(StoreError, match="database"):
        editing.add_variant(a, None, "kovacs-bela", "X")


def test_export_round_trips(mini_tables, db_path, tmp_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_variant(a, store, "kovacs-bela", "Kowacs", "spelling", "test")
    out = tmp_path / "export"
    paths = editing.export_tables(a, out)
    assert [p.name for p in paths] == ["mini.toml"]
    data = tomllib.loads(paths[0].read_text(encoding="utf-8"))
    kb = next(p for p in data["person"] if p["id"] == "kovacs-bela")
    assert {"form": "Kowacs", "kind": "spelling", "source": "test"} in kb["variants"]
    # the exported directory loads as tables again
    import shutil

    t2 = tmp_path / "t2"
    shutil.copytree(mini_tables, t2, ignore=shutil.ignore_patterns("persons"))
    shutil.copytree(out, t2 / "persons")
    assert Authority(t2)["kovacs-bela"].variants[0].form == "Kowacs"


def test_import_csv_all_or_nothing(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    good = "id,form,kind,source\nkovacs-bela,Kovacz,spelling,x\nivanov-ivan,Iwanow,spelling,y\n"
    assert editing.import_csv(a, store, good) == 2
    assert {v.form for v in a["ivanov-ivan"].variants} == {"Iwanow"}
    bad = "id,form\nkovacs-bela,Kovatch\nnobody,Foo\n"
    rev = store.revision()
    with pytest.raises(InputError, match="line 3"):
        editing.import_csv(a, store, bad)
    assert store.revision() == rev
    assert "Kovatch" not in {v.form for v in a["kovacs-bela"].variants}
    with pytest.raises(InputError, match="columns"):
        editing.import_csv(a, store, "name,spelling\nx,y\n")
    with pytest.raises(InputError, match="more fields"):
        editing.import_csv(a, store, "id,form\nkovacs-bela,A,B\n")


def _writer(tables, db, n, k):
    store = Store(db)
    a = Authority(str(tables), store=store)
    for i in range(k):
        editing.add_variant(a, store, "kovacs-bela", f"Form{n}x{i}", "spelling", f"proc{n}")


def test_concurrent_writers_lose_nothing(mini_tables, db_path):
    Store(db_path).revision()  # create the schema once
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(mini_tables, db_path, n, 25)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    a = Authority(mini_tables, store=Store(db_path))
    forms = {v.form for v in a["kovacs-bela"].variants}
    assert forms == {f"Form{n}x{i}" for n in range(4) for i in range(25)}
    assert len(Store(db_path).history(limit=1000)) == 100


KILL_SCRIPT = r'''
import sys
from translit.store import Store
from translit.model import Variant
store = Store(sys.argv[1])
with store._write() as conn:
    for i in range(200000):
        conn.execute("INSERT INTO variant VALUES (?, ?, 'spelling', 'bulk', 0, 0)", ("kovacs-bela", f"Bulk{i}"))
        if i == 1000:
            print("writing", flush=True)
'''


def test_killed_writer_leaves_old_version(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_variant(a, store, "kovacs-bela", "Before", "spelling", "t")
    rev = store.revision()
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db_path)], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    fresh = Store(db_path)
    assert fresh.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert fresh.revision() == rev
    forms = {v.form for v in Authority(mini_tables, store=fresh)["kovacs-bela"].variants}
    assert forms == {"Before"}


def test_read_only_database_is_a_clear_error(mini_tables, db_path):
    store = Store(db_path)
    store.revision()
    store.close()
    ro = Store(db_path, readonly=True)
    a = Authority(mini_tables, store=ro)
    with pytest.raises(StoreError, match="read-only"):
        editing.add_variant(a, ro, "kovacs-bela", "X")
    assert a["kovacs-bela"].native == "Kovács Béla"  # still answers


def test_unopenable_database(tmp_path, mini_tables):
    target = tmp_path / "file"
    target.write_text("x")
    store = Store(target / "sub" / "db.sqlite3")
    with pytest.raises(StoreError, match="cannot open"):
        store.add_variant("kovacs-bela", __import__("translit").Variant("X"))


def test_wal_mode(db_path):
    store = Store(db_path)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert isinstance(store.conn, sqlite3.Connection)


EXPORT_SCRIPT = r'''
import sys
from pathlib import Path
from translit import editing
from translit.authority import Authority
from translit.store import Store
tables, db, out = sys.argv[1:4]
a = Authority(tables, store=Store(db))
print("exporting", flush=True)
while True:
    editing.export_tables(a, Path(out))
'''


def test_killed_export_leaves_whole_files(mini_tables, db_path, tmp_path):
    """SIGKILL while exporting over and over: every exported file is a whole TOML file, old or new."""
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    for i in range(300):
        editing.add_variant(a, store, "kovacs-bela", f"Variant{i}", "spelling", "t")
    out = tmp_path / "export"
    editing.export_tables(a, out)
    before = {p.name: p.read_bytes() for p in out.glob("*.toml")}
    editing.add_variant(a, store, "ivanov-ivan", "Iwanow", "spelling", "convention:de")
    proc = subprocess.Popen([sys.executable, "-c", EXPORT_SCRIPT, str(mini_tables), str(db_path), str(out)],
                            stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"exporting"
    import time

    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    for path in out.glob("*.toml"):
        data = path.read_bytes()
        tomllib.loads(data.decode("utf-8"))  # whole, parseable
        assert data == before.get(path.name) or b"Iwanow" in data or path.name not in before


def test_full_disk_is_a_clear_error_and_lookups_go_on(mini_tables, db_path):
    """A database that cannot grow (SQLite's max_page_count stands in for a full disk)."""
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_variant(a, store, "kovacs-bela", "Before", "spelling", "t")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="full"):
        for i in range(2000):
            editing.add_variant(a, store, "kovacs-bela", f"Long variant number {i} " + "x" * 200, "spelling", "t")
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    from translit.lookup import Lookup

    assert Lookup(a).lookup("Kovács Béla").best.person.id == "kovacs-bela"  # the service keeps answering


def _open_at_once(path, barrier, results):
    barrier.wait()
    try:
        results.put(Store(path).revision())
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(repr(exc))


def test_processes_opening_a_new_database_at_the_same_moment_all_succeed(tmp_path):
    """The workers of a web server start together and open the same new file: switching it to WAL and
    making its tables meet locks SQLite reports at once (a worker failed to boot, and gunicorn stopped);
    they are waited for. Before the fix about half of these rounds lost a process."""
    ctx = mp.get_context("fork")
    for trial in range(10):
        path = tmp_path / f"new-{trial}.sqlite3"
        n = 6
        barrier, results = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_open_at_once, args=(path, barrier, results)) for _ in range(n)]
        for p in procs:
            p.start()
        got = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert got == [0] * n, (trial, got)
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_external_ids_live_on_the_person(mini_tables, db_path):
    """A person's external ids (Wikidata, VIAF, GND, LC NAF) are stored with it and found by id."""
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_person(a, store, {"id": "nagy-ferenc", "native": "Nagy Ferenc", "lang": "hu", "family": "Nagy",
                                  "given": "Ferenc", "order": "family-given",
                                  "ids": {"wikidata": "Q372286", "viaf": "52479357"}}, who="alice")
    assert a["nagy-ferenc"].ids == {"wikidata": "Q372286", "viaf": "52479357"}
    assert store.person_by_external_id("wikidata", "Q372286") == "nagy-ferenc"
    assert store.person_by_external_id("wikidata", "Q1") is None
    editing.edit_person(a, store, "nagy-ferenc", {"ids": {"wikidata": "Q372286"}}, who="bob")
    assert store.person_by_external_id("viaf", "52479357") is None
    assert store.stored_person("nagy-ferenc").ids == {"wikidata": "Q372286"}


@pytest.mark.parametrize("ids, message", [
    ({"wikidata": "372286"}, "not well formed"),
    ({"orcid": "0000"}, "unknown authority"),
    ("Q1", "must be a table"),
])
def test_bad_external_ids_are_refused(mini_tables, db_path, ids, message):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    with pytest.raises(InputError, match=message):
        editing.add_person(a, store, {"id": "x-y", "native": "X Y", "lang": "hu", "family": "X", "ids": ids})
    assert "x-y" not in a
