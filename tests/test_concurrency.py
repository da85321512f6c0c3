"""Several editors at once, with real processes, real signals and real gunicorn workers: no acknowledged
edit is lost, the audit lists exactly the acknowledged edits, the file stays whole."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from translit import editing
from translit.authority import Authority
from translit.errors import ConflictError
from translit.store import Store

ROOT = Path(__file__).resolve().parent.parent
PERSONS = ("kovacs-bela", "ivanov-ivan")


def _variant_writer(tables, db, n, k, acks):
    store = Store(db)
    a = Authority(str(tables), store=store)
    for i in range(k):
        pid = PERSONS[i % 2]
        editing.add_variant(a, store, pid, f"Form{n}x{i}", "spelling", f"proc{n}", who=f"w{n}")
        acks.put(("variant", pid, f"Form{n}x{i}"))


def _note_editor(tables, db, n, k, acks):
    store = Store(db)
    a = Authority(str(tables), store=store)
    for i in range(k):
        pid = PERSONS[i % 2]
        editing.edit_person(a, store, pid, {"note": f"note {n}.{i}"}, who=f"e{n}")
        acks.put(("edit", pid, f"note {n}.{i}"))


def _person_adder(tables, db, k, acks):
    store = Store(db)
    a = Authority(str(tables), store=store)
    for i in range(k):
        pid = f"added-person-{i}"
        editing.add_person(a, store, {"id": pid, "native": f"Added Person{i}", "lang": "en",
                                      "family": f"Person{i}", "given": "Added"})
        acks.put(("add", pid, ""))


def _csv_importer(tables, db, k, acks):
    store = Store(db)
    a = Authority(str(tables), store=store)
    for i in range(k):
        rows = "".join(f"{PERSONS[j % 2]},Imported{i}x{j}\n" for j in range(10))
        editing.import_csv(a, store, "id,form\n" + rows)
        for j in range(10):
            acks.put(("import", PERSONS[j % 2], f"Imported{i}x{j}"))


def test_eight_writers_editors_an_adder_and_an_importer_lose_nothing(mini_tables, db_path):
    Store(db_path).revision()
    ctx = mp.get_context("spawn")
    acks = ctx.Queue()
    procs = [ctx.Process(target=_variant_writer, args=(mini_tables, db_path, n, 30, acks)) for n in range(8)]
    procs += [ctx.Process(target=_note_editor, args=(mini_tables, db_path, n, 20, acks)) for n in range(2)]
    procs += [ctx.Process(target=_person_adder, args=(mini_tables, db_path, 20, acks)),
              ctx.Process(target=_csv_importer, args=(mini_tables, db_path, 5, acks))]
    for p in procs:
        p.start()
    expected = 8 * 30 + 2 * 20 + 20 + 5 * 10
    got = [acks.get(timeout=300) for _ in range(expected)]
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    for kind, pid, value in got:
        if kind in ("variant", "import"):
            assert value in {v.form for v in a[pid].variants}, (kind, pid, value)
        elif kind == "add":
            assert pid in a
    forms = {pid: {v.form for v in a[pid].variants} for pid in PERSONS}
    assert sum(len(f) for f in forms.values()) == 8 * 30 + 5 * 10  # nothing extra either
    # the last acknowledged note of each person is the one stored
    for pid in PERSONS:
        last = store.conn.execute("SELECT after FROM audit WHERE person_id = ? AND action = 'edit' "
                                  "ORDER BY seq DESC LIMIT 1", (pid,)).fetchone()[0]
        assert json.loads(last)["note"] == a[pid].note
    actions = dict(store.conn.execute("SELECT action, count(*) FROM audit GROUP BY action").fetchall())
    assert actions == {"variant-add": 240, "edit": 40, "add": 20, "import-variant": 50}
    assert a["kovacs-bela"].revision == 120 + 20 + 5  # one revision per transaction that touched it
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _racing_add(tables, db, barrier, results):
    store = Store(db)
    a = Authority(str(tables), store=store)
    barrier.wait()
    try:
        editing.add_person(a, store, {"id": "same-id", "native": f"Proc {os.getpid()}", "lang": "en",
                                      "family": "Proc", "given": str(os.getpid())})
        results.put("won")
    except ConflictError as exc:
        results.put(f"refused: {exc}")


def test_racing_adds_of_one_id_exactly_one_wins(mini_tables, db_path):
    Store(db_path).revision()
    ctx = mp.get_context("fork")
    for _ in range(3):
        with Store(db_path).transaction() as conn:
            conn.execute("DELETE FROM person WHERE id = 'same-id'")
        barrier, results = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_racing_add, args=(mini_tables, db_path, barrier, results)) for _ in range(6)]
        for p in procs:
            p.start()
        got = sorted(results.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(60)
        assert got[-1] == "won" and got.count("won") == 1, got
        assert all("exists" in g for g in got[:-1])
    adds = Store(db_path).conn.execute("SELECT count(*) FROM audit WHERE action = 'add'").fetchone()[0]
    assert adds == 3


IMPORT_SCRIPT = r'''
import sys
from translit import editing
from translit.authority import Authority
from translit.store import Store
store = Store(sys.argv[1])
a = Authority(sys.argv[2], store=store)
text = open(sys.argv[3], encoding="utf-8").read()
print("importing", flush=True)
editing.import_csv(a, store, text)
print("done", flush=True)
'''


def test_sigkill_during_an_import_leaves_all_or_nothing(mini_tables, db_path, tmp_path):
    store = Store(db_path)
    a = Authority(mini_tables, store=store)
    editing.add_variant(a, store, "kovacs-bela", "Before")
    rev = store.revision()
    csv_path = tmp_path / "big.csv"
    csv_path.write_text("id,form\n" + "".join(f"{PERSONS[i % 2]},Bulk{i}\n" for i in range(150_000)),
                        encoding="utf-8")
    wal = Path(str(db_path) + "-wal")
    before = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen([sys.executable, "-c", IMPORT_SCRIPT, str(db_path), str(mini_tables), str(csv_path)],
                            stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"importing"
    deadline = time.monotonic() + 120
    while (wal.stat().st_size if wal.exists() else 0) < before + 2_000_000:  # the transaction is writing
        assert proc.poll() is None and time.monotonic() < deadline, "the import ended before it was killed"
        time.sleep(0.005)
    proc.kill()  # SIGKILL
    assert proc.communicate(timeout=60)[0] == b"" and proc.returncode == -signal.SIGKILL
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    fresh = Store(db_path)
    assert fresh.revision() == rev
    assert {v.form for v in Authority(mini_tables, store=fresh)["kovacs-bela"].variants} == {"Before"}
    assert fresh.conn.execute("SELECT count(*) FROM audit WHERE action = 'import-variant'").fetchone()[0] == 0


# -- real gunicorn workers ------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": "Bearer t", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"null"), resp.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), None


def _gunicorn(db: Path):
    """gunicorn with two workers on a free port, once it answers: (process, base address)."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers=2", f"--bind=127.0.0.1:{port}",
         "--log-level=warning", "wsgi:app"],
        cwd=ROOT, env={**os.environ, "TRANSLIT_DB": str(db), "TRANSLIT_API_TOKEN": "t", "TRANSLIT_RATE_LIMIT": "0"})
    for _ in range(400):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            assert server.poll() is None, "gunicorn did not start"
            time.sleep(0.3)
    server.kill()
    raise AssertionError("gunicorn did not open its port")


def _api_client(base, n, k, acks):
    """Adds k variants to one person through the API: read (ETag), write with If-Match, on 409 read again."""
    for i in range(k):
        form = f"Api{n}x{i}"
        while True:
            _, person, etag = _call(base, "GET", "/api/v1/persons/smith-ivan")
            variants = [*person.get("variants", []), {"form": form, "source": f"client{n}"}]
            status, body, _ = _call(base, "PATCH", "/api/v1/persons/smith-ivan", {"variants": variants},
                                    {"If-Match": etag})
            if status == 200:
                acks.put(form)
                break
            assert status == 409, body


@pytest.mark.skipif(sys.platform != "linux", reason="gunicorn on Linux")
def test_gunicorn_workers_with_if_match_lose_no_edit(tmp_path):
    db = tmp_path / "web.sqlite3"
    server, base = _gunicorn(db)
    try:
        status, _, _ = _call(base, "POST", "/api/v1/persons", {"id": "smith-ivan", "native": "Ivan Smith",
                                                               "lang": "en", "family": "Smith", "given": "Ivan"})
        assert status == 201
        ctx = mp.get_context("spawn")
        acks = ctx.Queue()
        clients = [ctx.Process(target=_api_client, args=(base, n, 15, acks)) for n in range(4)]
        for c in clients:
            c.start()
        got = {acks.get(timeout=300) for _ in range(60)}
        for c in clients:
            c.join(60)
            assert c.exitcode == 0
        _, person, etag = _call(base, "GET", "/api/v1/persons/smith-ivan")
        assert {v["form"] for v in person["variants"]} == got and len(got) == 60
        assert etag == '"61"'
        # both workers answer from the edited table
        for _ in range(6):
            _, found, _ = _call(base, "GET", "/api/v1/lookup?q=Api3x14")
            assert found["best"]["id"] == "smith-ivan"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM audit WHERE action = 'edit'").fetchone()[0] == 60
