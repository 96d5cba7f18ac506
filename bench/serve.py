"""Service benchmark: `watchlist serve` under load, over loopback.

Run by hand (not in CI); needs ../shared/data/lists.

    python bench/serve.py [--home DIR] [--lists DIR] [--seconds 20] [--clients 50]
                          [--workers 1,2] [--batches 1,10]

Starts `watchlist serve --no-auth` on 127.0.0.1 at a free port (a store built in a temporary
WATCHLIST_HOME from --lists with `watchlist update --from`, or --home to reuse one), waits
for /readyz and a first answered /match (the screener loaded), then for each worker count
and batch size drives POST /match with --clients concurrent keep-alive connections for
--seconds (after a short warm-up that is not counted). Queries are people drawn from
matching/yente_candidate_generation: 80% negatives (people on no list), 20% positives (UN
listed people and US Congress members), with their birth date and nationality.

The load generator is wrk (Debian package `wrk`, C, epoll) when it is installed, else a lean
asyncio HTTP/1.1 client in this process (`--generator python`); either shares the machine's
cores with the server. Requests carry an API key (`--no-auth` to serve without keys), so key
checking is measured too. A /healthz scenario shows the ceiling of the generator and the HTTP
stack without any screening.

Prints one Markdown table: requests/s, queries/s, p50/p95/p99 latency (ms), errors.
The server is stopped at the end (and on Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = ROOT.parent / "shared" / "data" / "lists"
POSITIVES = ("matching/yente_candidate_generation/positives_un_untreated.csv",
             "matching/yente_candidate_generation/positives_us_congress_untreated.csv")
NEGATIVES = "matching/yente_candidate_generation/negatives_global.csv"
POSITIVE_SHARE = 0.2
WARMUP_SECONDS = 3.0
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["WATCHLIST_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def build_store(lists: Path, home: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "watchlist.cli", "update", "--from",
                           str(lists.resolve())], env=env_for(home), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"building the store failed:\n{done.stdout[-2000:]}"
                         f"{done.stderr[-2000:]}")
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- queries ------------------------------------------------------------------------------


def read_people(path: Path) -> list[dict[str, Any]]:
    people = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("full_name") or "").strip()
            if not name:
                continue
            props: dict[str, list[str]] = {"name": [name]}
            born = (row.get("date_of_birth") or "").strip()
            if _DATE.match(born):
                props["birthDate"] = [born]
            country = (row.get("nationality") or "").strip()
            if country:
                props["nationality"] = [country]
            people.append({"schema": "Person", "properties": props})
    return people


def query_pool(lists: Path, size: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    positives = [p for rel in POSITIVES for p in read_people(lists / rel)]
    negatives = read_people(lists / NEGATIVES)
    n_pos = int(size * POSITIVE_SHARE)
    pool = rng.sample(positives, min(n_pos, len(positives)))
    pool += rng.sample(negatives, size - len(pool))
    rng.shuffle(pool)
    return pool


def bodies(pool: list[dict[str, Any]], batch: int, count: int) -> list[bytes]:
    out = []
    for i in range(count):
        queries = {f"q{j}": pool[(i * batch + j) % len(pool)] for j in range(batch)}
        out.append(json.dumps({"queries": queries}).encode())
    return out


# -- a lean HTTP/1.1 keep-alive client ----------------------------------------------------


class Connection:
    def __init__(self, host: str, port: int, key: str = "") -> None:
        self.host, self.port = host, port
        self.key = key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        auth = f"X-API-Key: {self.key}\r\n" if self.key else ""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{auth}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunks.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            data = b"".join(c[:-2] for c in chunks)
        else:
            data = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data


# -- load ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def drive(port: int, path: str, payloads: list[bytes], clients: int, seconds: float,
                warmup: float, key: str = "") -> Outcome:
    outcome = Outcome()
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    method = "POST" if payloads else "GET"

    async def client(n: int) -> None:
        conn = Connection("127.0.0.1", port, key)
        i = n
        try:
            while True:
                began = time.perf_counter()
                if began >= stop_at:
                    return
                body = payloads[i % len(payloads)] if payloads else b""
                i += clients
                try:
                    status, data = await conn.request(method, path, body)
                    ok = status == 200
                    if not ok and len(outcome.error_samples) < 3:
                        outcome.error_samples.append(f"{status} {data[:200]!r}")
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    ok = False
                    if len(outcome.error_samples) < 3:
                        outcome.error_samples.append(repr(exc))
                    await conn.close()
                ended = time.perf_counter()
                if began >= measure_from and ended <= stop_at:
                    if ok:
                        outcome.latencies.append(ended - began)
                    else:
                        outcome.errors += 1
        finally:
            await conn.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    outcome.seconds = seconds
    return outcome


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def summarise(name: str, workers: int, batch: int, clients: int,
              outcome: Outcome) -> dict[str, Any]:
    lat = sorted(outcome.latencies)
    rps = len(lat) / outcome.seconds
    return {
        "scenario": name, "workers": workers, "batch": batch, "clients": clients,
        "requests": len(lat), "rps": rps, "qps": rps * batch,
        "p50": percentile(lat, 0.50) * 1000, "p95": percentile(lat, 0.95) * 1000,
        "p99": percentile(lat, 0.99) * 1000,
        "mean": (statistics.fmean(lat) * 1000) if lat else float("nan"),
        "errors": outcome.errors, "samples": outcome.error_samples,
    }


# -- the server ---------------------------------------------------------------------------


WRK_SCRIPT = r"""
local bodies = {}
local path = os.getenv("WRK_BODIES")
if path then
  for line in io.lines(path) do bodies[#bodies + 1] = line end
end
local key = os.getenv("WRK_KEY")
if key and key ~= "" then wrk.headers["X-API-Key"] = key end
if #bodies > 0 then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end
local n = 0
function request()
  if #bodies == 0 then return wrk.format() end
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[((n + (offset or 0)) % #bodies) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, '
    .. '"p99": %d, "mean": %f, "connect": %d, "read": %d, "write": %d, '
    .. '"status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def drive_wrk(port: int, path: str, payloads: list[bytes], clients: int, seconds: float,
              warmup: float, key: str, workdir: Path) -> dict[str, Any]:
    """Run wrk (a warm-up run, then the measured one) and read its figures."""
    script = workdir / "bench.lua"
    script.write_text(WRK_SCRIPT)
    bodies_file = workdir / "bodies.jsonl"
    bodies_file.write_bytes(b"\n".join(payloads) + b"\n" if payloads else b"")
    env = {**os.environ, "WRK_KEY": key}
    if payloads:
        env["WRK_BODIES"] = str(bodies_file)
    url = f"http://127.0.0.1:{port}{path}"
    result: dict[str, Any] = {}
    for duration in (warmup, seconds):
        done = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{duration:.0f}s",
                               "--timeout", "30s", "-s", str(script), url], env=env,
                              capture_output=True, text=True, check=False)
        line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
        if line is None:
            raise SystemExit(f"wrk failed: {done.stdout[-1000:]}{done.stderr[-1000:]}")
        result = json.loads(line.split(" ", 1)[1])
    return result


def summarise_wrk(name: str, workers: int, batch: int, clients: int,
                  r: dict[str, Any]) -> dict[str, Any]:
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    ok = r["requests"] - r["status"]
    rps = ok / (r["duration_us"] / 1e6)
    return {
        "scenario": name, "workers": workers, "batch": batch, "clients": clients,
        "requests": ok, "rps": rps, "qps": rps * batch, "p50": r["p50"] / 1000,
        "p95": r["p95"] / 1000, "p99": r["p99"] / 1000, "mean": r["mean"] / 1000,
        "errors": errors, "samples": [],
    }


class Server:
    def __init__(self, home: Path, workers: int, log_path: Path, auth: bool) -> None:
        self.port = free_port()
        self.log = log_path.open("w")
        command = [sys.executable, "-m", "watchlist.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(workers)]
        if not auth:
            command.append("--no-auth")
        self.proc = subprocess.Popen(command, env=env_for(home), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self.log.close()

    async def wait_ready(self, probe: bytes, key: str, timeout: float = 900) -> float:
        """Seconds until /readyz answers 200 and a /match is answered (screener loaded)."""
        start = time.perf_counter()
        deadline = start + timeout
        for path, method, body in (("/readyz", "GET", b""), ("/match", "POST", probe)):
            while True:
                if self.proc.poll() is not None:
                    raise SystemExit(f"the server exited ({self.proc.returncode}); see "
                                     f"{self.log.name}")
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the server was not ready in {timeout:.0f} s")
                conn = Connection("127.0.0.1", self.port, key)
                try:
                    status, _ = await asyncio.wait_for(conn.request(method, path, body), 120)
                    if status == 200:
                        break
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    pass
                finally:
                    await conn.close()
                await asyncio.sleep(0.5)
        return time.perf_counter() - start


def fmt(value: float, digits: int = 0) -> str:
    return "-" if value != value else f"{value:,.{digits}f}"


def table(rows: list[dict[str, Any]]) -> str:
    out = ["| scenario | workers | batch | clients | requests/s | queries/s | p50 ms | "
           "p95 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['scenario']} | {r['workers']} | {r['batch']} | {r['clients']} | "
                   f"{fmt(r['rps'])} | {fmt(r['qps'])} | {fmt(r['p50'], 1)} | "
                   f"{fmt(r['p95'], 1)} | {fmt(r['p99'], 1)} | {r['errors']} |")
    return "\n".join(out)


def make_key(home: Path) -> str:
    """A screen key in the benchmark's store (created afresh each run)."""
    done = subprocess.run([sys.executable, "-m", "watchlist.cli", "keys", "create", "--name",
                           "bench/serve.py", "--role", "screen"], env=env_for(home),
                          capture_output=True, text=True, check=False)
    keys = [line.strip() for line in done.stdout.splitlines()
            if line.strip().startswith("wl_")]
    if done.returncode != 0 or not keys:
        raise SystemExit(f"could not create a key: {done.stdout[-500:]}{done.stderr[-500:]}")
    return keys[-1]


async def scenario(args: argparse.Namespace, port: int, path: str, payloads: list[bytes],
                   name: str, workers: int, batch: int, key: str,
                   workdir: Path) -> dict[str, Any]:
    if args.generator == "wrk":
        figures = drive_wrk(port, path, payloads, args.clients, args.seconds, WARMUP_SECONDS,
                            key, workdir)
        return summarise_wrk(name, workers, batch, args.clients, figures)
    outcome = await drive(port, path, payloads, args.clients, args.seconds, WARMUP_SECONDS,
                          key)
    for sample in outcome.error_samples:
        print(f"  error: {sample}", file=sys.stderr)
    return summarise(name, workers, batch, args.clients, outcome)


async def run(args: argparse.Namespace, home: Path, logs: Path) -> list[dict[str, Any]]:
    pool = query_pool(args.lists, 5000)
    payloads = {b: bodies(pool, b, max(200, 5000 // b)) for b in args.batches}
    key = make_key(home) if args.auth else ""
    rows: list[dict[str, Any]] = []
    for workers in args.workers:
        server = Server(home, workers, logs / f"serve-w{workers}.log", args.auth)
        try:
            ready = await server.wait_ready(payloads[min(args.batches)][0], key)
            print(f"workers={workers}: ready in {ready:.1f} s (port {server.port})",
                  file=sys.stderr)
            if args.healthz:
                rows.append(await scenario(args, server.port, "/healthz", [],
                                           "GET /healthz (no screening)", workers, 1, key,
                                           logs))
                print(table(rows[-1:]), file=sys.stderr)
            for batch in args.batches:
                rows.append(await scenario(args, server.port, "/match", payloads[batch],
                                           "POST /match", workers, batch, key, logs))
                print(table(rows[-1:]), file=sys.stderr)
        finally:
            server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    parser.add_argument("--home", type=Path, help="An existing WATCHLIST_HOME with the lists "
                        "loaded (default: build one in a temporary directory).")
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="Measured seconds per scenario (default 20).")
    parser.add_argument("--clients", type=int, default=50,
                        help="Concurrent clients (default 50).")
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 2], help="Server worker counts (default 1,2).")
    parser.add_argument("--batches", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 10], help="Queries per request (default 1,10).")
    parser.add_argument("--no-healthz", dest="healthz", action="store_false",
                        help="Skip the /healthz ceiling scenario.")
    parser.add_argument("--generator", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python",
                        help="Load generator (default: wrk when installed).")
    parser.add_argument("--no-auth", dest="auth", action="store_false",
                        help="Serve without keys (default: every request sends a key).")
    args = parser.parse_args()
    if not (args.lists / NEGATIVES).exists():
        sys.exit(f"no query files under {args.lists}")
    tmp = tempfile.TemporaryDirectory(prefix="watchlist-serve-bench-")
    logs = Path(tmp.name)
    if args.home:
        home = args.home
    else:
        home = logs / "home"
        print(f"building a store from {args.lists} in {home} ...", file=sys.stderr)
        print(f"store built in {build_store(args.lists, home):.0f} s", file=sys.stderr)
    try:
        rows = asyncio.run(run(args, home, logs))
    finally:
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"server logs kept in {logs}", file=sys.stderr)
        else:
            tmp.cleanup()
    print(f"\n{os.cpu_count()} CPUs; {args.clients} concurrent clients; {args.seconds:.0f} s "
          f"per scenario after a warm-up; load generator {args.generator} on the same "
          f"machine; {'API key on every request' if args.auth else 'no auth'}.\n")
    print(table(rows))


if __name__ == "__main__":
    main()
