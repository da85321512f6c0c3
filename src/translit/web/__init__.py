"""The Flask service: create_app() builds the engine once and registers the blueprints."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from flask import Flask, g, jsonify, request, session
from werkzeug.exceptions import HTTPException

from ..authority import Authority
from ..errors import TranslitError
from ..lookup import Lookup
from ..normalize import Normalizer
from ..store import Store
from . import security


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


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TRANSLIT_TABLES=os.environ.get("TRANSLIT_TABLES"),
        TRANSLIT_DB=os.environ.get("TRANSLIT_DB"),
        API_TOKEN=os.environ.get("TRANSLIT_API_TOKEN"),
        SECRET_KEY=os.environ.get("TRANSLIT_SECRET_KEY"),
        MAX_CONTENT_LENGTH=int(os.environ.get("TRANSLIT_MAX_BYTES", 2 * 1024 * 1024)),
        MAX_BATCH=int(os.environ.get("TRANSLIT_MAX_BATCH", 1000)),
        RATE_LIMIT=int(os.environ.get("TRANSLIT_RATE_LIMIT", 0)),  # API and /reconcile, per client a minute
        PAGE_RATE_LIMIT=int(os.environ.get("TRANSLIT_PAGE_RATE_LIMIT", 0)),  # the HTML pages, the same way
        SECRET_KEY_FILE=os.environ.get("TRANSLIT_SECRET_KEY_FILE"),
        PUBLIC_URL=os.environ.get("TRANSLIT_PUBLIC_URL"),  # the reconciliation manifest's base, never Host:
        LOGIN_MAX_FAILURES=int(os.environ.get("TRANSLIT_LOGIN_MAX_FAILURES", 5)),
        LOGIN_LOCKOUT=float(os.environ.get("TRANSLIT_LOGIN_LOCKOUT", 900)),  # seconds; also the counting window
        EDITOR_SESSION_HOURS=float(os.environ.get("TRANSLIT_SESSION_HOURS", 12)),
        REVIEW_QUEUE_MAX=int(os.environ.get("TRANSLIT_REVIEW_QUEUE_MAX", 10_000)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("TRANSLIT_SECURE_COOKIES", "0") == "1",
    )
    if test_config:
        app.config.update(test_config)
    engine = Engine(app.config["TRANSLIT_TABLES"], app.config["TRANSLIT_DB"])
    app.extensions["translit"] = engine
    security.ensure_tables(engine.store)
    # from the environment or a file, never from the database (a copy of it must not sign cookies)
    app.config["SECRET_KEY"] = security.signing_key(app.config["SECRET_KEY"], app.config["SECRET_KEY_FILE"],
                                                    Path(engine.store.path))
    api_limiter = security.RateLimiter(engine.store, app.config["RATE_LIMIT"])
    page_limiter = security.RateLimiter(engine.store, app.config["PAGE_RATE_LIMIT"])
    app.extensions["translit.throttle"] = security.LoginThrottle(
        engine.store, app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCKOUT"], app.config["LOGIN_LOCKOUT"])

    from .api import api
    from .pages import pages
    from .reconcile import reconcile

    app.register_blueprint(api)
    app.register_blueprint(reconcile)
    app.register_blueprint(pages)

    @app.before_request
    def _before():
        g.engine = engine
        is_api = request.path.startswith(("/api/", "/reconcile"))
        if not request.path.startswith("/static/"):
            limiter = api_limiter if is_api else page_limiter
            ok, wait = limiter.allow(("api:" if is_api else "page:") + (request.remote_addr or "-"))
            if not ok:
                msg = "too many requests; retry later"
                body = jsonify(error=msg, status=429) if is_api else msg
                return body, 429, {"Retry-After": str(wait)}
        engine.refresh()
        # the editor, if any: a session id checked against the database on every request
        g.user = security.session_user(engine.store, session.get("sid"))
        if g.user is None and "sid" in session:
            session.pop("sid")
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
        if not g.get("embeddable"):  # the reconciliation preview is framed by OpenRefine (its own CSP)
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
