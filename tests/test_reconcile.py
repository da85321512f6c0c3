"""Reconciliation as OpenRefine 3.x speaks it, replayed byte for byte against the real Flask app and the
real SQLite authority (and once through a real gunicorn): the manifest (plain and JSONP), batch queries
as `queries=` form bodies, properties narrowing the candidates, `match` only when one candidate is
certain, features, data extension (`propose_properties`, `extend=`), preview, suggest and flyouts, and
bad input answered 400 with nothing written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://names.example.org/translit"


@pytest.fixture()
def app(tmp_path):
    from translit.web import create_app

    return create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "rec.sqlite3"), "PUBLIC_URL": PUBLIC,
                       "MAX_BATCH": 20})


@pytest.fixture()
def client(app):
    return app.test_client()


def openrefine_body(field: str, payload: dict) -> bytes:
    """The body OpenRefine's Java client posts: `field=` + URLEncoder.encode(compact JSON, UTF-8)."""
    return (field + "=" + urllib.parse.quote_plus(json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
                                                  safe="*")).encode("ascii")


def post(client, field, payload):
    r = client.post("/reconcile", data=openrefine_body(field, payload),
                    content_type="application/x-www-form-urlencoded", headers={"User-Agent": "OpenRefine/3.8.7"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def jsonp(resp, callback):
    body = resp.get_data(as_text=True)
    assert resp.mimetype == "application/javascript"
    m = re.fullmatch(r"/\*\*/" + re.escape(callback) + r"\((.*)\);", body, re.S)
    assert m, body[:80]
    return json.loads(m.group(1))


def query(text, *props, type_="person", limit=None):
    """One query as OpenRefine's StandardReconConfig serializes it (type, type_strict, properties, limit)."""
    q = {"query": text}
    if type_:
        q.update(type=type_, type_strict="should")
    if props:
        q["properties"] = [{"pid": p, "v": v} for p, v in props]
    if limit:
        q["limit"] = limit
    return q


def feats(candidate):
    return {f["id"]: f["value"] for f in candidate["features"]}


# -- the manifest ---------------------------------------------------------------------------------------

def test_manifest_declares_every_service_of_the_public_address(client):
    m = client.get("/reconcile", headers={"Host": "evil.example"}).get_json()
    assert m["versions"] == ["0.2"] and m["defaultTypes"] == [{"id": "person", "name": "Person"}]
    assert m["identifierSpace"] == PUBLIC + "/person/" and "evil" not in json.dumps(m)
    assert m["preview"]["url"] == PUBLIC + "/reconcile/preview?id={{id}}"
    assert m["preview"]["width"] > 0 and m["preview"]["height"] > 0
    for kind in ("entity", "property", "type"):
        assert m["suggest"][kind]["service_url"] == PUBLIC
    assert m["extend"]["propose_properties"]["service_path"] == "/reconcile/propose_properties"
    style = m["extend"]["property_settings"][0]
    assert style["name"] == "style" and style["type"] == "select" and {"value": "sr-Cyrl", "name": "sr-Cyrl"} in style["choices"]


def test_manifest_by_jsonp_as_openrefine_before_3_3_fetches_it(client):
    cb = "jQuery3310_1733390000000"
    m = jsonp(client.get(f"/reconcile?callback={cb}&_=1733390000001"), cb)
    assert m["identifierSpace"] == PUBLIC + "/person/"
    for bad in ("alert(1)//", "a b", "x;y", "1abc", "<script>"):
        r = client.get("/reconcile", query_string={"callback": bad})
        assert r.status_code == 400 and "callback" in r.get_json()["error"]


# -- queries -------------------------------------------------------------------------------------------

def test_match_only_when_exactly_one_candidate_is_certain(client):
    d = post(client, "queries", {
        "q0": query("Hruscsov"),                  # Hungarian spelling, one person: certain
        "q1": query("Rajk"),                      # László and Júlia Rajk: no match, both ranked
        "q2": query("Nagy"),                      # a bare surname common in Hungarian
        "q3": query("Khrushchov Nikita"),         # a damaged reading: a candidate, never a match
        "q4": query("Leonid Brezhnev"),           # not in the table
        "q5": query("Nagy Imre"),
    })
    assert [(c["id"], c["match"]) for c in d["q0"]["result"]] == [("khrushchev-nikita", True)]
    assert {c["id"] for c in d["q1"]["result"]} == {"rajk-laszlo", "rajk-julia"}
    assert not any(c["match"] for c in d["q1"]["result"])
    assert d["q2"]["result"][0]["id"] == "nagy-imre" and d["q2"]["result"][0]["match"] is False
    assert d["q3"]["result"][0]["id"] == "khrushchev-nikita" and d["q3"]["result"][0]["match"] is False
    assert feats(d["q3"]["result"][0])["damaged"] is True
    assert not any(c["match"] for c in d["q4"]["result"])
    assert d["q5"]["result"][0]["match"] is True
    for r in d.values():  # OpenRefine sorts by score and reads name, id, type, score, match
        for c in r["result"]:
            assert isinstance(c["name"], str) and isinstance(c["score"], float) and c["type"][0]["id"] == "person"
            assert all(isinstance(f["value"], bool | int | float) for f in c["features"])


def test_features_tell_scheme_inflection_damage_and_order(client):
    d = post(client, "queries", {"q0": query("Chruschtschows"), "q1": query("Nagy Imre"),
                                 "q2": query("Imre Nagy"), "q3": query("Hruscsovval")})
    f0 = feats(d["q0"]["result"][0])
    assert f0["scheme_ru-de"] is True and f0["inflected"] is True and f0["damaged"] is False
    assert f0["bare_surname"] is True and 0.9 < f0["name_score"] < 1
    assert feats(d["q1"]["result"][0])["family_first"] is True
    assert feats(d["q2"]["result"][0])["family_first"] is False
    assert feats(d["q2"]["result"][0])["given_name_matched"] is True
    f3 = feats(d["q3"]["result"][0])
    assert f3["scheme_ru-hu"] is True and f3["inflected"] is True


def test_properties_narrow_and_decide_between_namesakes(client):
    d = post(client, "queries", {
        "q0": query("Rajk", ("born", "1909")),                              # a text cell
        "q1": query("Rajk", ("P569", "1914-01-01T00:00:00Z")),              # a date cell, Wikidata's property
        "q2": query("Rajk", ("born", 1912)),                                # nobody of that name born then
        "q3": query("Nagy", ("P569", 1896), ("P27", "Hungary")),            # evidence lifts a common surname
        "q4": query("Nagy", ("country", "Soviet Union")),                   # the country speaks against him
        "q5": query("Rajk", ("born", "unknown")),                           # no evidence: as without it
        "q6": query("Hruscsov", ("country", {"id": "Q15180", "name": "Soviet Union"})),  # a reconciled cell
    })
    assert [(c["id"], c["match"]) for c in d["q0"]["result"]] == [("rajk-laszlo", True)]
    assert [(c["id"], c["match"]) for c in d["q1"]["result"]] == [("rajk-julia", True)]
    assert d["q2"]["result"] == []
    assert [(c["id"], c["match"]) for c in d["q3"]["result"]] == [("nagy-imre", True)]
    assert feats(d["q3"]["result"][0])["property_born"] is True
    assert d["q4"]["result"] == []
    assert not any(c["match"] for c in d["q5"]["result"]) and len(d["q5"]["result"]) == 2
    assert d["q6"]["result"][0]["match"] is True


def test_type_limit_and_empty_queries(client):
    d = post(client, "queries", {"q0": query("Rajk", limit=1), "q1": query("Tito", type_="Q5"),
                                 "q2": query("Tito", type_="/location/citytown"), "q3": query("   "),
                                 "q4": {"query": "Tito", "type": "Person"}})
    assert len(d["q0"]["result"]) == 1
    assert d["q1"]["result"][0]["id"] == "broz-josip" and d["q4"]["result"][0]["id"] == "broz-josip"
    assert d["q2"]["result"] == [] and d["q3"]["result"] == []


def test_queries_by_get_and_jsonp(client):
    q = json.dumps({"q0": query("Hruscsov")})
    assert client.get("/reconcile", query_string={"queries": q}).get_json()["q0"]["result"][0]["match"]
    d = jsonp(client.get("/reconcile", query_string={"queries": q, "callback": "cb_1"}), "cb_1")
    assert d["q0"]["result"][0]["id"] == "khrushchev-nikita"


# -- data extension ------------------------------------------------------------------------------------

def test_propose_properties_and_extend_as_openrefine_sends_them(client):
    cb = "jQuery3310_1733390000002"
    p = jsonp(client.get(f"/reconcile/propose_properties?type=person&limit=20&callback={cb}"), cb)
    ids = [x["id"] for x in p["properties"]]
    assert p["type"] == "person" and {"native", "canonical", "born", "died", "country", "wikidata", "viaf",
                                      "gnd", "lcnaf"} <= set(ids)
    assert client.get("/reconcile/propose_properties?type=city").get_json()["properties"] == []
    asked = ["native", "canonical", "born", "died", "country", "wikidata", "P214", "gnd", "lcnaf"]
    d = post(client, "extend", {"ids": ["khrushchev-nikita", "broz-josip", "no-such-person"],
                                "properties": [{"id": a} for a in asked[:1]]
                                + [{"id": "canonical", "settings": {"style": "hu"}}]
                                + [{"id": a} for a in asked[2:]]})
    assert [m["id"] for m in d["meta"]] == asked and all(m["name"] for m in d["meta"])
    assert set(d["rows"]) == {"khrushchev-nikita", "broz-josip", "no-such-person"}
    kh = d["rows"]["khrushchev-nikita"]
    assert kh["native"] == [{"str": "Никита Сергеевич Хрущёв"}]
    assert kh["canonical"] == [{"str": "Nyikita Hruscsov"}]  # Hungarian: the setting's house style
    assert kh["born"] == [{"int": 1894}] and kh["died"] == [{"int": 1971}]
    assert kh["country"] == [{"str": "Soviet Union"}] and d["rows"]["broz-josip"]["country"] == [{"str": "Yugoslavia"}]
    assert kh["P214"] == [] and set(d["rows"]["no-such-person"]) == set(asked)
    assert all(v == [] for v in d["rows"]["no-such-person"].values())


def test_extend_gives_imported_external_ids(tmp_path):
    """A person with ids (a Wikidata import into the real database) gets them as columns."""
    from translit import editing
    from translit.web import create_app

    app = create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "ids.sqlite3")})
    engine = app.extensions["translit"]
    editing.edit_person(engine.authority, engine.store, "nagy-imre",
                          {"ids": {"wikidata": "Q134465", "viaf": "27064953", "gnd": "118586246",
                                   "lcnaf": "n50011523"}}, "test")
    c = app.test_client()
    d = post(c, "extend", {"ids": ["nagy-imre"], "properties": [{"id": k} for k in ("wikidata", "viaf", "gnd", "lcnaf")]})
    assert d["rows"]["nagy-imre"] == {"wikidata": [{"str": "Q134465"}], "viaf": [{"str": "27064953"}],
                                      "gnd": [{"str": "118586246"}], "lcnaf": [{"str": "n50011523"}]}
    # and an identifier finds the person when no name does
    r = post(c, "queries", {"q0": query("Imre N4gyy", ("P214", "27064953"))})["q0"]["result"]
    assert [(x["id"], x["match"]) for x in r] == [("nagy-imre", True)]


# -- preview, suggest, flyout --------------------------------------------------------------------------

def test_preview_is_a_small_page_openrefine_may_frame(client):
    r = client.get("/reconcile/preview?id=broz-josip")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"] and "X-Frame-Options" not in r.headers
    assert "script" not in r.headers["Content-Security-Policy"] and "<script" not in html
    assert "Јосип Броз Тито" in html or "Josip Broz Tito" in html
    assert "1892" in html and "Yugoslavia" in html
    assert client.get("/reconcile/preview?id=nobody").status_code == 404
    assert client.get("/").headers["X-Frame-Options"] == "DENY"  # every other page stays unframed


def test_suggest_entity_property_type_with_prefix_and_flyout(client):
    cb = "jQuery3310_1733390000003"
    r = jsonp(client.get(f"/reconcile/suggest/entity?prefix=Khru&type=person&type_strict=should&callback={cb}"), cb)
    assert r["result"][0]["id"] == "khrushchev-nikita" and r["result"][0]["notable"][0]["id"] == "person"
    r = client.get("/reconcile/suggest/entity?prefix=Hruscsovval").get_json()  # a whole inflected spelling
    assert r["result"][0]["id"] == "khrushchev-nikita"
    page = client.get("/reconcile/suggest/entity?prefix=a&cursor=2&limit=3").get_json()["result"]
    first = client.get("/reconcile/suggest/entity?prefix=a&limit=5").get_json()["result"]
    assert [x["id"] for x in page] == [x["id"] for x in first[2:5]]
    props = client.get("/reconcile/suggest/property?prefix=birth").get_json()["result"]
    assert [p["id"] for p in props] == ["born"]
    assert client.get("/reconcile/suggest/property?prefix=P214").get_json()["result"][0]["id"] == "viaf"
    assert client.get("/reconcile/suggest/type?prefix=per").get_json()["result"] == [{"id": "person", "name": "Person"}]
    assert client.get("/reconcile/suggest/type?prefix=city").get_json()["result"] == []
    fly = client.get("/reconcile/flyout/entity?id=khrushchev-nikita").get_json()
    assert fly["id"] == "khrushchev-nikita" and "Хрущёв" in fly["html"] and "<html" not in fly["html"]
    assert client.get("/reconcile/flyout/entity?id=nobody").status_code == 404
    assert client.get("/reconcile/suggest/entity?prefix=" + "x" * 201).status_code == 400


# -- bad input -----------------------------------------------------------------------------------------

def _fingerprint(app):
    store = app.extensions["translit"].store
    path = Path(store.path)
    files = [path, path.with_name(path.name + "-wal")]
    return [hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.exists()], app.extensions["translit"].authority.revision


@pytest.mark.parametrize("field,raw,needle", [
    ("queries", "{bad", "malformed JSON in queries"),
    ("queries", "[" * 50_000, "malformed JSON"),
    ("queries", '["q0"]', "JSON object of query ids"),
    ("queries", '{"q0": "Tito"}', "'q0'"),
    ("queries", '{"q0": {"query": 5}}', "'query' string"),
    ("queries", '{"q0": {"query": "Rajk", "properties": {"pid": "born"}}}', "'properties' must be a list"),
    ("queries", '{"q0": {"query": "Rajk", "properties": [{"pid": "shoe size", "v": 9}]}}', "unknown property"),
    ("queries", '{"q0": {"query": "Rajk", "properties": [{"v": 9}]}}', "needs a 'pid'"),
    ("queries", '{"q0": {"query": "Rajk", "type": 7}}', "'type'"),
    ("extend", "{bad", "malformed JSON in extend"),
    ("extend", '{"ids": "nagy-imre", "properties": []}', "extend must be"),
    ("extend", '{"ids": ["nagy-imre"], "properties": [{"id": "shoe"}]}', "unknown property 'shoe'"),
    ("extend", '{"ids": ["nagy-imre"], "properties": [{"id": "canonical", "settings": {"style": "klingon"}}]}',
     "unknown style"),
    ("extend", '{"ids": [5], "properties": [{"id": "born"}]}', "list of strings"),
])
def test_bad_input_is_a_clear_400_and_writes_nothing(app, client, field, raw, needle):
    before = _fingerprint(app)
    r = client.post("/reconcile", data=field + "=" + urllib.parse.quote_plus(raw),
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400, r.get_data(as_text=True)
    assert needle in r.get_json()["error"] and r.get_json()["status"] == 400
    assert _fingerprint(app) == before


def test_too_many_queries_or_ids_is_413(client):
    many = {f"q{i}": query("Tito") for i in range(21)}
    assert client.post("/reconcile", data={"queries": json.dumps(many)}).status_code == 413
    ext = {"ids": [f"p{i}" for i in range(21)], "properties": [{"id": "born"}]}
    assert client.post("/reconcile", data={"extend": json.dumps(ext)}).status_code == 413


# -- the same bytes through a real gunicorn --------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_openrefine_requests_through_gunicorn(tmp_path):
    port = _free_port()
    env = dict(os.environ, TRANSLIT_DB=str(tmp_path / "g.sqlite3"), TRANSLIT_PUBLIC_URL=PUBLIC,
               TRANSLIT_SECRET_KEY_FILE=str(tmp_path / "key"))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "wsgi:app"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                manifest = json.loads(urllib.request.urlopen(base + "/reconcile", timeout=5).read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        assert manifest["extend"]["propose_properties"]
        body = openrefine_body("queries", {"q0": query("Rajk", ("born", "1909")), "q1": query("Rajk")})
        req = urllib.request.Request(base + "/reconcile", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "OpenRefine/3.8.7"})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            d = json.loads(r.read())
        assert [(c["id"], c["match"]) for c in d["q0"]["result"]] == [("rajk-laszlo", True)]
        assert not any(c["match"] for c in d["q1"]["result"])
        req = urllib.request.Request(base + "/reconcile", data=openrefine_body(
            "extend", {"ids": ["rajk-laszlo"], "properties": [{"id": "born"}, {"id": "died"}]}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert json.loads(r.read())["rows"]["rajk-laszlo"] == {"born": [{"int": 1909}], "died": [{"int": 1949}]}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- issue 18: the OpenAPI document's servers ------------------------------------------------------------

def test_openapi_servers_come_from_the_public_url_not_host(client, tmp_path):
    spec = client.get("/api/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert spec["servers"] == [{"url": PUBLIC}]
    from translit.web import create_app

    plain = create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "plain.sqlite3"), "PUBLIC_URL": None})
    spec = plain.test_client().get("/api/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert spec["servers"] == [{"url": "/"}] and "evil" not in json.dumps(spec)
    for path in ("/reconcile/propose_properties", "/reconcile/suggest/entity", "/reconcile/preview"):
        assert path in spec["paths"]
