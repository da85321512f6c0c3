"""The editable layer: user additions and edits in SQLite, with an audit trail.

The shipped tables are never written. Every change is one transaction that also writes its audit
row and bumps the revision, so readers in other processes see either all of it or none of it.
"""

from __future__ import annotations

import errno
import getpass
import json
import logging
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from .errors import ConflictError, NotFoundError, ReadOnlyError, StoreError
from .model import Person, Variant
from .schema import (
    _CANNOT_WRITE,
    _CHANGED_INDEX,
    _DROPPED_TABLES,
    _MIGRATIONS,
    SCHEMA,
    _apply,
    _fold_variant_rows,
)

log = logging.getLogger("translit.store")


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
    """An SQLite file of edits; safe for many processes (WAL, busy timeout, immediate transactions).

    A file that cannot be written (read-only file or volume, full disk) is opened read-only: lookups go
    on, `readonly` is set, `readonly_reason` says why, and every edit is refused with ReadOnlyError."""

    def __init__(self, path: str | Path | None = None, readonly: bool = False):
        self.path = Path(path) if path else default_db_path()
        self.readonly = readonly
        self.readonly_reason = "opened read-only" if readonly else ""
        self.base: dict[str, Person] = {}  # the shipped persons (set by the Authority): edits start from them
        self._conn: sqlite3.Connection | None = None
        self._pid = None
        self._columns = {"rev", "changed"}

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # never share a connection across fork
            try:
                conn = self._open_read_only() if self.readonly else self._open_writable()
            except (sqlite3.Error, OSError) as exc:
                raise StoreError(f"cannot open database {self.path}: {exc}") from None
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _open_writable(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._open()
        except (sqlite3.OperationalError, PermissionError, OSError) as exc:
            if isinstance(exc, OSError) and not isinstance(exc, PermissionError) and exc.errno not in (
                    errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EPERM):
                raise
            if isinstance(exc, sqlite3.OperationalError) and not any(w in str(exc).lower() for w in _CANNOT_WRITE):
                raise
            self.readonly = True
            self.readonly_reason = f"cannot open database {self.path} for writing ({exc}): edits are off"
            log.warning("%s", self.readonly_reason)
            return self._open_read_only()

    def _open_read_only(self) -> sqlite3.Connection:
        """The file read-only; where it has no readable state (none yet, or a WAL file that cannot be made
        on a read-only volume) an empty in-memory database of the same schema (the shipped tables alone)."""
        if self.path.exists():
            for mode in ("ro", "ro&immutable=1"):
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30,
                                       isolation_level=None, check_same_thread=False)
                try:
                    conn.execute("PRAGMA busy_timeout = 30000")
                    conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
                    self._columns = {r[1] for r in conn.execute("PRAGMA table_info(person)")}
                    return conn
                except sqlite3.Error:
                    conn.close()
        if not self.readonly_reason:
            self.readonly_reason = f"database {self.path} cannot be read: edits are off"
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.executescript(SCHEMA)
        self._columns = {"rev", "changed"}
        return conn

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
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("BEGIN IMMEDIATE")  # a writer from the start
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                columns = {r[1] for r in conn.execute("PRAGMA table_info(person)")}
                for column, sql in _MIGRATIONS:
                    if column not in columns:
                        conn.execute(sql)
                conn.execute(_CHANGED_INDEX)
                for table in _DROPPED_TABLES:
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
                conn.execute("COMMIT")
                self._columns = {"rev", "changed"}
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
        conn = self.conn
        if self.readonly:
            raise ReadOnlyError(self.readonly_reason or f"database {self.path} is open read-only: edits are off")
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

    def _select(self, where: str = "") -> str:
        cols = "rev" if "rev" in self._columns else "0"
        return f"SELECT id, data, deleted, {cols} FROM person {where}"

    def merge(self, persons: dict[str, Person]) -> dict[str, Person]:
        """The shipped persons with this store's edits applied, in one pass over the rows (a row that does
        not read as a person is skipped with a warning: one bad row must not stop every lookup)."""
        merged = dict(persons)
        conn = self.conn
        conn.execute("BEGIN")  # one snapshot of persons and legacy variant rows
        try:
            for pid, data, deleted, rev in conn.execute(self._select()):
                _apply(merged, pid, data, deleted, rev, persons)
            _fold_variant_rows(merged, conn.execute(
                "SELECT person_id, form, kind, source, removed FROM variant ORDER BY person_id, updated"))
        finally:
            conn.execute("COMMIT")
        return merged

    def changes_since(self, revision: int) -> tuple[int, list[tuple[str, Person | None]]]:
        """(the store's revision, [(person id, the person now or None if deleted or unreadable)]) for every
        person written after `revision`: the change log an open process applies instead of reloading."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
            rows = conn.execute(self._select("WHERE changed > ?"), (revision,)).fetchall() \
                if "changed" in self._columns else []
        finally:
            conn.execute("COMMIT")
        out = []
        for pid, data, deleted, rev in rows:
            got: dict[str, Person] = {}
            _apply(got, pid, data, deleted, rev, self.base)
            out.append((pid, got.get(pid)))
        return (int(row[0]) if row else 0), out

    def current_person(self, conn, pid: str) -> Person | None:
        """The person as it is now (stored row, else the shipped one), read inside the caller's transaction."""
        row = conn.execute(self._select("WHERE id = ?"), (pid,)).fetchone()
        if row is None:
            person = self.base.get(pid)
        elif row[2]:
            return None
        else:
            got: dict[str, Person] = {}
            _apply(got, *row, self.base)
            person = got.get(pid)
            if person is None:
                raise StoreError(f"the stored record of {pid!r} is unreadable; repair or delete it")
        legacy = conn.execute("SELECT person_id, form, kind, source, removed FROM variant WHERE person_id = ? "
                              "ORDER BY updated", (pid,)).fetchall()
        if legacy and person is not None:
            got = {pid: person}
            _fold_variant_rows(got, legacy)
            person = got[pid]
        return person

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
        row = (conn or self.conn).execute(self._select("WHERE id = ?"), (pid,)).fetchone()
        if row is None or row[2]:
            return None
        return Person.from_dict(json.loads(row[1]), origin="store", revision=row[3])

    # -- writing ----------------------------------------------------------------------------
    def transaction(self):
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, the revision bumped): read, check and
        write inside it; `write_person` and `person_by_external_id` take its connection."""
        return self._write()

    def put_row(self, conn, person: Person, deleted: bool = False) -> int:
        """Write a person's row inside an open transaction: its revision goes up by one and it enters the
        change log; its external ids are rewritten. The person's new revision."""
        data = json.dumps(person.to_dict(), ensure_ascii=False)
        conn.execute(
            "INSERT INTO person (id, data, deleted, updated, rev, changed) VALUES (?, ?, ?, ?, ?, "
            "(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'revision')) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted, "
            "updated = excluded.updated, rev = person.rev + 1, changed = excluded.changed",
            (person.id, data, int(deleted), time.time(), person.revision + 1),
        )
        conn.execute("DELETE FROM variant WHERE person_id = ?", (person.id,))  # folded into the record
        conn.execute("DELETE FROM external_id WHERE person_id = ?", (person.id,))
        if not deleted:
            conn.executemany("INSERT OR REPLACE INTO external_id VALUES (?, ?, ?)",
                             [(auth, value, person.id) for auth, value in person.ids.items()])
        return conn.execute("SELECT rev FROM person WHERE id = ?", (person.id,)).fetchone()[0]

    def write_person(self, conn, person: Person, before: Person | None, who: str | None = None,
                     action: str | None = None) -> None:
        """Store a whole person record inside an open transaction, with its external ids and audit row."""
        person.revision = self.put_row(conn, person)
        self._audit(conn, who, action or ("edit" if before else "add"), person.id,
                    before.to_dict() if before else None, person.to_dict())

    def put_person(self, person: Person, before: Person | None, who: str | None = None) -> None:
        with self._write() as conn:
            self.write_person(conn, person, before, who)

    def delete_person(self, person: Person, who: str | None = None) -> None:
        with self._write() as conn:
            self.put_row(conn, person, deleted=True)
            self._audit(conn, who, "delete", person.id, person.to_dict(), None)

    def add_variant(self, person_id: str, variant: Variant, who: str | None = None,
                    expect: int | None = None) -> Person:
        """Add (or re-kind) one variant of a person, read, checked and written in one transaction."""
        with self._write() as conn:
            person = require(self.current_person(conn, person_id), person_id)
            _check_expect(person, expect)
            after = replace(person, variants=[v for v in person.variants if v.form != variant.form] + [variant])
            after.revision = self.put_row(conn, after)
            self._audit(conn, who, "variant-add", person_id, None, variant.to_dict())
        return after

    def remove_variant(self, person_id: str, variant: Variant | str, who: str | None = None,
                       expect: int | None = None) -> Person:
        form = variant if isinstance(variant, str) else variant.form
        with self._write() as conn:
            person = require(self.current_person(conn, person_id), person_id)
            _check_expect(person, expect)
            match = [v for v in person.variants if v.form == form]
            if not match:
                raise NotFoundError(f"{person_id} has no variant {form!r} in the table "
                                    "(derived spellings cannot be removed)")
            after = replace(person, variants=[v for v in person.variants if v.form != form])
            after.revision = self.put_row(conn, after)
            self._audit(conn, who, "variant-remove", person_id, match[0].to_dict(), None)
        return after

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
        if self.readonly:  # nowhere to keep it: this process's own value
            return value
        self.conn.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))
        return self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]


def _check_expect(person: Person, expect: int | None) -> None:
    if expect is not None and person.revision != expect:
        raise ConflictError(f"{person.id} was changed since revision {expect} (it is at revision "
                            f"{person.revision}): nothing written; read it again and redo the edit")


def require(person: Person | None, pid: str) -> Person:
    if person is None:
        raise NotFoundError(f"no person with id {pid!r}")
    return person
