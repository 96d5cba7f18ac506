"""The index as one self-contained file, to screen where there is no store (Spark executors).

An artifact is a ZIP file holding `manifest.json` and `index.pkl` (the persisted index of
`watchlist.index.build`, deflated). The manifest says what it is and what made it:

    {"artifact_format": 1, "index_format": 1, "watchlist_version": "0.1.0",
     "code": "<digest of the matching code>", "key": "<index key>", "created": "...Z",
     "sha256": "<of index.pkl>", "size": ..., "entities": ..., "profiles": ...,
     "lists": [{"source", "version", "published", "sha256"}, ...]}

Loading checks the artifact format, the index format and the matching code (an index
prepared by other code would score differently) and the SHA-256 of the index, and refuses
any mismatch with an error saying what to do. A path with a scheme (s3://, hdfs://,
abfs://, gs://, ...) is read through fsspec and copied once into a local cache
(WATCHLIST_ARTIFACT_CACHE, else the temp directory), shared by every process of the machine.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import pickle
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from watchlist import __version__
from watchlist.errors import WatchlistError
from watchlist.index.build import FORMAT, Index, _code_digest, index_path, open_index
from watchlist.match.symbols import load_symbols
from watchlist.store.labels import mark_ref

__all__ = [
    "ARTIFACT_FORMAT",
    "ArtifactError",
    "export_artifact",
    "load_artifact",
    "local_copy",
    "read_manifest",
    "read_verified",
    "verify_manifest",
]

#: Bump when the layout of the artifact (not of the index inside it) changes.
ARTIFACT_FORMAT = 1
MANIFEST = "manifest.json"
PAYLOAD = "index.pkl"
_CHUNK = 1 << 20


class ArtifactError(WatchlistError):
    """An index artifact that cannot be used: missing, corrupt, tampered with or incompatible."""


def has_scheme(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a URL (s3://bucket/x, hdfs://..., file:///...) rather than a path."""
    text = os.fspath(path)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isascii() and scheme.replace("+", "").replace("-", "").isalnum()


@contextlib.contextmanager
def _open(path: str | os.PathLike[str], mode: str = "rb") -> Iterator[IO[bytes]]:
    """A local file, or a URL through fsspec (with a clear error when it is missing)."""
    text = os.fspath(path)
    if not has_scheme(text):
        with open(text, mode) as handle:
            yield handle
        return
    try:
        import fsspec
    except ImportError:
        raise ArtifactError(f"{text}: reading a URL needs fsspec: "
                            "pip install 'watchlist[spark]'") from None
    try:
        opened = fsspec.open(text, mode)
        handle = opened.open()
    except ImportError as exc:  # the filesystem's own package (s3fs, adlfs, gcsfs) is missing
        raise ArtifactError(f"{text}: {exc}") from None
    try:
        yield handle
    finally:
        handle.close()


def _manifest_of(archive: zipfile.ZipFile, where: str) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise ArtifactError(f"{where}: not a watchlist index artifact (no {MANIFEST})") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise ArtifactError(f"{where}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or "artifact_format" not in manifest:
        raise ArtifactError(f"{where}: not a watchlist index artifact (manifest without "
                            "artifact_format)")
    return manifest


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of the artifact at path (a local path or a URL), unchecked."""
    where = os.fspath(path)
    try:
        with _open(where) as handle, zipfile.ZipFile(handle) as archive:
            return _manifest_of(archive, where)
    except FileNotFoundError:
        raise ArtifactError(f"{where}: no such index artifact (make one with "
                            "`watchlist index export PATH`)") from None
    except zipfile.BadZipFile:
        raise ArtifactError(f"{where}: not a watchlist index artifact (not a ZIP file; "
                            "make one with `watchlist index export PATH`)") from None
    except OSError as exc:
        raise ArtifactError(f"{where}: cannot be read ({exc})") from None


def verify_manifest(manifest: dict[str, Any], where: str) -> None:
    """Refuse an artifact this installation cannot use, saying why and what to do."""
    again = f"export the index again with this installation (watchlist {__version__})"
    if manifest.get("artifact_format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{where}: artifact format {manifest.get('artifact_format')!r}, "
                            f"this watchlist reads format {ARTIFACT_FORMAT}; {again}")
    if manifest.get("index_format") != FORMAT:
        raise ArtifactError(f"{where}: index format {manifest.get('index_format')!r}, "
                            f"this watchlist reads format {FORMAT}; {again}")
    if manifest.get("code") != _code_digest():
        raise ArtifactError(
            f"{where}: made by watchlist {manifest.get('watchlist_version')} with other "
            f"matching code ({manifest.get('code')}, this installation has {_code_digest()}), "
            f"so its scores would differ from a local run; {again}")


def export_artifact(target: str | os.PathLike[str], store: Any = None) -> dict[str, Any]:
    """Write the index of the store's serving lists (built if needed) as an artifact at
    `target` (a local path or a URL); returns its manifest."""
    if store is None:
        from watchlist.store.store import Store

        store = Store()
    index = open_index(store)
    payload = index_path(index.key).read_bytes()
    manifest = {
        "artifact_format": ARTIFACT_FORMAT,
        "index_format": index.format,
        "watchlist_version": __version__,
        "code": _code_digest(),
        "key": index.key,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
        "entities": len(index.parties),
        "profiles": len(index.profiles),
        "lists": [mark_ref({k: v.get(k) for k in ("source", "version", "published", "sha256")},
                           v) for v in index.versions],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=6) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, default=str))
        archive.writestr(PAYLOAD, payload)
    _write(target, buffer.getvalue())
    return manifest


def _write(target: str | os.PathLike[str], data: bytes) -> None:
    """Write bytes to a local path atomically, or to a URL through fsspec."""
    text = os.fspath(target)
    if has_scheme(text):
        with _open(text, "wb") as handle:
            handle.write(data)
        return
    path = Path(text)
    if path.is_dir():
        raise ArtifactError(f"{path}: is a directory; give a file name, e.g. "
                            f"{path / 'watchlist-index.zip'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".artifact-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # to be shipped and read by others (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cache_dir() -> Path:
    """Where artifacts read from URLs are copied: WATCHLIST_ARTIFACT_CACHE, else temp."""
    path = Path(os.environ.get("WATCHLIST_ARTIFACT_CACHE")
                or Path(tempfile.gettempdir()) / "watchlist-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_copy(path: str | os.PathLike[str]) -> Path:
    """The artifact as a local file: itself, or (for a URL) a copy in the cache, fetched
    once per machine and named by its checksum."""
    text = os.fspath(path)
    if text.startswith("file://"):
        return Path(text[len("file://"):])
    if not has_scheme(text):
        return Path(text)
    manifest = read_manifest(text)
    digest = str(manifest.get("sha256") or "")
    if not digest.isalnum():
        raise ArtifactError(f"{text}: manifest without a valid sha256")
    folder = cache_dir()
    cached = folder / f"{digest}.zip"
    if cached.is_file():
        return cached
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out, _open(text) as handle:
            shutil.copyfileobj(handle, out, _CHUNK)
        os.replace(tmp, cached)  # processes fetching at once each write whole, one wins
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return cached


def read_verified(path: str | os.PathLike[str]) -> tuple[bytes, dict[str, Any]]:
    """The index bytes of the artifact at path (local or URL) and its manifest, once the
    formats, the matching code and the checksum are checked."""
    where = os.fspath(path)
    local = local_copy(where)
    try:
        archive = zipfile.ZipFile(local)
    except FileNotFoundError:
        raise ArtifactError(f"{where}: no such index artifact (make one with "
                            "`watchlist index export PATH`)") from None
    except zipfile.BadZipFile:
        raise ArtifactError(f"{where}: not a watchlist index artifact (not a ZIP file; "
                            "make one with `watchlist index export PATH`)") from None
    except OSError as exc:
        raise ArtifactError(f"{where}: cannot be read ({exc})") from None
    try:
        with archive:
            manifest = _manifest_of(archive, where)
            verify_manifest(manifest, where)
            payload = archive.read(PAYLOAD)
    except KeyError:
        raise ArtifactError(f"{where}: the artifact holds no {PAYLOAD}") from None
    except (zipfile.BadZipFile, zlib.error) as exc:
        raise ArtifactError(f"{where}: corrupt artifact ({exc}); copy or export it "
                            "again") from None
    except OSError as exc:
        raise ArtifactError(f"{where}: cannot be read ({exc})") from None
    if hashlib.sha256(payload).hexdigest() != manifest.get("sha256"):
        raise ArtifactError(f"{where}: the index does not match the checksum in its "
                            "manifest (damaged or altered); copy or export it again")
    return payload, manifest


def load_artifact(path: str | os.PathLike[str]) -> tuple[Index, dict[str, Any]]:
    """The index in the artifact at path (local or URL) and its manifest, once verified."""
    where = os.fspath(path)
    payload, manifest = read_verified(where)
    index = _unpickle(payload, where)
    if index.key != manifest.get("key"):
        raise ArtifactError(f"{where}: the index is not the one the manifest names "
                            f"({index.key} vs {manifest.get('key')})")
    return index, manifest


def _unpickle(payload: bytes, where: str) -> Index:
    """The index from its bytes, with the garbage collector out of the way (as load_index)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        index = pickle.loads(payload)  # noqa: S301 - checked against the manifest's sha256
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad artifact
        raise ArtifactError(f"{where}: the index cannot be read by this installation "
                            f"({type(exc).__name__}: {exc})") from None
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    if not isinstance(index, Index) or index.format != FORMAT:
        raise ArtifactError(f"{where}: the artifact does not hold a watchlist index of "
                            f"format {FORMAT}")
    load_symbols(index.symbols, index.vocab_tokens)
    return index
