"""Reading in a second process: decompressing, parsing and preparing records (`records.prepare`) there, while
this process writes them: the two cores of the machine both at work on a dump.

Records travel in chunks through a bounded queue (memory stays flat: the reader waits when the writer is
behind). The worker is a fork of this process, so the reader and the authority need no pickling; it is
ended when the import ends, fails or is interrupted.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Iterator

from ..errors import InputError
from .records import Record, RecordError, prepare

CHUNK = 500


def _work(make_reader, authority, q, chunk: int) -> None:
    try:
        skipped: dict[str, int] = {}
        out: list = []
        for item in make_reader(skipped, lambda pos: q.put(("bytes", pos))):
            out.append(prepare(item, authority) if isinstance(item, Record) else item)
            if len(out) >= chunk:
                q.put(("records", out))
                out = []
        q.put(("records", out))
        q.put(("done", skipped))
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the writing process
        q.put(("error", str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"))


def parallel_records(make_reader: Callable, authority, skipped: dict, on_bytes=None,
                     chunk: int = CHUNK) -> Iterator[Record | RecordError]:
    """The items of `make_reader(skipped, on_bytes)`, read and prepared in a worker process."""
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=16)
    worker = ctx.Process(target=_work, args=(make_reader, authority, q, chunk), daemon=True)
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
