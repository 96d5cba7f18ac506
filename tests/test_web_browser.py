"""The web interface in a real browser: Debian's Chromium driven by Playwright against a
server on loopback, over the small store of webstore.py.

Each test saves screenshots of the pages it visits in tests/artifacts/web/ (or
$WATCHLIST_TEST_ARTIFACTS); with WATCHLIST_UPDATE_SCREENSHOTS=1 they are also copied to
docs/screenshots/, which the README shows. Skipped, saying why, only where Chromium
(/usr/bin/chromium) or the playwright package is missing; CI installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from watchlist.monitor.alerts import get_alert, list_alerts
from watchlist.service import create_app
from watchlist.store.store import Store
from watchlist.updates.pipeline import Report, Reporter
from webstore import ARTICLE, LUKASHENKO, PASSWORD, SCRIPT_NAME, SCRIPT_PARTY, build_store

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("WATCHLIST_TEST_ARTIFACTS", ROOT / "tests" / "artifacts")) / "web"
SCREENSHOTS = ROOT / "docs" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; "
                ".ci/run installs it)", allow_module_level=True)
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need the playwright package "
    "(pip install -e '.[test]')")


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (and as the README's, when asked)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("WATCHLIST_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path


def fake_updater(_store: Store, _sources: list[str] | None, _reporter: Reporter) -> Report:
    """Stands in for downloading from the publishers (tests never reach the network)."""
    time.sleep(1.0)  # long enough for the job page to show it running
    return Report()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """The app on a free loopback port, in a thread of this process."""
    import uvicorn

    home = tmp_path_factory.mktemp("web-browser") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(home))
        store, screener, _keys = build_store()
        app = create_app(store, warm=False, screener_opener=lambda _store: screener,
                         updater=fake_updater)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="on")
        web = uvicorn.Server(config)
        thread = threading.Thread(target=web.run, name="web-test-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not web.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", store
        web.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


class Watch:
    """What a page did that it must not: dialogs (an injected script running), console
    errors (a CSP violation, a missing asset), requests leaving the test server."""

    def __init__(self, page: Any, base: str) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith((base, "data:"))
                else self.outside.append(r.url))

    def clean(self) -> None:
        assert self.dialogs == [], f"a script ran: {self.dialogs}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.outside == [], f"requests left the server: {self.outside}"


def signed_in(browser: Any, base: str, name: str, viewport: dict[str, int] = LAPTOP
              ) -> tuple[Any, Watch]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + "/")
    page.get_by_label("User name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("form[aria-labelledby=with-password] button").click()
    page.wait_for_url("**/ui/search")
    return page, watch


def test_sign_in_search_and_open_the_profile(browser: Any,
                                             server: tuple[str, Store]) -> None:
    base, _store = server
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + "/ui/alerts")
    assert "/ui/login" in page.url
    shot(page, "01-sign-in")
    page.get_by_label("User name", exact=True).fill("analyst")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/alerts")
    page.goto(base + "/ui/search")
    page.keyboard.press("Escape")  # leave the autofocused name field; "/" comes back to it
    page.keyboard.press("/")
    page.keyboard.type("Lukashenko")
    assert page.get_by_label("Name", exact=True).input_value() == "Lukashenko"
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits")
    first = page.locator("li.hit").first
    assert "LUKASHENKA" in first.locator("h3").inner_text()
    badges = first.locator(".badges").inner_text()
    for publisher in ("OFAC SDN", "Canada SEMA", "Australia DFAT"):
        assert publisher in badges
    assert "Not compared: the search gave no birth date." in first.inner_text()
    shot(page, "02-search")
    first.locator("h3 a").click()
    page.wait_for_selector("#designations")
    rows = page.locator("#designations tbody tr")
    assert rows.count() == 3
    publishers = " ".join(rows.nth(i).locator("td").first.inner_text() for i in range(3))
    for publisher in ("OFAC SDN", "Canada SEMA", "Australia DFAT"):
        assert publisher in publishers
    table = page.locator("#designations table").bounding_box()
    last_heading = page.locator("#designations thead th").last.bounding_box()
    assert abs(last_heading["x"] + last_heading["width"] - table["x"] - table["width"]) < 2, \
        "the designations' headings do not span their table on a laptop screen"
    assert "Александр Григорьевич ЛУКАШЕНКО" in page.locator("#names").inner_text()
    assert "Changed" in page.locator("#history").inner_text()
    shot(page, "03-profile")
    watch.clean()
    context.close()


def test_decide_an_alert_with_the_keyboard(browser: Any, server: tuple[str, Store]) -> None:
    base, store = server
    page, watch = signed_in(browser, base, "analyst")
    page.goto(base + "/ui/alerts")
    open_before = list_alerts(store, "open")[1]
    assert page.locator("table.queue tbody tr").count() == open_before
    shot(page, "04-alerts")
    page.keyboard.press("j")
    page.keyboard.press("j")
    selected = page.locator("table.queue tbody tr.selected")
    alert_id = int(selected.locator("a").first.inner_text().lstrip("#"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ui/alerts/{alert_id}?status=open")
    assert page.locator("#h-customer").is_visible() and page.locator("#h-party").is_visible()
    page.keyboard.press("m")
    page.keyboard.press("e")  # a second decision key changes the choice, typing nothing
    assert page.locator("input[value=escalate]").is_checked()
    assert page.evaluate("document.activeElement.id") != "reason"
    page.keyboard.press("f")
    assert page.locator("input[value=false-positive]").is_checked()
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reason"
    assert page.locator("#reason").input_value() == ""
    page.keyboard.type("Not the listed party: different birth date and nationality.")
    shot(page, "05-alert")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("p.flash")
    assert f"Alert {alert_id}: false positive" in page.locator("p.flash").inner_text()
    assert get_alert(store, alert_id)["status"] == "pending-approval"  # until approved
    page.goto(base + "/ui/alerts?status=pending-approval")
    ids = page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts()
    assert f"#{alert_id}" in ids
    watch.clean()


def test_bulk_decisions_take_next_and_the_approvers_queue(browser: Any,
                                                         server: tuple[str, Store]) -> None:
    base, store = server
    page, watch = signed_in(browser, base, "analyst")
    page.goto(base + "/ui/alerts?status=new&sort=oldest")
    rows = page.locator("table.queue tbody tr[data-href]")
    assert rows.count() >= 3
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("[data-selected-count]").inner_text() == "(2 selected)"
    picked = [int(v) for v in page.locator("table.queue input[name=alert_id]:checked")
              .evaluate_all("boxes => boxes.map(b => b.value)")]
    page.get_by_label("Decision", exact=True).select_option("false-positive")
    page.get_by_label("Reason code", exact=True).select_option("common-name")
    page.get_by_role("button", name="Decide selected").click()
    page.wait_for_selector("p.flash")
    assert "Decided false-positive: 2 alerts" in page.locator("p.flash").inner_text()
    assert {get_alert(store, i)["status"] for i in picked} == {"pending-approval"}
    page.get_by_role("button", name="Take next").click()
    page.wait_for_selector("p.flash")
    assert "is yours" in page.locator("p.flash").inner_text()
    taken = int(page.url.split("/ui/alerts/")[1].split("?")[0])
    assert get_alert(store, taken)["assignee"] == "analyst"
    assert "Approvals" not in page.locator("header nav").inner_text()
    watch.clean()
    page.context.close()

    page, watch = signed_in(browser, base, "approver")
    page.get_by_role("link", name="Approvals").click()
    page.wait_for_url("**/ui/approvals")
    waiting = page.locator("table.queue input[name=alert_id]")
    assert waiting.count() == len(list_alerts(store, "pending-approval")[0]) >= 2
    assert "Common name, nothing else in common" in page.locator("table.queue").inner_text()
    page.locator("[data-select-all]").check()
    assert page.locator("[data-selected-count]").inner_text() == f"({waiting.count()} selected)"
    shot(page, "15-approver-queue")
    page.get_by_role("button", name="Approve selected").click()
    page.wait_for_selector("p.flash")
    assert "Approved:" in page.locator("p.flash").inner_text()
    assert {get_alert(store, i)["status"] for i in picked} == {"false-positive"}
    assert "No decision awaits approval" in page.locator("main").inner_text()
    watch.clean()
    page.context.close()


def test_a_pasted_article_comes_back_highlighted(browser: Any,
                                                 server: tuple[str, Store]) -> None:
    base, _store = server
    page, watch = signed_in(browser, base, "analyst")
    page.goto(base + "/ui/scan")
    page.get_by_label("Text (an article").fill(ARTICLE)
    page.get_by_role("button", name="Scan").click()
    page.wait_for_selector(".scanned")
    marks = page.locator(".scanned mark").all_inner_texts()
    assert "Alexander Lukashenko" in marks and "Viktor Lukashenko" in marks
    assert page.locator(".scanned").inner_text().strip() == ARTICLE.strip()
    beside = page.locator("ol.mentions").inner_text()
    assert "OFAC SDN" in beside and "Canada SEMA" in beside
    shot(page, "06-scan")
    watch.clean()


def test_an_injected_script_in_a_name_shows_as_text(browser: Any,
                                                    server: tuple[str, Store]) -> None:
    base, _store = server
    page, watch = signed_in(browser, base, "analyst")
    page.get_by_label("Name", exact=True).fill("Boris Scriptov")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.hits")
    assert page.locator("li.hit h3").first.inner_text() == SCRIPT_NAME
    page.goto(f"{base}/ui/profiles/{SCRIPT_PARTY}")
    assert page.locator("h1").inner_text() == SCRIPT_NAME
    assert "<img src=x onerror=alert(2)> Scriptov" in page.locator("#names").inner_text()
    assert page.locator("main script, main img").count() == 0
    shot(page, "07-escaped-name")
    watch.clean()


def test_changes_sources_and_an_update_as_admin(browser: Any,
                                                server: tuple[str, Store]) -> None:
    base, _store = server
    page, watch = signed_in(browser, base, "admin")
    page.goto(base + "/ui/changes")
    sema = page.locator("section", has=page.locator("#h-ca_dfatd_sema_sanctions"))
    assert "1 added" in sema.inner_text() and "Dmitry Lukashenko" in sema.inner_text()
    shot(page, "08-changes")
    page.goto(base + "/ui/sources")
    shot(page, "09-sources")
    page.get_by_label("UN").check()
    page.get_by_role("button", name="Start the update").click()
    page.wait_for_url("**/ui/sources/jobs/*")
    page.wait_for_selector(".status.succeeded", timeout=30_000)
    page.goto(base + "/ui/audit")
    assert "The chain is intact" in page.locator("main").inner_text()
    assert "update" in page.locator("table.audit").inner_text()
    shot(page, "10-audit")
    watch.clean()


def test_pages_fit_a_phone_screen(browser: Any, server: tuple[str, Store]) -> None:
    base, store = server
    page, watch = signed_in(browser, base, "analyst", PHONE)
    alert_id = list_alerts(store, "all")[0][0]["id"]
    for path, name in (("/ui/search?name=Lukashenko", "11-phone-search"),
                       (f"/ui/alerts/{alert_id}", "12-phone-alert"),
                       (f"/ui/profiles/{LUKASHENKO}", "13-phone-profile"),
                       ("/ui/alerts", "14-phone-alerts"), ("/ui/sources", None)):
        page.goto(base + path)
        if page.locator("button", has_text="Search").count() and "hits" not in page.content():
            page.locator("main button[type=submit]").first.click()
            page.wait_for_selector("ol.hits")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is wider than a phone screen by {overflow}px"
        hidden = page.evaluate("Math.max(0, ...Array.from(document.querySelectorAll("
                               "'.table-wrap'), w => w.scrollWidth - w.clientWidth))")
        assert hidden <= 0, f"a table of {path} scrolls sideways by {hidden}px on a phone"
        if name:
            shot(page, name)
    watch.clean()


def _search(page: Any, name: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Name", exact=True).press("Enter")
    page.wait_for_selector("ol.hits")


def test_tab_after_a_decision_key_moves_into_the_reason(browser: Any,
                                                        server: tuple[str, Store]) -> None:
    base, store = server
    page, watch = signed_in(browser, base, "analyst")
    alert_id = list_alerts(store, "all")[0][0]["id"]
    page.goto(f"{base}/ui/alerts/{alert_id}")
    page.locator("h1").click()  # focus on the page, not in a field
    page.keyboard.press("m")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reason"
    page.keyboard.type("e")  # now text: shortcuts wait while the reason has focus
    assert page.locator("input[value=match]").is_checked()
    assert page.locator("#reason").input_value() == "e"
    watch.clean()


def test_a_search_shows_its_lists_the_matched_alias_and_a_surname_alone(
        browser: Any, server: tuple[str, Store]) -> None:
    base, _store = server
    page, watch = signed_in(browser, base, "analyst")
    _search(page, "Александр Лукашенко")
    first = page.locator("li.hit").first
    header = first.locator("h3").inner_text()
    assert "LUKASHENKA" in header and "matched as “Александр Григорьевич ЛУКАШЕНКО”" in header
    lists = page.locator("p.lists-used")
    assert lists.is_visible()
    for label in ("OFAC SDN v1 · 2025-12-24", "Canada SEMA v2 · 2021-12-02"):
        assert label in lists.inner_text()
    above = lists.bounding_box()["y"] < first.bounding_box()["y"]
    assert above, "the list versions are not beside the results"
    _search(page, "Lukashenko")
    first = page.locator("li.hit").first
    assert "surname only — add given names or a birth date" in first.inner_text()
    assert "weak" not in first.locator(".hit-head").inner_text()
    assert "Surname only — add given names or a birth date" in first.locator(
        ".explain").inner_text()
    watch.clean()


def test_on_a_phone_a_search_folds_its_form_away(browser: Any,
                                                 server: tuple[str, Store]) -> None:
    base, _store = server
    page, watch = signed_in(browser, base, "analyst", PHONE)
    assert page.get_by_label("Name", exact=True).is_visible()
    _search(page, "Alexander Lukashenko")
    panel = page.locator("details.search-panel")
    assert panel.evaluate("p => p.open") is False
    assert not page.get_by_label("Birth date", exact=True).is_visible()
    summary = panel.locator(":scope > summary")
    assert "“Alexander Lukashenko”" in summary.inner_text()
    first_hit = page.locator("li.hit").first.bounding_box()
    assert first_hit["y"] < PHONE["height"], "the first result is below the phone's screen"
    summary.click()
    assert page.get_by_label("Birth date", exact=True).is_visible()
    watch.clean()
    laptop, watch = signed_in(browser, base, "analyst")
    _search(laptop, "Alexander Lukashenko")
    assert laptop.get_by_label("Birth date", exact=True).is_visible()  # a laptop keeps it
    assert not laptop.locator("details.search-panel > summary").is_visible()
    watch.clean()


def test_reports_download_from_the_pages(browser: Any, server: tuple[str, Store]) -> None:
    from pypdf import PdfReader

    base, store = server
    page, watch = signed_in(browser, base, "analyst")
    _search(page, "Alexander Lukashenko")
    with page.expect_download() as caught:
        page.locator("form.report button[value=pdf]").click()
    download = caught.value
    assert download.suggested_filename.startswith("certificate-")
    text = PdfReader(download.path()).pages[0].extract_text()
    assert "Screening certificate: Alexander Lukashenko" in text and "user:analyst" in text
    alert_id = list_alerts(store, "all")[0][0]["id"]
    page.goto(f"{base}/ui/alerts/{alert_id}")
    with page.expect_download() as caught:
        page.locator("form.report button[value=pdf]").click()
    text = PdfReader(caught.value.path()).pages[0].extract_text()
    assert f"Case file: alert {alert_id}" in text
    watch.clean()
