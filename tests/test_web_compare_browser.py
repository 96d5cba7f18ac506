"""The compare page in Chromium, over the web tests' small store (webstore.py): a regime's
matrix, its chart (an SVG image under the pages' strict policy), a gap selected with one
click, the exports. Saves 17-compare.png (and copies it to docs/screenshots/ with
WATCHLIST_UPDATE_SCREENSHOTS=1). Skipped where Chromium or playwright is missing."""

from __future__ import annotations

from typing import Any

from test_web_browser import browser, server, shot, signed_in  # noqa: F401 - fixtures
from watchlist.store.store import Store


def test_compare_a_regime_with_its_chart_gaps_and_exports(
        browser: Any, server: tuple[str, Store]) -> None:  # noqa: F811
    base, _store = server
    page, watch = signed_in(browser, base, "analyst")
    page.get_by_role("link", name="Compare").click()
    page.get_by_label("Regime").select_option("belarus")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/ui/compare?regime=belarus**")
    matrix = page.locator("table.matrix")
    lukashenko = matrix.locator("tr", has_text="Ryhorovich LUKASHENKA")
    assert "2020-09-28" in lukashenko.inner_text() and "first seen" in lukashenko.inner_text()
    assert "delisted 2021-12-02" in matrix.locator("tr", has_text="Testovich").inner_text()
    chart = page.locator("img.chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img.chart').complete")
    assert chart.evaluate("img => img.naturalWidth") > 0
    shot(page, "17-compare")
    # One click on a gap count: listed by Canada, not by the US.
    page.locator("table.gaps tr", has_text="CA").locator("td a").first.click()
    page.wait_for_url("**not_by=us**")
    rows = page.locator("table.matrix tbody tr")
    text = rows.all_inner_texts()
    assert any("Viktor" in t for t in text) and not any("Ryhorovich" in t for t in text)
    csv = page.request.get(base + (page.locator("a", has_text="CSV").get_attribute("href") or ""),
                           max_redirects=0)
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "Viktor" in csv.text()
    watch.clean()
