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
from .errors import InputError, NotFoundError, StoreError
from .model import VARIANT_KINDS, Person, Variant
from .store import Store


def _need_store(store: Store | None) -> Store:
    if store is None:
        raise StoreError("no database: edits need one (drop --no-db, or give --db PATH)")
    return store


def _clean(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise InputError(f"{what} must be text")
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not text:
        raise InputError(f"{what} is empty")
    if len(text) > 300:
        raise InputError(f"{what} is longer than 300 characters")
    return text


def add_person(authority: Authority, store: Store | None, data: dict, who: str | None = None) -> Person:
    store = _need_store(store)
    try:
        person = Person.from_dict(_normalized(data), origin="store")
    except ValueError as exc:
        raise InputError(str(exc)) from None
    authority.refresh()
    if person.id in authority:
        raise InputError(f"a person with id {person.id!r} exists; use edit")
    store.put_person(person, None, who)
    authority.refresh()
    return person


def edit_person(authority: Authority, store: Store | None, pid: str, changes: dict, who: str | None = None) -> Person:
    store = _need_store(store)
    authority.refresh()
    before = authority[pid]
    data = before.to_dict()
    data.update(_normalized(changes))
    if data.get("id") != pid:
        raise InputError("the id of a person cannot be changed")
    try:
        after = Person.from_dict(data, origin="store")
    except ValueError as exc:
        raise InputError(str(exc)) from None
    store.put_person(after, before, who)
    authority.refresh()
    return after


def delete_person(authority: Authority, store: Store | None, pid: str, who: str | None = None) -> None:
    store = _need_store(store)
    authority.refresh()
    store.delete_person(authority[pid], who)
    authority.refresh()


def add_variant(authority, store, pid, form, kind="spelling", source="", who=None) -> Variant:
    store = _need_store(store)
    authority.refresh()
    authority[pid]  # noqa: B018 - raises NotFoundError
    if kind not in VARIANT_KINDS:
        raise InputError(f"kind {kind!r} is not one of {', '.join(VARIANT_KINDS)}")
    variant = Variant(_clean(form, "variant"), kind, source or f"user:{who or 'cli'}")
    store.add_variant(pid, variant, who)
    authority.refresh()
    return variant


def remove_variant(authority, store, pid, form, who=None) -> None:
    store = _need_store(store)
    authority.refresh()
    person = authority[pid]
    form = _clean(form, "variant")
    match = [v for v in person.variants if v.form == form]
    if not match:
        raise NotFoundError(f"{pid} has no variant {form!r} in the table (derived spellings cannot be removed)")
    store.remove_variant(pid, match[0], who)
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
    """Variants from a CSV with columns id, form[, kind, source]; all rows checked before any is written."""
    store = _need_store(store)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"id", "form"} <= set(reader.fieldnames):
        raise InputError(f"CSV needs the columns id and form (found: {', '.join(reader.fieldnames or [])})")
    rows = []
    authority.refresh()
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise InputError(f"CSV line {n}: more fields than columns")
        pid = (row.get("id") or "").strip()
        if pid not in authority:
            raise InputError(f"CSV line {n}: no person with id {pid!r}")
        kind = (row.get("kind") or "spelling").strip()
        if kind not in VARIANT_KINDS:
            raise InputError(f"CSV line {n}: kind {kind!r} is not one of {', '.join(VARIANT_KINDS)}")
        try:
            form = _clean(row.get("form") or "", "form")
        except InputError as exc:
            raise InputError(f"CSV line {n}: {exc}") from None
        rows.append((pid, Variant(form, kind, (row.get("source") or "").strip() or "import")))
    with store._write() as conn:
        for pid, v in rows:
            conn.execute(
                "INSERT INTO variant VALUES (?, ?, ?, ?, 0, strftime('%s','now')) ON CONFLICT(person_id, form) "
                "DO UPDATE SET kind = excluded.kind, source = excluded.source, removed = 0",
                (pid, v.form, v.kind, v.source),
            )
            store._audit(conn, who, "import-variant", pid, None, v.to_dict())
    authority.refresh()
    return len(rows)


def person_replace(person: Person, **kw) -> Person:
    return replace(person, **kw)
