"""Reading a (compressed) file as a stream of lines, reporting how many bytes of the file are read."""

from __future__ import annotations

import bz2
import gzip
import io
import os
from contextlib import contextmanager

from ..errors import InputError


class Stream:
    """Lines of bytes from a plain, .gz or .bz2 file; `on_bytes(position in the file)` every 4 MiB read."""

    def __init__(self, raw, inner, on_bytes=None):
        self.raw = raw
        self.inner = io.BufferedReader(inner, 1 << 20) if not isinstance(inner, io.BufferedReader) else inner
        self.on_bytes = on_bytes
        self._told = 0

    @property
    def size(self) -> int:
        return os.fstat(self.raw.fileno()).st_size

    def peek_text(self) -> str:
        head = self.inner.peek(64)[:64]
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").decode("utf-8", "replace")

    def _tick(self) -> None:
        if self.on_bytes is not None:
            pos = self.raw.tell()
            if pos - self._told >= 1 << 22:
                self._told = pos
                self.on_bytes(pos)

    def readline(self) -> bytes:
        return self.inner.readline()

    def read(self) -> bytes:
        return self.inner.read()

    def __iter__(self):
        n = 0
        for line in self.inner:
            n += 1
            if n & 1023 == 0:
                self._tick()
            yield line
        if self.on_bytes is not None:
            self.on_bytes(self.raw.tell())


@contextmanager
def open_stream(path: str, on_bytes=None):
    """The file at `path` as a Stream, decompressed by its name's ending (.gz, .bz2) or its magic bytes."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    try:
        magic = raw.read(3)
        raw.seek(0)
        if path.endswith(".gz") or magic[:2] == b"\x1f\x8b":
            inner = gzip.GzipFile(fileobj=raw)
        elif path.endswith(".bz2") or magic == b"BZh":
            inner = bz2.BZ2File(raw)
        else:
            inner = raw
        try:
            yield Stream(raw, inner, on_bytes)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read the compressed file ({exc})") from None
    finally:
        raw.close()
