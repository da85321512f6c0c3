"""The review queue of discovered persons: clusters proposed by batch runs, worked by editors.

Each cluster of `clusters.Clusters` becomes one row, keyed by its cluster key; a later run that sees the
same person adds its spellings and counts. Accepting a cluster creates a person (base forms, every
spelling as a variant with the texts it was seen in); merging adds its spellings to an existing person;
a rejected cluster is remembered and never proposed again. Only the CLI with a database and editors of
the web service write here, and the queue is capped at `CAP` open clusters (new ones beyond it are dropped).
"""

from __future__ import annotations

import json
import os
import re
import time

from unidecode import unidecode

from . import editing
from .errors import InputError, NotFoundError
from .store import Store

CAP = int(os.environ.get("TRANSLIT_REVIEW_QUEUE_MAX", "10000"))  # open clusters at most
SCHEMA = """
CREATE TABLE IF NOT EXISTS discovery (
    key TEXT PRIMARY KEY, data TEXT NOT NULL, count INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'open',
    person_id TEXT, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS discovery_open ON discovery (status, count);
"""
STATUSES = ("open", "accepted", "merged", "rejected")


def _ready(store: Store) -> None:
    store.conn.executescript(SCHEMA)


def record(store: Store, proposals: list[dict], who: str | None = None, cap: int = CAP) -> int:
    """Add the clusters of a run (`Clusters.to_dicts`) to the queue in one transaction; returns how many
    rows were added or grew. The queue holds at most `cap` open clusters: those already queued are counted
    again, new ones are added most frequent first while there is room, the rest are dropped (a flood of
    names cannot push out what editors have not seen yet). Decided clusters (accepted, merged, rejected)
    are left as they are."""
    _ready(store)
    n = 0
    with store.transaction() as conn:
        room = cap - conn.execute("SELECT COUNT(*) FROM discovery WHERE status = 'open'").fetchone()[0]
        for p in sorted(proposals, key=lambda p: (-p.get("count", 0), p["cluster"])):
            row = conn.execute("SELECT data, count, status FROM discovery WHERE key = ?", (p["cluster"],)).fetchone()
            if row is not None and row[2] != "open":
                continue
            if row is None:
                if room <= 0:
                    continue
                room -= 1
            data = _merged(json.loads(row[0]), p) if row else dict(p)
            conn.execute(
                "INSERT INTO discovery (key, data, count, status, updated) VALUES (?, ?, ?, 'open', ?) "
                "ON CONFLICT(key) DO UPDATE SET data = excluded.data, count = excluded.count, updated = excluded.updated",
                (p["cluster"], json.dumps(data, ensure_ascii=False), data["count"], time.time()),
            )
            n += 1
        store._audit(conn, who, "review-record", None, None, {"clusters": n})
    return n


def _merged(old: dict, new: dict) -> dict:
    out = dict(old)
    spellings = dict(old.get("spellings", {}))
    for k, v in new.get("spellings", {}).items():
        spellings[k] = spellings.get(k, 0) + v
    out["spellings"] = dict(sorted(spellings.items(), key=lambda kv: -kv[1]))
    out["forms"] = {**old.get("forms", {}), **new.get("forms", {})}
    out["count"] = old.get("count", 0) + new.get("count", 0)
    out["contexts"] = (old.get("contexts", []) + new.get("contexts", []))[:5]
    sources = dict(old.get("sources", {}))
    for k, v in new.get("sources", {}).items():
        sources[k] = sources.get(k, 0) + v
    out["sources"] = sources
    return out


def items(store: Store, status: str = "open", limit: int = 50, offset: int = 0) -> list[dict]:
    if status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    _ready(store)
    rows = store.conn.execute(
        "SELECT key, data, count, status, person_id FROM discovery WHERE status = ? ORDER BY count DESC, key "
        "LIMIT ? OFFSET ?", (status, limit, offset)).fetchall()
    return [{**json.loads(r[1]), "cluster": r[0], "count": r[2], "status": r[3], "person_id": r[4]} for r in rows]


def get(store: Store, key: str) -> dict:
    _ready(store)
    row = store.conn.execute("SELECT data, count, status, person_id FROM discovery WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise NotFoundError(f"no cluster {key!r} in the review queue")
    return {**json.loads(row[0]), "cluster": key, "count": row[1], "status": row[2], "person_id": row[3]}


def person_data(item: dict, overrides: dict | None = None) -> dict:
    """The person a cluster proposes, as editing.add_person takes it (base forms; the spellings as variants)."""
    o = {k: v for k, v in (overrides or {}).items() if v not in (None, "")}
    data = {
        "native": item["native"], "lang": item.get("lang") or "", "family": item.get("family") or "",
        "given": item.get("given") or "", "patronymic": item.get("patronymic") or "",
        "order": item.get("order") or "given-family",
    }
    data.update({k: v for k, v in o.items() if k in data})
    if not data["lang"]:
        raise InputError(f"cluster {item['cluster']!r}: its language is not known; give --lang")
    data["id"] = o.get("id") or slug(data)
    source = "review:" + ",".join(sorted(item.get("sources", {}))[:3]) if item.get("sources") else "review"
    forms = item.get("forms") or {s: s for s in item.get("spellings", {})}
    seen = {data["native"]}
    variants = []
    for base in forms.values():
        if base not in seen and len(base.split()) > 1:
            seen.add(base)
            variants.append({"form": base, "kind": "spelling", "source": source})
    data["variants"] = variants
    data["note"] = "discovered: " + "; ".join(item.get("contexts", [])[:2])[:280]
    return data


def slug(data: dict) -> str:
    words = [data.get("family", ""), *data.get("given", "").split()[:1]]
    s = re.sub(r"[^a-z0-9]+", "-", unidecode(" ".join(w for w in words if w)).lower()).strip("-")
    if not s:
        raise InputError("no id can be made from the proposal; give --id")
    return s


def accept(authority, store: Store, key: str, who: str | None = None, overrides: dict | None = None):
    """Create the proposed person (one transaction for the person, another marks the cluster accepted)."""
    item = get(store, key)
    if item["status"] != "open":
        raise InputError(f"cluster {key!r} is {item['status']} already")
    person = editing.add_person(authority, store, person_data(item, overrides), who=who)
    _decide(store, key, "accepted", person.id, who)
    return person


def merge(authority, store: Store, key: str, person_id: str, who: str | None = None) -> int:
    """Add a cluster's spellings to an existing person (a fragment or another spelling of a known name)."""
    item = get(store, key)
    if item["status"] != "open":
        raise InputError(f"cluster {key!r} is {item['status']} already")
    authority.refresh()
    person = authority[person_id]
    have = {v.form for v in person.variants} | {person.native}
    added = 0
    for base in dict.fromkeys((item.get("forms") or {}).values() or item.get("spellings", {})):
        if base not in have:
            editing.add_variant(authority, store, person_id, base, "spelling", f"review:{key}", who=who)
            added += 1
    _decide(store, key, "merged", person_id, who)
    return added


def reject(store: Store, key: str, who: str | None = None) -> None:
    """Never propose this cluster again."""
    get(store, key)
    _decide(store, key, "rejected", None, who)


def _decide(store: Store, key: str, status: str, person_id: str | None, who: str | None) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE discovery SET status = ?, person_id = ?, updated = ? WHERE key = ?",
                     (status, person_id, time.time(), key))
        store._audit(conn, who, f"review-{status}", person_id, None, {"cluster": key})
