"""OpenRefine reconciliation (W3C Entity Reconciliation Service API 0.2)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for

reconcile = Blueprint("reconcile", __name__)

TYPE = {"id": "person", "name": "Person"}


def manifest() -> dict:
    base = request.host_url.rstrip("/")
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
    try:
        queries = json.loads(raw)
    except ValueError:
        abort(400, "queries is not valid JSON")
    if not isinstance(queries, dict):
        abort(400, "queries must be a JSON object of query ids to queries")
    if len(queries) > current_app.config["MAX_BATCH"]:
        abort(413, f"at most {current_app.config['MAX_BATCH']} queries per request")
    return jsonify({key: _answer(q) for key, q in queries.items()})


@reconcile.get("/reconcile/view/<pid>")
def view(pid):
    from flask import redirect

    return redirect(url_for("pages.person", pid=pid))
