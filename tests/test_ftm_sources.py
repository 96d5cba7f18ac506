"""Each FollowTheMoney file is a source of its own: the dataset its entities name, else the
file's name; never a publisher's list, and only a plain, short id."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES, shared_file
from watchlist.cli import app
from watchlist.service import create_app
from watchlist.sources.naming import file_source_id, id_problem
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import Reporter, update_from_paths


class Messages(Reporter):
    """Keeps what an update tells the user."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


def person(entity_id: str, name: str, datasets: list[object] | None = None,
           changed: str | None = None) -> dict[str, object]:
    data: dict[str, object] = {"id": entity_id, "schema": "Person",
                               "properties": {"name": [name], "topics": ["sanction"]}}
    if datasets is not None:
        data["datasets"] = datasets
    if changed is not None:
        data["last_change"] = changed
    return data


def write(path: Path, *entities: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def serving_ids(store: Store) -> dict[str, set[str]]:
    """The target ids each serving source holds."""
    return {v.source: {e.id or "" for e in store.iter_entities([v], targets_only=True)}
            for v in store.serving()}


@pytest.fixture
def store(home: Path) -> Store:
    return Store()


def test_three_files_of_different_datasets_are_three_serving_sources(
        store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    write(folder / "peps.ftm.json", person("p-1", "Ivan Testov", ["my_peps"]))
    write(folder / "watch.json", person("w-1", "Olga Testova", ["my_watchlist"]),
          person("w-2", "Anna Testova", ["my_watchlist"]))
    write(folder / "Client Blacklist.ftm.json", person("b-1", "Boris Testov"))
    report = update_from_paths(store, [folder])
    assert report.ok, report.failures
    assert serving_ids(store) == {"my_peps": {"p-1"}, "my_watchlist": {"w-1", "w-2"},
                                  "client_blacklist": {"b-1"}}
    assert all(v.version == 1 for v in store.versions())


def test_same_dataset_twice_in_one_walk_is_one_source_with_the_newer_current(
        store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    write(folder / "a_newer.json", person("p-1", "Ivan Testov", ["mine"], "2025-06-01T10:00:00"),
          person("p-2", "Petr Testov", ["mine"], "2025-06-01T10:00:00"))
    write(folder / "z_older.json", person("p-1", "Ivan Testov", ["mine"], "2024-01-01T10:00:00"))
    assert update_from_paths(store, [folder]).ok
    versions = store.versions()
    assert [(v.source, v.published, v.current) for v in versions] == [
        ("mine", "2024-01-01", False), ("mine", "2025-06-01", True)]
    assert serving_ids(store) == {"mine": {"p-1", "p-2"}}


def test_dataset_named_like_a_publisher_stands_beside_its_list(store: Store,
                                                               tmp_path: Path) -> None:
    assert update_from_paths(store, [FIXTURES / "ofac_sdn_small.xml"]).ok
    [ofac] = store.serving()
    claims = write(tmp_path / "claims.json", person("x-1", "Ivan Testov", ["us_ofac_sdn"]))
    messages = Messages()
    report = update_from_paths(store, [claims], reporter=messages)
    assert report.ok, report.failures
    assert serving_ids(store)["ftm_us_ofac_sdn"] == {"x-1"}
    assert [v for v in store.serving() if v.source == "us_ofac_sdn"] == [ofac]
    said = "\n".join(messages.lines)
    assert "us_ofac_sdn is the id of the OFAC" in said and "stored as ftm_us_ofac_sdn" in said
    [mine] = [v for v in store.serving() if v.source == "ftm_us_ofac_sdn"]
    assert any("stored as ftm_us_ofac_sdn" in w for w in store.warnings(mine.id))


def test_ftm_file_given_a_publishers_source_is_refused(store: Store, tmp_path: Path) -> None:
    assert update_from_paths(store, [FIXTURES / "ofac_sdn_small.xml"]).ok
    before = store.versions()
    mine = write(tmp_path / "mine.json", person("x-1", "Ivan Testov"))
    report = update_from_paths(store, [mine], "us_ofac_sdn")
    [failure] = report.failures
    assert str(mine) in failure and "us_ofac_sdn" in failure and "cannot replace" in failure
    assert store.versions() == before


@pytest.mark.parametrize("given", ["My List", "x" * 65, "../etc", "", "1st"])
def test_given_source_that_is_no_plain_id_is_refused(store: Store, tmp_path: Path,
                                                     given: str) -> None:
    mine = write(tmp_path / "mine.json", person("x-1", "Ivan Testov"))
    report = update_from_paths(store, [mine], given)
    [failure] = report.failures
    assert str(mine) in failure and "source id" in failure
    assert store.versions() == []


@pytest.mark.parametrize("dataset, problem", [
    ("x" * 500, "500 characters"),
    ("<script>alert(1)</script>", "is not a source id"),
    ("Sanctions List", "is not a source id"),
])
def test_absurd_dataset_name_gives_way_to_the_file_name(store: Store, tmp_path: Path,
                                                       dataset: str, problem: str) -> None:
    mine = write(tmp_path / "my-list.json", person("x-1", "Ivan Testov", [dataset]))
    messages = Messages()
    assert update_from_paths(store, [mine], reporter=messages).ok
    assert [v.source for v in store.serving()] == ["my_list"]
    assert any(problem in line and "after the file name" in line for line in messages.lines)


def test_entities_of_several_datasets_are_named_after_the_file(store: Store,
                                                               tmp_path: Path) -> None:
    mine = write(tmp_path / "cluster.ftm.json", person("x-1", "Ivan Testov", ["a_list"]),
                 person("x-2", "Olga Testova", ["b_list", 7]), person("x-3", "No Dataset"))
    messages = Messages()
    assert update_from_paths(store, [mine], reporter=messages).ok
    assert [v.source for v in store.serving()] == ["cluster"]
    assert any("several datasets (a_list, b_list)" in line for line in messages.lines)


def test_given_source_still_names_an_ftm_file(store: Store, tmp_path: Path) -> None:
    mine = write(tmp_path / "mine.json", person("x-1", "Ivan Testov", ["their_name"]))
    assert update_from_paths(store, [mine], "my_name").ok
    assert [v.source for v in store.serving()] == ["my_name"]


@pytest.mark.parametrize("name, source", [
    ("zala_entities.ftm.json", "zala_entities"),
    ("Client Blacklist.JSON", "client_blacklist"),
    ("Список 2024.jsonl", "spisok_2024"),
    ("2024-12.ndjson", "ftm_2024_12"),
    ("....json", "ftm"),
    ("a" * 300 + ".json", "a" * 64),
])
def test_file_names_give_plain_source_ids(name: str, source: str) -> None:
    assert file_source_id(Path(name)) == source
    assert id_problem(source) is None


def test_the_real_ftm_files_are_three_sources_beside_the_publishers(tmp_path: Path,
                                                                    store: Store) -> None:
    """zala names many datasets (its file name stands in), t1 only `eu_fsf` (the EU's id:
    prefixed), parteispenden none (its file name)."""
    folder = shared_file("opensanctions/yente_fixtures")
    assert update_from_paths(store, [folder]).ok
    assert set(serving_ids(store)) == {"zala_entities", "ftm_eu_fsf", "parteispenden_entities"}


def test_a_dataset_source_is_used_like_any_other(home: Path, tmp_path: Path) -> None:
    """status, show, diff and export on the command line; /sources in the API; the
    Sources page."""
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("update", "--from", str(write(tmp_path / "v1.json",
                                      person("p-1", "Ivan Testov", ["my_peps"], "2024-01-01"))))
    run("update", "--from", str(write(tmp_path / "v2.json",
                                      person("p-1", "Ivan Testov", ["my_peps"], "2025-01-01"),
                                      person("p-2", "Olga Testova", ["my_peps"], "2025-01-01"))))
    assert [r["source"] for r in json.loads(run("status", "--json"))] == ["my_peps"]
    assert "my_peps" in run("status")
    assert "source my_peps, version 2" in run("show", "p-2")
    assert json.loads(run("diff", "my_peps", "--json"))["added"][0]["entity_id"] == "p-2"
    assert len(run("export", "--source", "my_peps").splitlines()) == 2
    store = Store()
    key = create_key(store, "dataset sources", "screen")[1]
    with TestClient(create_app(store, warm=False)) as client:
        body = client.get("/sources", headers={"X-API-Key": key}).json()
        assert [s["source"] for s in body["sources"]] == ["my_peps"]
        form = client.get("/ui/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        client.post("/ui/login", data={"csrf_token": html.unescape(csrf.group(1)),
                                       "method": "key", "api_key": key, "next": "/ui/sources"})
        assert "my_peps" in client.get("/ui/sources").text
