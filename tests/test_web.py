"""The Flask service through its test client: pages, JSON API, OpenAPI, reconciliation, editor, errors, escaping."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest


@pytest.fixture()
def app(tmp_path):
    from translit.web import create_app

    return create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "web.sqlite3"), "API_TOKEN": "s3cret",
                       "MAX_BATCH": 50, "MAX_CONTENT_LENGTH": 200_000})


@pytest.fixture()
def client(app):
    return app.test_client()


def csrf_of(client, path="/"):
    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(app, client, user="ed", password="pw-123456"):
    from werkzeug.security import generate_password_hash

    app.extensions["translit"].store.set_user(user, generate_password_hash(password))
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"user": user, "password": password, "csrf": token})
    assert r.status_code in (302, 303), r.get_data(as_text=True)
    return csrf_of(client, "/editor")


def test_index_lookup_page(client):
    r = client.get("/?q=Hruscsovval")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Хрущёв" in html and "Hungarian" in html
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in html.replace('<script src=', "")  # no inline script


def test_person_page_has_styles_variants_schemes(client):
    html = client.get("/person/khrushchev-nikita").get_data(as_text=True)
    for s in ("Никита Сергеевич Хрущёв", "Chruschtschow", "Khrouchtchev", "Hruscsov", "ru-bgn"):
        assert s in html
    assert client.get("/person/nobody-here").status_code == 404


def test_persons_and_transliterate_pages(client):
    assert "Mićunović" in client.get("/persons").get_data(as_text=True)
    html = client.get("/transliterate?text=Хрущёв").get_data(as_text=True)
    assert "Chruschtschow" in html and "Khrushchëv" in html


def test_normalize_page_highlights_and_downloads(client):
    token = csrf_of(client, "/normalize")
    r = client.post("/normalize", data={"text": "Khrushchev met Tito at Brioni.", "csrf": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'class="mention"' in html and "/person/khrushchev-nikita" in html
    r = client.post("/normalize", data={"text": "Tito.", "csrf": "wrong"})
    assert r.status_code == 400


def test_markup_is_escaped_everywhere(client):
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    for path in (f"/?q={evil}", f"/transliterate?text={evil}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
    token = csrf_of(client, "/normalize")
    html = client.post("/normalize", data={"text": f"Tito {evil} Kardelj", "csrf": token}).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    r = client.get("/api/v1/lookup", query_string={"q": evil})
    assert r.content_type.startswith("application/json")


def test_api_lookup_get_and_batch(client):
    d = client.get("/api/v1/lookup?q=Firjubin").get_json()
    assert d["best"]["native"].endswith("Фирюбин") and d["query"] == "Firjubin"
    d = client.post("/api/v1/lookup", json={"queries": ["Nagynak", "Brezhnev"]}).get_json()
    assert "Nagy" in d["results"][0]["best"]["native"] and d["results"][1]["best"] is None
    assert client.get("/api/v1/lookup").status_code == 400
    r = client.post("/api/v1/lookup", data="{not json", content_type="application/json")
    assert r.status_code == 400 and "error" in r.get_json()
    assert client.post("/api/v1/lookup", json={"queries": "x"}).status_code == 422
    r = client.post("/api/v1/lookup", json={"queries": ["a"] * 51})
    assert r.status_code == 413 and "50" in r.get_json()["error"]
    r = client.post("/api/v1/normalize", data="x" * 300_000, content_type="application/json")
    assert r.status_code == 413


def test_api_transliterate_normalize_schemes(client):
    d = client.get("/api/v1/transliterate?text=Фирюбин&scheme=ru-bgn").get_json()
    assert d["result"] == "Firyubin"
    assert client.get("/api/v1/transliterate?text=x&scheme=nope").status_code == 404
    d = client.post("/api/v1/normalize", json={"text": "Kardeljem i Titom."}).get_json()
    assert {m["surface"] for m in d["mentions"]} == {"Kardeljem", "Titom"}
    ids = {s["id"] for s in client.get("/api/v1/schemes").get_json()["schemes"]}
    assert {"ru-alalc", "sr-cyrl-latn", "hu-ru"} <= ids


def test_api_persons_write_needs_token(client):
    body = {"id": "test-person", "native": "Test Person", "lang": "en", "family": "Person", "given": "Test"}
    assert client.post("/api/v1/persons", json=body).status_code == 401
    assert client.post("/api/v1/persons", json=body, headers={"Authorization": "Bearer nope"}).status_code == 403
    auth = {"Authorization": "Bearer s3cret"}
    r = client.post("/api/v1/persons", json=body, headers=auth)
    assert r.status_code == 201, r.get_json()
    assert client.get("/api/v1/persons/test-person").get_json()["native"] == "Test Person"
    assert client.post("/api/v1/persons", json=body, headers=auth).status_code in (409, 422)
    r = client.patch("/api/v1/persons/test-person", json={"description": "x"}, headers=auth)
    assert r.status_code == 200 and r.get_json()["description"] == "x"
    assert client.post("/api/v1/persons", json={"id": "bad"}, headers=auth).status_code == 422
    assert client.delete("/api/v1/persons/test-person", headers=auth).status_code == 204
    assert client.get("/api/v1/persons/test-person").status_code == 404


def test_openapi_matches_routes(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    rules: dict[str, set[str]] = {}
    for r in app.url_map.iter_rules():
        rules.setdefault(re.sub(r"<(\w+)>", r"{\1}", r.rule), set()).update(r.methods)
    for path, ops in spec["paths"].items():
        assert path in rules, f"documented path {path} is not served"
        for method in (m for m in ops if m in ("get", "post", "put", "patch", "delete")):
            assert method.upper() in rules[path], f"{method.upper()} {path} documented but not served"
    served = {p for p in rules if p.startswith("/api/v1/")}
    assert served <= set(spec["paths"]), served - set(spec["paths"])


def test_reconciliation_as_openrefine_sends_it(client):
    manifest = client.get("/reconcile").get_json()
    assert manifest["name"] and manifest["identifierSpace"] and manifest["view"]["url"]
    queries = {"q0": {"query": "Hruscsov", "type": "Person", "limit": 3},
               "q1": {"query": "Leonid Brezhnev"},
               "q2": {"query": "Nagy Imre", "type_strict": "should"}}
    r = client.post("/reconcile", data={"queries": json.dumps(queries)})
    d = r.get_json()
    assert d["q0"]["result"][0]["match"] is True and "Хрущёв" in d["q0"]["result"][0]["name"]
    assert not any(c["match"] for c in d["q1"]["result"])
    assert d["q2"]["result"][0]["id"]
    view = manifest["view"]["url"].replace("{{id}}", d["q0"]["result"][0]["id"])
    assert client.get(urlsplit(view).path).status_code in (200, 302)
    assert client.post("/reconcile", data={"queries": "{bad"}).status_code == 400


def test_editor_requires_login_and_csrf(app, client):
    r = client.get("/editor")
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]
    assert client.post("/editor/person", data={"id": "x"}).status_code in (302, 303, 400, 401)
    token = csrf_of(client, "/login")
    assert client.post("/login", data={"user": "ed", "password": "bad", "csrf": token}).status_code == 401
    token = login(app, client)
    r = client.post("/editor/variant", data={"id": "khrushchev-nikita", "form": "Chrusjtsjov", "kind": "spelling",
                                              "source": "convention:nl", "csrf": token})
    assert r.status_code == 303
    assert client.get("/api/v1/lookup?q=Chrusjtsjov").get_json()["best"]["id"] == "khrushchev-nikita"
    html = client.get("/editor").get_data(as_text=True)
    assert "Chrusjtsjov" in html and "ed" in html  # the audit trail
    r = client.post("/editor/variant", data={"id": "khrushchev-nikita", "form": "Y", "csrf": "forged"})
    assert r.status_code == 400


def test_edit_seen_by_another_worker(tmp_path):
    from translit.web import create_app

    cfg = {"TESTING": True, "TRANSLIT_DB": str(tmp_path / "shared.sqlite3"), "API_TOKEN": "t"}
    a, b = create_app(cfg).test_client(), create_app(cfg).test_client()
    assert b.get("/api/v1/lookup?q=Smithsonovich").get_json()["best"] is None
    r = a.post("/api/v1/persons", headers={"Authorization": "Bearer t"},
               json={"id": "smithsonovich-ivan", "native": "Ivan Smithsonovich", "lang": "en",
                     "family": "Smithsonovich", "given": "Ivan"})
    assert r.status_code == 201
    assert b.get("/api/v1/lookup?q=Smithsonovich").get_json()["best"]["id"] == "smithsonovich-ivan"


def test_review_queue_accept_and_reject(app, client):
    from translit import review

    token = login(app, client)  # an editor's run feeds the queue (an anonymous one does not: test_hardening)
    client.post("/normalize", data={"text": "Then Leonid Brezhnev spoke, and Walter Ulbricht agreed.", "csrf": token})
    html = client.get("/review").get_data(as_text=True)
    assert "Леонид Брежнев" in html and "Walter Ulbricht" in html
    store = app.extensions["translit"].store
    keys = {i["name"]: i["cluster"] for i in review.items(store)}
    assert f'value="{keys["Walter Ulbricht"]}"' in html
    client.post("/review", data={"key": keys["Walter Ulbricht"], "action": "reject", "csrf": token})
    r = client.post("/review", data={"key": keys["Leonid Brezhnev"], "action": "accept", "id": "brezhnev-leonid",
                                     "native": "Леонид Брежнев", "lang": "ru", "family": "Брежнев",
                                     "given": "Леонид", "order": "given-family", "csrf": token})
    assert r.status_code == 303
    assert client.get("/api/v1/lookup?q=Brezhnev").get_json()["best"]["id"] == "brezhnev-leonid"
    token = csrf_of(client, "/normalize")
    client.post("/normalize", data={"text": "Walter Ulbricht agreed again.", "csrf": token})
    assert "Walter Ulbricht" not in {i["name"] for i in review.items(store)}  # rejection remembered


def test_errors_are_json_without_traces(client):
    r = client.get("/api/v1/persons/nobody")
    assert r.status_code == 404 and r.get_json()["error"]
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["status"] == 404


def test_rate_limit_is_configurable(tmp_path):
    from translit.web import create_app

    c = create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "r.sqlite3"), "RATE_LIMIT": 5}).test_client()
    codes = [c.get("/api/v1/lookup?q=Tito").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
    assert c.get("/").status_code == 200  # pages are not rate limited


def test_upload_name_is_never_a_path(client, tmp_path):
    import io

    token = csrf_of(client, "/normalize")
    data = {"csrf": token, "file": (io.BytesIO("Tito és Kardelj.".encode()), "../../../../tmp/evil.txt")}
    r = client.post("/normalize", data=data, content_type="multipart/form-data")
    assert r.status_code == 200 and "/person/broz-josip" in r.get_data(as_text=True)
    assert not (tmp_path.parent / "evil.txt").exists()
    bad = {"csrf": token, "file": (io.BytesIO(b"\xff\xfe"), "x.txt")}
    r = client.post("/normalize", data=bad, content_type="multipart/form-data")
    assert r.status_code == 422 and "byte offset 0" in r.get_data(as_text=True)


def test_session_cookie_flags(app, client):
    login(app, client)
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only
