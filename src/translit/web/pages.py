"""Server-rendered pages: usable without JavaScript; static/app.js adds suggestions while typing."""

from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape

from .. import editing
from ..authority import STYLE_NAMES, STYLES
from ..batch import render
from ..errors import InputError, TranslitError
from ..model import VARIANT_KINDS
from . import security

pages = Blueprint("pages", __name__)


def _style() -> str:
    style = request.values.get("style", "en")
    return style if style in STYLES else "en"


def check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "the form has expired or did not come from this site (CSRF check failed); reload and retry")


def login_required(view):
    @wraps(view)
    def wrapped(*a, **kw):
        if not g.get("user"):
            return redirect(url_for("pages.login", next=request.path))
        if request.method == "POST":
            check_csrf()
        return view(*a, **kw)

    return wrapped


@pages.app_context_processor
def _globals():
    return {"styles": STYLES, "style_names": STYLE_NAMES, "user": g.get("user"),
            "csrf": session.get("csrf", "")}


@pages.get("/")
def index():
    q = request.args.get("q", "").strip()
    result = g.engine.lookup.lookup(q[:500], style=_style()) if q else None
    return render_template("index.html", q=q, result=result, style=_style())


@pages.get("/person/<pid>")
def person(pid):
    a = g.engine.authority
    p = a[pid]
    canon = {s: a.canonical(p, s) for s in STYLES}
    schemes = [(s, s.transliterate(a.western_order(p))) for s in a._schemes_for(p)]
    history = g.engine.store.history(pid, 20) if g.user else []
    return render_template("person.html", p=p, canon=canon, forms=a.full_forms(p), schemes=schemes,
                           history=history)


@pages.get("/persons")
def persons():
    a = g.engine.authority
    return render_template("persons.html", persons=sorted(a, key=lambda p: p.id), a=a, style=_style())


@pages.get("/transliterate")
def transliterate():
    text = request.args.get("text", "")[:2000]
    rows = [(s, s.transliterate(text)) for s in g.engine.authority.schemes] if text.strip() else []
    return render_template("transliterate.html", text=text, rows=rows)


@pages.route("/normalize", methods=["GET", "POST"])
def normalize():
    text, mentions, report, fmt = "", [], None, request.values.get("download")
    if request.method == "POST":
        check_csrf()
        upload = request.files.get("file")
        if upload and upload.filename:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"the uploaded file is not UTF-8 (byte offset {exc.start})") from None
        else:
            text = request.form.get("text", "")
        from ..normalize import Report

        nz = g.engine.normalizer(_style())
        report = Report()
        mentions = nz.find(text, report)
        if fmt in ("text", "spans", "tei", "annotate"):
            body = render(nz, text, mentions, fmt, "upload")
            ext = {"text": "txt", "spans": "jsonl", "tei": "xml", "annotate": "txt"}[fmt]
            return Response(body, mimetype="text/plain; charset=utf-8",
                            headers={"Content-Disposition": f"attachment; filename=normalized.{ext}"})
        if fmt == "csv":
            import csv
            import io

            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(["start", "end", "surface", "id", "native", "canonical", "score"])
            for m in mentions:
                d = m.to_dict()
                w.writerow([d[k] for k in ("start", "end", "surface", "id", "native", "canonical", "score")])
            return Response(buf.getvalue(), mimetype="text/csv; charset=utf-8",
                            headers={"Content-Disposition": "attachment; filename=mentions.csv"})
        if g.user and report.clusters:  # only editors feed the review queue; anonymous visitors never write
            from ..batch import record_unknown

            record_unknown(g.engine.store, report.to_dict(g.engine.authority)["unknown"],
                           current_app.config["REVIEW_QUEUE_MAX"], who=g.user)
    return render_template("normalize.html", text=text, highlighted=_highlight(text, mentions),
                           mentions=mentions, report=report, style=_style())


def _highlight(text: str, mentions) -> Markup:
    out, pos = [], 0
    for m in mentions:
        out.append(escape(text[pos:m.start]))
        if m.ambiguous:  # not linked: the persons it may be, in the title
            out.append(Markup('<span class="mention ambiguous" title="ambiguous: {}">{}</span>').format(
                ", ".join(m.ambiguous), text[m.start:m.end]))
            pos = m.end
            continue
        out.append(Markup('<a class="mention" href="{}" title="{}">{}</a>').format(
            url_for("pages.person", pid=m.match.person.id), m.match.canonical, text[m.start:m.end]))
        pos = m.end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


@pages.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        check_csrf()
        name = request.form.get("user", "")
        throttle = current_app.extensions["translit.throttle"]
        keys = throttle.keys(name, request.remote_addr or "-")
        wait = throttle.retry_after(*keys)
        if wait:
            flash(f"too many failed logins; try again in {wait} seconds")
            return render_template("login.html"), 429, {"Retry-After": str(wait)}
        store = g.engine.store
        pwhash = store.user_hash(name)
        # an unknown name costs one hash check too: the answer's time does not tell which names exist
        if security.verify_password(pwhash, request.form.get("password", "")):
            throttle.succeeded(keys[0])
            security.end_session(store, session.get("sid"))
            session.clear()
            hours = current_app.config["EDITOR_SESSION_HOURS"]
            session["sid"] = security.create_session(store, name, pwhash, hours * 3600)
            session["csrf"] = secrets.token_urlsafe(24)
            nxt = security.local_path(request.args.get("next", ""))
            return redirect(nxt or url_for("pages.editor"))
        throttle.failed(*keys)
        flash("wrong user name or password")
        return render_template("login.html"), 401
    return render_template("login.html")


@pages.post("/logout")
def logout():
    check_csrf()
    security.end_session(g.engine.store, session.get("sid"))
    session.clear()
    return redirect(url_for("pages.index"))


@pages.get("/editor")
@login_required
def editor():
    return render_template("editor.html", history=g.engine.store.history(None, 50), kinds=VARIANT_KINDS,
                           persons=sorted(g.engine.authority, key=lambda p: p.id))


_FIELDS = ("native", "lang", "family", "given", "patronymic", "order", "gender", "description", "confidence", "note")


@pages.post("/editor/person")
@login_required
def editor_person():
    data = {k: request.form.get(k, "").strip() for k in _FIELDS if request.form.get(k, "").strip()}
    pid = request.form.get("id", "").strip()
    try:
        if pid in g.engine.authority:
            editing.edit_person(g.engine.authority, g.engine.store, pid, data, g.user)
        else:
            data["id"] = pid
            editing.add_person(g.engine.authority, g.engine.store, data, g.user)
    except TranslitError as exc:
        flash(str(exc))
        return redirect(url_for("pages.editor")), 303
    return redirect(url_for("pages.person", pid=pid), 303)


@pages.post("/editor/variant")
@login_required
def editor_variant():
    pid = request.form.get("id", "")
    form = request.form.get("form", "")
    try:
        if request.form.get("action") == "remove":
            editing.remove_variant(g.engine.authority, g.engine.store, pid, form, g.user)
        else:
            editing.add_variant(g.engine.authority, g.engine.store, pid, form, request.form.get("kind", "spelling"),
                                request.form.get("source", ""), g.user)
    except TranslitError as exc:
        flash(str(exc))
        return redirect(url_for("pages.editor"), 303)
    return redirect(url_for("pages.person", pid=pid), 303)


@pages.get("/review")
@login_required
def review():
    """The queue of discovered persons (translit.review), most often seen first, a page at a time."""
    from .. import review as queue

    page = max(0, request.args.get("page", 0, type=int) or 0)
    items = queue.items(g.engine.store, "open", limit=50, offset=50 * page)
    return render_template("review.html", items=items, page=page, kinds=VARIANT_KINDS)


@pages.post("/review")
@login_required
def review_decide():
    from .. import review as queue

    key = request.form.get("key", "")
    action = request.form.get("action")
    store, a = g.engine.store, g.engine.authority
    try:
        if action == "reject":
            queue.reject(store, key, who=g.user)
        elif action == "merge":
            queue.merge(a, store, key, request.form.get("id", "").strip(), who=g.user)
        elif action == "accept":
            fields = {k: request.form.get(k, "").strip() for k in ("id", "native", "lang", "family", "given", "order")}
            queue.accept(a, store, key, who=g.user, overrides=fields)
        else:
            abort(400, "action must be reject, merge or accept")
    except TranslitError as exc:
        flash(str(exc))
    return redirect(url_for("pages.review"), 303)
