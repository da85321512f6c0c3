"""The editable layer: user additions and edits in SQLite, with an audit trail.

The shipped tables are never written. Every change is one transaction that also writes its audit
row and bumps the revision, so readers in other processes see either all of it or none of it.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import NotFoundError, StoreError
from .model import Person, Variant

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS person (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS variant (
    person_id TEXT NOT NULL, form TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL, PRIMARY KEY (person_id, form));
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    person_id TEXT, before TEXT, after TEXT);
CREATE TABLE IF NOT EXISTS rejected (
    key TEXT PRIMARY KEY, surface TEXT NOT NULL, at REAL NOT NULL, who TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidate (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, count INTEGER NOT NULL, contexts TEXT NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, pwhash TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS external_id (
    authority TEXT NOT NULL, value TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (authority, value));
CREATE INDEX IF NOT EXISTS external_id_person ON external_id (person_id);
INSERT OR IGNORE INTO meta VALUES ('revision', '0');
"""


def default_db_path() -> Path:
    env = os.environ.get("TRANSLIT_DB")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "translit" / "translit.sqlite3"


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


class Store:
    """An SQLite file of edits; safe for many processes (WAL, busy timeout, immediate transactions)."""

    def __init__(self, path: str | Path | None = None, readonly: bool = False):
        self.path = Path(path) if path else default_db_path()
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = None
        self._pid = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # never share a connection across fork
            try:
                if not self.readonly:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = self._open()
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot open database {self.path}: {exc}") from None
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _open(self, patience: float = 30.0) -> sqlite3.Connection:
        """A connection, the file in WAL mode with its tables made.  Processes that open a new file at the
        same moment (the workers of a web server starting) meet locks that SQLite reports at once instead
        of waiting for (switching to WAL; a reader turning writer): those are retried, for `patience`
        seconds at most, like the busy timeout of every other statement."""
        deadline = time.monotonic() + patience
        delay = 0.005
        while True:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA busy_timeout = 30000")
                if not self.readonly:
                    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                        conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                    conn.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;")  # a writer from the start
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(2 * delay, 0.2)
            except BaseException:
                conn.close()
                raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _write(self):
        if self.readonly:
            raise StoreError(f"database {self.path} is open read-only")
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from None
        try:
            yield conn
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:  # SQLite has already rolled back after some errors (disk full)
                conn.execute("ROLLBACK")
            raise StoreError(f"cannot write to {self.path}: {exc}") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _audit(self, conn, who, action, pid, before, after) -> None:
        conn.execute(
            "INSERT INTO audit (at, who, action, person_id, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), _who(who), action, pid,
             json.dumps(before, ensure_ascii=False) if before is not None else None,
             json.dumps(after, ensure_ascii=False) if after is not None else None),
        )

    # -- reading ----------------------------------------------------------------------------
    def revision(self) -> int:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        except sqlite3.Error:
            return 0
        return int(row[0]) if row else 0

    def merge(self, persons: dict[str, Person]) -> dict[str, Person]:
        """The shipped persons with this store's edits applied."""
        merged = dict(persons)
        conn = self.conn
        for pid, data, deleted in conn.execute("SELECT id, data, deleted FROM person"):
            if deleted:
                merged.pop(pid, None)
            else:
                merged[pid] = Person.from_dict(json.loads(data), origin="store")
        for pid, form, kind, source, removed in conn.execute(
            "SELECT person_id, form, kind, source, removed FROM variant ORDER BY updated"
        ):
            person = merged.get(pid)
            if person is None:
                continue
            variants = [v for v in person.variants if v.form != form]
            if not removed:
                variants.append(Variant(form, kind, source))
            merged[pid] = _replace_variants(person, variants)
        return merged

    def history(self, person_id: str | None = None, limit: int = 100) -> list[dict]:
        sql = "SELECT seq, at, who, action, person_id, before, after FROM audit"
        args: tuple = ()
        if person_id:
            sql += " WHERE person_id = ?"
            args = (person_id,)
        sql += " ORDER BY seq DESC LIMIT ?"
        rows = self.conn.execute(sql, args + (limit,)).fetchall()
        return [
            {"seq": r[0], "at": r[1], "who": r[2], "action": r[3], "person_id": r[4],
             "before": json.loads(r[5]) if r[5] else None, "after": json.loads(r[6]) if r[6] else None}
            for r in rows
        ]

    def person_by_external_id(self, authority: str, value: str, conn=None) -> str | None:
        """The id of the person that carries this external identifier, or None."""
        row = (conn or self.conn).execute(
            "SELECT person_id FROM external_id WHERE authority = ? AND value = ?", (authority, value)).fetchone()
        return row[0] if row else None

    def stored_person(self, pid: str, conn=None) -> Person | None:
        """The person as this store holds it (None where the store has no row, or it is deleted)."""
        row = (conn or self.conn).execute("SELECT data, deleted FROM person WHERE id = ?", (pid,)).fetchone()
        if row is None or row[1]:
            return None
        return Person.from_dict(json.loads(row[0]), origin="store")

    # -- writing ----------------------------------------------------------------------------
    def transaction(self):
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, the revision bumped): read, check and
        write inside it; `write_person` and `person_by_external_id` take its connection."""
        return self._write()

    def write_person(self, conn, person: Person, before: Person | None, who: str | None = None,
                     action: str | None = None) -> None:
        """Store a whole person record inside an open transaction, with its external ids and audit row."""
        after = person.to_dict()
        conn.execute(
            "INSERT INTO person (id, data, deleted, updated) VALUES (?, ?, 0, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data, deleted = 0, updated = excluded.updated",
            (person.id, json.dumps(after, ensure_ascii=False), time.time()),
        )
        conn.execute("DELETE FROM variant WHERE person_id = ?", (person.id,))
        conn.execute("DELETE FROM external_id WHERE person_id = ?", (person.id,))
        conn.executemany("INSERT OR REPLACE INTO external_id VALUES (?, ?, ?)",
                         [(auth, value, person.id) for auth, value in person.ids.items()])
        self._audit(conn, who, action or ("edit" if before else "add"), person.id,
                    before.to_dict() if before else None, after)

    def put_person(self, person: Person, before: Person | None, who: str | None = None) -> None:
        with self._write() as conn:
            # variants are part of the person record now; pending variant rows are folded in
            self.write_person(conn, person, before, who)

    def delete_person(self, person: Person, who: str | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO person (id, data, deleted, updated) VALUES (?, ?, 1, ?) "
                "ON CONFLICT(id) DO UPDATE SET deleted = 1, updated = excluded.updated",
                (person.id, json.dumps(person.to_dict(), ensure_ascii=False), time.time()),
            )
            self._audit(conn, who, "delete", person.id, person.to_dict(), None)

    def add_variant(self, person_id: str, variant: Variant, who: str | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO variant VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(person_id, form) DO UPDATE SET "
                "kind = excluded.kind, source = excluded.source, removed = 0, updated = excluded.updated",
                (person_id, variant.form, variant.kind, variant.source, time.time()),
            )
            self._audit(conn, who, "variant-add", person_id, None, variant.to_dict())

    def remove_variant(self, person_id: str, variant: Variant, who: str | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO variant VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT(person_id, form) DO UPDATE SET "
                "removed = 1, updated = excluded.updated",
                (person_id, variant.form, variant.kind, variant.source, time.time()),
            )
            self._audit(conn, who, "variant-remove", person_id, variant.to_dict(), None)

    def record_candidates(self, unknown: dict[str, int], contexts: dict[str, list[str]], fold) -> int:
        """Add the unknown names of a batch run to the review queue (rejected ones are not proposed again)."""
        rejected = self.rejected()
        n = 0
        with self._write() as conn:
            for name, count in unknown.items():
                key = fold(name)
                if not key or key in rejected:
                    continue
                row = conn.execute("SELECT count, contexts FROM candidate WHERE key = ?", (key,)).fetchone()
                ctx = (json.loads(row[1]) if row else []) + list(contexts.get(name, []))
                conn.execute(
                    "INSERT OR REPLACE INTO candidate VALUES (?, ?, ?, ?, ?)",
                    (key, name, count + (row[0] if row else 0), json.dumps(ctx[:5], ensure_ascii=False), time.time()),
                )
                n += 1
        return n

    def candidates(self, limit: int = 200) -> list[dict]:
        rows = self.conn.execute(
            "SELECT key, name, count, contexts FROM candidate ORDER BY count DESC, name LIMIT ?", (limit,)
        ).fetchall()
        return [{"key": r[0], "name": r[1], "count": r[2], "contexts": json.loads(r[3])} for r in rows]

    def drop_candidate(self, key: str, reject: bool, who: str | None = None) -> None:
        with self._write() as conn:
            row = conn.execute("SELECT name FROM candidate WHERE key = ?", (key,)).fetchone()
            conn.execute("DELETE FROM candidate WHERE key = ?", (key,))
            if reject:
                conn.execute("INSERT OR REPLACE INTO rejected VALUES (?, ?, ?, ?)",
                             (key, row[0] if row else key, time.time(), _who(who)))
            self._audit(conn, who, "reject-candidate" if reject else "accept-candidate", None, None,
                        {"key": key, "name": row[0] if row else key})

    # -- users of the web editor ----------------------------------------------------------
    def set_user(self, name: str, pwhash: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?)", (name, pwhash, time.time()))
            self._audit(conn, "admin", "user-set", None, None, {"user": name})

    def user_hash(self, name: str) -> str | None:
        row = self.conn.execute("SELECT pwhash FROM users WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def meta(self, key: str, default_factory=None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row or default_factory is None:
            return row[0] if row else None
        value = default_factory()
        self.conn.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))
        return self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]

    def rejected(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT key FROM rejected")}


def _replace_variants(person: Person, variants: list[Variant]) -> Person:
    from dataclasses import replace

    return replace(person, variants=variants)


def require(person: Person | None, pid: str) -> Person:
    if person is None:
        raise NotFoundError(f"no person with id {pid!r}")
    return person
