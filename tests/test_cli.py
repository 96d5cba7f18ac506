"""The `watchlist` command end to end: update, status, show, export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, LISTS
from watchlist.cli import app

runner = CliRunner()
STATUS_KEYS = {"source", "version", "published", "fetched_at", "targets", "names", "sha256"}


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_update_from_file_then_status_json(home: Path) -> None:
    run("update", "--from", str(FIXTURES / "un_small_v1.xml"))
    rows = json.loads(run("status", "--json"))
    assert len(rows) == 1
    assert STATUS_KEYS <= set(rows[0])
    assert rows[0]["source"] == "un_sc_sanctions"
    assert rows[0]["targets"] == 3 and rows[0]["published"] == "2025-01-15"


def test_status_table_and_as_of(home: Path) -> None:
    run("update", "--from", str(FIXTURES / "un_small_v1.xml"))
    run("update", "--from", str(FIXTURES / "un_small_v2.xml"))
    assert "un_sc_sanctions" in run("status")
    then = json.loads(run("status", "--json", "--as-of", "2025-02-01"))
    assert [r["version"] for r in then] == [1]
    every = json.loads(run("status", "--json", "--versions"))
    assert [r["version"] for r in every] == [1, 2]


def test_bad_file_exits_nonzero_naming_it(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_bytes((FIXTURES / "un_small_v1.xml").read_bytes()[:300])
    result = runner.invoke(app, ["update", "--from", str(bad)])
    assert result.exit_code == 1
    assert "broken.xml" in result.output


def test_each_update_run_from_the_command_line_is_recorded_with_its_outcome(
        home: Path, tmp_path: Path) -> None:
    from watchlist.store.store import Store
    from watchlist.web.pages.sources import recent_jobs, source_rows

    run("update", "--from", str(FIXTURES / "un_small_v1.xml"))
    bad = tmp_path / "broken.xml"
    bad.write_bytes((FIXTURES / "un_small_v1.xml").read_bytes()[:300])
    assert runner.invoke(app, ["update", "--from", str(bad)]).exit_code == 1
    store = Store()
    try:
        recent = recent_jobs(store)
        assert sorted(j["status"] for j in recent) == ["failed", "succeeded"]
        assert all(j["requested_by"].startswith("cli:") for j in recent)
        [failed] = [j for j in recent if j["status"] == "failed"]
        assert "broken.xml" in failed["result"]["failures"][0]
        [un] = [r for r in source_rows(store, recent) if r.id == "un_sc_sanctions"]
        assert un.last_outcome is not None and un.last_outcome["status"] == "imported"
    finally:
        store.close()


def test_show_unknown_entity_is_a_clear_error(home: Path) -> None:
    result = runner.invoke(app, ["show", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


def test_unknown_source_is_a_clear_error(home: Path) -> None:
    result = runner.invoke(app, ["update", "no_such_list"])
    assert result.exit_code == 2 and "no_such_list" in result.output


@pytest.fixture(scope="module")
def full_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store loaded once with every real snapshot in ../shared/data/lists."""
    if not LISTS.is_dir():
        pytest.skip(f"real list snapshots not found at {LISTS}")
    home = tmp_path_factory.mktemp("full-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WATCHLIST_HOME", str(home))
        # The real OFAC consolidated list shrank by 31% from 2018 to 2025: accepted here.
        result = runner.invoke(app, ["update", "--from", str(LISTS), "--accept-shrink"],
                               catch_exceptions=False)
        assert result.exit_code == 0, result.output
        yield home


def test_full_import_serves_every_source(full_home: Path) -> None:
    rows = {r["source"]: r for r in json.loads(run("status", "--json"))}
    expected = {
        "us_ofac_sdn", "us_ofac_cons", "gb_hmt_sanctions", "gb_fcdo_sanctions", "eu_fsf",
        "un_sc_sanctions", "ca_dfatd_sema_sanctions", "au_dfat_sanctions",
        # the FollowTheMoney files, each a source: t1 names only eu_fsf (the EU's id)
        "zala_entities", "parteispenden_entities", "ftm_eu_fsf",
    }
    assert expected <= set(rows)
    assert rows["us_ofac_sdn"]["targets"] == 11118
    assert rows["gb_hmt_sanctions"]["targets"] == 4686
    assert rows["gb_hmt_sanctions"]["published"] == "2025-04-10"
    assert rows["un_sc_sanctions"]["targets"] == 1003
    assert rows["ca_dfatd_sema_sanctions"]["targets"] == 4759
    assert rows["ca_dfatd_sema_sanctions"]["published_from"] == "newest listing date"
    every = json.loads(run("status", "--json", "--versions"))
    # 2021-07, 2022-11 and the 17-record real excerpt in ofac/fixtures
    assert sum(1 for r in every if r["source"] == "us_ofac_sdn") == 3
    assert sum(1 for r in every if r["source"] == "ca_dfatd_sema_sanctions") == 2


def test_full_import_twice_adds_no_version(full_home: Path) -> None:
    before = json.loads(run("status", "--json", "--versions"))
    run("update", "--from", str(LISTS))
    after = json.loads(run("status", "--json", "--versions"))
    assert before == after


def test_show_profile_with_designations(full_home: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv",
                                               "--source", "us_ofac_sdn"))))
    luka = [r for r in rows if "LUKASHENKA" in r["name"] and "Alyaksandr" in r["name"]]
    assert len(luka) == 1
    profile = json.loads(run("show", luka[0]["id"], "--json"))
    assert profile["source"] == "us_ofac_sdn"
    assert "1954-08-30" in profile["properties"]["birthDate"]
    assert any("BELARUS" in " ".join(d.get("program", [])) for d in profile["designations"])
    text = run("show", luka[0]["id"])
    assert "LUKASHENKA" in text and "Designation" in text


def test_export_ftm_lines_are_entities(full_home: Path) -> None:
    lines = run("export", "--source", "un_sc_sanctions").splitlines()
    entities = [json.loads(line) for line in lines]
    targets = [e for e in entities if "sanction" in e["properties"].get("topics", [])]
    assert len(targets) == 1003
    assert any(e["schema"] == "Sanction" for e in entities)
