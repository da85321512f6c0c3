"""What an attacker or an unlucky user meets in the web service: redirects, password guessing, sessions,
anonymous writes, hostile JSON, the Host header; then the same through a real gunicorn with two workers."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-123456"


def make_app(tmp_path, **cfg):
    from translit.web import create_app

    base = {"TESTING": True, "TRANSLIT_DB": str(tmp_path / "h.sqlite3"), "API_TOKEN": "tok",
            "PUBLIC_URL": "https://names.example.org/translit"}
    base.update(cfg)
    return create_app(base)


@pytest.fixture()
def app(tmp_path):
    return make_app(tmp_path)


def csrf_of(client, path="/login"):
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert m
    return m.group(1)


def add_user(app, user="ed", password=PASSWORD):
    from werkzeug.security import generate_password_hash

    app.extensions["translit"].store.set_user(user, generate_password_hash(password))


def post_login(client, user="ed", password=PASSWORD, next_=None, addr="10.0.0.1"):
    token = csrf_of(client)
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"user": user, "password": password, "csrf": token},
                       environ_base={"REMOTE_ADDR": addr})


# -- redirects -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/%09/evil.example/x", "//evil.example/x", "/%5Cevil.example", "%5C%5Cevil.example",
                                    "https://evil.example/", "%20//evil.example", "/%0A/evil.example", "javascript:alert(1)"])
def test_login_next_never_leaves_the_site(app, target):
    add_user(app)
    r = post_login(app.test_client(), next_=target)
    assert r.status_code == 302
    loc = r.headers["Location"]
    assert "evil" not in loc and "javascript" not in loc, loc
    assert loc.endswith("/editor")


def test_login_next_keeps_a_local_path(app):
    add_user(app)
    r = post_login(app.test_client(), next_=urllib.parse.quote("/review?x=1", safe=""))
    assert r.headers["Location"].endswith("/review?x=1")


def test_local_path_normalizes_as_a_browser_does():
    from translit.web.security import local_path

    assert local_path("/\t/evil.example/x") is None
    assert local_path("/\\evil.example") is None
    assert local_path(" \x01//evil.example") is None
    assert local_path("/per\nson/x") == "/person/x"
    assert local_path("/editor") == "/editor"


# -- password guessing -------------------------------------------------------------------------

def test_login_is_throttled_per_account_with_retry_after(app):
    add_user(app)
    c = app.test_client()
    codes = [post_login(c, password=f"wrong{i}", addr=f"10.1.0.{i}").status_code for i in range(5)]
    assert codes == [401] * 5
    r = post_login(c, addr="10.1.0.99")  # the right password, from another address: still locked
    assert r.status_code == 429
    wait = int(r.headers["Retry-After"])
    assert 0 < wait <= 900
    assert "try again in" in r.get_data(as_text=True)


def test_login_is_throttled_per_client(app):
    add_user(app)
    c = app.test_client()
    codes = [post_login(c, user=f"guess{i}", password="x", addr="10.2.0.1").status_code for i in range(5)]
    assert codes == [401] * 5
    assert post_login(c, addr="10.2.0.1").status_code == 429  # that address is locked, for every account
    assert post_login(c, addr="10.2.0.2").status_code == 302  # another address logs in


def test_lockout_ends_and_success_clears_failures(tmp_path):
    app = make_app(tmp_path, LOGIN_LOCKOUT=1.0)
    add_user(app)
    c = app.test_client()
    for i in range(5):
        post_login(c, password="bad", addr=f"10.3.0.{i}")
    assert post_login(c, addr="10.3.0.50").status_code == 429
    time.sleep(1.1)
    assert post_login(c, addr="10.3.0.51").status_code == 302
    conn = sqlite3.connect(tmp_path / "h.sqlite3")
    assert conn.execute("SELECT count(*) FROM login_failure WHERE key = 'user:ed'").fetchone()[0] == 0


def test_unknown_and_known_users_cost_one_hash_each(app, monkeypatch):
    """The time of a wrong answer must not tell whether the name exists: both paths check one password hash
    of the same method and cost (counted, not timed; bench/bench_login.py times them)."""
    from werkzeug.security import generate_password_hash

    from translit.web import security

    calls = []
    real = security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr(security, "check_password_hash", counting)
    add_user(app)
    c = app.test_client()
    assert post_login(c, user="ed", password="wrong", addr="10.4.0.1").status_code == 401
    assert post_login(c, user="nobody", password="wrong", addr="10.4.0.2").status_code == 401
    method = generate_password_hash("x").split("$")[0]
    assert calls == [method, method]


# -- sessions ----------------------------------------------------------------------------------

def _logged_in(app, addr="10.5.0.1"):
    add_user(app)
    c = app.test_client()
    assert post_login(c, addr=addr).status_code == 302
    assert c.get("/editor").status_code == 200
    return c, c.get_cookie("session").value


def _with_cookie(app, value):
    c = app.test_client()
    c.set_cookie("session", value)
    return c


def test_logout_revokes_a_captured_cookie(app):
    c, captured = _logged_in(app)
    c.post("/logout", data={"csrf": csrf_of(c, "/editor")})
    thief = _with_cookie(app, captured)
    r = thief.get("/editor")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = thief.post("/editor/variant", data={"id": "khrushchev-nikita", "form": "Xrusjtsjov", "csrf": "x"})
    assert r.status_code == 302
    assert app.test_client().get("/api/v1/lookup?q=Xrusjtsjov").get_json()["best"] is None


def test_password_change_and_removal_revoke_sessions(app):
    from translit.web import security

    c, captured = _logged_in(app)
    add_user(app, password="another-pw-1")  # a new password: sessions opened with the old one end
    assert _with_cookie(app, captured).get("/editor").status_code == 302
    c2, captured2 = _logged_in(app, addr="10.5.0.2")
    store = app.extensions["translit"].store
    assert security.remove_user(store, "ed")
    assert _with_cookie(app, captured2).get("/editor").status_code == 302
    assert store.conn.execute("SELECT count(*) FROM web_session").fetchone()[0] == 0


def test_session_expires(tmp_path):
    app = make_app(tmp_path, EDITOR_SESSION_HOURS=1 / 3600)  # one second
    c, _ = _logged_in(app)
    time.sleep(1.1)
    assert c.get("/editor").status_code == 302


def test_database_holds_no_signing_key_and_no_usable_session(tmp_path, caplog):
    from flask.sessions import SecureCookieSessionInterface

    with caplog.at_level(logging.WARNING, logger="translit.web"):
        app = make_app(tmp_path)
    key_file = tmp_path / "h.sqlite3.key"
    assert key_file.is_file() and (key_file.stat().st_mode & 0o077) == 0
    assert any("generated a signing key" in r.getMessage() for r in caplog.records)
    assert app.config["SECRET_KEY"] == key_file.read_text().strip().encode()
    assert make_app(tmp_path).config["SECRET_KEY"] == app.config["SECRET_KEY"]  # a second worker reads it
    _logged_in(app)
    conn = sqlite3.connect(tmp_path / "h.sqlite3")
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'secret_key'").fetchone()[0] == 0
    stored = conn.execute("SELECT id FROM web_session").fetchone()[0]
    # even with the key, a cookie made from what the database holds opens no session
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    forged = serializer.dumps({"sid": stored, "csrf": "c"})
    assert _with_cookie(app, forged).get("/editor").status_code == 302


def test_signing_key_from_environment_or_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLIT_SECRET_KEY", "k" * 40)
    from translit.web import create_app

    app = create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "e.sqlite3")})
    assert app.config["SECRET_KEY"] == b"k" * 40 and not (tmp_path / "e.sqlite3.key").exists()
    monkeypatch.delenv("TRANSLIT_SECRET_KEY")
    key = tmp_path / "conf" / "key"
    key.parent.mkdir()
    key.write_text("f" * 64 + "\n")
    app = create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "e.sqlite3"), "SECRET_KEY_FILE": str(key)})
    assert app.config["SECRET_KEY"] == b"f" * 64
    key.write_text("short")
    with pytest.raises(Exception, match="shorter than 32"):
        create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "e.sqlite3"), "SECRET_KEY_FILE": str(key)})


# -- anonymous writes ----------------------------------------------------------------------------

TEXT = "Then Leonid Brezhnev spoke, Walter Ulbricht agreed, Gustav Husak and Wladyslaw Gomulka listened."


def _queue(app):
    from translit import review

    return len(review.items(app.extensions["translit"].store, limit=100_000))


def test_anonymous_normalize_never_writes(app, tmp_path):
    c = app.test_client()
    db = tmp_path / "h.sqlite3"
    before = db.stat().st_size, _queue(app)
    r = c.post("/normalize", data={"text": TEXT * 200, "csrf": csrf_of(c, "/normalize")})
    assert r.status_code == 200 and "Ulbricht" in r.get_data(as_text=True)
    assert _queue(app) == 0
    assert (db.stat().st_size, _queue(app)) == before


def test_review_queue_is_capped(tmp_path):
    app = make_app(tmp_path, REVIEW_QUEUE_MAX=2)
    c, _ = _logged_in(app)
    token = csrf_of(c, "/editor")
    c.post("/normalize", data={"text": TEXT, "csrf": token})
    assert _queue(app) == 2
    c.post("/normalize", data={"text": "Erich Honecker and Todor Zhivkov. " + TEXT, "csrf": token})
    from translit import review

    rows = review.items(app.extensions["translit"].store)
    assert len(rows) == 2 and all(r["count"] >= 2 for r in rows)  # the queued clusters counted again, no new ones


# -- hostile JSON ------------------------------------------------------------------------------

def test_deep_json_is_400_everywhere(app):
    c = app.test_client()
    deep = "[" * 100_000
    r = c.post("/api/v1/lookup", data=deep, content_type="application/json")
    assert r.status_code == 400 and "malformed JSON" in r.get_json()["error"]
    r = c.post("/reconcile", data={"queries": deep})
    assert r.status_code == 400 and "malformed JSON" in r.get_json()["error"]
    r = c.post("/api/v1/normalize", data='{"text": ' + "[" * 50_000 + "]" * 50_000 + "}",
               content_type="application/json")
    assert r.status_code == 400
    r = c.post("/api/v1/lookup", data=b'{"queries": ["\xff"]}', content_type="application/json")
    assert r.status_code == 400


def test_lone_surrogate_is_422_naming_the_field(app):
    c = app.test_client()
    auth = {"Authorization": "Bearer tok"}
    body = '{"id": "x-y", "native": "Ab\\ud800c", "lang": "en", "family": "Ab", "given": "C"}'
    r = c.post("/api/v1/persons", data=body, content_type="application/json", headers=auth)
    assert r.status_code == 422 and "native" in r.get_json()["error"]
    r = c.post("/api/v1/lookup", data='{"queries": ["Tito", "\\udfff"]}', content_type="application/json")
    assert r.status_code == 422 and "queries[1]" in r.get_json()["error"]
    r = c.post("/reconcile", data={"queries": '{"q0": {"query": "\\ud83d"}}'})
    assert r.status_code == 422 and "q0.query" in r.get_json()["error"]
    r = c.post("/api/v1/normalize", data='{"text": "ok", "\\ud800": 1}', content_type="application/json")
    assert r.status_code == 422


def test_manifest_ignores_the_host_header(app):
    m = app.test_client().get("/reconcile", headers={"Host": "evil.example"}).get_json()
    assert m["identifierSpace"] == "https://names.example.org/translit/person/"
    assert m["view"]["url"].startswith("https://names.example.org/translit/")
    assert "evil" not in json.dumps(m)


# -- a real gunicorn with two workers ----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def _request(base, path, data=None, headers=None, cookie=None):
    req = urllib.request.Request(base + path, data=data, headers=dict(headers or {}))
    if cookie:
        req.add_header("Cookie", cookie)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


@pytest.fixture()
def server(tmp_path):
    port = _free_port()
    env = dict(os.environ, TRANSLIT_DB=str(tmp_path / "g.sqlite3"), TRANSLIT_RATE_LIMIT="40",
               TRANSLIT_PUBLIC_URL="https://names.example.org", TRANSLIT_SECRET_KEY_FILE=str(tmp_path / "key"))
    subprocess.run([sys.executable, "-m", "translit", "users", "add", "ed", "--password", PASSWORD],
                   env=env, check=True, capture_output=True)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "wsgi:app"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()  # a page: not counted as an API call
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        yield base, tmp_path / "g.sqlite3"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _form_login(base, user, password, next_=""):
    status, headers, html = _request(base, "/login")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"user": user, "password": password, "csrf": token}).encode()
    return _request(base, "/login" + (f"?next={next_}" if next_ else ""), data=body, cookie=cookie)


@pytest.mark.slow
def test_hostile_requests_against_gunicorn(server):
    base, db = server
    # the open redirect of the issue, refused
    status, headers, _ = _form_login(base, "ed", PASSWORD, next_="/%09/evil.example/x")
    assert status == 302 and headers["Location"].endswith("/editor")
    cookie = headers["Set-Cookie"].split(";")[0]
    assert _request(base, "/editor", cookie=cookie)[0] == 200
    # guessing: five failures, then 429 with Retry-After (whichever worker answers)
    codes = [_form_login(base, "ed", f"wrong{i}")[0] for i in range(5)]
    status, headers, _ = _form_login(base, "ed", PASSWORD)
    assert codes == [401] * 5 and status == 429 and int(headers["Retry-After"]) > 0
    # hostile JSON: 400 and 422, never 500
    deep = ("[" * 100_000).encode()
    assert _request(base, "/api/v1/lookup", deep, {"Content-Type": "application/json"})[0] == 400
    assert _request(base, "/reconcile", urllib.parse.urlencode({"queries": "[" * 100_000}).encode())[0] == 400
    status, _, body = _request(base, "/api/v1/lookup", b'{"queries": ["\\ud800"]}', {"Content-Type": "application/json"})
    assert status == 422 and "queries[0]" in body
    # the manifest is the configured address whatever Host says
    status, _, body = _request(base, "/reconcile", headers={"Host": "evil.example"})
    assert status == 200 and "evil" not in body and json.loads(body)["identifierSpace"].startswith("https://names.example.org/")


@pytest.mark.slow
def test_rate_limit_is_shared_by_the_workers(server):
    base, db = server
    if time.time() % 60 > 45:  # the count is per minute: do not straddle two
        time.sleep(61 - time.time() % 60)
    codes = [_request(base, "/api/v1/lookup?q=Tito")[0] for _ in range(50)]
    assert codes[:40] == [200] * 40 and codes[40:] == [429] * 10, codes
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT sum(count) FROM rate_hit WHERE key LIKE 'api:%'").fetchone()[0] >= 50


def test_pages_have_their_own_shared_limit(tmp_path):
    a = make_app(tmp_path, PAGE_RATE_LIMIT=3, RATE_LIMIT=0)
    b = make_app(tmp_path, PAGE_RATE_LIMIT=3, RATE_LIMIT=0)  # a second worker on the same database
    codes = [app.test_client().get("/persons").status_code for app in (a, b, a, b)]
    assert codes == [200, 200, 200, 429]
    r = b.test_client().get("/transliterate?text=x")
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
    assert a.test_client().get("/api/v1/lookup?q=Tito").status_code == 200  # the API's own limit is off
    r = a.test_client().get("/static/app.js")  # static files are not counted
    assert r.status_code == 200
    r.close()
