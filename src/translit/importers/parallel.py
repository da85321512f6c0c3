"""Reading in a second process: decompressing, parsing and preparing records (`records.prepare`) there, while
this process writes them: the two cores of the machine both at work on a dump.

Records travel in chunks through a bounded queue (memory stays flat: the reader waits when the writer is
behind). The worker is a fork of this process, so the reader and the authority need no pickling; it is
ended when the import ends, fails or is interrupted.
"""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
from collections.abc import Callable, Iterator

from ..errors import InputError
from .records import Record, RecordError, finish, prepare

CHUNK = 500


def _work(make_reader, authority, q, chunk: int, db: str | None, source: str) -> None:
    try:
        # records unchanged since the last import are not checked, keyed or tagged here (`finish`): the
        # writer skips them (it finishes one itself if the database changed under this snapshot)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) if db else None
        skipped: dict[str, int] = {}
        out: list = []

        def send() -> None:
            known = _digests(conn, source, [r.record_id for r in out if isinstance(r, Record)]) if conn else {}
            done = [finish(r, authority) if isinstance(r, Record) and known.get(r.record_id) != r.prepared else r
                    for r in out]
            q.put(("records", done))

        for item in make_reader(skipped, lambda pos: q.put(("bytes", pos))):
            out.append(prepare(item, authority, finish_it=False) if isinstance(item, Record) else item)
            if len(out) >= chunk:
                send()
                out = []
        send()
        q.put(("done", skipped))
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the writing process
        q.put(("error", str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"))


def _digests(conn, source: str, ids: list[str]) -> dict[str, str]:
    try:
        q = ",".join("?" * len(ids))
        return dict(conn.execute(f"SELECT record_id, digest FROM import_record WHERE source = ? AND record_id "
                                 f"IN ({q})", (source, *ids)).fetchall()) if ids else {}
    except sqlite3.OperationalError:  # no import yet: the table is made by the writer
        return {}


def parallel_records(make_reader: Callable, authority, skipped: dict, on_bytes=None, chunk: int = CHUNK,
                     db: str | None = None, source: str = "") -> Iterator[Record | RecordError]:
    """The items of `make_reader(skipped, on_bytes)`, read and prepared in a worker process (which reads
    the database `db`, if given, to leave records unchanged since the last import untagged)."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=16)
    worker = ctx.Process(target=_work, args=(make_reader, authority, q, chunk, db, source), daemon=True)
    worker.start()
    try:
        while True:
            try:
                kind, payload = q.get(timeout=1.0)
            except queue.Empty:
                if not worker.is_alive():
                    raise InputError(f"the reading process ended unexpectedly (exit {worker.exitcode})") from None
                continue
            if kind == "records":
                yield from payload
            elif kind == "bytes":
                if on_bytes:
                    on_bytes(payload)
            elif kind == "done":
                skipped.update(payload)
                return
            else:
                raise InputError(payload)
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        q.close()
