"""The database's schema, its migrations, and reading its person rows (used by translit.store)."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import replace
from itertools import groupby

from .model import Person, Variant

log = logging.getLogger("translit.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS person (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL,
    rev INTEGER NOT NULL DEFAULT 0, changed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS variant (
    person_id TEXT NOT NULL, form TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL, PRIMARY KEY (person_id, form));
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    person_id TEXT, before TEXT, after TEXT);
CREATE TABLE IF NOT EXISTS rejected (
    key TEXT PRIMARY KEY, surface TEXT NOT NULL, at REAL NOT NULL, who TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, pwhash TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS external_id (
    authority TEXT NOT NULL, value TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (authority, value));
CREATE INDEX IF NOT EXISTS external_id_person ON external_id (person_id);
INSERT OR IGNORE INTO meta VALUES ('revision', '0');
"""
# `person.rev` is the person's own revision (what an editor's If-Match names); `person.changed` the store
# revision that last wrote the row: the change log other processes read (`changes_since`), one row a person
# whatever the number of edits. Columns added to a database made before them:
_MIGRATIONS = (("rev", "ALTER TABLE person ADD COLUMN rev INTEGER NOT NULL DEFAULT 0"),
               ("changed", "ALTER TABLE person ADD COLUMN changed INTEGER NOT NULL DEFAULT 0"))
# tables of earlier versions that nothing reads any more, dropped when a database is opened for writing:
# `candidate`, the old review queue (translit.review's `discovery` table replaced it)
_DROPPED_TABLES = ("candidate",)
_CHANGED_INDEX = "CREATE INDEX IF NOT EXISTS person_changed ON person (changed)"
_CANNOT_WRITE = ("readonly", "read-only", "unable to open", "disk i/o", "full", "permission")


def _apply(persons: dict[str, Person], pid: str, data: str, deleted: int, rev: int, base=None) -> None:
    """One stored row into `persons`: the person replaced, or removed where deleted or unreadable (an
    edited shipped person keeps the origin of its table, where `tables export` writes it back)."""
    if deleted:
        persons.pop(pid, None)
        return
    try:
        shipped = (base or {}).get(pid)
        persons[pid] = Person.from_dict(json.loads(data), origin=shipped.origin if shipped else "store",
                                        revision=rev)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        log.warning("database row of person %r skipped: %s", pid, exc)
        warnings.warn(f"database row of person {pid!r} skipped: {exc}", stacklevel=3)
        persons.pop(pid, None)


def _fold_variant_rows(persons: dict[str, Person], rows) -> None:
    """Rows of the variant table (databases written before variants lived in the person record), grouped
    by person: each person's variant list rebuilt once, in a single pass (linear, not a copy a row)."""
    for pid, group in groupby(rows, key=lambda r: r[0]):
        person = persons.get(pid)
        if person is None:
            continue
        variants = {v.form: v for v in person.variants}
        for _, form, kind, source, removed in group:
            variants.pop(form, None)
            if not removed:
                variants[form] = Variant(form, kind, source)
        persons[pid] = replace(person, variants=list(variants.values()))
