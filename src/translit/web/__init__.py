"""The Flask service: create_app() builds the engine once and registers the blueprints."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import defaultdict, deque

from flask import Flask, g, jsonify, request, session
from werkzeug.exceptions import HTTPException

from ..authority import Authority
from ..errors import TranslitError
from ..lookup import Lookup
from ..normalize import Normalizer
from ..store import Store


class Engine:
    """Everything a worker needs, built once: store, authority, lookup, normalizer."""

    def __init__(self, tables: str | None, db: str | None):
        self.store = Store(db)
        self.authority = Authority(tables, store=self.store)
        if self.store.readonly:  # lookups and normalization go on; every write answers 503
            import logging

            logging.getLogger("translit.web").warning("%s", self.store.readonly_reason)
        self.lookup = Lookup(self.authority)
        self.normalizers: dict[str, Normalizer] = {}
        self.lock = threading.Lock()

    def normalizer(self, style: str) -> Normalizer:
        nz = self.normalizers.get(style)
        if nz is None:
            nz = self.normalizers[style] = Normalizer(self.lookup, style=style)
        return nz

    def refresh(self) -> None:
        """See edits that other workers committed (one cheap query per request)."""
        with self.lock:
            self.authority.refresh()


class RateLimiter:
    """Requests per minute per client address; 0 disables it."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.hits: dict[str, deque] = defaultdict(deque)
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self.lock:
            q = self.hits[key]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TRANSLIT_TABLES=os.environ.get("TRANSLIT_TABLES"),
        TRANSLIT_DB=os.environ.get("TRANSLIT_DB"),
        API_TOKEN=os.environ.get("TRANSLIT_API_TOKEN"),
        SECRET_KEY=os.environ.get("TRANSLIT_SECRET_KEY"),
        MAX_CONTENT_LENGTH=int(os.environ.get("TRANSLIT_MAX_BYTES", 2 * 1024 * 1024)),
        MAX_BATCH=int(os.environ.get("TRANSLIT_MAX_BATCH", 1000)),
        RATE_LIMIT=int(os.environ.get("TRANSLIT_RATE_LIMIT", 0)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("TRANSLIT_SECURE_COOKIES", "0") == "1",
    )
    if test_config:
        app.config.update(test_config)
    engine = Engine(app.config["TRANSLIT_TABLES"], app.config["TRANSLIT_DB"])
    app.extensions["translit"] = engine
    if not app.config["SECRET_KEY"]:
        # shared by every worker through the database, so sessions survive a change of worker
        app.config["SECRET_KEY"] = engine.store.meta("secret_key", lambda: secrets.token_hex(32))
    limiter = RateLimiter(app.config["RATE_LIMIT"])

    from .api import api
    from .pages import pages
    from .reconcile import reconcile

    app.register_blueprint(api)
    app.register_blueprint(reconcile)
    app.register_blueprint(pages)

    @app.before_request
    def _before():
        g.engine = engine
        if request.path.startswith(("/api/", "/reconcile")) and not limiter.allow(request.remote_addr or "-"):
            return jsonify(error="too many requests", status=429), 429
        engine.refresh()
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        return None

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/reconcile"):
            resp.headers.setdefault("Access-Control-Allow-Origin", "*")
        return resp

    def _wants_json() -> bool:
        return request.path.startswith(("/api/", "/reconcile"))

    @app.errorhandler(TranslitError)
    def _translit_error(exc: TranslitError):
        if _wants_json():
            return jsonify(error=str(exc), status=exc.http_status), exc.http_status
        from flask import render_template

        return render_template("error.html", message=str(exc), status=exc.http_status), exc.http_status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            return jsonify(error=exc.description, status=exc.code), exc.code
        from flask import render_template

        return render_template("error.html", message=exc.description, status=exc.code), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # no stack traces to clients
        app.logger.exception("unexpected error")
        if _wants_json():
            return jsonify(error="internal error", status=500), 500
        return "internal error", 500

    return app
