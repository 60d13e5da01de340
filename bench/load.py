"""Load: gunicorn (gunicorn.conf.py: gthread) on loopback, the app in local mode, driven by a
Python load generator (threads + http.client, keep-alive, bounded by count and time).

Reports, measured in the same run:
1. token-API throughput as a ratio to a trivial route's (GET /healthz)      aim >= 0.6
2. token-API p99 latency while 32 probes to a black-holed port are in flight  aim < 50 ms
   (the black hole: a local listener that completes handshakes and never answers, so each
   probe waits out its whole timeout holding a server thread)

Usage: .venv/bin/python bench/load.py [--seconds 5] [--clients 8]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ is sys.path[0]; nothing here imports from it.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time

import jwt

ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "bench-jwt-secret-6e0f5c3a9b1d4e7f8a2c5b9d0e3f6a1c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workdir: str) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": workdir,
        "INSPECTOR_ENV_FILE": str(Path(workdir) / "none.env"),
        "INSPECTOR_BIND": f"127.0.0.1:{port}",
        "INSPECTOR_ACCESS_LOG": "",  # measure the app, not the terminal
        "INSPECTOR_LOG_LEVEL": "warning",
    }
    for name in ("INSPECTOR_WORKERS", "INSPECTOR_THREADS", "INSPECTOR_MAX_CONCURRENT_PROBES"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


class BlackHole:
    """A listener whose accept queue takes connections and never answers a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


def token_body() -> bytes:
    now = int(time.time())
    token = jwt.encode(
        {
            "sub": "b3c1",
            "role": "authenticated",
            "aud": "authenticated",
            "iat": now,
            "exp": now + 3600,
            "session_id": "s",
            "iss": "https://abcdefghijklmnopqrst.supabase.co/auth/v1",
        },
        JWT_SECRET,
        algorithm="HS256",
    )
    return json.dumps({"token": token, "key": JWT_SECRET, "audience": "authenticated"}).encode()


def drive(port, method, path, body, clients, seconds, max_requests, expect=200):
    """Closed-loop load: `clients` threads, each one keep-alive connection, until the time or
    the request budget runs out. Returns (requests per second, latencies in ms, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    budget = [max_requests]
    headers = {"Content-Type": "application/json"} if body else {}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status == expect
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            mine.append((time.perf_counter() - t0) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    return len(latencies) / elapsed, latencies, errors[0]


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by gunicorn's master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:  # the parent pid
                pids.append(int(entry))
    total = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Probes:
    """`n` clients that keep a probe to the black hole in flight, each until stopped."""

    def __init__(self, port: int, hole: int, n: int, timeout: float) -> None:
        self.body = json.dumps(
            {"url": f"postgresql://u:p@127.0.0.1:{hole}/db?sslmode=disable", "timeout": timeout}
        ).encode()
        self.port, self.stop, self.done, self.started = port, threading.Event(), [0], [0]
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(n)]

    def _run(self):
        while not self.stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                with self.lock:
                    self.started[0] += 1
                conn.request(
                    "POST",
                    "/api/v1/connection",
                    body=self.body,
                    headers={"Content-Type": "application/json"},
                )
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
                with self.lock:
                    self.done[0] += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()

    @property
    def in_flight(self) -> int:
        with self.lock:
            return self.started[0] - self.done[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0, help="time per route (all rounds)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent load clients")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds per route")
    ap.add_argument("--max-requests", type=int, default=200_000, help="cap per measurement")
    ap.add_argument("--probes", type=int, default=32, help="probes kept in flight")
    ap.add_argument("--probe-timeout", type=float, default=5.0)
    args = ap.parse_args()

    load1 = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} at start "
        f"(a busy machine makes every number here noisy)"
    )
    port = free_port()
    hole = BlackHole()
    with tempfile.TemporaryDirectory() as workdir:
        server = start_gunicorn(port, workdir)
        try:
            body = token_body()
            # Warm up both routes (imports, first-request work) before measuring.
            drive(port, "GET", "/healthz", None, args.clients, 1.0, 2000)
            drive(port, "POST", "/api/v1/token", body, args.clients, 1.0, 2000)

            # Alternate short rounds of each route, so background load on the machine falls
            # on both alike; the ratio is the median of the rounds'.
            trivial_lat, token_lat, ratios, e1, e2 = [], [], [], 0, 0
            trivial_total = token_total = 0.0
            per_round = args.seconds / args.rounds
            cpu_trivial = cpu_token = 0.0
            for _ in range(args.rounds):
                c0 = server_cpu_seconds(server.pid)
                t_rps, t_lat, t_err = drive(
                    port, "GET", "/healthz", None, args.clients, per_round, args.max_requests
                )
                c1 = server_cpu_seconds(server.pid)
                k_rps, k_lat, k_err = drive(
                    port,
                    "POST",
                    "/api/v1/token",
                    body,
                    args.clients,
                    per_round,
                    args.max_requests,
                )
                c2 = server_cpu_seconds(server.pid)
                cpu_trivial += c1 - c0
                cpu_token += c2 - c1
                ratios.append(k_rps / t_rps)
                trivial_lat += t_lat
                token_lat += k_lat
                trivial_total += t_rps
                token_total += k_rps
                e1 += t_err
                e2 += k_err
            ratio = statistics.median(ratios)
            print(
                f"trivial route  GET /healthz        {trivial_total / args.rounds:8.0f} req/s  "
                f"p50 {percentile(trivial_lat, 50):6.2f} ms  "
                f"p99 {percentile(trivial_lat, 99):6.2f} ms  errors {e1}"
            )
            print(
                f"token API      POST /api/v1/token  {token_total / args.rounds:8.0f} req/s  "
                f"p50 {percentile(token_lat, 50):6.2f} ms  p99 {percentile(token_lat, 99):6.2f} ms"
                f"  errors {e2}"
            )
            # The server's CPU per request: what throughput at saturation is the inverse of,
            # and hardly moved by other processes on the machine.
            cpu_ms_trivial = cpu_trivial * 1000 / max(1, len(trivial_lat))
            cpu_ms_token = cpu_token * 1000 / max(1, len(token_lat))
            cpu_ratio = cpu_ms_trivial / cpu_ms_token if cpu_ms_token else float("nan")
            print(
                f"server CPU per request: trivial {cpu_ms_trivial:.3f} ms, token "
                f"{cpu_ms_token:.3f} ms -> throughput ratio at saturation {cpu_ratio:.2f}  "
                f"(aim >= 0.6: {'met' if cpu_ratio >= 0.6 else 'MISSED'})"
            )
            print(
                f"throughput ratio token/trivial: {ratio:.2f} (median of "
                f"{', '.join(f'{r:.2f}' for r in ratios)})  "
                f"(aim >= 0.6: {'met' if ratio >= 0.6 else 'MISSED'})"
            )

            with Probes(port, hole.port, args.probes, args.probe_timeout) as probes:
                time.sleep(1.0)  # let every probe reach the black hole
                flight_before = probes.in_flight
                loaded_rps, loaded_lat, e3 = drive(
                    port,
                    "POST",
                    "/api/v1/token",
                    body,
                    args.clients,
                    max(2.0, args.seconds / 2),
                    args.max_requests,
                )
                flight_after = probes.in_flight
            p99 = percentile(loaded_lat, 99)
            print(
                f"token API with {args.probes} black-holed probes in flight "
                f"({flight_before} at start, {flight_after} at end): {loaded_rps:.0f} req/s  "
                f"p50 {percentile(loaded_lat, 50):.2f} ms  p99 {p99:.2f} ms  "
                f"max {max(loaded_lat):.2f} ms  errors {e3}"
            )
            print(
                f"p99 under probes: {p99:.1f} ms  (aim < 50 ms: {'met' if p99 < 50 else 'MISSED'})"
            )
            print(
                f"(samples: {len(trivial_lat)} trivial, {len(token_lat)} token, "
                f"{len(loaded_lat)} token under probes; p99 of the unloaded token API "
                f"{percentile(token_lat, 99):.2f} ms)"
            )
            print(
                f"statistics: token mean {statistics.mean(token_lat):.2f} ms, "
                f"under probes mean {statistics.mean(loaded_lat):.2f} ms"
            )
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
            hole.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
