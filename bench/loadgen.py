"""A small HTTP load generator (standard library only): C client processes for D seconds against one URL
pattern; prints JSON with requests/s, latency percentiles and the error count."""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import random
import statistics
import time
import urllib.parse

QUERIES = ["Hruscsovval", "Chruschtschow", "Firjubin", "Nagy Imrének", "Мичунович", "Kardeljem", "Titom",
           "N. S. Khrushchev", "Rakoši", "Джилас", "Brezhnev", "Gerő Ernő", "Khrushchyov", "Андроповым", "Trto"]


def client(host: str, port: int, path: str, seconds: float, seed: int, out) -> None:
    rng = random.Random(seed)
    lat, errors = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        q = urllib.parse.quote(rng.choice(QUERIES))
        t = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", path.format(q=q))
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status != 200:
                errors += 1
        except OSError:
            errors += 1
        lat.append((time.perf_counter() - t) * 1000)
    out.put((lat, errors))


def run(host: str, port: int, path: str, seconds: float, clients: int) -> dict:
    q: mp.Queue = mp.Queue()
    procs = [mp.Process(target=client, args=(host, port, path, seconds, i, q)) for i in range(clients)]
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    lat = [x for r in results for x in r[0]]
    errors = sum(r[1] for r in results)
    qs = statistics.quantiles(lat, n=100)
    return {"requests": len(lat), "rps": len(lat) / seconds, "p50_ms": qs[49], "p99_ms": qs[98], "errors": errors}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/api/v1/lookup?q={q}")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    print(json.dumps(run("127.0.0.1", a.port, a.path, a.seconds, a.clients)))
