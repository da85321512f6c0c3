"""The lookup API under load: gunicorn with 2 workers serving translit, beside a bare Flask endpoint doing a
dict lookup under the same gunicorn settings, measured in the same run by a separate load-generator process.

    .venv/bin/python bench/bench_web.py [--seconds 15] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, cwd: Path, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=cwd, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/lookup?q=Tito", timeout=5).read()
            # warm both workers
            for _ in range(20):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/lookup?q=Tito", timeout=5).read()
            return proc, port
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"{app} did not start")


def load(port: int, seconds: float, clients: int) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "loadgen.py"), "--port", str(port), "--seconds", str(seconds),
                          "--clients", str(clients)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, TRANSLIT_DB=str(Path(tmp) / "bench.sqlite3"), TRANSLIT_RATE_LIMIT="0")
    rows = {}
    for name, app, cwd in (("translit (wsgi:app)", "wsgi:app", ROOT), ("bare Flask dict lookup", "bare_app:app", HERE)):
        proc, port = start(app, cwd, env)
        try:
            rows[name] = load(port, args.seconds, args.clients)
        finally:
            proc.terminate()
            proc.wait(30)
    bare = rows["bare Flask dict lookup"]["rps"]
    print(f"### lookup API, gunicorn -w 2, {args.clients} client processes, {args.seconds:.0f} s each")
    print("| server | requests/s | vs bare | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['rps']:.0f} | {r['rps'] / bare:.2f}× | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['errors']} |")


if __name__ == "__main__":
    main()
