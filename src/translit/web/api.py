"""JSON API under /api/v1, and its OpenAPI document."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, g, jsonify, request

from .. import editing
from ..authority import STYLES
from ..batch import render
from ..errors import InputError
from .security import load_json

api = Blueprint("api", __name__)


def _style() -> str:
    body = _json_body() if request.method == "POST" and request.is_json else {}
    style = request.args.get("style") or body.get("style") or "en"
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}; styles: {', '.join(STYLES)}")
    return style


def _json_body() -> dict:
    """The request's JSON object, parsed once: bad JSON of any depth is a 400, invalid text a 422."""
    if not request.is_json:
        abort(400, "send a JSON body with Content-Type: application/json")
    if "json_body" not in g:
        g.json_body = load_json(request.get_data(cache=True), "the JSON body")
    data = g.json_body
    if not isinstance(data, dict):
        abort(400, "malformed JSON: expected an object")
    return data


def _text_arg(name: str, data: dict | None = None, limit: int = 500) -> str:
    value = (data or {}).get(name) if data is not None else request.args.get(name)
    if value is None:
        abort(400, f"missing parameter {name!r}")
    if not isinstance(value, str):
        raise InputError(f"{name} must be a string")
    if not value.strip():
        raise InputError(f"{name} is empty")
    if len(value) > limit:
        raise InputError(f"{name} is longer than {limit} characters")
    return value


def _require_token() -> str:
    token = current_app.config.get("API_TOKEN")
    if not token:
        abort(403, "writing through the API is disabled: set TRANSLIT_API_TOKEN on the server")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer "):
        abort(401, "send Authorization: Bearer <token>")
    if not hmac.compare_digest(given[7:].encode(), token.encode()):
        abort(403, "wrong API token")
    return "api"


@api.get("/api/v1/lookup")
def lookup_get():
    q = _text_arg("q")
    return jsonify(g.engine.lookup.lookup(q, style=_style()).to_dict())


@api.post("/api/v1/lookup")
def lookup_post():
    data = _json_body()
    queries = data.get("queries")
    if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
        raise InputError("'queries' must be a list of strings")
    if len(queries) > current_app.config["MAX_BATCH"]:
        abort(413, f"at most {current_app.config['MAX_BATCH']} queries per request")
    style = _style()
    lk = g.engine.lookup
    return jsonify(results=[lk.lookup(q[:500], style=style).to_dict() for q in queries])


@api.get("/api/v1/suggest")
def suggest():
    q = request.args.get("q", "")
    if not q.strip():
        return jsonify(suggestions=[])
    res = g.engine.lookup.lookup(q[:200], style=_style())
    return jsonify(suggestions=[{"id": m.person.id, "native": m.person.native, "canonical": m.canonical,
                                 "score": round(m.score, 3)} for m in res.candidates])


@api.route("/api/v1/transliterate", methods=["GET", "POST"])
def transliterate():
    data = _json_body() if request.method == "POST" else None
    text = _text_arg("text", data, limit=100_000)
    scheme_id = (data or request.args).get("scheme")
    schemes = g.engine.authority.schemes
    if scheme_id:
        return jsonify(scheme=scheme_id, text=text, result=schemes[scheme_id].transliterate(text))
    return jsonify(text=text, results={s.id: s.transliterate(text) for s in schemes})


@api.post("/api/v1/normalize")
def normalize():
    data = _json_body()
    text = _text_arg("text", data, limit=current_app.config["MAX_CONTENT_LENGTH"])
    fmt = data.get("format", "spans")
    if fmt not in ("spans", "text", "annotate", "tei"):
        raise InputError("format must be one of spans, text, annotate, tei")
    nz = g.engine.normalizer(_style())
    mentions = nz.find(text)
    if fmt == "spans":
        return jsonify(mentions=[m.to_dict() for m in mentions])
    return jsonify(result=render(nz, text, mentions, fmt))


@api.get("/api/v1/schemes")
def schemes():
    return jsonify(schemes=[s.info() for s in g.engine.authority.schemes])


def _person_json(p) -> dict:
    a = g.engine.authority
    d = p.to_dict()
    d["revision"] = p.revision
    d["canonical"] = {s: a.canonical(p, s) for s in STYLES}
    return d


def _with_etag(response, p):
    """The person's revision as its ETag: send it back in If-Match (or as "revision") to edit it."""
    response.headers["ETag"] = f'"{p.revision}"'
    return response


def _if_match():
    """The revision named by If-Match ("3", W/"3"; * or none: no check)."""
    value = request.headers.get("If-Match", "").strip()
    if not value or value == "*":
        return None
    tag = value.split(",")[0].strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InputError(f"If-Match {value!r}: send the ETag of the person as read (a revision number)")
    return int(tag)


@api.get("/api/v1/persons")
def persons():
    a = g.engine.authority
    return jsonify(persons=[{"id": p.id, "native": p.native, "canonical": a.canonical(p, _style())}
                            for p in sorted(a, key=lambda p: p.id)])


@api.get("/api/v1/persons/<pid>")
def person(pid):
    p = g.engine.authority[pid]
    d = _person_json(p)
    d["spellings"] = [v.to_dict() for v in g.engine.authority.full_forms(p)]
    return _with_etag(jsonify(d), p)


@api.post("/api/v1/persons")
def person_create():
    who = _require_token()
    data = _json_body()
    data = {k: v for k, v in data.items() if k != "revision"}  # a new person has no revision to match
    p = editing.add_person(g.engine.authority, g.engine.store, data, who)
    return _with_etag(jsonify(_person_json(p)), p), 201


@api.route("/api/v1/persons/<pid>", methods=["PUT", "PATCH"])
def person_update(pid):
    """A change of fields; with If-Match or a "revision" field, refused (409) when the person was changed
    since that revision."""
    who = _require_token()
    data = _json_body()
    p = editing.edit_person(g.engine.authority, g.engine.store, pid, data, who, expect=_if_match())
    return _with_etag(jsonify(_person_json(p)), p)


@api.delete("/api/v1/persons/<pid>")
def person_delete(pid):
    who = _require_token()
    editing.delete_person(g.engine.authority, g.engine.store, pid, who, expect=_if_match())
    return "", 204


@api.get("/api/openapi.json")
def openapi():
    from .openapi import spec

    # the configured public address (TRANSLIT_PUBLIC_URL), never the Host header a client sets
    return jsonify(spec(current_app.config.get("PUBLIC_URL") or ""))
