"""The exported index artifact: one verified file that screens like the store it came from."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app
from watchlist.index.artifact import (
    ARTIFACT_FORMAT,
    MANIFEST,
    ArtifactError,
    export_artifact,
    load_artifact,
    members_digest,
    read_manifest,
)
from watchlist.index.build import index_key, index_path, load_index
from watchlist.index.codec import JSON_MEMBER, MEMBERS
from watchlist.screener import Screener
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

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
    """A copy of an artifact with its manifest or its index.json replaced."""
    with zipfile.ZipFile(source) as archive:
        old_manifest = json.loads(archive.read(MANIFEST))
        members = {name: archive.read(name) for name in MEMBERS}
    if payload is not None:
        members[JSON_MEMBER] = payload
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest or old_manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def forge(source: Path, target: Path, members: dict[str, bytes | None],
          manifest: dict | None = None) -> Path:
    """A copy of an artifact with members replaced (None: removed) or added, and its
    manifest's checksums made to match, as someone able to replace the file would."""
    with zipfile.ZipFile(source) as archive:
        content = {name: archive.read(name) for name in archive.namelist() if name != MANIFEST}
        old_manifest = json.loads(archive.read(MANIFEST))
    content.update(members)
    content = {name: data for name, data in content.items() if data is not None}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in content.items()}
    forged = {**old_manifest, "members": digests, "sha256": members_digest(digests),
              **(manifest or {})}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(forged))
        for name, data in content.items():
            archive.writestr(name, data)
    return target


class Marker:
    """Unpickling this creates the marker file: what a malicious index would do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (open, (str(self.path), "w"))


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def bomb(target: Path, name: str, size: int, others: dict[str, bytes] | None = None) -> Path:
    """A small ZIP file whose member `name` inflates `size` zero bytes."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive:
        for other, data in (others or {}).items():
            archive.writestr(other, data)
        with archive.open(name, "w", force_zip64=True) as handle:
            for _ in range(size // len(chunk)):
                handle.write(chunk)
    return target


def understate(path: Path, name: str, size: int) -> None:
    """Make the headers of member `name` declare `size` bytes (a lying header)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(encoded)] == encoded:
                data[start + size_at:start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))


def test_export_writes_one_file_whose_manifest_names_the_lists_and_the_checksum(
        exported: tuple[Path, dict], in_home: Path) -> None:
    path, manifest = exported
    assert zipfile.ZipFile(path).namelist() == [MANIFEST, *sorted(MEMBERS)]
    assert read_manifest(path) == json.loads(json.dumps(manifest, default=str))
    store = Store()
    serving = store.serving()
    assert manifest["key"] == index_key(serving)
    assert manifest["artifact_format"] == ARTIFACT_FORMAT
    assert {(item["source"], item["sha256"]) for item in manifest["lists"]} == {
        (v.source, v.sha256) for v in serving}
    with zipfile.ZipFile(index_path(manifest["key"])) as stored:
        digests = {name: hashlib.sha256(stored.read(name)).hexdigest() for name in MEMBERS}
    assert manifest["members"] == digests
    assert manifest["sha256"] == members_digest(digests)
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
    payload = bytearray(zipfile.ZipFile(source).read(JSON_MEMBER))
    payload[len(payload) // 2] ^= 0xFF
    altered = rewrite(source, tmp_path / "altered.zip", payload=bytes(payload))
    with pytest.raises(ArtifactError, match="does not match the checksum"):
        load_artifact(altered)


def test_a_damaged_file_is_refused_as_corrupt(exported: tuple[Path, dict],
                                              tmp_path: Path) -> None:
    data = bytearray(exported[0].read_bytes())
    start = data.index(JSON_MEMBER.encode()) + 100  # inside the compressed index
    data[start:start + 64] = bytes(64)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="corrupt|checksum") as caught:
        load_artifact(damaged)
    assert str(damaged) in str(caught.value)


@pytest.mark.parametrize(("change", "message"), [
    ({"artifact_format": ARTIFACT_FORMAT + 1}, "artifact format 3, this watchlist reads format 2"),
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
    assert "checksums, formats and data OK" in result.stderr
    result = runner.invoke(app, ["index", "info", "--json", str(target)])
    assert json.loads(result.stdout)["key"] == read_manifest(target)["key"]


def test_cli_info_of_an_altered_artifact_fails_with_the_reason(
        exported: tuple[Path, dict], tmp_path: Path) -> None:
    payload = zipfile.ZipFile(exported[0]).read(JSON_MEMBER) + b"extra"
    altered = rewrite(exported[0], tmp_path / "altered.zip", payload=payload)
    result = runner.invoke(app, ["index", "info", str(altered)])
    assert result.exit_code == 2
    assert "does not match the checksum" in result.stderr
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["index", "export", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_a_manifest_bomb_is_refused_at_once_naming_the_file_and_the_member(
        tmp_path: Path) -> None:
    path = bomb(tmp_path / "bomb.zip", MANIFEST, 64 << 20)
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    started = time.perf_counter()
    for read in (read_manifest, load_artifact):
        with pytest.raises(ArtifactError, match=f"bomb.zip: member {MANIFEST} declares "
                           "64.0 MiB, more than the 1.0 MiB"):
            read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 1.0 and peak < 4 << 20
    result = runner.invoke(app, ["index", "info", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"member {MANIFEST} declares" in " ".join(result.stderr.split())


def test_an_index_member_inflating_far_beyond_its_size_is_refused_before_reading(
        exported: tuple[Path, dict], tmp_path: Path) -> None:
    manifest = zipfile.ZipFile(exported[0]).read(MANIFEST)
    path = bomb(tmp_path / "bomb.zip", JSON_MEMBER, 32 << 20, {MANIFEST: manifest})
    with pytest.raises(ArtifactError, match=f"member {JSON_MEMBER} inflates .* to 32.0 MiB, "
                       "more than 100 times"):
        load_artifact(path)


def test_a_member_larger_than_its_header_declares_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps({"artifact_format": 2, "pad": "x" * 500_000}))
    understate(path, MANIFEST, 100)
    assert zipfile.ZipFile(path).getinfo(MANIFEST).file_size == 100
    with pytest.raises(ArtifactError, match=f"liar.zip: member {MANIFEST} is corrupt: it "
                       "does not match its header .*larger than the 100 bytes declared"):
        read_manifest(path)


def test_a_file_of_too_many_members_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MANIFEST, json.dumps({"artifact_format": 2}))
        for n in range(100):
            archive.writestr(f"m{n}", b"")
    with pytest.raises(ArtifactError, match="many.zip: holds 101 members, more than the 64"):
        read_manifest(path)


def test_a_total_above_the_configured_limit_is_refused(
        exported: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_INDEX_MAX_MB", "0")
    with pytest.raises(ArtifactError, match="WATCHLIST_INDEX_MAX_MB='0': must be above 0"):
        load_artifact(exported[0])
    monkeypatch.setenv("WATCHLIST_INDEX_MAX_MB", "1")
    if exported[1]["size"] > 1 << 20:
        with pytest.raises(ArtifactError, match="more than the 1.0 MiB an index may have"):
            load_artifact(exported[0])


@pytest.mark.parametrize("attack", ["old layout", "extra member", "json member", "npy member"])
def test_a_tampered_artifact_holding_a_pickle_is_refused_and_never_runs_it(
        exported: tuple[Path, dict], tmp_path: Path, attack: str) -> None:
    marker = tmp_path / "marker"
    evil = pickle.dumps(Marker(marker))
    source, target = exported[0], tmp_path / "tampered.zip"
    if attack == "old layout":  # the previous format, which was unpickled once checked
        removed: dict[str, bytes | None] = dict.fromkeys(MEMBERS)
        forge(source, target, {**removed, "index.pkl": evil},
              {"artifact_format": 1, "sha256": hashlib.sha256(evil).hexdigest()})
        message = "artifact format 1, this watchlist reads format 2"
    elif attack == "extra member":
        forge(source, target, {"index.pkl": evil})
        message = "unexpected: index.pkl"
    elif attack == "json member":
        forge(source, target, {JSON_MEMBER: evil})
        message = f"{JSON_MEMBER} is not JSON"
    else:
        forge(source, target, {"form_weight.npy": npy(np.array([Marker(marker)]))})
        message = "form_weight.npy is not a numpy array"
    with pytest.raises(ArtifactError, match=message):
        load_artifact(target)
    result = runner.invoke(app, ["index", "info", str(target)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not marker.exists()
    pickle.loads(evil)  # the payload is live: unpickled, it does make the marker
    assert marker.exists()


@pytest.mark.parametrize(("member", "data", "message"), [
    ("post_forms.npy", np.array([10 ** 9], dtype=np.int32), "post_offsets offsets do not"),
    ("form_entity.npy", np.array([1.5]), "form_entity.npy holds float64"),
    ("deletes.values.npy", np.full(1, -1, dtype=np.int32), "deletes offsets do not"),
])
def test_consistently_checksummed_but_malformed_data_is_refused(
        exported: tuple[Path, dict], tmp_path: Path, member: str, data: np.ndarray,
        message: str) -> None:
    forged = forge(exported[0], tmp_path / "forged.zip", {member: npy(data)})
    with pytest.raises(ArtifactError, match=f"forged.zip: malformed index data: ({message})"):
        load_artifact(forged)


def test_a_pickle_in_place_of_the_local_index_is_never_run_and_rebuilt(
        in_home: Path, tmp_path: Path) -> None:
    path = index_path(index_key(Store().serving()))
    original = path.read_bytes()
    marker = tmp_path / "marker"
    try:
        path.write_bytes(pickle.dumps(Marker(marker)))
        assert load_index(path) is None
        assert Screener.open().check(QUERIES[3])
        assert not marker.exists()
        assert load_index(path) is not None
    finally:
        path.write_bytes(original)


def test_the_plain_data_holds_the_index_exactly(in_home: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from watchlist.index.build import build_index
    from watchlist.index.codec import decode, encode

    monkeypatch.setattr("watchlist.index.build.symbol_table",
                        lambda tokens: {t: frozenset({f"NAME:{t[:2]}"}) for t in tokens})

    built = build_index(Store())
    loaded = decode(encode(built))
    for name, value in vars(built).items():
        other = getattr(loaded, name)
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and np.array_equal(value, other), name
        elif name == "stats":
            assert (value.df, value.entities, value.key) == (other.df, other.entities,
                                                             other.key)
        else:
            assert value == other and type(value) is type(other), name
    assert [p._forms for p in built.parties] == [p._forms for p in loaded.parties]


# -- signed artifacts: a key the loader holds -------------------------------------------

def key_file(path: Path, text: str = "k" * 64) -> Path:
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def signed(home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("signed")
    key = key_file(folder / "index.key")
    target = folder / "signed-index.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(home))
        patch.setenv("WATCHLIST_INDEX_KEY_FILE", str(key))
        patch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
        manifest = export_artifact(target)
    assert manifest["signature"]["hmac"]
    return target, key


def test_a_signed_artifact_loads_where_the_key_is_held_and_says_it_is_signed(
        signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    target, key = signed
    monkeypatch.setenv("WATCHLIST_INDEX_KEY_FILE", str(key))
    index, manifest = load_artifact(target)
    assert index.key == manifest["key"]
    result = runner.invoke(app, ["index", "info", str(target)])
    assert result.exit_code == 0, result.output
    assert "signed with index key" in result.stdout


def test_a_consistently_rechecksummed_forgery_is_refused_by_a_loader_holding_the_key(
        signed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, key = signed
    with zipfile.ZipFile(target) as archive:
        data = json.loads(archive.read(JSON_MEMBER))
    data["altered"] = True  # what someone able to replace the file would change, checksums redone
    forged = forge(target, tmp_path / "forged.zip",
                   {JSON_MEMBER: json.dumps(data).encode("utf-8")})
    recount = forge(target, tmp_path / "recount.zip", {}, manifest={"entities": 1})
    monkeypatch.delenv("WATCHLIST_INDEX_KEY_FILE", raising=False)
    assert load_artifact(recount)[1]["entities"] == 1  # checksums alone let it through
    monkeypatch.setenv("WATCHLIST_INDEX_KEY_FILE", str(key))
    for altered in (forged, recount):
        with pytest.raises(ArtifactError, match="signature does not match"):
            load_artifact(altered)
        result = runner.invoke(app, ["index", "info", str(altered)])
        assert result.exit_code == 2 and "refused" in result.stderr
        assert "Traceback" not in result.output


def test_an_unsigned_artifact_or_one_signed_with_another_key_is_refused_when_a_key_is_held(
        exported: tuple[Path, dict], signed: tuple[Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_INDEX_KEY_FILE", str(signed[1]))
    with pytest.raises(ArtifactError, match="not signed"):
        load_artifact(exported[0])
    monkeypatch.setenv("WATCHLIST_INDEX_KEY_FILE", str(key_file(tmp_path / "other.key",
                                                                "o" * 64)))
    with pytest.raises(ArtifactError, match="another key"):
        load_artifact(signed[0])


def test_without_a_key_signed_and_unsigned_artifacts_load_on_their_checksums(
        exported: tuple[Path, dict], signed: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHLIST_INDEX_KEY_FILE", raising=False)
    assert load_artifact(exported[0])[0].key == load_artifact(signed[0])[0].key


def test_a_missing_or_short_index_key_file_is_named_in_the_error(
        signed: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_INDEX_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(ArtifactError, match="absent.key does not exist"):
        load_artifact(signed[0])
    monkeypatch.setenv("WATCHLIST_INDEX_KEY_FILE", str(key_file(tmp_path / "short.key", "x")))
    with pytest.raises(ArtifactError, match="at least 32"):
        load_artifact(signed[0])
