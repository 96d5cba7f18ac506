"""The shrink guard: a new version removing more than a set share of a list's targets is
stored but held, not served, until accepted (from the CLI or by an admin on the Sources
page); the hold and the acceptance are audit-logged."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from httpserver import ListServer
from watchlist.cli import app as cli_app
from watchlist.config import parse_shrink_limit, shrink_limit
from watchlist.errors import WatchlistError
from watchlist.service import create_app
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.keys import create_key
from watchlist.store.shrink import removed_share
from watchlist.store.store import Store
from watchlist.store.users import create_user
from watchlist.updates.pipeline import (
    Report,
    Reporter,
    accept_held,
    index_after_update,
    update_from_paths,
    update_sources,
)

UN = "un_sc_sanctions"
PASSWORD = "correct horse battery staple"
runner = CliRunner()


def un_list(path: Path, count: int, day: str) -> Path:
    """A UN list file of `count` invented people, generated on `day`."""
    people = "".join(
        f"<INDIVIDUAL><DATAID>{9100000 + i}</DATAID><VERSIONNUM>1</VERSIONNUM>"
        f"<FIRST_NAME>PERSON</FIRST_NAME><SECOND_NAME>NUMBER {i}</SECOND_NAME>"
        f"<UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPi.{i}</REFERENCE_NUMBER>"
        "<LISTED_ON>2016-03-02</LISTED_ON><LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>"
        "</INDIVIDUAL>" for i in range(count))
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<CONSOLIDATED_LIST dateGenerated="{day}T00:00:00Z"><INDIVIDUALS>{people}'
                    "</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[int, Path]:
    """UN lists of 10, 8 (20% fewer: at the limit) and 1 people, in that date order."""
    return {10: un_list(tmp_path / "un10.xml", 10, "2025-01-01"),
            8: un_list(tmp_path / "un8.xml", 8, "2025-02-01"),
            1: un_list(tmp_path / "un1.xml", 1, "2025-03-01")}


@pytest.fixture
def store(home: Path, files: dict[int, Path]) -> Store:
    """A store serving the 10-person UN list."""
    store = Store()
    assert update_from_paths(store, [files[10]]).ok
    return store


def serving(store: Store) -> dict[str, tuple[int, int]]:
    return {v.source: (v.version, v.targets) for v in store.serving()}


def test_a_version_removing_more_than_the_limit_is_held_and_the_old_one_serves(
        store: Store, files: dict[int, Path]) -> None:
    report = update_from_paths(store, [files[1]])
    assert report.ok and [o.status for o in report.outcomes] == ["held"]
    [hold] = report.held
    assert (hold.version, hold.targets, hold.serving_version, hold.serving_targets) \
        == (2, 1, 1, 10)
    assert "1 target where serving version 1 has 10 (90% removed" in hold.message
    assert f"watchlist update --accept-shrink {UN}" in hold.message
    assert serving(store) == {UN: (1, 10)}
    assert store.held() == [hold]
    assert store.serving(as_of="2026-01-01")[0].version == 1  # never served, not even as of
    built: list[Store] = []
    index_after_update(store, [report], Reporter(), build=lambda s, _p: bool(built.append(s)))
    assert built == []  # the index is not rebuilt from a held version


def test_a_download_from_the_publisher_is_held_too(store: Store, files: dict[int, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with ListServer(files[1].parent) as server:
        url = f"{server.url}/data/{files[1].name}"
        monkeypatch.setenv("WATCHLIST_URL_UN_SC_SANCTIONS", url)
        report = update_sources(store, [UN])
    assert report.ok and [h.targets for h in report.held] == [1]
    assert serving(store) == {UN: (1, 10)}
    assert (store.fetch_state(url) or {})["outcome"] == "held"


def test_a_shrink_at_or_under_the_limit_goes_through(store: Store,
                                                     files: dict[int, Path]) -> None:
    report = update_from_paths(store, [files[8]])
    assert [o.status for o in report.outcomes] == ["imported"] and not report.held
    assert serving(store) == {UN: (2, 8)}


def test_the_first_version_of_a_list_is_never_held(home: Path, files: dict[int, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_SHRINK_LIMIT", "0")
    store = Store()
    report = update_from_paths(store, [files[1]])
    assert [o.status for o in report.outcomes] == ["imported"]
    assert serving(store) == {UN: (1, 1)}


def test_the_limit_is_set_per_source_over_the_general_one(
        store: Store, files: dict[int, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_SHRINK_LIMIT", "95%")
    monkeypatch.setenv("WATCHLIST_SHRINK_LIMIT_UN_SC_SANCTIONS", "85")
    assert shrink_limit(UN) == 0.85 and shrink_limit("us_ofac_sdn") == 0.95
    [hold] = update_from_paths(store, [files[1]]).held  # 90% removed: over 85%
    assert hold.limit == 0.85 and "more than the 85% limit" in hold.message
    monkeypatch.setenv("WATCHLIST_SHRINK_LIMIT_UN_SC_SANCTIONS", "90")
    report = update_from_paths(store, [un_list(files[1].with_name("b.xml"), 1, "2025-04-01")])
    assert [o.status for o in report.outcomes] == ["imported"]


def test_a_bad_limit_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw in ("lots", "120", "-5", "nan"):
        with pytest.raises(WatchlistError, match=r"WATCHLIST_SHRINK_LIMIT='.*' is not a"):
            parse_shrink_limit(raw, "WATCHLIST_SHRINK_LIMIT")
    assert parse_shrink_limit(" 12.5 % ", "X") == 0.125
    assert removed_share(0, 5) == 0 and removed_share(10, 12) == 0


def test_update_refuses_a_bad_limit_before_downloading(home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_SHRINK_LIMIT_UN_SC_SANCTIONS", "half")
    result = runner.invoke(cli_app, ["update", UN])
    assert result.exit_code == 2
    assert "WATCHLIST_SHRINK_LIMIT_UN_SC_SANCTIONS='half' is not a percentage" in \
        " ".join(result.output.split())


def test_accepting_makes_the_held_version_current_and_both_are_audited(
        store: Store, files: dict[int, Path]) -> None:
    update_from_paths(store, [files[1]])
    report = accept_held(store, None, "cli:tester")
    assert [(o.status, o.version.version) for o in report.outcomes] == [("imported", 2)]
    assert serving(store) == {UN: (2, 1)} and store.held() == []
    assert store.version(UN, 2).held_at is None
    entries = [e for e in iter_audit(store) if e.action.startswith("shrink")]
    assert [(e.action, e.actor) for e in entries] == [
        ("shrink-held", "system:shrink-guard"), ("shrink-accepted", "cli:tester")]
    assert entries[0].query["targets"] == 1 and entries[0].query["serving_targets"] == 10
    assert verify_audit(store).ok
    again = accept_held(store, [UN], "cli:tester")
    assert not again.outcomes and "nothing to accept" in again.notes[0]


def test_hold_and_accept_on_both_databases(store_url: str, files: dict[int, Path]) -> None:
    store = Store(store_url)
    try:
        update_from_paths(store, [files[10]])
        assert [h.version for h in update_from_paths(store, [files[1]]).held] == [2]
        assert serving(store) == {UN: (1, 10)}
        accept_held(store, [UN], "cli:tester")
        assert serving(store) == {UN: (2, 1)}
        assert [e.action for e in iter_audit(store)] == ["shrink-held", "shrink-accepted"]
        assert verify_audit(store).ok
    finally:
        store.close()


def test_a_newer_version_within_the_limit_passes_a_held_one(store: Store,
                                                          files: dict[int, Path]) -> None:
    update_from_paths(store, [files[1]])
    update_from_paths(store, [un_list(files[1].with_name("nine.xml"), 9, "2025-05-01")])
    assert serving(store) == {UN: (3, 9)} and store.held() == []
    assert accept_held(store, [UN], "cli:tester").outcomes == []


def test_update_cli_names_the_hold_and_accept_shrink_serves_it(
        store: Store, files: dict[int, Path]) -> None:
    result = runner.invoke(cli_app, ["update", "--no-index", "--from", str(files[1])])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "version 2 is held, not served: it has 1 target where serving version 1 has 10" \
        in text and "--accept-shrink un_sc_sanctions" in text
    status = runner.invoke(cli_app, ["status"])
    assert "held:" in status.output and "90% removed" in " ".join(status.output.split())
    accepted = runner.invoke(cli_app, ["update", "--no-index", "--accept-shrink", UN])
    assert accepted.exit_code == 0, accepted.output
    assert "version 2 is now current" in accepted.output
    assert serving(store) == {UN: (2, 1)}
    assert "held:" not in runner.invoke(cli_app, ["status"]).output


def test_update_from_with_accept_shrink_imports_and_serves(store: Store,
                                                           files: dict[int, Path]) -> None:
    result = runner.invoke(cli_app, ["update", "--no-index", "--accept-shrink",
                                     "--from", str(files[1])])
    assert result.exit_code == 0, result.output
    assert serving(store) == {UN: (2, 1)}


# -- the API and the Sources page ---------------------------------------------------------------


def wait_for_job(client: TestClient, url: str, **kwargs: Any) -> Any:
    deadline = time.monotonic() + 60  # the job builds the screening index at its end
    while time.monotonic() < deadline:
        answer = client.get(url, **kwargs)
        if answer.status_code != 200 or ("running" not in answer.text[:2000]
                                         and 'http-equiv="refresh"' not in answer.text):
            return answer
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_the_api_keeps_serving_the_old_version_and_the_job_names_the_hold(
        store: Store, files: dict[int, Path]) -> None:
    keys = {role: {"X-API-Key": create_key(store, role, role)[1]} for role in ("screen", "admin")}

    def shrink(job_store: Store, _sources: list[str] | None, reporter: Reporter) -> Report:
        return update_from_paths(job_store, [files[1]], reporter=reporter)

    with TestClient(create_app(store, warm=False, updater=shrink)) as client:
        job = client.post("/updatez?wait=true", headers=keys["admin"]).json()
        assert job["status"] == "succeeded"
        [held] = job["result"]["held"]
        assert (held["version"], held["targets"], held["serving_targets"]) == (2, 1, 10)
        assert held["removed_share"] == 0.9 and "held, not served" in held["message"]
        assert job["result"]["outcomes"][0]["status"] == "held"
        sources = client.get("/sources", headers=keys["screen"])
        assert sources.headers["X-Watchlist-Versions"] == f"{UN}=1"
        body = sources.json()
        assert [(s["version"], s["targets"]) for s in body["sources"]] == [(1, 10)]
        assert body["held"][0]["accept"] == f"watchlist update --accept-shrink {UN}"


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


def sign_in(client: TestClient, name: str) -> None:
    form = client.get("/ui/login")
    answer = client.post("/ui/login", data={"csrf_token": token(form.text), "method": "password",
                                            "name": name, "password": PASSWORD,
                                            "next": "/ui/sources"})
    assert answer.status_code == 200


def test_an_admin_accepts_a_held_version_on_the_sources_page(
        store: Store, files: dict[int, Path]) -> None:
    update_from_paths(store, [files[1]])
    create_user(store, "boss", "admin", PASSWORD)
    create_user(store, "clerk", "screen", PASSWORD)
    app = create_app(store, warm=False)
    with TestClient(app) as clerk:
        sign_in(clerk, "clerk")
        page = clerk.get("/ui/sources").text
        assert "version 2 (1 parties) is stored but not served" in page
        assert "90% of the 10 parties of version 1" in page and "Accept version 2" not in page
        refused = clerk.post("/ui/sources/accept-shrink",
                             data={"csrf_token": token(page), "source": UN})
        assert refused.status_code == 403
    with TestClient(app) as boss:
        sign_in(boss, "boss")
        page = boss.get("/ui/sources").text
        assert "Accept version 2 and serve it" in page
        forged = boss.post("/ui/sources/accept-shrink", data={"source": UN})
        assert forged.status_code == 403
        assert serving(store) == {UN: (1, 10)}
        answer = boss.post("/ui/sources/accept-shrink",
                           data={"csrf_token": token(page), "source": UN})
        assert answer.status_code == 200 and "/ui/sources/jobs/" in str(answer.url)
        job = wait_for_job(boss, str(answer.url))
        assert '<span class="status succeeded">succeeded</span>' in job.text
        assert "version 2 is now current (shrink accepted" in job.text
        assert serving(store) == {UN: (2, 1)}
        assert "is stored but not served" not in boss.get("/ui/sources").text
        nothing = boss.post("/ui/sources/accept-shrink",
                            data={"csrf_token": token(page), "source": UN})
        assert nothing.status_code == 422
    [accepted] = [e for e in iter_audit(store) if e.action == "shrink-accepted"]
    assert accepted.actor == "user:boss"
