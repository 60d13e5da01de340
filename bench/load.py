"""Load: gunicorn (gunicorn.conf.py: gthread) on loopback, the app in local mode, driven by a
Python load generator (threads + http.client, keep-alive, bounded by count and time).

Reports, measured in the same run:
1. token-API throughput as a ratio to a trivial route's (GET /healthz)      aim >= 0.6
2. token-API p99 latency while 32 probes to a black-holed port are in flight  aim < 50 ms
   (the black hole: a local listener that completes handshakes and never answers, so each
   probe waits out its whole timeout holding a server thread)
3. token-API p99 latency while 200 probe requests to the black hole arrive at once
   aim < 50 ms; how many of them were told `probe_busy`, and how fast. Measured twice: closed
   loop (8 clients, as above; blind to a stall, since a stuck client sends nothing more) and
   open loop (200 req/s, each latency from when the request was due: every delayed request
   counts). The burst comes from a process of its own, so its threads do not slow the client
   that measures.
4. the resident memory (VmRSS) of each worker after the run                   aim < 120 MB

Usage: .venv/bin/python bench/load.py [--seconds 5] [--clients 8] [--burst 200]
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
import multiprocessing
import os
import queue
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


def drive(port, method, path, body, clients, seconds, max_requests, expect=200, stamps=None):
    """Closed-loop load: `clients` threads, each one keep-alive connection, until the time or
    the request budget runs out. Returns (requests per second, latencies in ms, errors); with
    `stamps` (a list), also appends (monotonic start, latency in ms, ok) of every request."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    budget = [max_requests]
    headers = {"Content-Type": "application/json"} if body else {}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        starts: list[float] = []
        oks: list[bool] = []
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            starts.append(time.monotonic())
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
            oks.append(ok)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            if stamps is not None:
                stamps.extend(zip(starts, mine, oks, strict=True))

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


def worker_memory(pid: int) -> list[tuple[int, int, int]]:
    """(pid, VmRSS kB, VmHWM kB) of each of gunicorn's workers (the master's children)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) != pid:
            continue
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        hwm = int(fields.get("VmHWM", "0 kB").split()[0])
        found.append((int(entry), rss, hwm))
    return sorted(found)


class Burst:
    """`n` probe requests to the black hole, sent at the same instant (each on a connection
    opened beforehand, released by one barrier). Records when each answer came and whether it
    was `probe_busy`."""

    def __init__(self, port: int, hole: int, n: int, timeout: float) -> None:
        self.port, self.n = port, n
        self.body = json.dumps(
            {"url": f"postgresql://u:p@127.0.0.1:{hole}/db?sslmode=disable", "timeout": timeout}
        ).encode()
        self.barrier = threading.Barrier(n + 1)
        self.lock = threading.Lock()
        self.answers: list[tuple[float, str]] = []  # (seconds after the start, verdict code)
        self.failed = 0
        self.started_at = 0.0
        self.threads = [threading.Thread(target=self._one, daemon=True) for _ in range(n)]

    def _one(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.connect()
            self.barrier.wait()
            conn.request(
                "POST",
                "/api/v1/connection",
                body=self.body,
                headers={"Content-Type": "application/json"},
            )
            r = conn.getresponse()
            data = r.read()
            took = time.monotonic() - self.started_at
            code = (json.loads(data).get("verdict") or {}).get("code") if r.status == 200 else None
            with self.lock:
                self.answers.append((took, str(code or f"HTTP {r.status}")))
        except (OSError, http.client.HTTPException, ValueError, threading.BrokenBarrierError):
            with self.lock:
                self.failed += 1
        finally:
            conn.close()

    def open(self) -> None:
        """Every connection open, every thread waiting to send."""
        for t in self.threads:
            t.start()
        while self.barrier.n_waiting < self.n:
            time.sleep(0.01)

    def fire(self) -> None:
        self.started_at = time.monotonic()
        self.barrier.wait()

    def join(self, limit: float) -> None:
        end = time.monotonic() + limit
        for t in self.threads:
            t.join(max(0.0, end - time.monotonic()))


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
    ap.add_argument("--burst", type=int, default=200, help="probe requests sent at once")
    ap.add_argument("--token-rate", type=float, default=200, help="token req/s during the burst")
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
            p99s = []
            for open_loop in (False, True):
                time.sleep(args.probe_timeout + 1)  # the probes before let go of their slots
                p99s.append(run_burst(port, hole.port, body, args, open_loop))
            memory = worker_memory(server.pid)
            print(
                "worker memory after the run: "
                + ", ".join(
                    f"pid {pid} VmRSS {rss / 1024:.0f} MB (peak {hwm / 1024:.0f} MB)"
                    for pid, rss, hwm in memory
                )
            )
            most = max((rss for _, rss, _ in memory), default=0) / 1024
            print(
                f"largest worker RSS: {most:.0f} MB  "
                f"(aim < 120 MB: {'met' if most < 120 else 'MISSED'})"
            )
            print(
                f"summary: token p99 while {args.burst} probe requests arrive at once "
                f"{p99s[0]:.1f} ms closed loop, {p99s[1]:.1f} ms open loop; largest worker RSS "
                f"{most:.0f} MB"
            )
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
            hole.close()
    return 0


def _burst_process(port, hole, n, timeout, ready, go, out) -> None:
    """The burst from a process of its own: its 200 threads must not take the interpreter lock
    from the client that measures the token API (monotonic time is the same in both)."""
    burst = Burst(port, hole, n, timeout)
    burst.open()
    ready.set()
    go.wait()
    burst.fire()
    burst.join(timeout + 60)
    out.put((burst.started_at, burst.answers, burst.failed))


class Paced:
    """Open-loop token requests at a fixed rate from a pool of keep-alive connections. Each
    latency counts from when its request was due, so a stalled server shows in every request
    it delayed, not only in the one a closed-loop client was stuck on."""

    def __init__(self, port: int, body: bytes, rate: float, threads: int = 64) -> None:
        self.port, self.body, self.rate = port, body, rate
        self.due: queue.Queue[float | None] = queue.Queue()
        self.samples: list[tuple[float, float, bool]] = []  # (due, ms, ok)
        self.sent_late: dict[float, float] = {}  # due -> ms from due to sent (the client's lag)
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]

    def _work(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        while (due := self.due.get()) is not None:
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            sent = time.monotonic()
            try:
                conn.request("POST", "/api/v1/token", body=self.body, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                ok = False
            with self.lock:
                self.samples.append((due, (time.monotonic() - due) * 1000, ok))
                self.sent_late[due] = (sent - due) * 1000
        conn.close()

    def run(self, seconds: float) -> None:
        for t in self.workers:
            t.start()
        start = time.monotonic()
        n = int(seconds * self.rate)
        for i in range(n):
            due = start + i / self.rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.due.put(due)
        for _ in self.workers:
            self.due.put(None)
        for t in self.workers:
            t.join()


def run_burst(port: int, hole: int, body: bytes, args, open_loop: bool) -> float:
    """Token load running, then `args.burst` probe requests to the black hole at once, from a
    process of their own. Prints what the probes were told and the token API's latency from the
    burst until the last probe answered. Returns that token p99 in ms.

    Closed loop (`args.clients` clients, each waiting for its answer, as the rest of this
    bench): a stalled server shows only in the requests the clients were stuck on. Open loop
    (`args.token_rate` requests a second, latency from when each was due): every request a
    stall delayed counts."""
    window = args.probe_timeout + 2.0
    samples: list[tuple[float, float, bool]] = []  # (start or due, ms, ok)
    paced = None
    if open_loop:
        paced = Paced(port, body, args.token_rate)
        samples = paced.samples
        load = threading.Thread(target=paced.run, args=(window + 1.0,))
        how = f"open loop, {args.token_rate:.0f} req/s, latency from when each was due"
    else:
        load = threading.Thread(
            target=drive,
            args=(port, "POST", "/api/v1/token", body, args.clients, window + 1.0, 10**9),
            kwargs={"stamps": samples},
        )
        how = f"closed loop, {args.clients} clients"
    mp = multiprocessing.get_context("spawn")
    ready, go, out = mp.Event(), mp.Event(), mp.Queue()
    child = mp.Process(
        target=_burst_process,
        args=(port, hole, args.burst, args.probe_timeout, ready, go, out),
    )
    child.start()
    if not ready.wait(60):
        child.kill()
        raise SystemExit("the burst's connections did not open")
    load.start()
    time.sleep(0.5)  # the load is running when the probes arrive
    go.set()
    start, answers, failed = out.get(timeout=window + 90)
    child.join(10)
    load.join()
    last = max((t for t, _ in answers), default=window)
    during = [(ms, ok) for t0, ms, ok in samples if start <= t0 <= start + last]
    latencies = [ms for ms, _ in during]
    errors = sum(1 for _, ok in during if not ok)
    first = min(((t0, ms) for t0, ms, _ in samples if t0 >= start), default=(0.0, float("nan")))
    busy = sorted(t * 1000 for t, code in answers if code == "probe_busy")
    ran = [t for t, code in answers if code != "probe_busy"]
    nan = float("nan")
    p99 = percentile(latencies, 99) if latencies else nan
    # The hardest part: while the extra probes are being answered busy.
    rush_end = (busy[-1] / 1000) if busy else 0.0
    rush = [ms for t0, ms, _ in samples if start <= t0 <= start + rush_end]
    print(
        f"{args.burst} probe requests to the black hole at once: {len(busy)} told probe_busy "
        f"(p50 {percentile(busy, 50) if busy else nan:.0f} ms, max "
        f"{busy[-1] if busy else nan:.0f} ms after the burst), {len(ran)} probed "
        f"(answered within {max(ran, default=nan):.1f} s), {failed} failed"
    )
    print(
        f"  token API ({how}) from the burst until the last probe answered "
        f"({len(latencies)} requests over {last:.1f} s): "
        f"p50 {percentile(latencies, 50) if latencies else nan:.2f} ms  p99 {p99:.2f} ms  "
        f"max {max(latencies, default=nan):.2f} ms  errors {errors}; the first request after "
        f"the burst took {first[1]:.2f} ms"
    )
    if rush:
        print(
            f"  of those, the {len(rush)} in the first {rush_end * 1000:.0f} ms, while the busy "
            f"answers went out: p50 {percentile(rush, 50):.2f} ms  "
            f"p99 {percentile(rush, 99):.2f} ms  max {max(rush):.2f} ms"
        )
    if paced is not None and latencies:
        # On a machine the server saturates, the load generator itself sends late: how much of
        # the latency is that, and how much the server's (from sending to the answer).
        lag = [paced.sent_late[t0] for t0, _, _ in samples if start <= t0 <= start + last]
        served = [ms - paced.sent_late[t0] for t0, ms, _ in samples if start <= t0 <= start + last]
        print(
            f"  of that latency, the load generator's own lag in sending: p99 "
            f"{percentile(lag, 99):.2f} ms  max {max(lag):.2f} ms; from sending to the answer: "
            f"p50 {percentile(served, 50):.2f} ms  p99 {percentile(served, 99):.2f} ms  "
            f"max {max(served):.2f} ms"
        )
    print(
        f"  token p99 while {args.burst} probe requests arrive at once ({how.split(',')[0]}): "
        f"{p99:.1f} ms  (aim < 50 ms: {'met' if p99 < 50 else 'MISSED'})"
    )
    return p99


if __name__ == "__main__":
    raise SystemExit(main())
