"""The service keeps its lists current on its own: `watchlist serve --update-every` against a
local publisher serves a new version without any command, /metrics reports it, and a
signed webhook announces it; staleness turns /readyz degraded."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import FIXTURES
from httpserver import ListServer
from watchlist.screening.holder import ensure_index
from watchlist.sources import fetch
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_sources
from watchlist.webhooks.hooks import add_webhook
from watchlist.webhooks.signing import HEADER, verify

SECRET = "test-secret-0123456789abcdef"
SRC = Path(__file__).resolve().parents[1] / "src"


class Receiver:
    """A webhook receiver on 127.0.0.1 keeping every request (headers and body)."""

    def __init__(self, status: int = 204) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def events(self, name: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in self.received if h.get("X-Watchlist-Event") == name]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[ListServer, Path]]:
    """A local publisher whose UN list is version 1 until the test replaces the file."""
    root = tmp_path / "publisher"
    root.mkdir()
    shutil.copy(FIXTURES / "un_small_v1.xml", root / "consolidated.xml")
    with ListServer(root) as server:
        yield server, root / "consolidated.xml"


def test_serve_with_update_every_serves_the_new_version_reports_it_and_signs_a_webhook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        publisher: tuple[ListServer, Path]) -> None:
    server, listed = publisher
    home = tmp_path / "home"
    monkeypatch.setenv("WATCHLIST_HOME", str(home))
    monkeypatch.setenv("WATCHLIST_URL_UN_SC_SANCTIONS", f"{server.url}/data/consolidated.xml")
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)
    store = Store()
    assert update_sources(store, ["un_sc_sanctions"]).ok
    ensure_index(store)
    with Receiver() as receiver:
        add_webhook(store, receiver.url, ["list.version"], "test", SECRET)
        store.close()
        port, metrics_port = _free_port(), _free_port()
        env = {**os.environ, "PYTHONPATH": str(SRC), "WATCHLIST_API_VERSION_CHECK": "0.2"}
        log = (tmp_path / "serve.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "watchlist.cli", "serve", "--port", str(port), "--no-auth",
             "--workers", "2", "--update-every", "1s", "--update-source", "un_sc_sanctions",
             "--log-format", "json", "--access-log", "--metrics-port", str(metrics_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            def serving_version() -> int | None:
                try:
                    answer = httpx.get(f"{url}/readyz", timeout=5)
                except httpx.HTTPError:
                    return None
                if answer.status_code != 200:
                    return None
                return int(answer.json()["versions"][0]["version"])

            assert _wait(serving_version, 120, "the service to start") == 1
            shutil.copy(FIXTURES / "un_small_v2.xml", listed)
            _wait(lambda: serving_version() == 2, 60, "version 2 to serve")

            # The webhook goes out once the run is recorded and the index built.
            headers, body = _wait(lambda: receiver.events("list.version"), 30,
                                  "the webhook")[0]
            assert verify(SECRET, body, headers[HEADER])
            assert not verify("another-secret-0123456789", body, headers[HEADER])
            payload = json.loads(body)
            assert payload["data"]["source"] == "un_sc_sanctions"
            assert payload["data"]["version"] == 2
            answer = httpx.get(f"{url}/metrics", timeout=10)
            assert answer.status_code == 200
            text = answer.text
            assert _metric(text, 'watchlist_source_version{source="un_sc_sanctions"}') == 2
            assert _metric(text, 'watchlist_source_last_update{outcome="failed",'
                                 'source="un_sc_sanctions"}') == 0
            assert (_metric(text, 'watchlist_update_runs_total{outcome="succeeded"}') or 0) >= 1
            assert (_metric(text, "watchlist_index_build_seconds_count") or 0) >= 1
            assert 'watchlist_http_requests_total{method="GET",route="/readyz",status="200"}' \
                in text
            assert answer.headers["X-Request-ID"]
            apart = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
            assert _metric(apart, 'watchlist_source_version{source="un_sc_sanctions"}') == 2
        finally:
            proc.terminate()
            proc.wait(30)
            log.close()
    lines = (tmp_path / "serve.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert any(r.get("logger") == "watchlist.access" and r.get("request_id") for r in records)
    store = Store()
    assert [v.version for v in store.serving()] == [2]
    assert sum(1 for r in receiver.events("list.version")) == 1  # one updater, one version


def test_update_daemon_keeps_the_lists_current_until_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        publisher: tuple[ListServer, Path]) -> None:
    server, listed = publisher
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path / "home"))
    env = {**os.environ, "PYTHONPATH": str(SRC),
           "WATCHLIST_URL_UN_SC_SANCTIONS": f"{server.url}/data/consolidated.xml"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "watchlist.cli", "update", "--daemon", "--every", "1s",
         "un_sc_sanctions"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        def serving() -> list[int]:
            store = Store()
            try:
                return [v.version for v in store.serving()]
            finally:
                store.close()

        assert _wait(serving, 60, "the first version") == [1]
        shutil.copy(FIXTURES / "un_small_v2.xml", listed)
        _wait(lambda: serving() == [2], 60, "version 2")
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "checked every 1s" in output and "stopped" in output
