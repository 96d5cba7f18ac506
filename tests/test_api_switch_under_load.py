"""A list update while the service answers a steady load: every request succeeds, and each
answer comes wholly from the old list version or wholly from the new one."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from conftest import FIXTURES
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.service_settings import Settings
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

V1 = FIXTURES / "un_small_v1.xml"  # lists Amina Examplar
V2 = FIXTURES / "un_small_v2.xml"  # delists her and lists Sample Shipping Lines
CLIENTS = 6
QUERIES = {"amina": {"schema": "Person", "properties": {"name": ["Amina Examplar"]}},
           "ship": {"schema": "Organization",
                    "properties": {"name": ["Sample Shipping Lines"]}}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hits(body: dict[str, Any], key: str) -> int:
    return len(body["responses"][key]["results"])


def test_update_under_load_switches_whole_requests_and_fails_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path / "home"))
    store = Store()
    update_from_paths(store, [V1])
    raw = create_key(store, "load", "screen")[1]
    Screener.open(store)  # the index of version 1, built here
    app = create_app(store, settings=Settings(version_check_seconds=0.2))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    answers: list[tuple[int, str, int, int, list[int]]] = []
    problems: list[str] = []
    stop = threading.Event()
    url = f"http://127.0.0.1:{port}"

    def client() -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": raw}, timeout=60) as http:
            while not stop.is_set():
                try:
                    response = http.post("/match", json={"queries": QUERIES})
                except httpx.HTTPError as exc:
                    problems.append(repr(exc))
                    continue
                if response.status_code != 200:
                    answers.append((response.status_code, "", 0, 0, []))
                    continue
                body = response.json()
                answers.append((200, response.headers["X-Watchlist-Versions"],
                                _hits(body, "amina"), _hits(body, "ship"),
                                [v["version"] for v in body["versions"]]))

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        update_from_paths(store, [V2])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            recent = answers[-CLIENTS * 3:]
            if recent and all(a[1] == "un_sc_sanctions=2" for a in recent):
                break
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        server.should_exit = True
        serving.join(30)
    assert not problems, problems[:3]
    assert answers and all(status == 200 for status, *_ in answers)
    by_version = {"un_sc_sanctions=1": (1, 0), "un_sc_sanctions=2": (0, 1)}
    for _status, header, amina, ship, versions in answers:
        assert header in by_version, header
        assert (min(amina, 1), min(ship, 1)) == by_version[header]  # never a mix
        assert versions == [int(header[-1])]
    seen = [a[1] for a in answers]
    assert "un_sc_sanctions=1" in seen and seen[-1] == "un_sc_sanctions=2"
    assert len(answers) > 50
