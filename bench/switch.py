"""Switch benchmark: how soon after an import a running `watchlist serve` answers with the
new list versions, and how long the first `watchlist check` after an import takes.

Run by hand (not in CI); needs ../shared/data/lists.

    python bench/switch.py [--src DIR] [--lists DIR] [--base FILE] [--new FILE] [--name NAME]

`--src` is the `src` folder of the watchlist to measure (default: this checkout's), so two
versions of the code can be compared on the same machine in the same run. Steps:

1. In a temporary WATCHLIST_HOME, `watchlist update --from BASE`, then `watchlist check` once
   (its index on disk, as a service running for a while has it).
2. `watchlist serve --no-auth` on a free port; wait until POST /match answers.
3. `watchlist update --from NEW` (a new source: a new set of serving versions), timed.
4. POST /match every 50 ms until its X-Watchlist-Versions header names NEW's source; the
   lag is from the end of the update command to that first answer (a negative lag would
   mean the service answered with the new set before the update command ended).
5. In another temporary home, `watchlist update --from BASE --from NEW`, then
   `watchlist check NAME` twice, each timed as a whole process (start-up included).

Prints one Markdown table row per measure.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = ROOT.parent / "shared" / "data" / "lists"
QUERY = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}}}


def env_for(src: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["WATCHLIST_HOME"] = str(home)
    env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def watchlist(src: Path, home: Path, *args: str) -> float:
    """Run one `watchlist` command; its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "watchlist.cli", *args],
                          env=env_for(src, home), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"watchlist {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def versions_answering(client: httpx.Client) -> str:
    try:
        response = client.post("/match", json=QUERY)
    except httpx.HTTPError:
        return ""
    return response.headers.get("X-Watchlist-Versions", "") if response.status_code == 200 \
        else ""


def service_lag(src: Path, base: Path, new: Path, new_source: str) -> tuple[float, float]:
    """(update seconds, seconds from the update's end to the service answering with it)."""
    with tempfile.TemporaryDirectory(prefix="watchlist-switch-") as tmp:
        home = Path(tmp)
        watchlist(src, home, "update", "--from", str(base))
        watchlist(src, home, "check", "warm up")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "watchlist.cli", "serve", "--no-auth",
                                   "--host", "127.0.0.1", "--port", str(port)],
                                  env=env_for(src, home), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                deadline = time.monotonic() + 120
                while not versions_answering(client):
                    if time.monotonic() > deadline:
                        raise SystemExit("the service did not answer within 120 s")
                    time.sleep(0.2)
                took = watchlist(src, home, "update", "--from", str(new))
                ended = time.perf_counter()
                while new_source not in versions_answering(client):
                    if time.perf_counter() - ended > 600:
                        raise SystemExit("the service did not switch within 600 s")
                    time.sleep(0.05)
                return took, time.perf_counter() - ended
        finally:
            server.terminate()
            server.wait(30)


def first_checks(src: Path, base: Path, new: Path, name: str) -> tuple[float, float, float]:
    """(update seconds, first check seconds, second check seconds) in a fresh home."""
    with tempfile.TemporaryDirectory(prefix="watchlist-first-check-") as tmp:
        home = Path(tmp)
        took = watchlist(src, home, "update", "--from", str(base), "--from", str(new))
        return took, watchlist(src, home, "check", name), watchlist(src, home, "check", name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    parser.add_argument("--base", default="un/consolidated_2026-02-27.xml")
    parser.add_argument("--new", default="ca/sema-lmes_2025-05.xml")
    parser.add_argument("--new-source", default="ca_dfatd_sema_sanctions")
    parser.add_argument("--name", default="Aleksandr Lukashenko")
    args = parser.parse_args()
    base, new = args.lists / args.base, args.lists / args.new
    src = args.src.resolve()
    update_s, lag = service_lag(src, base, new, args.new_source)
    print(f"| {src} | update --from {args.new} | {update_s:.1f} s |")
    print(f"| {src} | service answers with it, after the update ended | {lag:.1f} s |")
    both_s, first, second = first_checks(src, base, new, args.name)
    print(f"| {src} | update --from both, fresh home | {both_s:.1f} s |")
    print(f"| {src} | first check after it | {first:.1f} s |")
    print(f"| {src} | second check | {second:.1f} s |")


if __name__ == "__main__":
    main()
