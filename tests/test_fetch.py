"""Downloading from publishers, tested against a local server that fails as they do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import FIXTURES
from httpserver import ListServer
from watchlist.errors import FetchError
from watchlist.sources import fetch
from watchlist.sources.fetch import download, make_client
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_url, update_sources


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)


@pytest.fixture
def server() -> Iterator[ListServer]:
    with ListServer(FIXTURES) as srv:
        yield srv


def _point(monkeypatch: pytest.MonkeyPatch, source: str, url: str) -> None:
    monkeypatch.setenv(f"WATCHLIST_URL_{source.upper()}", url)


def test_update_downloads_and_imports(home: Path, server: ListServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/data/un_small_v1.xml")
    store = Store()
    report = update_sources(store, ["un_sc_sanctions"])
    assert report.ok, report.failures
    [version] = store.serving()
    assert version.source == "un_sc_sanctions" and version.targets == 3
    assert version.origin == f"{server.url}/data/un_small_v1.xml"


def test_second_update_sends_conditional_request(home: Path, server: ListServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/data/un_small_v1.xml")
    store = Store()
    update_sources(store, ["un_sc_sanctions"])
    report = update_sources(store, ["un_sc_sanctions"])
    assert report.ok
    assert any("not modified" in n for n in report.notes)
    assert server.requests[-1].get("If-None-Match")
    assert len(store.versions()) == 1


def test_redirects_are_followed(home: Path, server: ListServer,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/redirect/un_small_v1.xml")
    store = Store()
    assert update_sources(store, ["un_sc_sanctions"]).ok
    assert store.serving()[0].targets == 3


def test_transient_server_errors_are_retried(home: Path, server: ListServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/flaky/2/un_small_v1.xml")
    store = Store()
    assert update_sources(store, ["un_sc_sanctions"]).ok
    assert server.hits["/flaky/2/un_small_v1.xml"] == 3


def test_publisher_down_is_reported_and_last_good_version_kept(
        home: Path, server: ListServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/data/un_small_v1.xml")
    store = Store()
    update_sources(store, ["un_sc_sanctions"])
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/down/un_small_v2.xml")
    report = update_sources(store, ["un_sc_sanctions"])
    assert not report.ok
    assert "503" in report.failures[0] and "un_sc_sanctions" in report.failures[0]
    assert store.serving()[0].published == "2025-01-15"


def test_html_page_instead_of_list_is_reported(home: Path, server: ListServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/html/un_small_v1.xml")
    report = update_sources(Store(), ["un_sc_sanctions"])
    assert not report.ok and "HTML" in report.failures[0]


def test_wrong_list_at_the_address_is_reported(home: Path, server: ListServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "ca_dfatd_sema_sanctions", f"{server.url}/data/un_small_v1.xml")
    report = update_sources(Store(), ["ca_dfatd_sema_sanctions"])
    assert not report.ok and "did not return" in report.failures[0]
    assert Store().serving() == []


def test_one_failing_publisher_does_not_stop_the_others(
        home: Path, server: ListServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _point(monkeypatch, "us_ofac_sdn", f"{server.url}/down/sdn.xml")
    _point(monkeypatch, "un_sc_sanctions", f"{server.url}/data/un_small_v2.xml")
    store = Store()
    report = update_sources(store, ["us_ofac_sdn", "un_sc_sanctions"])
    assert len(report.failures) == 1 and "us_ofac_sdn" in report.failures[0]
    assert [v.source for v in store.serving()] == ["un_sc_sanctions"]


def test_truncated_download_is_retried_then_refused(tmp_path: Path, server: ListServer) -> None:
    with make_client() as client, pytest.raises(FetchError, match="attempts"):
        download(client, f"{server.url}/truncate/un_small_v1.xml", tmp_path / "f", retries=1)
    assert not (tmp_path / "f").exists()


def test_size_cap_stops_a_huge_download(tmp_path: Path, server: ListServer) -> None:
    with make_client() as client, pytest.raises(FetchError, match="cap"):
        download(client, f"{server.url}/data/un_small_v1.xml", tmp_path / "f", max_bytes=100)


def test_browser_user_agent_is_sent_where_publishers_demand_it(
        tmp_path: Path, server: ListServer) -> None:
    with make_client(browser=True) as client:
        got = download(client, f"{server.url}/ua/un_small_v1.xml", tmp_path / "f")
    assert got.path and got.path.stat().st_size > 0
    with make_client() as client, pytest.raises(FetchError, match="403"):
        download(client, f"{server.url}/ua/un_small_v1.xml", tmp_path / "g")


def test_unreachable_host_fails_with_the_url(tmp_path: Path) -> None:
    client = httpx.Client(timeout=1.0)
    with pytest.raises(FetchError, match="127.0.0.1:9"):
        download(client, "http://127.0.0.1:9/x.xml", tmp_path / "f", retries=1)


def test_update_from_url_recognises_content(home: Path, server: ListServer) -> None:
    store = Store()
    report = update_from_url(store, f"{server.url}/data/un_small_v2.xml")
    assert report.ok, report.failures
    assert store.serving()[0].source == "un_sc_sanctions"


def test_real_lists_download_from_local_server(home: Path, lists_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)
    served = {
        "un_sc_sanctions": "un/consolidated_2026-02-27.xml",
        "ca_dfatd_sema_sanctions": "ca/sema-lmes_2025-05.xml",
        "us_ofac_cons": "ofac/cons_xml_2025-03/consolidated.xml",
        "gb_fcdo_sanctions": "uk/fixtures/UK_Sanctions_List_excerpt_2026-09-10.xml",
        "eu_fsf": "eu/fixtures/eu_fsf_excerpt_2026-08-05.xml",
        "au_dfat_sanctions": "au/regulation8_consolidated_2024-12.xlsx",
    }
    with ListServer(lists_dir) as srv:
        for source, rel in served.items():
            kind = "ua" if source in ("us_ofac_cons", "au_dfat_sanctions") else "data"
            _point(monkeypatch, source, f"{srv.url}/{kind}/{rel}")
        _point(monkeypatch, "us_ofac_sdn", f"{srv.url}/html/sdn.xml")
        store = Store()
        report = update_sources(store)
    assert len(report.failures) == 1 and "us_ofac_sdn" in report.failures[0]
    assert {v.source for v in store.serving()} == set(served)
    counts = {v.source: v.targets for v in store.serving()}
    assert counts["un_sc_sanctions"] == 1003
    assert counts["ca_dfatd_sema_sanctions"] == 4759
    assert counts["us_ofac_cons"] == 443
