"""Edits of the authority: validated, written to the store in one transaction, audited."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

import tomli_w

from .authority import Authority
from .errors import ConflictError, InputError, StoreError
from .model import VARIANT_KINDS, Person, Variant, check_text
from .store import Store, require
from .store import _check_expect as check_expect


def _need_store(store: Store | None, authority: Authority | None = None) -> Store:
    if store is None:
        raise StoreError("no database: edits need one (drop --no-db, or give --db PATH)")
    if authority is not None and not store.base:
        store.base = authority.base  # what an edit of a shipped person starts from
    return store


def _clean(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise InputError(f"{what} must be text")
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not text:
        raise InputError(f"{what} is empty")
    if len(text) > 300:
        raise InputError(f"{what} is longer than 300 characters")
    try:
        return check_text(text, what, name=True)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _person(data, revision: int = 0) -> Person:
    """The one validation of a person record at an editing boundary (types, texts, ids: Person.from_dict)."""
    if not isinstance(data, dict):
        raise InputError("a person must be a JSON object / table of fields")
    try:
        return Person.from_dict(_normalized(data), origin="store", revision=revision)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _expected(expect, changes: dict | None = None):
    """The revision an editor read (If-Match, or a `revision` field of the changes), or None."""
    if changes is not None and "revision" in changes:
        given = changes.pop("revision")
        expect = given if expect is None else expect
    if expect is None:
        return None
    if isinstance(expect, str) and expect.strip().strip('"W/').isdigit():
        expect = int(expect.strip().strip('"W/'))
    if not isinstance(expect, int) or isinstance(expect, bool) or expect < 0:
        raise InputError(f"revision must be a non-negative integer, not {expect!r}")
    return expect


def add_person(authority: Authority, store: Store | None, data: dict, who: str | None = None) -> Person:
    """A new person; refused when the id is taken, also by an add that commits first in another process."""
    store = _need_store(store, authority)
    person = _person(data)
    with store.transaction() as conn:
        if store.current_person(conn, person.id) is not None:
            raise ConflictError(f"a person with id {person.id!r} exists; use edit")
        store.write_person(conn, person, None, who)
    authority.refresh()
    return person


def edit_person(authority: Authority, store: Store | None, pid: str, changes: dict, who: str | None = None,
                expect: int | None = None) -> Person:
    """Change fields of a person: read, checked against `expect` (the revision the editor saw) and written
    in one transaction."""
    store = _need_store(store, authority)
    if not isinstance(changes, dict):
        raise InputError("changes must be a JSON object / table of fields")
    changes = dict(changes)
    expect = _expected(expect, changes)
    with store.transaction() as conn:
        before = require(store.current_person(conn, pid), pid)
        check_expect(before, expect)
        data = before.to_dict()
        data.update(changes)
        if data.get("id") != pid:
            raise InputError("the id of a person cannot be changed")
        after = _person(data, revision=before.revision)
        store.write_person(conn, after, before, who)
    authority.refresh()
    return after


def delete_person(authority: Authority, store: Store | None, pid: str, who: str | None = None,
                  expect: int | None = None) -> None:
    store = _need_store(store, authority)
    expect = _expected(expect)
    with store.transaction() as conn:
        before = require(store.current_person(conn, pid), pid)
        check_expect(before, expect)
        store.put_row(conn, before, deleted=True)
        store._audit(conn, who, "delete", pid, before.to_dict(), None)
    authority.refresh()


def add_variant(authority, store, pid, form, kind="spelling", source="", who=None, expect=None) -> Variant:
    store = _need_store(store, authority)
    if kind not in VARIANT_KINDS:
        raise InputError(f"kind {kind!r} is not one of {', '.join(VARIANT_KINDS)}")
    if source and not isinstance(source, str):
        raise InputError("source must be text")
    variant = Variant(_clean(form, "variant"), kind, source or f"user:{who or 'cli'}")
    store.add_variant(pid, variant, who, expect=_expected(expect))
    authority.refresh()
    return variant


def remove_variant(authority, store, pid, form, who=None, expect=None) -> None:
    store = _need_store(store, authority)
    form = _clean(form, "variant")
    store.remove_variant(pid, form, who, expect=_expected(expect))
    authority.refresh()


def _normalized(data: dict) -> dict:
    out = {}
    for k, v in data.items():
        if isinstance(v, str):
            v = unicodedata.normalize("NFC", v.strip())
        out[k] = v
    return out


# -- export and import ------------------------------------------------------------------------

def export_tables(authority: Authority, directory: Path) -> list[Path]:
    """Write the merged table in the tables/ format, one file per group, each atomically."""
    authority.refresh()
    directory.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[dict]] = {}
    for person in authority:
        group = Path(person.origin.split(":")[0]).stem if person.origin and person.origin != "store" else "added"
        groups.setdefault(group, []).append(person.to_dict())
    written = []
    for group, persons in sorted(groups.items()):
        path = directory / f"{group}.toml"
        atomic_write(path, tomli_w.dumps({"person": persons}).encode("utf-8"))
        written.append(path)
    return written


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new version, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


IMPORT_COLUMNS = ("id", "form", "kind", "source")


def import_csv(authority: Authority, store: Store | None, text: str, who: str | None = None) -> int:
    """Variants from a CSV with columns id, form[, kind, source]: every row checked, then all written in one
    transaction that reads each person inside it (all or nothing, also when the process is killed)."""
    store = _need_store(store, authority)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"id", "form"} <= set(reader.fieldnames):
        raise InputError(f"CSV needs the columns id and form (found: {', '.join(reader.fieldnames or [])})")
    rows = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise InputError(f"CSV line {n}: more fields than columns")
        pid = (row.get("id") or "").strip()
        kind = (row.get("kind") or "spelling").strip()
        if kind not in VARIANT_KINDS:
            raise InputError(f"CSV line {n}: kind {kind!r} is not one of {', '.join(VARIANT_KINDS)}")
        try:
            form = _clean(row.get("form") or "", "form")
            source = _clean(row.get("source") or "import", "source")
        except InputError as exc:
            raise InputError(f"CSV line {n}: {exc}") from None
        rows.append((n, pid, Variant(form, kind, source)))
    with store.transaction() as conn:
        changed: dict[str, Person] = {}
        for n, pid, v in rows:
            person = changed.get(pid) or store.current_person(conn, pid)
            if person is None:
                raise InputError(f"CSV line {n}: no person with id {pid!r}")
            changed[pid] = replace(person, variants=[x for x in person.variants if x.form != v.form] + [v])
            store._audit(conn, who, "import-variant", pid, None, v.to_dict())
        for person in changed.values():
            store.put_row(conn, person)
    authority.refresh()
    return len(rows)


def person_replace(person: Person, **kw) -> Person:
    return replace(person, **kw)
