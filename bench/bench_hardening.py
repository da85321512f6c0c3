"""The figures of the hardening work (README, "Hostile input catalogue"), each measured in one run:

- a wrong password for a known and for an unknown user name (median ms): equal means names cannot be
  enumerated by timing;
- 200 wrong passwords in a row: how many are checked before the lockout answers 429;
- the rate limiter's cost per request (counted in SQLite, shared by the workers);
- the review queue after three 1.3 MB posts of unknown names, anonymous and by an editor;
- peak memory of `translit normalize` on a one-line 4 MB and 40 MB file, and with --jobs 2 on two files.

Usage: .venv/bin/python bench/bench_hardening.py [--out bench/results/hardening.md]   (~3 min)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILLER = ("the delegation arrived late in the evening and the talks went on until morning, "
          "when the communique was read out to the press; ")


def _app(tmp, **cfg):
    from translit.web import create_app

    base = {"TESTING": True, "TRANSLIT_DB": str(Path(tmp) / "b.sqlite3"), "SECRET_KEY": "k" * 40}
    base.update(cfg)
    return create_app(base)


def _csrf(client, path="/login"):
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def login_timing(tmp, rounds: int = 15) -> dict:
    from werkzeug.security import generate_password_hash

    app = _app(tmp, LOGIN_MAX_FAILURES=0)  # no lockout while timing
    app.extensions["translit"].store.set_user("ed", generate_password_hash("right-password"))
    c = app.test_client()
    token = _csrf(c)
    times = {"known": [], "unknown": []}
    for _ in range(rounds):
        for who, name in (("known", "ed"), ("unknown", "nobody-here")):
            t = time.perf_counter()
            r = c.post("/login", data={"user": name, "password": "wrong", "csrf": token})
            times[who].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 401
    return {k: statistics.median(v) for k, v in times.items()}


def guessing(tmp) -> dict:
    from werkzeug.security import generate_password_hash

    app = _app(tmp)
    app.extensions["translit"].store.set_user("ed", generate_password_hash("right-password"))
    c = app.test_client()
    token = _csrf(c)
    codes = []
    t = time.perf_counter()
    for i in range(200):
        r = c.post("/login", data={"user": "ed", "password": f"guess{i}", "csrf": token})
        codes.append(r.status_code)
    return {"checked": codes.count(401), "refused": codes.count(429), "seconds": time.perf_counter() - t,
            "retry_after": r.headers.get("Retry-After")}


def limiter_cost(tmp, n: int = 200, rounds: int = 7) -> dict:
    """Per-request time with the limiter off and on, in alternating rounds (median of the rounds)."""
    clients = {}
    for label, limit in (("off", 0), ("on", 1_000_000)):
        d = Path(tmp) / label
        d.mkdir()
        clients[label] = _app(d, RATE_LIMIT=limit).test_client()
        clients[label].get("/api/v1/lookup?q=Tito")
    times = {"off": [], "on": []}
    for _ in range(rounds):
        for label, c in clients.items():
            t = time.perf_counter()
            for _ in range(n):
                c.get("/api/v1/lookup?q=Tito")
            times[label].append((time.perf_counter() - t) / n * 1e6)
    return {k: statistics.median(v) for k, v in times.items()}


def _unknown_names_text(mb: float, seed: int) -> str:
    rng = random.Random(seed)
    syll = ["ka", "lo", "mir", "vid", "ber", "tan", "zu", "ro", "sel", "dan", "ko", "vi", "ra", "nek"]
    parts, size = [], 0
    while size < mb * 1e6:
        name = "".join(rng.choice(syll) for _ in range(3)).capitalize() + " " + \
            "".join(rng.choice(syll) for _ in range(3)).capitalize()
        s = f"Then {name} spoke to the delegates. "
        parts.append(s)
        size += len(s)
    return "".join(parts)


def queue_growth(tmp) -> dict:
    from werkzeug.security import generate_password_hash

    out = {}
    for who in ("anonymous", "editor"):
        d = Path(tmp) / who
        d.mkdir()
        app = _app(d)
        store = app.extensions["translit"].store
        c = app.test_client()
        if who == "editor":
            store.set_user("ed", generate_password_hash("right-password"))
            c.post("/login", data={"user": "ed", "password": "right-password", "csrf": _csrf(c)})
        db = Path(d) / "b.sqlite3"
        size0 = db.stat().st_size + (db.with_name(db.name + "-wal").stat().st_size
                                     if db.with_name(db.name + "-wal").exists() else 0)
        t = time.perf_counter()
        for seed in range(3):
            c.post("/normalize", data={"text": _unknown_names_text(1.3, seed), "csrf": _csrf(c, "/normalize")})
        queued = store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'discovery'").fetchone()
        rows = store.conn.execute("SELECT count(*) FROM discovery").fetchone()[0] if queued else 0
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        out[who] = {"rows": rows, "grew_mb": (db.stat().st_size - size0) / 1e6, "seconds": time.perf_counter() - t}
    return out


# A tiny launcher: the peak RSS the kernel reports for a child counts what its parent held when it
# forked, so the measured command is started from this small process, not from pytest or a bench.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def _peak_rss(args, env) -> float:
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], capture_output=True, text=True, env=env, check=True)
    rc, kib = r.stdout.split()
    assert rc == "0", args
    return int(kib) / 1024


def memory(tmp) -> dict:
    env = dict(os.environ)
    tr = [sys.executable, "-m", "translit", "--no-db", "normalize", "--format", "spans"]
    unit = "Khrushchev met Tito at Brioni. " + FILLER * 10
    out = {}
    for mb in (4, 40):
        f = Path(tmp) / f"one-{mb}.txt"
        f.write_text(unit * (mb * 1_000_000 // len(unit)))
        out[f"one-line {mb} MB"] = _peak_rss([*tr, str(f)], env)
    text = ("Tito. Kardelj. Khrushchev. Mikoyan. Nagy Imre. Gerő. " * 20 + "\n\n") * 10_000
    files = []
    for name in ("a", "b"):
        f = Path(tmp) / f"{name}.txt"
        f.write_text(text)
        files.append(str(f))
    target = Path(tmp) / "out.jsonl"
    out["--jobs 2, two files"] = _peak_rss([*tr, "-j", "2", "-o", str(target), *files], env)
    out["spans written MiB"] = target.stat().st_size / 2**20
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "hardening.md"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sub = [Path(tmp) / n for n in ("t", "g", "l", "q", "m")]
        for s in sub:
            s.mkdir()
        lt, gu, lc, qg, mem = login_timing(sub[0]), guessing(sub[1]), limiter_cost(sub[2]), queue_growth(sub[3]), \
            memory(sub[4])
    lines = [
        "### Hardening figures (`bench/bench_hardening.py`, one run; the machine is shared, read ratios)",
        "",
        "| what | figure |",
        "|---|---|",
        f"| wrong password, known user (median of 15) | {lt['known']:.1f} ms |",
        f"| wrong password, unknown user (median of 15) | {lt['unknown']:.1f} ms ({lt['unknown'] / lt['known']:.2f}x) |",
        f"| 200 wrong passwords in a row | {gu['checked']} checked, {gu['refused']} refused with 429 "
        f"(Retry-After {gu['retry_after']} s), {gu['seconds']:.1f} s |",
        f"| lookup request, rate limiter off / on | {lc['off']:.0f} / {lc['on']:.0f} µs "
        f"({lc['on'] - lc['off']:+.0f} µs, median of 7 alternating rounds of 200) |",
        f"| 3 x 1.3 MB of unknown names posted, anonymous | {qg['anonymous']['rows']} queue rows, database "
        f"{qg['anonymous']['grew_mb']:+.1f} MB |",
        f"| the same by an editor (queue cap 10,000) | {qg['editor']['rows']} queue rows, database "
        f"{qg['editor']['grew_mb']:+.1f} MB |",
        f"| normalize --format spans, one-line 4 MB file | peak RSS {mem['one-line 4 MB']:.0f} MiB |",
        f"| normalize --format spans, one-line 40 MB file | peak RSS {mem['one-line 40 MB']:.0f} MiB |",
        f"| normalize -j 2, two files, {mem['spans written MiB']:.0f} MiB of spans written | peak RSS "
        f"{mem['--jobs 2, two files']:.0f} MiB (largest process) |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
