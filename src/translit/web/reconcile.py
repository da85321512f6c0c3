"""OpenRefine reconciliation over HTTP (W3C Reconciliation Service API 0.2): the manifest, batch queries,
data extension (propose_properties + extend), preview, suggest (entity, property, type) and its flyout.

Every endpoint answers GET and, where OpenRefine posts, POST with form fields (`queries=`, `extend=`);
GET answers JSONP when given a `callback` (OpenRefine before 3.3 fetches the manifest that way).  The
logic is translit.reconciliation's; this module only reads requests and writes answers.
"""

from __future__ import annotations

import json
import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import reconciliation as rc
from .security import load_json

reconcile = Blueprint("reconcile", __name__)

TYPE = rc.TYPE
PREVIEW = {"width": 420, "height": 180}
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]{0,80}(?:\.[A-Za-z_$][\w$]{0,80}){0,4}$")


def _base() -> str:
    # the configured public address (TRANSLIT_PUBLIC_URL), never the request's Host header, which any
    # client sets: an identifierSpace must not change with it
    return (current_app.config.get("PUBLIC_URL") or "http://localhost:5000").rstrip("/")


def manifest() -> dict:
    base = _base()
    return {
        "versions": ["0.2"],
        "name": "translit name authority",
        "identifierSpace": f"{base}/person/",
        "schemaSpace": f"{base}/schema/",
        "defaultTypes": [TYPE],
        "view": {"url": f"{base}/person/{{{{id}}}}"},
        "preview": {"url": f"{base}/reconcile/preview?id={{{{id}}}}", **PREVIEW},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/reconcile/suggest/entity",
                       "flyout_service_path": "/reconcile/flyout/entity?id=${id}"},
            "property": {"service_url": base, "service_path": "/reconcile/suggest/property",
                         "flyout_service_path": "/reconcile/flyout/property?id=${id}"},
            "type": {"service_url": base, "service_path": "/reconcile/suggest/type"},
        },
        "extend": {
            "propose_properties": {"service_url": base, "service_path": "/reconcile/propose_properties"},
            "property_settings": rc.SETTINGS,
        },
    }


def _answer(data):
    """JSON, or JSONP when a GET names a callback (a checked identifier, the body a plain call)."""
    cb = request.args.get("callback")
    if cb is None or request.method != "GET":
        return jsonify(data)
    if not _CALLBACK.match(cb):
        abort(400, "callback must be a JavaScript identifier (letters, digits, _ and $, dotted)")
    body = f"/**/{cb}({json.dumps(data, ensure_ascii=False)});"
    return Response(body, mimetype="application/javascript")


def _field(name: str):
    """A form field or query argument holding JSON, parsed (bad JSON: 400; a lone surrogate: 422)."""
    raw = request.form.get(name) if name in request.form else request.args.get(name)
    return None if raw is None else load_json(raw, name)


def _types_ok(q: dict) -> bool:
    """Persons are all this service holds: a query for another type has no candidates."""
    t = q.get("type")
    if t is None:
        return True
    types = t if isinstance(t, list) else [t]
    if not all(isinstance(x, str) for x in types):
        abort(400, "'type' must be a string or a list of strings")
    return not types or any(x.casefold() in rc.TYPE_ALIASES for x in types)


def _query(key: str, q) -> dict:
    if not isinstance(q, dict) or not isinstance(q.get("query", ""), str):
        abort(400, f"query {key!r}: each query needs a 'query' string")
    text = q.get("query", "").strip()
    limit = q.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        limit = 5  # OpenRefine sends 0 or nothing for "the service's default"
    try:
        props = rc.conditions(q.get("properties"), g.engine.authority.folder.fold)
    except rc.BadQuery as exc:
        abort(400, f"query {key!r}: {exc}")
    if not _types_ok(q) or not (text or props):
        return {"result": []}
    style = request.args.get("style", "en")
    authority = g.engine.authority
    out = []
    for c in rc.reconcile(g.engine.lookup, text[:500], props, min(limit, 25)):
        p = c.person
        canonical = authority.canonical(p, style if style in rc.STYLES else "en")
        out.append({
            "id": p.id,
            "name": p.native,
            "description": canonical + (f" — {p.description}" if p.description else ""),
            "score": c.score,
            "match": c.match,
            "type": [TYPE],
            "features": c.features,
            **({"ids": dict(p.ids)} if p.ids else {}),  # to the Wikidata item, catalogue records
        })
    return {"result": out}


@reconcile.route("/reconcile", methods=["GET", "POST"])
def endpoint():
    queries, ext = _field("queries"), _field("extend")
    if queries is None and ext is None:
        if request.args.get("query") is not None:
            abort(400, "the single 'query' mode is deprecated and not served; send queries={\"q0\": {...}}")
        return _answer(manifest())
    if ext is not None:
        return _answer(_extend(ext))
    if not isinstance(queries, dict):
        abort(400, "queries must be a JSON object of query ids to queries")
    if len(queries) > current_app.config["MAX_BATCH"]:
        abort(413, f"at most {current_app.config['MAX_BATCH']} queries per request")
    # every query is read before any is answered: one bad query fails the batch with its key named
    return _answer({key: _query(key, q) for key, q in queries.items()})


def _extend(ext) -> dict:
    if not isinstance(ext, dict) or not isinstance(ext.get("ids"), list) or not isinstance(ext.get("properties"), list):
        abort(400, "extend must be a JSON object {\"ids\": [...], \"properties\": [{\"id\": ...}]}")
    if len(ext["ids"]) > current_app.config["MAX_BATCH"]:
        abort(413, f"at most {current_app.config['MAX_BATCH']} ids per request")
    return rc.extend(g.engine.authority, ext["ids"], ext["properties"])


@reconcile.get("/reconcile/propose_properties")
def propose_properties():
    t = request.args.get("type", "person")
    limit = request.args.get("limit", type=int) or len(rc.PROPERTIES)
    props = [{"id": p.id, "name": p.name} for p in rc.PROPERTIES] if t.casefold() in rc.TYPE_ALIASES else []
    return _answer({"type": t, "limit": limit, "properties": props[:max(0, limit)]})


def _prefix() -> tuple[str, int, int]:
    prefix = request.args.get("prefix", "")
    if len(prefix) > 200:
        abort(400, "prefix is longer than 200 characters")
    cursor = max(0, request.args.get("cursor", 0, type=int) or request.args.get("start", 0, type=int) or 0)
    limit = min(max(1, request.args.get("limit", 10, type=int) or 10), 50)
    return prefix.strip(), cursor, limit


@reconcile.get("/reconcile/suggest/entity")
def suggest_entity():
    prefix, cursor, limit = _prefix()
    authority = g.engine.authority
    found = []
    if prefix:
        # a whole spelling first (lookup reads any scheme, inflection, damage), then the typed prefix
        found = [m.person for m in g.engine.lookup.lookup(prefix[:200]).candidates]
        found += [p for p in authority.search(prefix, limit=cursor + limit + len(found)) if p not in found]
    return _answer({"result": [
        {"id": p.id, "name": p.native, "description": authority.canonical(p, "en"), "notable": [TYPE]}
        for p in found[cursor:cursor + limit]]})


@reconcile.get("/reconcile/suggest/property")
def suggest_property():
    prefix, cursor, limit = _prefix()
    key = prefix.casefold()
    hits = [p for p in rc.PROPERTIES
            if not key or any(key in a.casefold() for a in (p.id, p.name, *p.aliases))]
    return _answer({"result": [{"id": p.id, "name": p.name, "description": p.description}
                               for p in hits[cursor:cursor + limit]]})


@reconcile.get("/reconcile/suggest/type")
def suggest_type():
    prefix, cursor, limit = _prefix()
    key = prefix.casefold()
    hit = not key or any(a.startswith(key) for a in (*rc.TYPE_ALIASES, TYPE["name"].casefold()))
    return _answer({"result": [dict(TYPE)] if hit and cursor == 0 else []})


def _person_or_404(pid):
    person = g.engine.authority.get(pid or "")
    if person is None:
        abort(404, f"no person {pid!r}")
    return person


def _snippet(person, fragment: bool = True) -> str:
    """The person in a few lines: native and canonical form, life dates, country, ids, some spellings."""
    a = g.engine.authority
    return render_template("reconcile_preview.html", p=person, canonical=a.canonical(person, "en"),
                           country=rc.COUNTRIES.get(rc.country_of(person), ("",))[0],
                           forms=[v.form for v in a.full_forms(person)][:6], fragment=fragment, **PREVIEW)


@reconcile.get("/reconcile/flyout/entity")
def flyout_entity():
    person = _person_or_404(request.args.get("id"))
    return _answer({"id": person.id, "html": _snippet(person)})


@reconcile.get("/reconcile/flyout/property")
def flyout_property():
    pid = rc.property_id(request.args.get("id", ""))
    if pid is None:
        abort(404, "no such property")
    p = rc.BY_ID[pid]
    return _answer({"id": p.id, "html": f"<p><strong>{p.name}</strong></p>"})


@reconcile.get("/reconcile/preview")
def preview():
    """An HTML page for OpenRefine's preview frame (its size is the manifest's): the one page that may be
    framed, by any site, and that carries no script."""
    html = _snippet(_person_or_404(request.args.get("id")), fragment=False)
    g.embeddable = True
    return Response(html, mimetype="text/html", headers={
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"})


@reconcile.get("/reconcile/view/<pid>")
def view(pid):
    return redirect(url_for("pages.person", pid=pid))
