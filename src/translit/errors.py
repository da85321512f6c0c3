"""One error family for the whole library; each interface translates it at its boundary."""

from __future__ import annotations


class TranslitError(Exception):
    """Base class of every error translit raises on purpose."""

    exit_code = 1
    http_status = 400


class UnknownSchemeError(TranslitError, KeyError):
    """A scheme id that no file in tables/schemes/ defines."""

    http_status = 404

    def __init__(self, scheme_id: str, known: list[str]):
        self.scheme_id = scheme_id
        self.known = known
        super().__init__(f"unknown scheme {scheme_id!r}; known schemes: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class TableError(TranslitError):
    """A table file that cannot be loaded; names the file and line of the fault."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class InputError(TranslitError, ValueError):
    """Input that cannot be processed (empty, not UTF-8, too large ...)."""

    http_status = 422


class DecodeError(InputError):
    """Bytes that are not valid UTF-8; carries the byte offset of the first bad byte."""

    def __init__(self, source: str, offset: int, reason: str = "invalid UTF-8"):
        self.source = source
        self.offset = offset
        super().__init__(f"{source}: {reason} at byte offset {offset} (use --errors replace to continue)")


class NotFoundError(TranslitError, LookupError):
    """An id that names no person."""

    http_status = 404


class StoreError(TranslitError):
    """The editable store (SQLite) refused a change; nothing was written."""

    http_status = 409


class ConflictError(InputError):
    """An edit made against a revision that is no longer current, or an id that is taken: nothing written."""

    http_status = 409


class ReadOnlyError(StoreError):
    """The database cannot be written (a read-only file or volume, a full disk): edits are off, lookups go on."""

    http_status = 503


def toml_line(exc: Exception) -> int | None:
    """The line of a TOML syntax error (tomllib puts it in the message before Python 3.14)."""
    import re

    line = getattr(exc, "lineno", None)
    if line is None:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
    return line
