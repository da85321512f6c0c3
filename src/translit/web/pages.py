"""Server-rendered pages: usable without JavaScript; static/app.js adds suggestions while typing."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from werkzeug.security import check_password_hash

from .. import editing
from ..authority import STYLE_NAMES, STYLES
from ..batch import render
from ..errors import InputError, TranslitError
from ..model import VARIANT_KINDS

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
        if not session.get("user"):
            return redirect(url_for("pages.login", next=request.path))
        if request.method == "POST":
            check_csrf()
        return view(*a, **kw)

    return wrapped


@pages.app_context_processor
def _globals():
    return {"styles": STYLES, "style_names": STYLE_NAMES, "user": session.get("user"),
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
    history = g.engine.store.history(pid, 20) if session.get("user") else []
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
        if session.get("user") and report.clusters:  # an editor's run feeds the review queue; a visitor's never
            from .. import review as queue

            queue.record(g.engine.store, report.to_dict(g.engine.authority)["unknown"], who=session["user"])
    return render_template("normalize.html", text=text, highlighted=_highlight(text, mentions),
                           mentions=mentions, report=report, style=_style())


def _highlight(text: str, mentions) -> Markup:
    out, pos = [], 0
    for m in mentions:
        out.append(escape(text[pos:m.start]))
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
        pwhash = g.engine.store.user_hash(name)
        if pwhash and check_password_hash(pwhash, request.form.get("password", "")):
            session.clear()
            session["user"] = name
            import secrets

            session["csrf"] = secrets.token_urlsafe(24)
            nxt = request.args.get("next", "")
            return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else url_for("pages.editor"))
        flash("wrong user name or password")
        return render_template("login.html"), 401
    return render_template("login.html")


@pages.post("/logout")
def logout():
    check_csrf()
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
            editing.edit_person(g.engine.authority, g.engine.store, pid, data, session["user"])
        else:
            data["id"] = pid
            editing.add_person(g.engine.authority, g.engine.store, data, session["user"])
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
            editing.remove_variant(g.engine.authority, g.engine.store, pid, form, session["user"])
        else:
            editing.add_variant(g.engine.authority, g.engine.store, pid, form, request.form.get("kind", "spelling"),
                                request.form.get("source", ""), session["user"])
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
            queue.reject(store, key, who=session["user"])
        elif action == "merge":
            queue.merge(a, store, key, request.form.get("id", "").strip(), who=session["user"])
        elif action == "accept":
            fields = {k: request.form.get(k, "").strip() for k in ("id", "native", "lang", "family", "given", "order")}
            queue.accept(a, store, key, who=session["user"], overrides=fields)
        else:
            abort(400, "action must be reject, merge or accept")
    except TranslitError as exc:
        flash(str(exc))
    return redirect(url_for("pages.review"), 303)
