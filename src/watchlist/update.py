"""Bringing the store up to date: from the publishers, or from files, directories and URLs.

Each snapshot is parsed and validated in full before the store is touched; a file that
fails is reported with its problem and the version already serving stays current.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from watchlist.errors import FetchError, SourceError
from watchlist.index.build import IndexProgress, build_missing_index, index_on_disk
from watchlist.sources.base import FileSet
from watchlist.sources.detect import sniff_file, walk
from watchlist.sources.fetch import Progress, download, make_client
from watchlist.sources.meter import Progress as ParseProgress
from watchlist.sources.parse import parse_snapshot
from watchlist.sources.registry import SOURCES, SourceInfo, formats
from watchlist.store.snapshot import Snapshot, files_sha256
from watchlist.store.store import ImportOutcome, Store, now_iso


@dataclass
class Report:
    """What an update did, source by source: outcomes, failures and skipped files."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class Reporter:
    """Receives progress from an update; the CLI draws it, tests ignore it."""

    def message(self, text: str) -> None:
        """A line for the user."""

    def parsing(self, label: str) -> tuple[ParseProgress, Callable[[], None]]:
        """Parsing of a snapshot starts: a callback told the bytes read of its files
        (done, total), and a function to call when it ends."""
        return (lambda done, total: None), (lambda: None)

    def indexing(self) -> tuple[IndexProgress, Callable[[], None]]:
        """Building the screening index starts: a callback told each stage's progress
        (stage, done, total), and a function to call when it ends."""
        return (lambda stage, done, total: None), (lambda: None)

    def downloading(self, url: str) -> tuple[Progress, Callable[[], None]]:
        """A download starts: a progress callback and a function to call when it ends."""
        return (lambda done, total: None), (lambda: None)


def _parse_all(sets: list[FileSet], origin_of: Callable[[FileSet], str], source: str | None,
               report: Report, reporter: Reporter) -> list[Snapshot]:
    snaps: list[Snapshot] = []
    for fileset in sets:
        progress, done = reporter.parsing(fileset.label)
        try:
            snaps.append(parse_snapshot(fileset, origin_of(fileset), source, progress))
        except SourceError as exc:
            report.failures.append(str(exc))
            reporter.message(f"[error] {exc}; the version serving stays current")
        finally:
            done()
    return snaps


def _write_all(store: Store, snaps: list[Snapshot], report: Report, reporter: Reporter,
               fetched_at: str | None = None) -> None:
    """Write snapshots oldest first per source (by publisher date), so the newest ends current."""
    by_source: dict[str, list[Snapshot]] = defaultdict(list)
    for snap in snaps:
        by_source[snap.source].append(snap)
    for source in sorted(by_source):
        for snap in sorted(by_source[source], key=lambda s: (s.published or "", s.origin)):
            outcome = store.write(snap, fetched_at)
            report.outcomes.append(outcome)
            line = outcome.message
            if snap.published_from == "newest listing date" and outcome.status != "duplicate":
                line += f" (no date in the file; newest listing date {snap.published} stands in)"
            if snap.warnings and outcome.status in ("imported", "history"):
                line += f" — {len(snap.warnings)} warnings (watchlist status --warnings)"
            reporter.message(line)


def update_from_paths(store: Store, paths: list[Path], source: str | None = None,
                      reporter: Reporter | None = None) -> Report:
    """Import every snapshot found in files and directories (walked recursively)."""
    reporter = reporter or Reporter()
    report = Report()
    sets, skipped = walk(paths)
    report.skipped.extend(str(item) for item in skipped)
    explicit = [p for p in paths if p.is_file()]
    for path in explicit:
        if not any(path in fs.files.values() for fs in sets):
            report.failures.append(f"{path}: {_reason(skipped, path)}")
            reporter.message(f"[error] {path}: {_reason(skipped, path)}")
    sets = [fs for fs in sets if not _already_stored(store, fs, source, report, reporter)]
    snaps = _parse_all(sets, lambda fs: fs.label, source, report, reporter)
    _write_all(store, snaps, report, reporter)
    return report


def _reason(skipped: list, path: Path) -> str:
    for item in skipped:
        if item.path == path:
            return item.reason
    return "could not be imported"


def _already_stored(store: Store, fileset: FileSet, source: str | None, report: Report,
                    reporter: Reporter) -> bool:
    existing = store.find_version(source or fileset.source, files_sha256(fileset.files))
    if existing is None:
        return False
    report.notes.append(f"{fileset.label}: already stored as {existing.source} "
                        f"version {existing.version}")
    reporter.message(f"{fileset.label}: identical file already stored as "
                     f"{existing.source} version {existing.version}; nothing to do")
    return True


def update_from_url(store: Store, url: str, source: str | None = None,
                    reporter: Reporter | None = None, client: httpx.Client | None = None) -> Report:
    """Download one file from a URL, recognise it and import it."""
    reporter = reporter or Reporter()
    report = Report()
    with tempfile.TemporaryDirectory(prefix="watchlist-") as tmp:
        name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "download"
        own = client is None
        client = client or make_client()
        try:
            progress, done = reporter.downloading(url)
            try:
                got = download(client, url, Path(tmp) / name, progress=progress)
            finally:
                done()
        except FetchError as exc:
            report.failures.append(str(exc))
            reporter.message(f"[error] {exc}")
            return report
        finally:
            if own:
                client.close()
        assert got.path is not None
        sniff = sniff_file(got.path)
        if sniff is None:
            report.failures.append(f"{url}: is not a list format watchlist knows")
            reporter.message(f"[error] {url}: is not a list format watchlist knows")
            return report
        fileset = FileSet(sniff.format, sniff.source, {sniff.role: got.path})
        snaps = _parse_all([fileset], lambda fs: url, source, report, reporter)
        _write_all(store, snaps, report, reporter)
    return report


def update_sources(store: Store, source_ids: list[str] | None = None,
                   reporter: Reporter | None = None) -> Report:
    """Download each source from its publisher and import it; a failing one is skipped."""
    reporter = reporter or Reporter()
    report = Report()
    chosen = [SOURCES[s] for s in source_ids] if source_ids else list(SOURCES.values())
    for info in chosen:
        if not info.urls():
            if source_ids:
                why = info.retired or "has no download address; import it with --from"
                report.notes.append(f"{info.id}: {why}")
                reporter.message(f"{info.id}: {why}")
            continue
        _update_one(store, info, report, reporter)
    return report


def _update_one(store: Store, info: SourceInfo, report: Report, reporter: Reporter) -> None:
    with tempfile.TemporaryDirectory(prefix="watchlist-") as tmp, \
            make_client(info.timeout, info.browser_agent) as client:
        files: dict[str, Path] = {}
        fetched: list[tuple[str, str | None, str | None]] = []
        for dl in info.urls():
            state = store.fetch_state(dl.url) or {}
            progress, done = reporter.downloading(dl.url)
            try:
                got = download(client, dl.url, Path(tmp) / f"{dl.role}.bin",
                               etag=state.get("etag"), last_modified=state.get("last_modified"),
                               retries=info.retries, progress=progress)
            except FetchError as exc:
                report.failures.append(f"{info.id}: {exc}")
                reporter.message(f"[error] {info.id}: {exc}; the version serving stays current")
                return
            finally:
                done()
            if got.not_modified:
                report.notes.append(f"{info.id}: {dl.url} not modified since the last update")
                reporter.message(f"{info.id}: not modified since the last update")
                return
            assert got.path is not None
            files[dl.role] = got.path
            fetched.append((dl.url, got.etag, got.last_modified))
        fileset = _recognise_download(info, files, report, reporter)
        if fileset is None:
            return
        snaps = _parse_all([fileset], lambda fs: " ".join(u for u, _, _ in fetched),
                           info.id, report, reporter)
        if not snaps:
            return
        _write_all(store, snaps, report, reporter, fetched_at=now_iso())
        for url, etag, last_modified in fetched:
            store.save_fetch_state(url, etag=etag, last_modified=last_modified,
                                   sha256=snaps[0].sha256, outcome="imported")


def _recognise_download(info: SourceInfo, files: dict[str, Path], report: Report,
                        reporter: Reporter) -> FileSet | None:
    """Check a download is the list it should be, judged by content as for local files."""
    sniffs = {role: sniff_file(path) for role, path in files.items()}
    for sniff in sniffs.values():
        if sniff is None or sniff.format not in info.formats:
            what = "an unknown format" if sniff is None else f"{sniff.format} ({sniff.source})"
            problem = (f"{info.id}: {info.urls()[0].url} did not return the {info.title} "
                       f"but {what}; the version serving stays current")
            report.failures.append(problem)
            reporter.message(f"[error] {problem}")
            return None
    first = next(iter(sniffs.values()))
    assert first is not None
    if first.format not in formats():
        return None
    return FileSet(first.format, info.id, {s.role if s else r: files[r] for r, s in sniffs.items()})


def index_after_update(store: Store, reports: list[Report], reporter: Reporter,
                       build: Callable[[Store, IndexProgress], bool] | None = None) -> None:
    """End of an update: when it made a new version current, build the screening index of
    the serving versions (unless it is on disk), so neither the first check nor a running
    service waits for it. A failed build loses nothing: the lists are stored, and the
    index is built again when first needed."""
    if not any(o.status == "imported" for r in reports for o in r.outcomes) \
            or index_on_disk(store):
        return
    progress, done = reporter.indexing()
    started = time.perf_counter()
    try:
        built = (build or build_missing_index)(store, progress)
    except Exception as exc:  # noqa: BLE001 - the update itself succeeded
        problem = (f"the screening index could not be built ({type(exc).__name__}: {exc}); "
                   "it is built again at the first screening")
        if reports:
            reports[-1].notes.append(problem)
        done()
        reporter.message(f"[error] {problem}")
        return
    done()
    reporter.message(f"screening index built in {time.perf_counter() - started:.1f} s" if built
                     else "screening index ready (another process built it)")
