"""Writing imported records: one person per identity, in batches of one transaction each.

Identity: a record joins the person that carries any of its external ids (or that an earlier import of the
same record made); failing that, the one person whose native name has the same words and the same birth
year (never two: two candidates are a conflict); failing that, it makes a new person.  Safety: an unchanged
record (same digest as last time) is skipped without a write; a second source never renames a person (its
name becomes a variant); a field an editor changed since the import that made the person is kept and the
upstream change is reported as a conflict (and kept in the import_conflict table for review).
Speed: a batch's records that meet nothing known are written together (bulk.Batch, the same rows).
"""

from __future__ import annotations

import itertools
import json
import time

import orjson

from ..model import Person, Variant
from .bulk import Batch, Touched, candidates
from .records import Record, RecordError, finish, name_key, name_keys, person_of, prepare, uncached_fold
from .summary import ImportSummary

# the importer's own tables (the store's schema is not touched): what each record last said, the
# name-and-birth-year keys of imported persons, conflicts for review, and local redirects of upstream merges
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS import_record (source TEXT NOT NULL, record_id TEXT NOT NULL, "
    "person_id TEXT NOT NULL, digest TEXT NOT NULL, created INTEGER NOT NULL, data TEXT NOT NULL, "
    "at REAL NOT NULL, PRIMARY KEY (source, record_id))",
    "CREATE INDEX IF NOT EXISTS import_record_person ON import_record (person_id)",
    "CREATE TABLE IF NOT EXISTS import_key (key TEXT NOT NULL, born INTEGER NOT NULL, person_id TEXT NOT NULL, "
    "PRIMARY KEY (key, born, person_id))",
    "CREATE TABLE IF NOT EXISTS import_conflict (source TEXT NOT NULL, record_id TEXT NOT NULL, "
    "person_id TEXT NOT NULL, field TEXT NOT NULL, local TEXT, upstream TEXT, at REAL NOT NULL, "
    "PRIMARY KEY (source, record_id, person_id, field, upstream))",
    "CREATE TABLE IF NOT EXISTS redirect (from_id TEXT PRIMARY KEY, to_id TEXT NOT NULL)",
)
NAME_FIELDS = ("native", "family", "given", "patronymic")
FIELDS = ("native", "lang", "family", "given", "patronymic", "order", "gender", "born", "died", "description")
ID_OF_SOURCE = {"wikidata": "wikidata", "gnd": "gnd", "marc": "lcnaf"}  # the id a redirect names


class Importer:
    """Resolves and writes records; `run` takes an iterable of Records (or RecordErrors for bad ones)."""

    def __init__(self, authority, store, source: str, who: str | None = None, batch_size: int = 1000,
                 skip_bad: bool = False):
        if store is None:
            raise RecordError("import", None, "no database: an import needs one (drop --no-db)")
        self.authority, self.store, self.source = authority, store, source
        self.who = who or f"import:{source}"
        self.batch_size = max(1, batch_size)
        self.skip_bad = skip_bad
        self.summary = ImportSummary(source)
        self.fold = uncached_fold(authority)
        self.touched = Touched()  # what the current batch wrote (bulk.Batch)
        authority.refresh()
        self.shipped_ids = {(a, v): p.id for p in authority.base.values() for a, v in p.ids.items()}
        self.shipped_keys: dict[tuple[str, int], list[str]] = {}
        for p in authority.base.values():  # every spelling of a shipped person, derived ones included
            if p.born is not None:
                for key in {self.name_key(v.form) for v in authority.full_forms(p)}:
                    self.shipped_keys.setdefault((key, p.born), []).append(p.id)
        ensure_schema(store)
        self._finish_redirects()
        self._to_delete: list[str] = []

    def name_key(self, native: str) -> str:
        return name_key(self.fold, native)

    def contribution(self, r: Record) -> dict:
        """What the record says of the person's fields: kept to tell upstream changes from local edits."""
        return {f: getattr(r, f) for f in FIELDS} | {"ids": r.ids}

    # -- the stream ------------------------------------------------------------------------
    def run(self, records, progress=None) -> ImportSummary:
        batch: list[Record] = []
        for item in records:
            if isinstance(item, RecordError):
                self._bad(item, batch, progress)
                continue
            self.summary.read += 1
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._flush(batch, progress)
                batch = []
        self._flush(batch, progress)
        return self.summary

    def _bad(self, err: RecordError, batch: list[Record], progress) -> None:
        self.summary.bad.append(str(err))
        if not self.skip_bad:
            self._flush(batch, progress)  # the records before it are whole; nothing of it is written
            raise RecordError(err.position, err.record_id,
                              f"{err.reason} — nothing of this record was written; the records before it are "
                              "imported (fix it, or run again with --skip-bad to import the rest)")

    def _flush(self, batch: list[Record], progress) -> None:
        """Prepare the batch's records, leave out the unchanged ones, write the others in one transaction."""
        if not batch:
            return
        ready: list[Record] = []
        known = self._digests([r.record_id for r in batch])
        for n, r in enumerate(batch):
            done = r if r.prepared else prepare(r, self.authority, finish_it=False)
            if not isinstance(done, RecordError) and known.get(r.record_id) == r.prepared:
                self.summary.unchanged += 1
                continue
            if not isinstance(done, RecordError) and not r.finished:
                done = finish(r, self.authority)
            if isinstance(done, RecordError):
                if not self.skip_bad:
                    self._write(ready, known, n, progress)
                self._bad(done, [], progress)
                continue
            ready.append(r)
        self._write(ready, known, len(batch), progress)

    def _write(self, ready: list[Record], known: dict[str, str], n: int, progress) -> None:
        if ready:
            with self.store.transaction() as conn:
                Batch(self, conn, ready, set(known)).run()
            self.summary.batches += 1
            for pid in self._to_delete:
                person = self.store.stored_person(pid)
                if person is not None:
                    self.store.delete_person(person, self.who)
            self._to_delete = []
        if progress:
            progress(n, self.summary.persons_written)

    def _digests(self, ids: list[str]) -> dict[str, str]:
        out = {}
        conn = self.store.conn
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = ",".join("?" * len(chunk))
            out.update(conn.execute(f"SELECT record_id, digest FROM import_record WHERE source = ? AND "
                                    f"record_id IN ({q})", (self.source, *chunk)).fetchall())
        return out

    # -- one record ------------------------------------------------------------------------
    def _apply(self, conn, r: Record, digest: str) -> None:
        prev = conn.execute("SELECT person_id, created, data FROM import_record WHERE source = ? AND record_id = ?",
                            (self.source, r.record_id)).fetchone()
        if r.status == "deleted":  # reported, never silently applied
            self.summary.deleted += 1
            pid = prev[0] if prev else next(iter(sorted({self._holder(conn, a, v) for a, v in r.ids.items()}
                                                        - {None})), None)
            if pid:
                why = f"deleted upstream: {r.description}" if r.description else "deleted upstream"
                self._conflict(conn, r, pid, "record", "imported", why)
            self._remember(conn, r, pid or "", digest, bool(prev and prev[1]), {})
            return
        if r.status == "redirect":  # an upstream merge or replacement
            self._redirect(conn, r, prev[0] if prev else None)
            self._remember(conn, r, prev[0] if prev else "", digest, False, {})
            return
        holders = {self._holder(conn, a, v) for a, v in r.ids.items()} - {None}
        for old in r.replaces:
            holder = self._holder(conn, "lcnaf", old)
            if holder:
                holders.add(holder)
        if prev and self._person(conn, prev[0]) is not None:
            holders.add(prev[0])
        if len(holders) > 1:
            for pid in sorted(holders):
                self._conflict(conn, r, pid, "identity", "", f"the record's ids name {len(holders)} persons")
            return
        contribution = self.contribution(r)
        if not holders:
            pid = self._by_name(conn, r)
            if pid is None:
                self._add(conn, r, digest, contribution)
                return
            if pid == "":  # two persons fit
                return
            self.summary.joined_by_name += 1
            holders = {pid}
        pid = holders.pop()
        before = self._person(conn, pid)
        created = bool(prev and prev[1] and prev[0] == pid)
        after = self._merge(conn, before, r, json.loads(prev[2]) if prev and created else None, created)
        if after.to_dict() != before.to_dict():
            action = "import-update" if prev else "import-join"
            self._put(conn, after, before, action)
            self.summary.persons_written += 1
            self._key(conn, after)
        if prev and prev[0] == pid:
            self.summary.updated += 1
        else:
            self.summary.joined += 1
        self._remember(conn, r, pid, digest, created, contribution)

    def _add(self, conn, r: Record, digest: str, contribution: dict) -> None:
        first = candidates(r)
        for pid in itertools.chain(first, (f"{first[2]}-{n}" for n in itertools.count(2))):
            if pid and pid not in self.authority.base and not conn.execute(
                    "SELECT 1 FROM person WHERE id = ?", (pid,)).fetchone():
                break
        person = person_of(r, pid)
        self._put(conn, person, None, "import-add")
        self.summary.added += 1
        self.summary.persons_written += 1
        self._key(conn, person)
        self._remember(conn, r, pid, digest, True, contribution)

    def _merge(self, conn, before: Person, r: Record, prev: dict | None, created: bool) -> Person:
        data = before.to_dict()
        for f in FIELDS:
            up, loc = getattr(r, f), data.get(f)
            if up in (None, ""):
                continue
            if loc in (None, ""):
                data[f] = up
            elif loc != up and created:
                if prev is not None and prev.get(f) == loc:
                    data[f] = up  # upstream changed, nobody edited it here
                elif prev is None or prev.get(f) != up:
                    self._conflict(conn, r, before.id, f, loc, up)
            elif loc != up and f in ("born", "died"):
                self._conflict(conn, r, before.id, f, loc, up)
        forms = {data["native"]} | {v["form"] for v in data.get("variants", [])}
        variants = list(data.get("variants", []))
        if created and prev is not None:  # variants upstream no longer has go (only this record's own)
            now = {v.form for v in r.variants}
            variants = [v for v in variants if not v.get("source", "").startswith(r.tag + " ") or v["form"] in now]
        extra = list(r.variants)
        if not created and r.native not in forms:
            extra.insert(0, Variant(r.native, "spelling", f"{r.tag} heading"))
        for v in extra:
            if v.form not in forms:
                forms.add(v.form)
                variants.append(v.to_dict())
        data["variants"] = variants
        ids = dict(data.get("ids", {}))
        for old in r.replaces:
            if ids.get("lcnaf") == old:
                ids.pop("lcnaf")
        for auth, value in r.ids.items():
            holder = self._holder(conn, auth, value)
            if ids.get(auth) not in (None, value):
                self._conflict(conn, r, before.id, f"ids.{auth}", ids[auth], value)
            elif holder not in (None, before.id):
                self._conflict(conn, r, before.id, f"ids.{auth}", f"held by {holder}", value)
            else:
                ids[auth] = value
        data["ids"] = ids
        return Person.from_dict(data, origin="store")

    def _redirect(self, conn, r: Record, before: str | None = None) -> None:
        """An upstream merge (a Wikidata redirect, a MARC record deleted as replaced): the person of the old
        id (or the one this record made before) takes the new one, or is merged into its holder."""
        auth = ID_OF_SOURCE.get(self.source, self.source)
        src = self._holder(conn, auth, r.ids.get(auth, r.record_id)) or (
            before if before and self._person(conn, before) is not None else None)
        dst = self._holder(conn, auth, r.redirect_to)
        self.summary.redirects += 1
        if src is None or src == dst:
            return
        a = self._person(conn, src)
        if dst is None:
            after = Person.from_dict(a.to_dict() | {"ids": a.ids | {auth: r.redirect_to}}, origin="store")
            self._put(conn, after, a, "import-redirect")
            self.summary.persons_written += 1
            return
        b = self._person(conn, dst)
        data = b.to_dict()
        forms = {b.native} | {v.form for v in b.variants}
        moved = [Variant(a.native, "spelling", f"{r.tag} redirect")] + a.variants
        data["variants"] = data.get("variants", []) + [v.to_dict() for v in moved if v.form not in forms]
        data["ids"] = {k: v for k, v in a.ids.items() if k != auth} | b.ids
        after = Person.from_dict(data, origin="store")
        self._put(conn, Person.from_dict(a.to_dict() | {"ids": {}}, origin="store"), a, "import-redirect")
        self._put(conn, after, b, "import-merge")
        conn.execute("INSERT OR REPLACE INTO redirect VALUES (?, ?)", (src, dst))
        conn.execute("UPDATE import_record SET person_id = ? WHERE person_id = ?", (dst, src))
        conn.execute("UPDATE redirect SET to_id = ? WHERE to_id = ?", (dst, src))
        self.summary.persons_written += 2
        self._to_delete.append(src)

    def _finish_redirects(self) -> None:
        """A redirected person is deleted after its batch commits; an import killed in between ends it here."""
        for (pid,) in self.store.conn.execute("SELECT from_id FROM redirect").fetchall():
            person = self.store.stored_person(pid)
            if person is not None and not person.ids:
                self.store.delete_person(person, self.who)

    # -- helpers ---------------------------------------------------------------------------
    def _holder(self, conn, auth: str, value: str) -> str | None:
        pid = self.store.person_by_external_id(auth, value, conn)
        if pid is None:
            pid = self.shipped_ids.get((auth, value))
            if pid is not None and conn.execute("SELECT 1 FROM person WHERE id = ?", (pid,)).fetchone():
                return None  # the store's version of the shipped person no longer carries it
        return pid

    def _person(self, conn, pid: str) -> Person | None:
        stored = self.store.stored_person(pid, conn)
        if stored is not None:
            return stored
        if conn.execute("SELECT 1 FROM person WHERE id = ?", (pid,)).fetchone():
            return None  # deleted in the store
        return self.authority.base.get(pid)

    def _by_name(self, conn, r: Record) -> str | None:
        """The one person with the birth year and the name words of one of the record's forms (and no other
        id of the record's authorities): imported persons by their native form, shipped ones by every form;
        None for nobody, "" for several (reported)."""
        if r.born is None:
            return None
        pids: set[str] = set()
        for key in r.keys or name_keys(r, self.fold):
            pids.update(self.shipped_keys.get((key, r.born), []))
            pids.update(row[0] for row in conn.execute(
                "SELECT person_id FROM import_key WHERE key = ? AND born = ?", (key, r.born)))
        fits = []
        for pid in sorted(pids):
            p = self._person(conn, pid)
            if p is None or (p.died and r.died and p.died != r.died):
                continue
            if any(p.ids.get(a) not in (None, v) for a, v in r.ids.items()):
                continue
            fits.append(pid)
        if len(fits) > 1:
            for pid in fits:
                self._conflict(conn, r, pid, "identity", "", f"{len(fits)} persons fit the name and birth year")
            return ""
        return fits[0] if fits else None

    def _put(self, conn, after: Person, before: Person | None, action: str) -> None:
        self.store.write_person(conn, after, before, self.who, action)
        self.touched.person(after)

    def _key(self, conn, p: Person) -> None:
        if p.born is not None:
            key = self.name_key(p.native)
            conn.execute("INSERT OR IGNORE INTO import_key VALUES (?, ?, ?)", (key, p.born, p.id))
            self.touched.keys.add((key, p.born))

    def _remember(self, conn, r: Record, pid: str, digest: str, created: bool, contribution: dict) -> None:
        self.touched.records.add(r.record_id)
        conn.execute("INSERT OR REPLACE INTO import_record VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (self.source, r.record_id, pid, digest, int(created),
                      orjson.dumps(contribution).decode("utf-8"), time.time()))

    def _conflict(self, conn, r: Record, pid: str, fieldname: str, local, upstream) -> None:
        self.summary.conflicts.append({"record": r.tag, "person": pid, "field": fieldname,
                                       "local": local, "upstream": upstream})
        conn.execute("INSERT OR IGNORE INTO import_conflict VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (self.source, r.record_id, pid, fieldname, json.dumps(local, ensure_ascii=False),
                      json.dumps(upstream, ensure_ascii=False), time.time()))


def ensure_schema(store) -> None:
    """The importer's tables, made once (a write transaction only when one is missing)."""
    have = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if {"import_record", "import_key", "import_conflict", "redirect"} <= have:
        return
    with store.transaction() as conn:
        for stmt in SCHEMA:
            conn.execute(stmt)
