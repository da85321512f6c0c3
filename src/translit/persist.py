"""The lookup index persisted beside the database, so that a process that starts opens it instead of
building it: the persons and the index as they were at one store revision, in one file
(`<database>.index`), written atomically after a process built the index. A process that opens it
applies the store's change log since that revision (`Authority.refresh`, `Index.apply`), as it does for
the edits of other processes while it runs.

The file is used only when it belongs to this database (the database's instance id), to these tables and
to this code (sizes and modification times of the tables' files and of the package's modules); anything
else is a reason to build, never an error. It is a pickle: whoever may write the database's directory
may write it, as they may write the database.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import pickle
import secrets
from pathlib import Path

FORMAT = 1
log = logging.getLogger("translit.persist")


def index_path(store) -> Path:
    return store.path.with_name(store.path.name + ".index")


def fingerprint(authority) -> str:
    """The tables and the code the index was made from."""
    h = hashlib.sha256(str(FORMAT).encode())
    package = Path(__file__).parent
    for base in (Path(authority.tables.directory), package):
        for path in sorted(base.rglob("*")):
            if path.is_file() and (base != package or path.suffix in (".py", ".so", ".c")):
                st = path.stat()
                h.update(f"{path.relative_to(base)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def instance(store) -> str | None:
    """The database's own id (made once; a new file at the same path is another database)."""
    try:
        got = store.meta("instance")
        if got is None and not store.readonly:
            got = store.meta("instance", lambda: secrets.token_hex(16))
        return got
    except Exception:  # noqa: BLE001 - no id, no persisted index
        return None


def load(authority):
    """(revision, persons, index state) saved for this database, tables and code, or None."""
    store = authority.store
    if store is None:
        return None
    path = index_path(store)
    try:
        with open(path, "rb") as fh:
            header = pickle.load(fh)
            if header != {"format": FORMAT, "fingerprint": fingerprint(authority), "instance": instance(store)}:
                return None
            enabled = gc.isenabled()
            gc.disable()  # millions of objects: no collection while they are made
            try:
                revision, persons, state = pickle.load(fh)
            finally:
                if enabled:
                    gc.enable()
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file: build instead
        log.warning("persisted index %s not used: %s", path, exc)
        return None
    if revision > store.revision():
        return None  # from a database that was since replaced by an older copy
    return revision, persons, state


def save(authority, index, revision: int) -> bool:
    """Write the persons and the index of `revision` beside the database (atomically); False where the
    database or its directory cannot be written."""
    store = authority.store
    if store is None or store.readonly:
        return False
    from .editing import atomic_write

    ident = instance(store)
    if ident is None:
        return False
    header = {"format": FORMAT, "fingerprint": fingerprint(authority), "instance": ident}
    try:
        data = pickle.dumps(header, protocol=5) + pickle.dumps((revision, authority.persons, index.state()),
                                                              protocol=5)
        atomic_write(index_path(store), data)
        return True
    except OSError as exc:
        log.warning("index not persisted beside %s: %s", store.path, exc)
        return False
