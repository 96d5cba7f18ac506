"""The index as one self-contained file, to screen where there is no store (Spark executors).

An artifact is a ZIP file holding `manifest.json` and the index as plain data (JSON and
numpy arrays, `watchlist.index.codec`, deflated): nothing in it is ever run as code, so a
file replaced by someone else can at worst be refused. The manifest says what it is and
what made it:

    {"artifact_format": 2, "index_format": 3, "watchlist_version": "0.1.0",
     "code": "<digest of the matching code>", "key": "<index key>", "created": "...Z",
     "sha256": "<of the index members>", "size": ..., "members": {"<name>": "<sha256>"},
     "entities": ..., "profiles": ..., "lists": [{"source", "version", "published",
     "sha256"}, ...]}

Every member is read within the bounds of `watchlist.index.zipread` (member count, sizes,
compression ratio, each read capped). Loading checks the artifact format, the index format
and the matching code (an index prepared by other code would score differently), the
members and their SHA-256, and the shape of the data, and refuses any mismatch with an
error saying what to do. The checksums detect damage, not a deliberate change: whoever can
replace the file can change what it lists (see README, "Trust"). A path with a scheme
(s3://, hdfs://, abfs://, gs://, ...) is read through fsspec and copied once into a local
cache (WATCHLIST_ARTIFACT_CACHE, else the temp directory), shared by every process of the
machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from watchlist.errors import WatchlistError
from watchlist.index.build import FORMAT, Index, _code_digest, open_index
from watchlist.index.codec import MEMBERS, IndexDataError, encode, load
from watchlist.index.signing import SIGNATURE, sign, signature_problem, signing_key
from watchlist.index.zipread import ZipLimitError, limits, read_members
from watchlist.keyfile import KeyFileError
from watchlist.store.labels import mark_ref
from watchlist.version import __version__

__all__ = [
    "ARTIFACT_FORMAT",
    "ArtifactError",
    "export_artifact",
    "load_artifact",
    "local_copy",
    "members_digest",
    "read_manifest",
    "read_verified",
    "verify_manifest",
    "write_artifact",
]

#: Bump when the layout of the artifact (not of the index inside it) changes.
ARTIFACT_FORMAT = 2
MANIFEST = "manifest.json"
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


def _open_zip(handle: IO[bytes] | Path, where: str) -> zipfile.ZipFile:
    """The artifact as a ZIP archive, with a clear error when it is none."""
    try:
        return zipfile.ZipFile(handle)
    except FileNotFoundError:
        raise ArtifactError(f"{where}: no such index artifact (make one with "
                            "`watchlist index export PATH`)") from None
    except zipfile.BadZipFile:
        raise ArtifactError(f"{where}: not a watchlist index artifact (not a ZIP file; "
                            "make one with `watchlist index export PATH`)") from None
    except OSError as exc:
        raise ArtifactError(f"{where}: cannot be read ({exc})") from None


def _read(archive: zipfile.ZipFile, where: str, names: list[str]) -> dict[str, bytes]:
    """Members of the artifact, read within the limits (the manifest within its own)."""
    try:
        return read_members(archive, where, names, caps={MANIFEST: limits().manifest})
    except ZipLimitError as exc:
        raise ArtifactError(str(exc)) from None
    except OSError as exc:
        raise ArtifactError(f"{where}: cannot be read ({exc})") from None


def _manifest_of(archive: zipfile.ZipFile, where: str) -> dict[str, Any]:
    if MANIFEST not in archive.namelist():
        raise ArtifactError(f"{where}: not a watchlist index artifact (no {MANIFEST})")
    try:
        manifest = json.loads(_read(archive, where, [MANIFEST])[MANIFEST])
    except (ValueError, RecursionError) as exc:
        raise ArtifactError(f"{where}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or "artifact_format" not in manifest:
        raise ArtifactError(f"{where}: not a watchlist index artifact (manifest without "
                            "artifact_format)")
    return manifest


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of the artifact at path (a local path or a URL), unchecked but read
    within the limits."""
    where = os.fspath(path)
    try:
        with _open(where) as handle, _open_zip(handle, where) as archive:
            return _manifest_of(archive, where)
    except FileNotFoundError:
        raise ArtifactError(f"{where}: no such index artifact (make one with "
                            "`watchlist index export PATH`)") from None
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


def members_digest(digests: dict[str, str]) -> str:
    """One SHA-256 naming the whole index: over each member's name and SHA-256, in order."""
    total = hashlib.sha256()
    for name in sorted(digests):
        total.update(f"{name}:{digests[name]}\n".encode())
    return total.hexdigest()


def export_artifact(target: str | os.PathLike[str], store: Any = None) -> dict[str, Any]:
    """Write the index of the store's serving lists (built if needed) as an artifact at
    `target` (a local path or a URL); returns its manifest."""
    if store is None:
        from watchlist.store.store import Store

        store = Store()
    return write_artifact(open_index(store), target)


def write_artifact(index: Index, target: str | os.PathLike[str]) -> dict[str, Any]:
    """Write an index as an artifact at `target` (a local path or a URL); its manifest."""
    members = encode(index)
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    manifest = {
        "artifact_format": ARTIFACT_FORMAT,
        "index_format": index.format,
        "watchlist_version": __version__,
        "code": _code_digest(),
        "key": index.key,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "sha256": members_digest(digests),
        "size": sum(len(data) for data in members.values()),
        "members": digests,
        "entities": len(index.parties),
        "profiles": len(index.profiles),
        "lists": [mark_ref({k: v.get(k) for k in ("source", "version", "published", "sha256")},
                           v) for v in index.versions],
    }
    key = _signing_key(os.fspath(target))
    if key is not None:
        manifest[SIGNATURE] = sign(manifest, key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=6) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, default=str))
        for name in sorted(members):
            archive.writestr(name, members[name])
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
    once per machine, named by its checksum, and no larger than an index may be."""
    text = os.fspath(path)
    if text.startswith("file://"):
        return Path(text[len("file://"):])
    if not has_scheme(text):
        return Path(text)
    manifest = read_manifest(text)
    digest = str(manifest.get("sha256") or "")
    if not (digest.isascii() and digest.isalnum()):
        raise ArtifactError(f"{text}: manifest without a valid sha256")
    folder = cache_dir()
    cached = folder / f"{digest}.zip"
    if cached.is_file():
        return cached
    cap = limits().total + limits().manifest
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out, _open(text) as handle:
            copied = 0
            while chunk := handle.read(_CHUNK):
                copied += len(chunk)
                if copied > cap:
                    raise ArtifactError(f"{text}: larger than the {cap >> 20:,} MiB an index "
                                        "artifact may be (WATCHLIST_INDEX_MAX_MB)")
                out.write(chunk)
        os.replace(tmp, cached)  # processes fetching at once each write whole, one wins
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return cached


def read_verified(path: str | os.PathLike[str]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The index members of the artifact at path (local or URL) and its manifest, once the
    formats, the matching code, the members and their checksums are checked."""
    where = os.fspath(path)
    local = local_copy(where)
    with _open_zip(local, where) as archive:
        manifest = _manifest_of(archive, where)
        verify_manifest(manifest, where)
        check_signature(manifest, where)
        names = set(archive.namelist()) - {MANIFEST}
        if names != MEMBERS:
            extra = ", ".join(sorted(names - MEMBERS)) or "none"
            missing = ", ".join(sorted(MEMBERS - names)) or "none"
            raise ArtifactError(f"{where}: not the members of a watchlist index (unexpected: "
                                f"{extra}; missing: {missing}); export it again")
        members = _read(archive, where, sorted(MEMBERS))
    declared = manifest.get("members")
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    if declared != digests or members_digest(digests) != manifest.get("sha256"):
        raise ArtifactError(f"{where}: the index does not match the checksum in its "
                            "manifest (damaged or altered); copy or export it again")
    return members, manifest


def _signing_key(where: str) -> bytes | None:
    try:
        return signing_key()
    except KeyFileError as exc:
        raise ArtifactError(f"{where}: {exc}") from None


def check_signature(manifest: dict[str, Any], where: str) -> None:
    """Refuse a manifest not signed with the loader's key, when it holds one."""
    key = _signing_key(where)
    if key is None:
        return
    problem = signature_problem(manifest, key)
    if problem:
        raise ArtifactError(f"{where}: refused: {problem}; export it again with the same "
                            "WATCHLIST_INDEX_KEY_FILE")


def load_artifact(path: str | os.PathLike[str]) -> tuple[Index, dict[str, Any]]:
    """The index in the artifact at path (local or URL) and its manifest, once verified."""
    where = os.fspath(path)
    members, manifest = read_verified(where)
    index = _decode(members, where)
    if index.key != manifest.get("key"):
        raise ArtifactError(f"{where}: the index is not the one the manifest names "
                            f"({index.key} vs {manifest.get('key')})")
    return index, manifest


def _decode(members: dict[str, bytes], where: str) -> Index:
    """The index from its members, or ArtifactError naming the file."""
    try:
        return load(members)
    except IndexDataError as exc:
        raise ArtifactError(f"{where}: {exc}; export it again") from None
