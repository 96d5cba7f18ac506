"""The snapshots bundled in the package: what ships, when `update` falls back to them, and
that every place naming a version says when it is one. Offline is simulated with
WATCHLIST_URL_<SOURCE> pointing at a refused port and at a name that does not resolve."""

from __future__ import annotations

import hashlib
import html
import json
import lzma
import time
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES, module_home
from httpserver import ListServer
from watchlist.cli import app
from watchlist.errors import FetchError, SourceError
from watchlist.service import create_app
from watchlist.sources import bundle, fetch
from watchlist.sources.detect import walk
from watchlist.sources.fetch import download, make_client
from watchlist.sources.registry import SOURCES
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_bundle, update_from_paths, update_sources

ROOT = Path(__file__).resolve().parents[1]
REFUSED = "http://127.0.0.1:1/"
NO_SUCH_HOST = "http://nonexistent.invalid/"
PUBLISHED = [s for s, info in SOURCES.items() if info.downloads]
NOTICE = "bundled snapshot of 2025-01-15, not the publisher's current list"
PERSON = "un-sc-sanctions-kpi.901"
runner = CliRunner()


def cli(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every publisher unreachable: half refuse the connection, half have no DNS name."""
    for n, source in enumerate(PUBLISHED):
        monkeypatch.setenv(f"WATCHLIST_URL_{source.upper()}", REFUSED if n % 2 else NO_SUCH_HOST)


def write_bundle(directory: Path, file: Path = FIXTURES / "un_small_v1.xml",
                 source: str = "un_sc_sanctions", date: str = "2025-01-15",
                 **more: Any) -> Path:
    """A bundle holding one small list, in the shipped layout."""
    data = file.read_bytes()
    (directory / source).mkdir(parents=True)
    (directory / source / f"{file.name}.xz").write_bytes(lzma.compress(data))
    entry = {"source": source, "title": "a test list", "publisher": "the tests",
             "snapshot_date": date, "date_basis": "the file's own date",
             "files": [{"name": file.name, "packed": f"{source}/{file.name}.xz",
                        "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}],
             "official_urls": ["https://example.org/list.xml"], "copied_from": "tests",
             "licence": "test data", "attribution": "the tests", "choice": "the only one",
             **more}
    (directory / bundle.MANIFEST).write_text(json.dumps({"lists": [entry]}), encoding="utf-8")
    return directory


@pytest.fixture
def small_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package's bundle replaced by one holding the small UN fixture (dated 2025-01-15)."""
    directory = write_bundle(tmp_path / "bundled")
    monkeypatch.setattr(bundle, "BUNDLE_DIR", directory)
    return directory


# -- what ships -------------------------------------------------------------------------------


def test_the_shipped_bundle_is_described_and_each_file_is_its_list(tmp_path: Path) -> None:
    lists = bundle.bundled_lists()
    assert {b.source for b in lists} == {"us_ofac_sdn", "us_ofac_cons", "gb_hmt_sanctions",
                                         "un_sc_sanctions", "ca_dfatd_sema_sanctions",
                                         "au_dfat_sanctions"}
    for entry in lists:
        assert entry.licence and entry.attribution and entry.choice
        assert all(url.startswith("https://") for url in entry.official_urls)
        paths = bundle.unpack(entry, tmp_path / entry.source)  # checks size and sha256
        sets, skipped = walk([tmp_path / entry.source])
        assert not skipped and [(s.source, len(s.files)) for s in sets] == [
            (entry.source, len(paths))]


def test_every_publisher_without_a_bundled_snapshot_is_named_in_the_manifest() -> None:
    manifest = json.loads((bundle.BUNDLE_DIR / bundle.MANIFEST).read_text(encoding="utf-8"))
    without = {s for s in PUBLISHED if bundle.bundled_for(s) is None}
    assert without == {"eu_fsf"}
    assert without | {"gb_fcdo_sanctions"} == set(manifest["not_bundled"])
    assert bundle.bundled_for("gb_fcdo_sanctions").source == "gb_hmt_sanctions"  # stands in


def test_the_bundle_ships_in_the_wheel_and_is_compact() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["watchlist"]
    files = [p for p in bundle.BUNDLE_DIR.rglob("*") if p.is_file()]
    for path in files:
        parts = path.relative_to(bundle.BUNDLE_DIR.parent).parts
        assert any(len(parts) == len(pattern.split("/"))
                   and all(fnmatch(a, b) for a, b in zip(parts, pattern.split("/"), strict=True))
                   for pattern in patterns), parts
    assert sum(p.stat().st_size for p in files) < 5_000_000


def test_a_manifest_missing_a_field_is_refused_naming_it(small_bundle: Path) -> None:
    data = json.loads((small_bundle / bundle.MANIFEST).read_text())
    del data["lists"][0]["licence"]
    with pytest.raises(SourceError, match=r"lists\[0\].*'licence'"):
        bundle.parse_manifest(data)


def test_a_damaged_bundled_file_is_refused_and_nothing_is_stored(
        small_bundle: Path, home: Path) -> None:
    packed = small_bundle / "un_sc_sanctions" / "un_small_v1.xml.xz"
    packed.write_bytes(lzma.compress(b"<CONSOLIDATED_LIST/>"))
    report = update_from_bundle(Store(), ["un_sc_sanctions"])
    assert not report.ok and "damaged" in report.failures[0]
    assert Store().serving() == []


# -- failing fast offline ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [REFUSED + "list.xml", NO_SUCH_HOST + "list.xml"])
def test_an_unreachable_host_is_not_retried(tmp_path: Path, url: str) -> None:
    started = time.monotonic()
    with make_client() as client, pytest.raises(FetchError) as caught:
        download(client, url, tmp_path / "f", retries=3)  # a retry would wait 2 s first
    assert caught.value.unreachable and "cannot be reached" in str(caught.value)
    assert time.monotonic() - started < fetch.BACKOFF


def test_a_connection_never_made_is_not_retried(tmp_path: Path) -> None:
    """A firewall that drops packets: the connect timeout is the only answer, and it is final."""
    attempts = []

    def silent(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url)
        raise httpx.ConnectTimeout("timed out", request=request)

    with httpx.Client(transport=httpx.MockTransport(silent)) as client, \
            pytest.raises(FetchError) as caught:
        download(client, "https://publisher.example/list.xml", tmp_path / "f", retries=3)
    assert caught.value.unreachable and len(attempts) == 1


def test_every_publisher_unreachable_fails_within_15_seconds(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline(monkeypatch)
    started = time.monotonic()
    report = update_sources(Store())
    assert time.monotonic() - started < 15
    assert report.unreachable == PUBLISHED and len(report.failures) == len(PUBLISHED)
    assert Store().serving() == []  # without the fallback nothing is imported


def test_a_publisher_answering_with_an_error_is_not_unreachable(
        home: Path, small_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)
    with ListServer(FIXTURES) as server:
        monkeypatch.setenv("WATCHLIST_URL_UN_SC_SANCTIONS", f"{server.url}/down/x.xml")
        report = update_sources(Store(), ["un_sc_sanctions"], fallback=True)
    assert "503" in report.failures[0] and report.unreachable == []
    assert Store().serving() == []


# -- when the bundle is used ------------------------------------------------------------------


def test_offline_update_serves_the_bundled_snapshot_and_says_what_to_do(
        home: Path, small_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline(monkeypatch)
    result = cli("update", "un_sc_sanctions")
    assert result.exit_code == 1  # the publisher was not reached, yet the list serves
    out = " ".join(result.output.split())
    assert "importing the snapshots bundled with watchlist" in out
    assert f"un_sc_sanctions: {NOTICE}" in out
    assert "watchlist update --from DIR" in out and "WATCHLIST_URL_<SOURCE>" in out
    [version] = Store().serving()
    assert version.source == "un_sc_sanctions" and version.bundled == "2025-01-15"
    raw = Store().raw_files(version.id)
    assert raw["main"] == ("un_small_v1.xml", (FIXTURES / "un_small_v1.xml").read_bytes())


def test_the_bundle_never_goes_into_a_store_holding_the_list(
        home: Path, small_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    update_from_paths(Store(), [FIXTURES / "un_small_v2.xml"])
    offline(monkeypatch)
    result = cli("update", "un_sc_sanctions")
    assert result.exit_code == 1
    assert "version 1, already stored, keeps serving" in " ".join(result.output.split())
    assert [v.bundled for v in Store().versions()] == [None]


def test_from_never_pulls_in_the_bundle(home: Path, small_bundle: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    offline(monkeypatch)
    result = cli("update", "--from", str(FIXTURES / "un_small_v2.xml"))
    assert result.exit_code == 0, result.output
    assert [(v.published, v.bundled) for v in Store().versions()] == [("2025-03-01", None)]


def test_update_bundled_imports_on_request_and_names_lists_without_one(
        home: Path, small_bundle: Path) -> None:
    result = cli("update", "--bundled")
    assert result.exit_code == 0, result.output
    assert NOTICE in " ".join(result.output.split())
    assert [v.bundled for v in Store().serving()] == ["2025-01-15"]
    result = cli("update", "--bundled", "eu_fsf")
    assert result.exit_code == 1 and "bundles no snapshot" in result.output
    assert cli("update", "--bundled", "--from", "x").exit_code == 2


def test_an_online_update_replaces_the_bundled_snapshot(
        home: Path, small_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    update_from_bundle(Store())
    with ListServer(FIXTURES) as server:
        monkeypatch.setenv("WATCHLIST_URL_UN_SC_SANCTIONS", f"{server.url}/data/un_small_v2.xml")
        report = update_sources(Store(), ["un_sc_sanctions"], fallback=True)
    assert report.ok and not report.bundled
    [current] = Store().serving()
    assert (current.version, current.published, current.bundled) == (2, "2025-03-01", None)
    result = cli("status")
    assert "bundled" not in result.output


def test_a_publisher_serving_the_bundled_file_unmarks_it(
        home: Path, small_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    update_from_bundle(Store())
    with ListServer(FIXTURES) as server:
        monkeypatch.setenv("WATCHLIST_URL_UN_SC_SANCTIONS", f"{server.url}/data/un_small_v1.xml")
        assert update_sources(Store(), ["un_sc_sanctions"]).ok
    assert [(v.version, v.bundled) for v in Store().versions()] == [(1, None)]


def test_a_stand_in_serves_until_the_list_it_stands_in_for_is_downloaded(
        home: Path, tmp_path: Path, lists_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "BUNDLE_DIR", write_bundle(
        tmp_path / "bundled", FIXTURES / "ofsi_conlist_2022_small.csv", "gb_hmt_sanctions",
        stands_in_for=["gb_fcdo_sanctions"]))
    offline(monkeypatch)
    report = update_sources(Store(), ["gb_fcdo_sanctions"], fallback=True)
    assert report.bundled == ["gb_hmt_sanctions"]
    with ListServer(lists_dir) as server:
        monkeypatch.setenv("WATCHLIST_URL_GB_FCDO_SANCTIONS", f"{server.url}/data/uk/fixtures/"
                           "UK_Sanctions_List_excerpt_2026-09-10.xml")
        report = update_sources(Store(), ["gb_fcdo_sanctions"], fallback=True)
    assert report.ok and any("no longer serves" in n for n in report.notes)
    assert [v.source for v in Store().serving()] == ["gb_fcdo_sanctions"]
    assert [v.source for v in Store().versions()] == ["gb_fcdo_sanctions", "gb_hmt_sanctions"]


# -- it is never silent -----------------------------------------------------------------------


def test_status_names_the_bundled_snapshot_and_the_lists_without_one(
        home: Path, small_bundle: Path) -> None:
    update_from_bundle(Store())
    text = " ".join(cli("status").output.split())
    assert "1 (bundled)" in text and f"un_sc_sanctions v1 ({NOTICE})" in text
    assert "eu_fsf (watchlist bundles no snapshot of it)" in text
    [row] = json.loads(cli("status", "--json").output)
    assert row["bundled"] == "2025-01-15" and row["notice"] == NOTICE


def test_status_of_an_empty_store_names_every_way_to_fill_it(home: Path) -> None:
    text = cli("status").output
    for way in ("watchlist update ", "--from DIR", "WATCHLIST_URL_<SOURCE>", "--bundled"):
        assert way in text


@pytest.fixture(scope="module")
def bundled_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the screening surfaces, holding the small bundled list (its index is
    built once)."""
    directory = write_bundle(tmp_path_factory.mktemp("bundle") / "bundled")
    with module_home(tmp_path_factory, "bundled-store"):
        store = Store()
        with pytest.MonkeyPatch.context() as patch:  # the shipped bundle again afterwards
            patch.setattr(bundle, "BUNDLE_DIR", directory)
            assert update_from_bundle(store).ok
        yield store
        store.close()


def test_check_and_scan_name_the_bundled_snapshot(bundled_store: Store) -> None:
    text = " ".join(cli("check", "Ivan Petrovich Testovsky").output.split())
    assert "From bundled snapshots:" in text and NOTICE in text
    body = json.loads(cli("check", "Ivan Petrovich Testovsky", "--json").output)
    assert body["matches"] and body["versions"][0]["notice"] == NOTICE
    scanned = json.loads(cli("scan", "-", "--json", input="Ivan Petrovich Testovsky met").output)
    assert scanned["versions"][0]["bundled"] == "2025-01-15"
    assert NOTICE in " ".join(cli("scan", "-", input="Ivan Testovsky").output.split())


def test_show_names_the_bundled_snapshot(bundled_store: Store) -> None:
    assert NOTICE in " ".join(cli("show", PERSON).output.split())
    assert json.loads(cli("show", PERSON, "--json").output)["notice"] == NOTICE


def test_the_api_names_the_bundled_snapshot_in_headers_and_bodies(bundled_store: Store) -> None:
    with TestClient(create_app(bundled_store, auth=False, warm=False)) as client:
        response = client.get("/sources")
        assert response.headers["X-Watchlist-Versions"] == "un_sc_sanctions=1;bundled=2025-01-15"
        assert NOTICE in response.headers["X-Watchlist-Notice"]
        body = response.json()
        assert body["sources"][0]["notice"] == NOTICE
        assert body["versions"][0]["bundled"] == "2025-01-15"
        match = client.post("/match", json={"queries": {"q": {
            "schema": "Person", "properties": {"name": ["Ivan Petrovich Testovsky"]}}}})
        assert match.json()["versions"][0]["notice"] == NOTICE


def test_the_web_pages_name_the_bundled_snapshot(bundled_store: Store) -> None:
    with TestClient(create_app(bundled_store, auth=False, warm=False)) as client:
        page = " ".join(html.unescape(client.get("/ui/sources").text).split())
        profile = " ".join(html.unescape(client.get(f"/ui/profiles/{PERSON}").text).split())
    assert "Not the publishers' current lists." in page  # the banner over the content
    assert f"v1 ({NOTICE})" in page  # the footer naming the versions
    assert "no bundled snapshot of this list" in page  # eu_fsf, not loaded
    assert f"1 (2025-01-15; {NOTICE})" in profile  # the record's version


# -- end to end -------------------------------------------------------------------------------


def test_offline_first_command_serves_every_bundled_list_and_finds_lukashenko(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first command on a machine without network (the whole real bundle)."""
    offline(monkeypatch)
    result = cli("update")
    assert result.exit_code == 1
    served = {v.source: v.bundled for v in Store().serving()}
    assert served == {"us_ofac_sdn": "2021-07-07", "us_ofac_cons": "2025-12-19",
                      "gb_hmt_sanctions": "2025-04-10", "un_sc_sanctions": "2026-02-27",
                      "ca_dfatd_sema_sanctions": "2025-05-25", "au_dfat_sanctions": "2024-11-11"}
    found = json.loads(cli("check", "Aleksandr Lukashenko", "--json").output)
    best = found["matches"][0]
    assert "LUKASHENK" in best["caption"].upper() and best["score"] >= 0.8
    assert {"us_ofac_sdn", "gb_hmt_sanctions"} <= {d["source"] for d in best["designations"]}
    assert {v["source"] for v in found["versions"] if v.get("bundled")} == set(served)
    assert "From bundled snapshots:" in cli("check", "Aleksandr Lukashenko").output
