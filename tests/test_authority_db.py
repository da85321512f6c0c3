"""The authority as a database: one validation at every boundary, revisions, the change log and the
incremental index, a bad row, old databases, a database that cannot be written."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from translit import editing
from translit.authority import Authority
from translit.errors import ConflictError, InputError, NotFoundError, ReadOnlyError
from translit.index import Index
from translit.lookup import Lookup
from translit.store import Store

BASE = {"id": "kis-anna", "native": "Kis Anna", "lang": "hu", "family": "Kis", "given": "Anna",
        "order": "family-given"}


@pytest.mark.parametrize(("change", "field"), [
    ({"given": 123}, "given must be a string"),
    ({"variants": "abc"}, "variants must be a list"),
    ({"family": "Ki\x00s"}, "family: control"),
    ({"native": "Kis\u202eAnna"}, "native: control or invisible character U\\+202E"),
    ({"family": "T\u0456to", "native": "T\u0456to Anna"}, "mixes Latin and Cyrillic"),
    ({"variants": [{"form": "Anna K\u0456s"}]}, "variants.form.*mixes Latin and Cyrillic"),
    ({"exonyms": {"de": 5}}, "exonyms.de must be a string"),
    ({"born": "1950"}, "born must be an integer"),
    ({"prominence": True}, "prominence must be an integer"),
    ({"variants": [{"form": "X", "colour": "red"}]}, "unknown field"),
])
def test_one_validation_names_the_field_and_writes_nothing(mini_tables, db_path, change, field):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    rev = store.revision()
    with pytest.raises(InputError, match=field):
        editing.add_person(a, store, {**BASE, **change})
    with pytest.raises(InputError, match=field):
        editing.edit_person(a, store, "kovacs-bela", change)
    assert store.revision() == rev and store.history() == []
    assert Lookup(a).lookup("Kovács Béla").best.person.id == "kovacs-bela"


def test_variant_and_csv_forms_are_checked_too(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    with pytest.raises(InputError, match="mixes Latin and Cyrillic"):
        editing.add_variant(a, store, "kovacs-bela", "Kov\u0430cs")  # a Cyrillic а
    with pytest.raises(InputError, match="line 3.*control"):
        editing.import_csv(a, store, "id,form\nkovacs-bela,Kovach\nkovacs-bela,Ko\u200bvacs\n")
    assert store.history() == [] and a["kovacs-bela"].variants == []


def test_api_write_with_a_bad_type_is_refused_and_the_service_keeps_answering(tmp_path):
    from translit.web import create_app

    cfg = {"TESTING": True, "TRANSLIT_DB": str(tmp_path / "api.sqlite3"), "API_TOKEN": "t"}
    client = create_app(cfg).test_client()
    auth = {"Authorization": "Bearer t"}
    body = {"id": "smith-ivan", "native": "Ivan Smith", "lang": "en", "family": "Smith", "given": 123}
    r = client.post("/api/v1/persons", json=body, headers=auth)
    assert r.status_code == 422 and "given" in r.get_json()["error"]
    r = client.post("/api/v1/persons", json={**body, "given": "Ivan", "variants": "abc"}, headers=auth)
    assert r.status_code == 422 and "variants" in r.get_json()["error"]
    assert client.get("/api/v1/persons/smith-ivan").status_code == 404
    assert client.get("/api/v1/lookup?q=Khrushchev").get_json()["best"]["id"] == "khrushchev-nikita"


def test_api_revision_if_match_etag_and_409(tmp_path):
    from translit.web import create_app

    cfg = {"TESTING": True, "TRANSLIT_DB": str(tmp_path / "api.sqlite3"), "API_TOKEN": "t"}
    one, two = create_app(cfg).test_client(), create_app(cfg).test_client()
    auth = {"Authorization": "Bearer t"}
    body = {"id": "smith-ivan", "native": "Ivan Smith", "lang": "en", "family": "Smith", "given": "Ivan"}
    r = one.post("/api/v1/persons", json=body, headers=auth)
    assert r.status_code == 201 and r.headers["ETag"] == '"1"' and r.get_json()["revision"] == 1
    assert one.post("/api/v1/persons", json=body, headers=auth).status_code == 409  # the id is taken
    seen = two.get("/api/v1/persons/smith-ivan")
    etag = seen.headers["ETag"]
    assert etag == '"1"'
    r = one.patch("/api/v1/persons/smith-ivan", json={"note": "first"}, headers={**auth, "If-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    # the second editor still holds revision 1: refused, nothing written
    r = two.patch("/api/v1/persons/smith-ivan", json={"note": "second"}, headers={**auth, "If-Match": etag})
    assert r.status_code == 409 and "revision 1" in r.get_json()["error"]
    r = two.patch("/api/v1/persons/smith-ivan", json={"note": "second", "revision": 1}, headers=auth)
    assert r.status_code == 409
    assert two.get("/api/v1/persons/smith-ivan").get_json()["note"] == "first"
    r = two.put("/api/v1/persons/smith-ivan", json={"note": "second", "revision": 2}, headers=auth)
    assert r.status_code == 200 and r.get_json()["note"] == "second" and r.get_json()["revision"] == 3
    assert two.patch("/api/v1/persons/smith-ivan", json={"revision": "x"}, headers=auth).status_code == 422
    assert two.delete("/api/v1/persons/smith-ivan", headers={**auth, "If-Match": '"2"'}).status_code == 409
    assert two.delete("/api/v1/persons/smith-ivan", headers={**auth, "If-Match": '"3"'}).status_code == 204
    assert one.get("/api/v1/persons/smith-ivan").status_code == 404


def test_stale_library_edit_is_refused(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    assert a["kovacs-bela"].revision == 0  # as shipped
    editing.edit_person(a, store, "kovacs-bela", {"note": "one"}, expect=0)
    assert a["kovacs-bela"].revision == 1
    with pytest.raises(ConflictError, match="changed since revision 0"):
        editing.edit_person(a, store, "kovacs-bela", {"note": "two"}, expect=0)
    with pytest.raises(ConflictError):
        editing.add_variant(a, store, "kovacs-bela", "Kovach", expect=0)
    editing.add_variant(a, store, "kovacs-bela", "Kovach", expect=1)
    assert a["kovacs-bela"].note == "one" and a["kovacs-bela"].revision == 2
    with pytest.raises(NotFoundError):
        editing.edit_person(a, store, "nobody", {"note": "x"})


def test_edit_reads_inside_its_transaction_not_a_stale_copy(mini_tables, db_path):
    """Another process's variant lands between this process's last refresh and its edit: the edit
    starts from the stored person, so the variant survives (the copy in memory is stale)."""
    a = Authority(mini_tables, store=Store(db_path))
    b_store = Store(db_path)
    b = Authority(mini_tables, store=b_store)
    editing.add_variant(a, a.store, "kovacs-bela", "Kovach")
    editing.edit_person(b, b_store, "kovacs-bela", {"note": "edited"})  # b never refreshed in between
    a.refresh()
    assert {v.form for v in a["kovacs-bela"].variants} == {"Kovach"} and a["kovacs-bela"].note == "edited"


def test_a_bad_stored_row_is_skipped_with_a_warning(mini_tables, db_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_person(a, store, BASE)
    bad = json.dumps({**BASE, "id": "bad-row", "given": 123})
    store.conn.execute("INSERT INTO person (id, data, updated) VALUES ('bad-row', ?, 0)", (bad,))
    store.conn.execute("UPDATE person SET data = '{not json' WHERE id = 'kovacs-bela'")
    with pytest.warns(UserWarning, match="bad-row"):
        fresh = Authority(mini_tables, store=Store(db_path))
    assert "bad-row" not in fresh and "kis-anna" in fresh
    assert Lookup(fresh).lookup("Kis Anna").best.person.id == "kis-anna"
    proc = subprocess.run([sys.executable, "-m", "translit", "--db", str(db_path), "--tables", str(mini_tables),
                           "lookup", "Kis Anna"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "kis-anna" in proc.stdout and "Traceback" not in proc.stderr


def _index_state(index: Index):
    words = {k: sorted((p.person_id, p.form, p.source, role) for p, role in v) for k, v in index.words.items()}
    return (words, dict(index.given_keys), {k: v for k, v in index.initials.items() if v},
            {k: v for k, v in index.person_keys.items() if v}, {k: v for k, v in index.given_of.items() if v},
            {k: set(v) for k, v in index.by_end.items() if v})


def test_incremental_index_equals_a_rebuilt_one(tables, db_path):
    """Edits change only the entries of the persons they touch, in this process and in another one, and
    the index comes out as a whole rebuild would make it; neither process rebuilds."""
    store = Store(db_path)
    a = Authority(tables, store=store)
    lk = Lookup(a)
    other = Lookup(Authority(tables, store=Store(db_path)))
    built, other_built = lk.index, other.index
    editing.add_variant(a, store, "khrushchev-nikita", "Chruschtschoff", "spelling", "t")
    editing.edit_person(a, store, "nagy-imre", {"given": "Imre József"})
    editing.add_person(a, store, {"id": "nagy-anna", "native": "Nagy Anna", "lang": "hu", "family": "Nagy",
                                  "given": "Anna", "order": "family-given"})
    editing.delete_person(a, store, "broz-josip")
    editing.remove_variant(a, store, "khrushchev-nikita", "Chruschtschoff")
    editing.add_variant(a, store, "khrushchev-nikita", "Hruschtschow", "spelling", "t")
    for one in (lk, other):
        index = one.index
        assert index is (built if one is lk else other_built)  # updated in place
        assert _index_state(index) == _index_state(Index(one.authority))
    assert other.lookup("Hruschtschow").best.person.id == "khrushchev-nikita"
    assert other.lookup("Chruschtschoff").best is None or other.lookup("Chruschtschoff").best.score < 1
    assert other.lookup("Nagy Anna").best.person.id == "nagy-anna"
    assert all(m.person.id != "broz-josip" for m in other.lookup("Tito").candidates)


def test_normalizer_keeps_its_caches_when_no_person_changed(tables, db_path):
    from translit.normalize import Normalizer

    store = Store(db_path)
    a = Authority(tables, store=store)
    nz = Normalizer(Lookup(a))
    assert [m.match.pid for m in nz.find("Hruscsov beszélt.")] == ["khrushchev-nikita"]
    cached = len(nz._word_cache)
    store.set_user("zzyzx", "hash")  # a revision, but no person changed
    nz.find("Hruscsov beszélt.")
    assert len(nz._word_cache) == cached and cached > 0
    editing.add_variant(a, store, "khrushchev-nikita", "Hrustchow", "spelling", "t")
    assert [m.match.pid for m in nz.find("Hrustchow beszélt.")] == ["khrushchev-nikita"]


def test_a_database_of_an_older_version_is_migrated(mini_tables, db_path):
    """A database written before persons had revisions, with variants in their own rows."""
    conn = sqlite3.connect(db_path)
    conn.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE person (id TEXT PRIMARY KEY, data TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
                             updated REAL NOT NULL);
        CREATE TABLE variant (person_id TEXT NOT NULL, form TEXT NOT NULL, kind TEXT NOT NULL,
                              source TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL,
                              PRIMARY KEY (person_id, form));
        INSERT INTO meta VALUES ('revision', '3');
        INSERT INTO variant VALUES ('kovacs-bela', 'Kovach', 'spelling', 'old', 0, 1);
        INSERT INTO variant VALUES ('kovacs-bela', 'Kowacs', 'spelling', 'old', 1, 3);
    """)
    conn.close()
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    assert [v.form for v in a["kovacs-bela"].variants] == ["Kovach"]
    editing.add_variant(a, store, "kovacs-bela", "Kovats")
    assert [v.form for v in Authority(mini_tables, store=Store(db_path))["kovacs-bela"].variants] == \
        ["Kovach", "Kovats"]
    assert store.conn.execute("SELECT count(*) FROM variant").fetchone()[0] == 0  # folded into the record


READ_ONLY_SCRIPT = r'''
import sys
from translit.authority import Authority
from translit.errors import ReadOnlyError
from translit import editing
from translit.lookup import Lookup
from translit.normalize import Normalizer
from translit.store import Store
store = Store(sys.argv[1])
a = Authority(sys.argv[2], store=store)
print(Lookup(a).lookup("Kis Anna").best.person.id, [m.match.pid for m in Normalizer(Lookup(a)).find("Kis Anna jött.")])
try:
    editing.add_variant(a, store, "kis-anna", "Kiss Anna")
except ReadOnlyError as exc:
    print("refused:", exc)
'''


def _as_reader(cmd, directory):
    """Run `cmd` where `directory` cannot be written: its mode does that for a user; root writes anything,
    so for root the directory is bind-mounted read-only over itself (a read-only volume, as in a
    container) in a mount namespace of the command's own."""
    if os.geteuid() != 0:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare(1): cannot make a read-only volume")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script, str(directory), *cmd], capture_output=True,
                          text=True, timeout=120)
    if "mount:" in proc.stderr and "Permission" in proc.stderr:
        pytest.skip("no permission to mount a read-only volume")
    return proc


@pytest.mark.parametrize("fresh", [False, True])
def test_read_only_database_still_serves_lookups(mini_tables, tmp_path, fresh):
    """A database file on a directory that cannot be written (or none there yet): lookups and
    normalization answer from it (or from the shipped tables), edits are refused with the reason."""
    ro = tmp_path / "ro"
    ro.mkdir()
    db = ro / "edits.sqlite3"
    if not fresh:
        store = Store(db)
        editing.add_person(Authority(mini_tables, store=store), store, BASE)
        store.close()
        os.chmod(db, 0o444)
    tables = mini_tables
    os.chmod(ro, 0o555)
    try:
        proc = _as_reader([sys.executable, "-c", READ_ONLY_SCRIPT, str(db), str(tables)], ro)
        cli = _as_reader([sys.executable, "-m", "translit", "--db", str(db), "--tables", str(tables),
                          "variants", "add", "kovacs-bela", "Kovach"], ro)
        if fresh:
            assert "'NoneType' object has no attribute 'person'" in proc.stderr  # kis-anna: only in a database
            proc = _as_reader([sys.executable, "-m", "translit", "--db", str(db), "--tables", str(tables),
                               "lookup", "Kovács Béla"], ro)
    finally:
        os.chmod(ro, 0o755)
    if fresh:
        assert proc.returncode == 0 and "kovacs-bela" in proc.stdout, proc.stderr
        assert "edits are off" in proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[0] == "kis-anna ['kis-anna']"
        assert "refused:" in proc.stdout and "edits are off" in proc.stdout
    assert cli.returncode != 0 and "edits are off" in cli.stderr and "Traceback" not in cli.stderr


def test_read_only_store_in_process(mini_tables, db_path):
    store = Store(db_path)
    editing.add_person(Authority(mini_tables, store=store), store, BASE)
    ro = Store(db_path, readonly=True)
    a = Authority(mini_tables, store=ro)
    assert "kis-anna" in a
    with pytest.raises(ReadOnlyError, match="read-only"):
        editing.add_person(a, ro, {**BASE, "id": "kis-bela"})
    started = time.monotonic()
    assert Lookup(a).lookup("Kis Anna").best.person.id == "kis-anna"
    assert time.monotonic() - started < 60  # no waiting on a lock


def test_a_started_process_opens_the_persisted_index(mini_tables, db_path):
    from translit import persist

    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_person(a, store, BASE)
    first = Lookup(a)
    assert not first.index.restored and persist.index_path(store).exists()  # built, then saved
    editing.add_variant(a, store, "kis-anna", "Kisch Anna")  # after the save: from the change log
    other = Lookup(Authority(mini_tables, store=Store(db_path)))
    index = other.index
    assert index.restored
    assert _index_state(index) == _index_state(Index(other.authority))
    assert other.lookup("Kisch Anna").best.person.id == "kis-anna"
    # without a database, or asked not to: built
    assert not Lookup(Authority(mini_tables, store=Store(db_path), persisted=False)).index.restored


def test_a_persisted_index_of_other_tables_or_a_damaged_one_is_not_used(mini_tables, db_path, tmp_path):
    from translit import persist

    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_person(a, store, BASE)
    _ = Lookup(a).index
    path = persist.index_path(store)
    other = mini_tables / "persons" / "more.toml"
    other.write_text('[[person]]\nid = "kis-bela"\nnative = "Kis Béla"\nlang = "hu"\nfamily = "Kis"\n'
                     'given = "Béla"\norder = "family-given"\n', encoding="utf-8")
    fresh = Lookup(Authority(mini_tables, store=Store(db_path)))
    assert not fresh.index.restored and "kis-bela" in fresh.authority  # the tables changed: built again
    path.write_bytes(path.read_bytes()[:200])  # cut short
    damaged = Lookup(Authority(mini_tables, store=Store(db_path)))
    assert not damaged.index.restored  # a warning is logged, nothing raised; built and saved again
    fresh = Lookup(Authority(mini_tables, store=Store(db_path)))
    assert fresh.index.restored and fresh.lookup("Kis Anna").best.person.id == "kis-anna"
    # a new database at the same path is another database: the old file is not used
    shutil.copy(path, tmp_path / "saved.index")
    db_path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    shutil.copy(tmp_path / "saved.index", path)
    new = Lookup(Authority(mini_tables, store=Store(db_path)))
    assert not new.index.restored and "kis-anna" not in new.authority


def test_gunicorn_boots_on_a_read_only_database_and_refuses_edits(mini_tables, tmp_path):
    """Real gunicorn workers on a database they cannot write: they boot, answer lookups and
    normalizations from it, and answer an edit with 503 and the reason."""
    import urllib.error
    import urllib.request

    from test_concurrency import ROOT, _free_port

    ro = tmp_path / "ro"
    ro.mkdir()
    db = ro / "edits.sqlite3"
    store = Store(db)
    editing.add_person(Authority(None, store=store), store, BASE)
    store.close()
    port = _free_port()
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "--workers=2", f"--bind=127.0.0.1:{port}",
           "--log-level=warning", "wsgi:app"]
    env = {**os.environ, "TRANSLIT_DB": str(db), "TRANSLIT_API_TOKEN": "t"}
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare(1): cannot make a read-only volume")
        cmd = ["unshare", "-m", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && '
               'exec "$@"', str(ro), *cmd]
    else:
        os.chmod(db, 0o444)
        os.chmod(ro, 0o555)
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                with urllib.request.urlopen(base + "/api/v1/lookup?q=Kis+Anna", timeout=30) as resp:
                    assert json.loads(resp.read())["best"]["id"] == "kis-anna"
                break
            except (urllib.error.URLError, ConnectionError) as exc:
                assert not isinstance(exc, urllib.error.HTTPError), exc.read()
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.3)
        req = urllib.request.Request(base + "/api/v1/normalize", data=b'{"text": "Kis Anna wrote."}',
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert [m["id"] for m in json.loads(resp.read())["mentions"]] == ["kis-anna"]
        req = urllib.request.Request(base + "/api/v1/persons/kis-anna", data=b'{"note": "x"}', method="PATCH",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer t"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=30)
        assert refused.value.code == 503 and "edits are off" in json.loads(refused.value.read())["error"]
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
        os.chmod(ro, 0o755)
    assert "edits are off" in err  # said at boot
