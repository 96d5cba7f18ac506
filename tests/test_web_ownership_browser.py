"""The ownership tree in a real browser (Debian's Chromium driven by Playwright): its
parties are reached with Tab, each announced by name, status and share, and Enter follows
one; nothing on the page runs a script or leaves the server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import module_home
from webstore import PASSWORD, ownership_app

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; "
                ".ci/run installs it)", allow_module_level=True)
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need the playwright package "
    "(pip install -e '.[test]')")
OWNERS = """owner,owned,share,as_of,source
Banco Nacional de Cuba,Caribe Holdings SA,55,2024-03-31,annual report 2023
Caribe Holdings SA,Blue River Trading Ltd,60,2024-05-01,registry extract
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    with module_home(tmp_path_factory, "web-ownership-browser") as home:
        app = ownership_app(home, OWNERS)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "no test server"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)


def test_the_tree_is_read_and_followed_with_the_keyboard(base: str) -> None:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        problems: list[Any] = []
        page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(base + "/")
        page.get_by_label("User name", exact=True).fill("analyst")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.locator("form[aria-labelledby=with-password] button").click()
        page.wait_for_url("**/ui/search")
        page.goto(base + "/ui/ownership/name-blue-river-trading-ltd")
        announced = []
        for _ in range(60):
            page.keyboard.press("Tab")
            label = page.evaluate("document.activeElement.closest('svg') ? "
                                  "document.activeElement.getAttribute('aria-label') : null")
            if label:
                announced.append(label)
            if label and label.startswith("Caribe Holdings SA"):
                break
        assert "Caribe Holdings SA, blocked by ownership, 60%" in announced
        page.keyboard.press("Enter")
        page.wait_for_url("**/ui/ownership/name-caribe-holdings-sa")
        assert "owns 55% of Caribe Holdings SA" in page.content()
        assert problems == []
        browser.close()
