"""What stands between the service and an attacker: server-side sessions, login throttling, a rate limiter
shared by every worker, the signing key, safe redirect targets and constant-time password checks.

The state lives in the SQLite database (tables made here, on the store's connection), so that every
gunicorn worker sees the same sessions, failures and request counts.  These writes are single
statements in autocommit mode: they do not bump the store's revision, so they never make the other
workers reload the table."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import math
import os
import secrets
import sqlite3
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import StoreError

log = logging.getLogger("translit.web")

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_session (
    id TEXT PRIMARY KEY, user TEXT NOT NULL, pwtag TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS web_session_user ON web_session (user);
CREATE TABLE IF NOT EXISTS login_failure (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, first REAL NOT NULL, locked_until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rate_hit (key TEXT PRIMARY KEY, window INTEGER NOT NULL, count INTEGER NOT NULL);
"""


def ensure_tables(store) -> None:
    """Make this module's tables (idempotent; safe when several workers start at once). A database that
    cannot be written gets none: lookups and normalization go on, logins and edits are off."""
    conn = store.conn
    if store.readonly:
        return
    deadline = time.monotonic() + 30
    while True:
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;")
            return
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                raise StoreError(f"cannot create the security tables in {store.path}: {exc}") from None
            time.sleep(0.05)


# -- the signing key ---------------------------------------------------------------------------

def signing_key(env_key: str | None, key_file: str | None, db_path: Path) -> bytes:
    """The key that signs session cookies: TRANSLIT_SECRET_KEY, else the file TRANSLIT_SECRET_KEY_FILE,
    else a file beside the database (`<db>.key`), generated (0600, with a warning) when missing.

    Never the database itself: a copy of the database must not let anyone sign cookies."""
    if env_key:
        return env_key.encode()
    path = Path(key_file) if key_file else db_path.with_name(db_path.name + ".key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:  # a read-only volume: a key for this process only (edits are off there anyway)
        log.warning("cannot write a signing key in %s (%s): sessions last as long as this process", path, exc)
        return secrets.token_hex(32).encode()
    else:  # this process made the file: the first worker of a server; the others read it
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        log.warning("no TRANSLIT_SECRET_KEY: generated a signing key in %s (keep it outside backups of the "
                    "database; set TRANSLIT_SECRET_KEY or TRANSLIT_SECRET_KEY_FILE in production)", path)
    deadline = time.monotonic() + 5
    while True:  # another worker may be between creating the file and writing it
        key = path.read_text().strip()
        if key or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    if len(key) < 32:
        raise StoreError(f"the signing key in {path} is shorter than 32 characters")
    return key.encode()


# -- passwords and sessions ------------------------------------------------------------------

# A hash of a random password made with the same method and cost as the users' hashes: an unknown user
# name costs one hash check as a known one does, so names cannot be told apart by the answer's time.
@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def verify_password(pwhash: str | None, password: str) -> bool:
    """Check a password against a user's hash (None: no such user) in the same time either way."""
    ok = check_password_hash(pwhash or _dummy_hash(), password)
    return ok and pwhash is not None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_session(store, user: str, pwhash: str, lifetime: float) -> str:
    """A new session for `user`; returns its id (only its SHA-256 is stored, so a copy of the database
    holds no usable session)."""
    sid = secrets.token_urlsafe(32)
    now = time.time()
    conn = store.conn
    conn.execute("DELETE FROM web_session WHERE expires < ?", (now,))
    conn.execute("INSERT INTO web_session VALUES (?, ?, ?, ?, ?)",
                 (_digest(sid), user, _digest(pwhash), now, now + lifetime))
    return sid


def session_user(store, sid: str | None) -> str | None:
    """The user of a live session, checked on every request: the session must exist and be unexpired,
    the user must still exist and have the password the session was opened with.  A session that fails
    any of these is deleted."""
    if not sid or not isinstance(sid, str):
        return None
    key = _digest(sid)
    if store.readonly:
        return None  # no sessions in a database that cannot be written: edits are off
    row = store.conn.execute(
        "SELECT s.user, s.pwtag, s.expires, u.pwhash FROM web_session s LEFT JOIN users u ON u.name = s.user "
        "WHERE s.id = ?", (key,)).fetchone()
    if row is None:
        return None
    user, pwtag, expires, pwhash = row
    if pwhash is not None and expires > time.time() and hmac.compare_digest(pwtag, _digest(pwhash)):
        return user
    store.conn.execute("DELETE FROM web_session WHERE id = ?", (key,))
    return None


def end_session(store, sid: str | None) -> None:
    if sid and isinstance(sid, str):
        store.conn.execute("DELETE FROM web_session WHERE id = ?", (_digest(sid),))


def revoke_user(store, user: str) -> int:
    """End every session of `user` (removed, or a new password); returns how many."""
    return store.conn.execute("DELETE FROM web_session WHERE user = ?", (user,)).rowcount


def remove_user(store, user: str) -> bool:
    """Delete an editor and their sessions; False when there is no such user."""
    ensure_tables(store)
    conn = store.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        gone = conn.execute("DELETE FROM users WHERE name = ?", (user,)).rowcount
        conn.execute("DELETE FROM web_session WHERE user = ?", (user,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return bool(gone)


# -- login throttling ------------------------------------------------------------------------

class LoginThrottle:
    """After `max_failures` wrong passwords within `window` seconds, for an account or from a client
    address, that account (or address) is locked for `lockout` seconds: answers are 429 with
    Retry-After, and no password is checked meanwhile.  A success clears the account's failures."""

    def __init__(self, store, max_failures: int = 5, window: float = 900, lockout: float = 900):
        self.store, self.max_failures, self.window, self.lockout = store, max_failures, window, lockout

    @staticmethod
    def keys(user: str, client: str) -> tuple[str, str]:
        return f"user:{user.casefold()}", f"addr:{client}"

    def retry_after(self, *keys: str) -> int:
        """Seconds until the longest lock among `keys` ends; 0 when none is locked."""
        if self.max_failures <= 0:
            return 0
        now = time.time()
        rows = self.store.conn.execute(
            f"SELECT max(locked_until) FROM login_failure WHERE key IN ({','.join('?' * len(keys))})",
            keys).fetchone()
        until = rows[0] or 0
        return math.ceil(until - now) if until > now else 0

    def failed(self, *keys: str) -> None:
        if self.max_failures <= 0:
            return
        now = time.time()
        conn = self.store.conn
        for key in keys:
            # a failure outside the window starts a new count; the lock is set when the count reaches the limit
            conn.execute(
                "INSERT INTO login_failure VALUES (?1, 1, ?2, 0) ON CONFLICT(key) DO UPDATE SET "
                "count = CASE WHEN first < ?2 - ?3 THEN 1 ELSE count + 1 END, "
                "first = CASE WHEN first < ?2 - ?3 THEN ?2 ELSE first END",
                (key, now, self.window))
            conn.execute("UPDATE login_failure SET locked_until = ?2 + ?3, count = 0, first = ?2 "
                         "WHERE key = ?1 AND count >= ?4", (key, now, self.lockout, self.max_failures))

    def succeeded(self, user_key: str) -> None:
        self.store.conn.execute("DELETE FROM login_failure WHERE key = ?", (user_key,))


# -- the rate limiter ------------------------------------------------------------------------

class RateLimiter:
    """At most `per_minute` requests per client address and fixed minute, counted in the database so that
    all workers share one count; 0 disables it."""

    def __init__(self, store, per_minute: int):
        self.store, self.per_minute = store, per_minute
        self._last_prune = 0

    def allow(self, key: str) -> tuple[bool, int]:
        """(allowed, seconds until the next minute begins)."""
        if self.per_minute <= 0 or self.store.readonly:  # a read-only database cannot count (documented)
            return True, 0
        now = time.time()
        window = int(now // 60)
        conn = self.store.conn
        count = conn.execute(
            "INSERT INTO rate_hit VALUES (?1, ?2, 1) ON CONFLICT(key) DO UPDATE SET "
            "count = CASE WHEN window = ?2 THEN count + 1 ELSE 1 END, window = ?2 RETURNING count",
            (key, window)).fetchone()[0]
        if window != self._last_prune:  # once a minute per worker: forget the clients of past minutes
            self._last_prune = window
            conn.execute("DELETE FROM rate_hit WHERE window < ?", (window - 1,))
        return count <= self.per_minute, math.ceil((window + 1) * 60 - now)


# -- redirect targets ------------------------------------------------------------------------

def local_path(target: str | None) -> str | None:
    """`target` as a path on this site, or None when a browser could read it as another site.

    Browsers drop tabs and newlines anywhere in a URL, strip leading and trailing spaces and control
    characters, and read a backslash as a slash: `/\\t/evil.example/x` is `//evil.example/x`, a
    link to evil.example.  The target is normalized that way first, then must be a bare path."""
    if not target:
        return None
    t = "".join(ch for ch in target if ch not in "\t\n\r").strip("".join(map(chr, range(0x21))))
    t = t.replace("\\", "/")
    if not t.startswith("/") or t.startswith("//"):
        return None
    parts = urlsplit(t)
    if parts.scheme or parts.netloc:
        return None
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))


# -- JSON bodies -----------------------------------------------------------------------------

def load_json(raw: bytes | str, what: str = "the body"):
    """Parse JSON from a client: anything that is not JSON (bad syntax, bad UTF-8, nesting too deep for
    the parser) is a 400 with a message; text that is not valid Unicode (a lone surrogate written as
    \\ud800) is a 422 naming the field.  Raises werkzeug HTTP exceptions / InputError."""
    import json

    from werkzeug.exceptions import BadRequest

    from ..errors import InputError

    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"malformed JSON in {what}: nested too deeply") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadRequest(f"malformed JSON in {what}: {exc}") from None
    bad = invalid_text_field(data)
    if bad is not None:
        raise InputError(f"{bad or what}: not valid Unicode text (a lone surrogate)")
    return data


def _invalid(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def invalid_text_field(data) -> str | None:
    """The path (`persons[2].native`, '' for the whole value) of the first string, key or value, that is not
    valid Unicode; None when all are.  Iterative: JSON that parsed may still be deeply nested."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _invalid(value):
                return path
        elif isinstance(value, dict):
            for k, v in value.items():
                sub = f"{path}.{k}" if path else str(k)
                if _invalid(k):
                    return sub.encode("utf-8", "backslashreplace").decode()
                stack.append((sub, v))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
    return None
