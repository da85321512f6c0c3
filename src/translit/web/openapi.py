"""The OpenAPI 3 document of the JSON API (tests check it against the real routes and answers)."""

from __future__ import annotations

from ..authority import STYLES

_MATCH = {
    "type": "object",
    "required": ["id", "native", "canonical", "score", "why"],
    "properties": {
        "id": {"type": "string"}, "native": {"type": "string"}, "canonical": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 1}, "why": {"type": "string"},
    },
}
_RESULT = {
    "type": "object",
    "required": ["query", "best", "candidates"],
    "properties": {
        "query": {"type": "string"},
        "best": {"oneOf": [{"$ref": "#/components/schemas/Match"}, {"type": "null"}]},
        "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}},
    },
}
_ERROR = {"type": "object", "required": ["error", "status"],
          "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}
_SPAN = {
    "type": "object",
    "required": ["start", "end", "surface", "id", "native", "canonical", "score"],
    "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}, "surface": {"type": "string"},
                   "id": {"type": "string"}, "native": {"type": "string"}, "canonical": {"type": "string"},
                   "score": {"type": "number"}},
}
_PERSON_IN = {
    "type": "object",
    "required": ["id", "native", "lang", "family"],
    "properties": {k: {"type": "string"} for k in ("id", "native", "lang", "family", "given", "patronymic", "order",
                                                   "gender", "description", "confidence", "note")},
}


def _err(*codes):
    return {str(c): {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def _ok(schema, code="200"):
    return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _style_param():
    return {"name": "style", "in": "query", "required": False, "schema": {"type": "string", "enum": list(STYLES)}}


def _q(name, required=False):
    return {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}


def _suggest(summary):
    return {"get": {"summary": summary, "parameters": [_q("prefix"), _q("cursor"), _q("limit"), _q("callback")],
                    "responses": {**_ok({"type": "object"}), **_err(400)}}}


def spec(server: str = "") -> dict:
    """The document; `server` is the configured public address (TRANSLIT_PUBLIC_URL), "" for relative."""
    bearer = [{"token": []}]
    return {
        "openapi": "3.0.3",
        "info": {"title": "translit", "version": "1", "description": "Names of Cold War sources: lookup, "
                 "transliteration, normalization, and the name authority."},
        "servers": [{"url": server or "/"}],
        "components": {
            "schemas": {"Match": _MATCH, "LookupResult": _RESULT, "Error": _ERROR, "Span": _SPAN, "PersonIn": _PERSON_IN},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/v1/lookup": {
                "get": {"summary": "Look a spelling up",
                        "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                                       _style_param()],
                        "responses": {**_ok({"$ref": "#/components/schemas/LookupResult"}), **_err(400, 422)}},
                "post": {"summary": "Look many spellings up",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["queries"],
                             "properties": {"queries": {"type": "array", "items": {"type": "string"}},
                                            "style": {"type": "string"}}}}}},
                         "responses": {**_ok({"type": "object", "properties": {"results": {
                             "type": "array", "items": {"$ref": "#/components/schemas/LookupResult"}}}}),
                             **_err(400, 413, 422)}},
            },
            "/api/v1/suggest": {"get": {"summary": "Suggestions while typing",
                                        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                                        "responses": _ok({"type": "object"})}},
            "/api/v1/transliterate": {
                "get": {"summary": "A text in one scheme, or in every scheme",
                        "parameters": [{"name": "text", "in": "query", "required": True, "schema": {"type": "string"}},
                                       {"name": "scheme", "in": "query", "schema": {"type": "string"}}],
                        "responses": {**_ok({"type": "object"}), **_err(400, 404, 422)}},
                "post": {"summary": "Same, with a JSON body {text, scheme}",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                         "responses": {**_ok({"type": "object"}), **_err(400, 404, 422)}},
            },
            "/api/v1/normalize": {"post": {
                "summary": "Find and normalize mentions in a text",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["text"],
                    "properties": {"text": {"type": "string"}, "style": {"type": "string"},
                                   "format": {"type": "string", "enum": ["spans", "text", "annotate", "tei"]}}}}}},
                "responses": {**_ok({"type": "object", "properties": {
                    "mentions": {"type": "array", "items": {"$ref": "#/components/schemas/Span"}},
                    "result": {"type": "string"}}}), **_err(400, 413, 422)}}},
            "/api/v1/schemes": {"get": {"summary": "The transliteration schemes", "responses": _ok({"type": "object"})}},
            "/api/v1/persons": {
                "get": {"summary": "All persons", "parameters": [_style_param()], "responses": _ok({"type": "object"})},
                "post": {"summary": "Add a person", "security": bearer,
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/PersonIn"}}}},
                         "responses": {**_ok({"type": "object"}, "201"), **_err(400, 401, 403, 422)}},
            },
            "/api/v1/persons/{pid}": {
                "parameters": [{"name": "pid", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"summary": "One person, with every spelling", "responses": {**_ok({"type": "object"}), **_err(404)}},
                "put": {"summary": "Change a person", "security": bearer,
                        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                        "responses": {**_ok({"type": "object"}), **_err(400, 401, 403, 404, 422)}},
                "patch": {"summary": "Change a person", "security": bearer,
                          "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                          "responses": {**_ok({"type": "object"}), **_err(400, 401, 403, 404, 422)}},
                "delete": {"summary": "Delete a person", "security": bearer,
                           "responses": {"204": {"description": "deleted"}, **_err(401, 403, 404)}},
            },
            "/reconcile": {
                "get": {"summary": "W3C reconciliation service manifest, or queries in ?queries= / ?extend= "
                                   "(JSONP with ?callback=)",
                        "parameters": [_q("queries"), _q("extend"), _q("callback")],
                        "responses": {**_ok({"type": "object"}), **_err(400, 413, 422)}},
                "post": {"summary": "W3C reconciliation batch queries (form field queries=JSON) or data "
                                    "extension (form field extend=JSON)",
                         "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                             "type": "object", "properties": {"queries": {"type": "string"},
                                                              "extend": {"type": "string"}}}}}},
                         "responses": {**_ok({"type": "object"}), **_err(400, 413, 422)}},
            },
            "/reconcile/propose_properties": {"get": {
                "summary": "Properties for data extension", "parameters": [_q("type"), _q("limit"), _q("callback")],
                "responses": _ok({"type": "object"})}},
            "/reconcile/suggest/entity": _suggest("Persons for a typed prefix"),
            "/reconcile/suggest/property": _suggest("Properties for a typed prefix"),
            "/reconcile/suggest/type": _suggest("Types for a typed prefix"),
            "/reconcile/flyout/entity": {"get": {"summary": "A person's flyout (HTML in JSON)",
                                                 "parameters": [_q("id", True), _q("callback")],
                                                 "responses": {**_ok({"type": "object"}), **_err(404)}}},
            "/reconcile/flyout/property": {"get": {"summary": "A property's flyout (HTML in JSON)",
                                                   "parameters": [_q("id", True), _q("callback")],
                                                   "responses": {**_ok({"type": "object"}), **_err(404)}}},
            "/reconcile/preview": {"get": {"summary": "A person's preview page (HTML) for OpenRefine's frame",
                                           "parameters": [_q("id", True)],
                                           "responses": {"200": {"description": "an HTML page"}, **_err(404)}}},
        },
    }
