"""Benchmark: a full connection diagnosis vs a bare psycopg2 connect + `select 1`, and the bounds.

Starts its own PostgreSQL (TLS, certificate from a test CA) with the test fixtures' functions,
measures both in the same run (medians of interleaved runs) and prints the ratio; the proof
round's share of it (the same diagnosis with the round left out, every suggestion of the four
Python drivers proven in the other), in bare connects (aim: at most one); then times a
black-holed port and a silent server against their timeouts.

    .venv/bin/python bench/connection.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# The project root instead of bench/, so `inspector` and `tests` import.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import psycopg2  # noqa: E402

from inspector.connections import inspect_connection, service  # noqa: E402
from tests.fixtures.postgres import (  # noqa: E402
    APP_PASSWORD,
    pg_available,
    start_test_clusters,
    stop_test_clusters,
)
from tests.fixtures.servers import black_hole, silent_server  # noqa: E402

AIM = 2.5
PROOF_AIM = 1.0  # the proof round adds at most one bare connect's time
PYTHON_DRIVERS = ("psycopg2", "asyncpg", "sqlalchemy", "sqlalchemy_asyncpg")


def full(url: str, **kw) -> float:
    t0 = time.perf_counter()
    report = inspect_connection(url, timeout=5, **kw)
    elapsed = time.perf_counter() - t0
    assert report.verdict["status"] == "connected", report.verdict
    for driver in PYTHON_DRIVERS:
        assert report.suggested_proof[driver]["status"] == "connected", report.suggested_proof
    return elapsed


def without_proof(url: str, **kw) -> float:
    """The same diagnosis with the proof round left out."""
    real = service.prove
    service.prove = lambda inp, outcome, target, suggested: {}
    try:
        t0 = time.perf_counter()
        inspect_connection(url, timeout=5, **kw)
        return time.perf_counter() - t0
    finally:
        service.prove = real


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    if not pg_available():
        print("PostgreSQL server binaries not found: nothing to measure")
        return 1
    t0 = time.perf_counter()
    tc = start_test_clusters(("tls_ca",))
    print(f"started PostgreSQL 15 with TLS in {time.perf_counter() - t0:.1f} s")
    try:
        c = tc["tls_ca"]
        cases = [
            ("sslmode=require", "require", {}),
            ("sslmode=verify-full + pasted CA", "verify-full", {"ca": tc.ca_pem}),
        ]
        worst = worst_proof = 0.0
        for label, mode, kw in cases:
            url = c.url(sslmode=mode)
            extra = {"sslrootcert": _ca_file(tc)} if mode == "verify-full" else {}
            bare_kw = dict(sslmode=mode, **extra)
            # warm up both (imports, trust store parsing, server caches)
            full(url, **kw)
            _bare(c, bare_kw)
            b, f, n = [], [], []
            for _ in range(args.runs):
                b.append(_bare(c, bare_kw))
                f.append(full(url, **kw))
                n.append(without_proof(url, **kw))
            mb, mf, mn = statistics.median(b), statistics.median(f), statistics.median(n)
            ratio = mf / mb
            proof = (mf - mn) / mb
            worst = max(worst, ratio)
            worst_proof = max(worst_proof, proof)
            print(
                f"{label:34s} bare connect+select 1: {mb * 1000:7.1f} ms   full diagnosis: "
                f"{mf * 1000:7.1f} ms   ratio {ratio:4.2f}x  (aim <= {AIM}x)"
            )
            print(
                f"{'':34s} without the proof round: {mn * 1000:7.1f} ms   the round adds "
                f"{(mf - mn) * 1000:5.1f} ms = {proof:4.2f} bare connects (aim <= {PROOF_AIM})"
            )
    finally:
        stop_test_clusters(tc)
    bh = black_hole()
    try:
        t0 = time.perf_counter()
        r = inspect_connection(f"postgresql://a:b@127.0.0.1:{bh.port}/db", timeout=2)
        elapsed = time.perf_counter() - t0
    finally:
        bh.close()
    print(
        f"black-holed port, timeout 2 s: answered in {elapsed:.2f} s ({r.verdict['code']}); "
        f"bound 2.5 s"
    )
    peer = silent_server()
    try:
        t0 = time.perf_counter()
        r = inspect_connection(peer.url(), timeout=2)
        elapsed2 = time.perf_counter() - t0
    finally:
        peer.stop()
    print(
        f"silent server, timeout 2 s:    answered in {elapsed2:.2f} s ({r.verdict['code']}); "
        f"bound 2.5 s"
    )
    ok = worst <= AIM and worst_proof <= PROOF_AIM and elapsed <= 2.5 and elapsed2 <= 2.5
    print("OK" if ok else "OUTSIDE THE AIM")
    return 0


_CA_PATH: dict[int, str] = {}


def _ca_file(tc) -> str:
    import tempfile

    key = id(tc)
    if key not in _CA_PATH:
        with tempfile.NamedTemporaryFile("w", suffix=".crt", delete=False) as fh:
            fh.write(tc.ca_pem)
        _CA_PATH[key] = fh.name
    return _CA_PATH[key]


def _bare(cluster, kw) -> float:
    return bare_kw(cluster, **kw)


def bare_kw(cluster, sslmode: str, **extra) -> float:
    t0 = time.perf_counter()
    conn = psycopg2.connect(
        host=cluster.host,
        port=cluster.port,
        user="app",
        password=APP_PASSWORD,
        dbname="postgres",
        sslmode=sslmode,
        connect_timeout=5,
        **extra,
    )
    cur = conn.cursor()
    cur.execute("select 1")
    cur.fetchone()
    conn.close()
    return time.perf_counter() - t0


if __name__ == "__main__":
    raise SystemExit(main())
