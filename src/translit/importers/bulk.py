"""One batch of an import inside its transaction: what the database knows of the batch's records read in
a few queries, and the records that meet nothing known written together (executemany).

A record is *fresh* when no earlier import made anything of it, none of its external ids is held (by a
stored or a shipped person), and no person has its birth year and the words of one of its names: the
importer's own resolution (write.Importer._apply) would make a new person of it, and so does this, with
the same rows (person, external ids, audit, name key, import record), only without a query each.  Every
other record goes through `_apply`, after the rows staged so far are written (it reads the database), and
what it writes is noted (`Touched`) so that a later record of the batch that meets it is not taken for
fresh on the strength of the batch's first reading.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import orjson

from .records import Record, name_keys, person_of, slug

CHUNK = 900  # host parameters a query (SQLite allows 999 at the least)


@dataclass
class Touched:
    """What the batch has written so far: external ids, (name key, born), import records, person ids."""

    ids: set[tuple[str, str]] = field(default_factory=set)
    keys: set[tuple[str, int]] = field(default_factory=set)
    records: set[str] = field(default_factory=set)
    pids: set[str] = field(default_factory=set)

    def person(self, p) -> None:
        self.pids.add(p.id)
        self.ids.update(p.ids.items())


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Batch:
    def __init__(self, importer, conn, records: list[Record], known: set[str]):
        self.imp, self.conn, self.records = importer, conn, records
        self.known = known  # record ids an earlier import wrote (changed ones: unchanged are not here)
        self.touched = importer.touched = Touched()
        for r in records:
            if r.status == "ok" and not r.keys:
                r.keys = name_keys(r, importer.fold)
        self.slugs = {id(r): candidates(r) for r in records}
        self.held = self._held()
        self.keyed = self._keyed()
        self.taken = self._taken()
        self.rows: dict[str, list] = {k: [] for k in ("person", "ids", "audit", "key", "record")}

    # -- the batch's first reading ---------------------------------------------------------
    def _held(self) -> set[tuple[str, str]]:
        by_auth: dict[str, set[str]] = {}
        for r in self.records:
            for a, v in r.ids.items():
                by_auth.setdefault(a, set()).add(v)
        out = set()
        for auth, values in by_auth.items():
            for part in _chunks(sorted(values)):
                out.update(self.conn.execute(
                    f"SELECT authority, value FROM external_id WHERE authority = ? AND value IN "
                    f"({','.join('?' * len(part))})", (auth, *part)))
        return out

    def _keyed(self) -> set[tuple[str, int]]:
        keys = sorted({k for r in self.records if r.born is not None for k in r.keys})
        out = set()
        for part in _chunks(keys):
            out.update(self.conn.execute(f"SELECT DISTINCT key, born FROM import_key WHERE key IN "
                                         f"({','.join('?' * len(part))})", part))
        return out

    def _taken(self) -> set[str]:
        pids = sorted({c for cs in self.slugs.values() for c in cs if c})
        out = set()
        for part in _chunks(pids):
            out.update(row[0] for row in self.conn.execute(
                f"SELECT id FROM person WHERE id IN ({','.join('?' * len(part))})", part))
        return out

    # -- the records -----------------------------------------------------------------------
    def run(self) -> None:
        imp = self.imp
        for r in self.records:
            pid = self._fresh_id(r)
            if pid:
                self._stage(r, pid)
            else:
                self.write()
                imp._apply(self.conn, r, r.prepared)
        self.write()

    def _fresh_id(self, r: Record) -> str | None:
        """The id a new person of `r` gets, if `r` is fresh and one of its first ids is free; else None."""
        imp, t = self.imp, self.touched
        if r.status != "ok" or r.replaces or not r.finished or r.record_id in self.known or r.record_id in t.records:
            return None
        for iv in r.ids.items():
            if iv in self.held or iv in imp.shipped_ids or iv in t.ids:
                return None
        if r.born is not None:
            for k in r.keys:
                kb = (k, r.born)
                if kb in imp.shipped_keys or kb in self.keyed or kb in t.keys:
                    return None
        base = imp.authority.base
        return next((c for c in self.slugs[id(r)] if c and c not in base and c not in self.taken and c not in t.pids),
                    None)

    def _stage(self, r: Record, pid: str) -> None:
        imp, now = self.imp, time.time()
        person = person_of(r, pid)
        data = orjson.dumps(person.to_dict()).decode("utf-8")
        rows = self.rows
        rows["person"].append((pid, data, now))
        rows["ids"].extend((a, v, pid) for a, v in person.ids.items())
        rows["audit"].append((now, imp.who, "import-add", pid, data))
        if r.born is not None:
            rows["key"].append((r.keys[0], r.born, pid))
            self.touched.keys.add((r.keys[0], r.born))
        contribution = imp.contribution(r)
        rows["record"].append((imp.source, r.record_id, pid, r.prepared, 1,
                               orjson.dumps(contribution).decode("utf-8"), now))
        self.touched.person(person)
        self.touched.records.add(r.record_id)
        imp.summary.added += 1
        imp.summary.persons_written += 1

    def write(self) -> None:
        """The staged rows, in one statement a table (the same rows as Store.write_person & co. write)."""
        rows, conn = self.rows, self.conn
        if not rows["person"]:
            return
        pids = [(row[0],) for row in rows["person"]]
        conn.executemany(
            "INSERT INTO person (id, data, deleted, updated, rev, changed) VALUES (?, ?, 0, ?, 1, "
            "(SELECT CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'revision'))", rows["person"])
        conn.executemany("DELETE FROM variant WHERE person_id = ?", pids)
        conn.executemany("DELETE FROM external_id WHERE person_id = ?", pids)
        conn.executemany("INSERT OR REPLACE INTO external_id VALUES (?, ?, ?)", rows["ids"])
        conn.executemany("INSERT INTO audit (at, who, action, person_id, before, after) "
                         "VALUES (?, ?, ?, ?, NULL, ?)", rows["audit"])
        conn.executemany("INSERT OR IGNORE INTO import_key VALUES (?, ?, ?)", rows["key"])
        conn.executemany("INSERT OR REPLACE INTO import_record VALUES (?, ?, ?, ?, ?, ?, ?)", rows["record"])
        for v in rows.values():
            v.clear()


def candidates(r: Record) -> list[str | None]:
    """The first ids a new person of `r` may get: its slug, with the birth year, with the record id."""
    base = slug(r)
    return [base, f"{base}-{r.born}" if r.born else None, f"{base}-{slug_part(r.record_id)}"]


def slug_part(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum()) or "x"
