"""The exported index artifact: one verified file that screens like the store it came from."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app
from watchlist.index.artifact import (
    ARTIFACT_FORMAT,
    MANIFEST,
    PAYLOAD,
    ArtifactError,
    export_artifact,
    load_artifact,
    read_manifest,
)
from watchlist.index.build import index_key, index_path
from watchlist.screener import Screener
from watchlist.store.store import Store
from watchlist.update import update_from_paths

LISTS = [FIXTURES / "un_small_v1.xml", FIXTURES / "ofac_sdn_small.xml",
         FIXTURES / "sema_small.xml", FIXTURES / "dfat_small.csv"]
QUERIES = [
    {"name": "Aleksandr Lukashenko", "birth_date": "1954-08-30"},
    {"name": "Ivan Petrovich Testovich", "schema": "Person"},
    {"name": "Иван Тестов"},
    {"name": "Banco Nacional de Cuba"},
    {"name": "Test Star", "identifier": "IMO 9321483"},
    {"name": "Tesco PLC"},
]
runner = CliRunner()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("artifact") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(path))
        # rigour's name symbols take seconds to load and are not what is tested here
        patch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
        store = Store()
        report = update_from_paths(store, LISTS)
        assert report.ok, report.failures
        store.close()
        yield path


@pytest.fixture(scope="module")
def exported(home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    target = tmp_path_factory.mktemp("export") / "watchlist-index.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(home))
        patch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
        manifest = export_artifact(target)
    return target, manifest


@pytest.fixture
def in_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WATCHLIST_HOME", str(home))
    return home


def rewrite(source: Path, target: Path, manifest: dict | None = None,
            payload: bytes | None = None) -> Path:
    """A copy of an artifact with its manifest or index replaced."""
    with zipfile.ZipFile(source) as archive:
        old_manifest = json.loads(archive.read(MANIFEST))
        old_payload = archive.read(PAYLOAD)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest or old_manifest))
        archive.writestr(PAYLOAD, old_payload if payload is None else payload)
    return target


def test_export_writes_one_file_whose_manifest_names_the_lists_and_the_checksum(
        exported: tuple[Path, dict], in_home: Path) -> None:
    path, manifest = exported
    assert zipfile.ZipFile(path).namelist() == [MANIFEST, PAYLOAD]
    assert read_manifest(path) == json.loads(json.dumps(manifest, default=str))
    store = Store()
    serving = store.serving()
    assert manifest["key"] == index_key(serving)
    assert manifest["artifact_format"] == ARTIFACT_FORMAT
    assert {(item["source"], item["sha256"]) for item in manifest["lists"]} == {
        (v.source, v.sha256) for v in serving}
    stored = index_path(manifest["key"]).read_bytes()
    assert manifest["sha256"] == hashlib.sha256(stored).hexdigest()
    assert manifest["entities"] > 5 and manifest["profiles"] <= manifest["entities"]


def test_screener_from_the_artifact_finds_what_the_store_finds(
        exported: tuple[Path, dict], in_home: Path) -> None:
    from_store = Screener.open()
    from_artifact = Screener.from_artifact(exported[0])
    assert from_artifact.index.key == from_store.index.key
    for query in QUERIES:
        expected = [h.to_dict() for h in from_store.check(query)]
        assert [h.to_dict() for h in from_artifact.check(query)] == expected, query
    assert any(from_store.check(q) for q in QUERIES)
    assert not from_store.check(QUERIES[-1])


def test_an_altered_index_is_refused_for_its_checksum(exported: tuple[Path, dict],
                                                      tmp_path: Path) -> None:
    source = exported[0]
    payload = bytearray(zipfile.ZipFile(source).read(PAYLOAD))
    payload[len(payload) // 2] ^= 0xFF
    altered = rewrite(source, tmp_path / "altered.zip", payload=bytes(payload))
    with pytest.raises(ArtifactError, match="does not match the checksum"):
        load_artifact(altered)


def test_a_damaged_file_is_refused_as_corrupt(exported: tuple[Path, dict],
                                              tmp_path: Path) -> None:
    data = bytearray(exported[0].read_bytes())
    start = data.index(b"index.pkl") + 100  # inside the compressed index
    data[start:start + 64] = bytes(64)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="corrupt|checksum") as caught:
        load_artifact(damaged)
    assert str(damaged) in str(caught.value)


@pytest.mark.parametrize(("change", "message"), [
    ({"artifact_format": ARTIFACT_FORMAT + 1}, "artifact format 2, this watchlist reads format 1"),
    ({"index_format": 99}, "index format 99"),
    ({"code": "0123456789abcdef"}, "other matching code"),
])
def test_an_artifact_of_another_version_is_refused_saying_to_export_again(
        exported: tuple[Path, dict], tmp_path: Path, change: dict, message: str) -> None:
    manifest = {**read_manifest(exported[0]), **change}
    other = rewrite(exported[0], tmp_path / "other.zip", manifest=manifest)
    with pytest.raises(ArtifactError, match=message) as caught:
        load_artifact(other)
    assert "export the index again" in str(caught.value)


def test_a_file_that_is_no_artifact_is_named_in_the_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ArtifactError, match="notes.txt: not a watchlist index artifact"):
        load_artifact(text)
    with pytest.raises(ArtifactError, match="no such index artifact"):
        load_artifact(tmp_path / "missing.zip")
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(ArtifactError, match=f"no {MANIFEST}"):
        load_artifact(plain)


def test_a_url_is_read_through_fsspec_and_fetched_once_into_the_cache(
        exported: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec

    cache = tmp_path / "cache"
    monkeypatch.setenv("WATCHLIST_ARTIFACT_CACHE", str(cache))
    url = "memory://bucket/watchlist-index.zip"
    with fsspec.open(url, "wb") as handle:
        handle.write(exported[0].read_bytes())
    index, manifest = load_artifact(url)
    assert index.key == exported[1]["key"]
    cached = cache / f"{manifest['sha256']}.zip"
    assert [p.name for p in cache.iterdir()] == [cached.name]
    fetched = cached.stat().st_mtime_ns
    load_artifact(url)
    assert cached.stat().st_mtime_ns == fetched
    fsspec.filesystem("memory").rm("/bucket/watchlist-index.zip")


def test_export_to_a_url_writes_there(home: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec

    monkeypatch.setenv("WATCHLIST_HOME", str(home))
    monkeypatch.setenv("WATCHLIST_ARTIFACT_CACHE", str(tmp_path / "cache"))
    url = "memory://exports/index.zip"
    manifest = export_artifact(url)
    assert read_manifest(url)["sha256"] == manifest["sha256"]
    assert fsspec.filesystem("memory").exists("/exports/index.zip")
    fsspec.filesystem("memory").rm("/exports/index.zip")


def test_cli_export_then_info_shows_the_manifest_and_checks_it(in_home: Path,
                                                               tmp_path: Path) -> None:
    target = tmp_path / "out" / "index.zip"
    result = runner.invoke(app, ["index", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert "Exported the index of 4 lists" in result.stderr
    result = runner.invoke(app, ["index", "info", str(target)])
    assert result.exit_code == 0, result.output
    assert "un_sc_sanctions" in result.stdout and "au_dfat_sanctions" in result.stdout
    assert "checksum and formats OK" in result.stderr
    result = runner.invoke(app, ["index", "info", "--json", str(target)])
    assert json.loads(result.stdout)["key"] == read_manifest(target)["key"]


def test_cli_info_of_an_altered_artifact_fails_with_the_reason(
        exported: tuple[Path, dict], tmp_path: Path) -> None:
    payload = zipfile.ZipFile(exported[0]).read(PAYLOAD) + b"extra"
    altered = rewrite(exported[0], tmp_path / "altered.zip", payload=payload)
    result = runner.invoke(app, ["index", "info", str(altered)])
    assert result.exit_code == 2
    assert "does not match the checksum" in result.stderr
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["index", "export", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.stderr
