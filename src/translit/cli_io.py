"""What the commands read and write: UTF-8 decoding, output written atomically, CSV size limits.

Kept apart from cli.py so that the modules of commands (cli_more.py and others) import it, never cli.py:
cli.py imports them to register their commands, and nothing imports cli.py back."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

from .errors import DecodeError, InputError

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C


def decode(data: bytes, source: str, errors: str = "strict") -> str:
    """UTF-8 (a BOM is dropped); a bad byte is an error that names its offset, unless errors='replace'."""
    try:
        text = data.decode("utf-8-sig", errors=errors)
    except UnicodeDecodeError as exc:
        raise DecodeError(source, exc.start) from None
    return text


class Output:
    """Where a command writes: standard output ('-' or None), or a file written atomically: a temporary
    file beside it, flushed, synced and renamed over it once complete.  On an error or an interrupt the
    temporary file is removed and an existing file of that name is left as it was: never a part."""

    def __init__(self, path: str | None):
        self.path = None if path in (None, "-") else Path(path)
        self._tmp: str | None = None
        self.fh = None

    def __enter__(self) -> Output:
        if self.path is None:
            sys.stdout.flush()
            self.fh = sys.stdout.buffer
            return self
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory")
        directory = self.path.parent
        if not directory.is_dir():
            raise InputError(f"{self.path}: no such directory {directory}")
        try:
            fd, self._tmp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write there ({exc.strerror})") from None
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # the mode a plain open() would give, not mkstemp's 0600
        self.fh = os.fdopen(fd, "wb")
        return self

    def write(self, piece: str | bytes) -> None:
        self.fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path is None:
            if exc_type is None:
                self.fh.flush()
            return
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
                self.fh.close()
                os.replace(self._tmp, self.path)
                self._tmp = None
        finally:
            if self._tmp is not None:
                self.fh.close()
                os.unlink(self._tmp)


def csv_rows(text: str, source: str):
    """The rows of a CSV text; a field over the csv module's size limit is an error naming the line."""
    reader = csv.reader(io.StringIO(text))
    try:
        yield from reader
    except csv.Error as exc:
        raise csv_error(exc, source, reader.line_num) from None


def csv_error(exc: csv.Error, source: str, line: int) -> InputError:
    if "field larger than field limit" in str(exc):
        return InputError(f"{source} line {line}: a field is longer than {csv.field_size_limit():,} characters, "
                          "the csv module's limit (is the file really CSV, with its quotes closed?)")
    return InputError(f"{source} line {line}: not valid CSV ({exc})")


def check_csv(text: str, source: str) -> None:
    """Read a CSV text through once so that its faults are reported before anything is done with it."""
    for _ in csv_rows(text, source):
        pass
