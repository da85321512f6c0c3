"""OpenRefine reconciliation (W3C Entity Reconciliation Service API 0.2)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for

from .security import load_json

reconcile = Blueprint("reconcile", __name__)

TYPE = {"id": "person", "name": "Person"}


def manifest() -> dict:
    # the configured public address (TRANSLIT_PUBLIC_URL), never the request's Host header, which any
    # client sets: an identifierSpace must not change with it
    base = (current_app.config.get("PUBLIC_URL") or "http://localhost:5000").rstrip("/")
    return {
        "versions": ["0.2"],
        "name": "translit name authority",
        "identifierSpace": f"{base}/person/",
        "schemaSpace": f"{base}/schema/",
        "defaultTypes": [TYPE],
        "view": {"url": f"{base}/person/{{{{id}}}}"},
    }


def _answer(q: dict) -> dict:
    if not isinstance(q, dict) or not isinstance(q.get("query"), str):
        abort(400, "each query needs a 'query' string")
    limit = q.get("limit", 3)
    if not isinstance(limit, int) or limit < 1:
        limit = 3
    res = g.engine.lookup.lookup(q["query"][:500])
    out = []
    for m in res.candidates[:limit]:
        out.append({
            "id": m.person.id,
            "name": m.person.native,
            "description": m.canonical + (f" — {m.person.description}" if m.person.description else ""),
            "score": round(m.score * 100, 1),
            "match": res.best is m,
            "type": [TYPE],
            **({"ids": dict(m.person.ids)} if m.person.ids else {}),  # to the Wikidata item, catalogue records
        })
    return {"result": out}


@reconcile.route("/reconcile", methods=["GET", "POST"])
def endpoint():
    raw = request.values.get("queries")
    if raw is None:
        cb = request.args.get("callback")
        if cb:
            abort(400, "JSONP is not supported")
        return jsonify(manifest())
    queries = load_json(raw, "queries")  # bad JSON of any depth: 400; a lone surrogate: 422
    if not isinstance(queries, dict):
        abort(400, "queries must be a JSON object of query ids to queries")
    if len(queries) > current_app.config["MAX_BATCH"]:
        abort(413, f"at most {current_app.config['MAX_BATCH']} queries per request")
    return jsonify({key: _answer(q) for key, q in queries.items()})


@reconcile.get("/reconcile/view/<pid>")
def view(pid):
    from flask import redirect

    return redirect(url_for("pages.person", pid=pid))
