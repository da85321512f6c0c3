"""A database made with an older schema: the old review queue table `candidate` is dropped on opening."""

from __future__ import annotations

import json
import sqlite3

from translit.authority import Authority
from translit.store import Store

OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE person (id TEXT PRIMARY KEY, data TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL, rev INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE variant (person_id TEXT NOT NULL, form TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL, PRIMARY KEY (person_id, form));
CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, who TEXT NOT NULL,
    action TEXT NOT NULL, person_id TEXT, before TEXT, after TEXT);
CREATE TABLE rejected (key TEXT PRIMARY KEY, surface TEXT NOT NULL, at REAL NOT NULL, who TEXT NOT NULL);
CREATE TABLE candidate (key TEXT PRIMARY KEY, name TEXT NOT NULL, count INTEGER NOT NULL, contexts TEXT NOT NULL,
    updated REAL NOT NULL);
CREATE TABLE users (name TEXT PRIMARY KEY, pwhash TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE external_id (authority TEXT NOT NULL, value TEXT NOT NULL, person_id TEXT NOT NULL,
    PRIMARY KEY (authority, value));
INSERT INTO meta VALUES ('revision', '7');
INSERT INTO candidate VALUES ('zzyzx', 'Zzyzx', 3, '[]', 0);
INSERT INTO rejected VALUES ('qqq', 'Qqq', 0, 'ed');
"""


def tables_of(path) -> set[str]:
    with sqlite3.connect(path) as c:
        return {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_old_database_loses_the_candidate_table_and_keeps_the_rest(tmp_path):
    db = tmp_path / "old.sqlite3"
    person = {"id": "nagy-ferenc-1903", "native": "Nagy Ferenc", "lang": "hu", "family": "Nagy",
              "given": "Ferenc", "order": "family-given", "born": 1903}
    with sqlite3.connect(db) as c:
        c.executescript(OLD_SCHEMA)
        c.execute("INSERT INTO person VALUES (?, ?, 0, 0, 1, 7)", (person["id"], json.dumps(person)))
    assert "candidate" in tables_of(db)
    store = Store(db)
    assert store.revision() == 7
    assert "candidate" not in tables_of(db)
    assert {"person", "audit", "rejected", "users", "external_id", "meta"} <= tables_of(db)
    for gone in ("record_candidates", "candidates", "drop_candidate"):
        assert not hasattr(store, gone)
    a = Authority(store=store)
    assert a["nagy-ferenc-1903"].native == "Nagy Ferenc"
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT surface FROM rejected").fetchall() == [("Qqq",)]
    store.close()
    assert "candidate" not in tables_of(db)  # and opening it again is a no-op
    Store(db).revision()
    assert "candidate" not in tables_of(db)


def test_read_only_old_database_still_opens(tmp_path):
    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as c:
        c.executescript(OLD_SCHEMA)
    store = Store(db, readonly=True)
    assert store.revision() == 7 and "candidate" in tables_of(db)  # nothing written to a read-only one
