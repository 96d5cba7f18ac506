"""Bringing the store up to date: from the publishers, or from files, directories and URLs.

Each snapshot is parsed and validated in full before the store is touched; a file that
fails is reported with its problem and the version already serving stays current. A new
version removing more than the source's shrink limit of its targets is stored but held
(the version serving stays current) until `accept_held` makes it current.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from watchlist.errors import FetchError, SourceError
from watchlist.index.build import IndexProgress, build_missing_index, index_on_disk
from watchlist.sources.base import FileSet
from watchlist.sources.bundle import BundledList, bundled_for, bundled_lists, unpack
from watchlist.sources.detect import sniff_file, walk
from watchlist.sources.fetch import Progress, download, make_client
from watchlist.sources.meter import Progress as ParseProgress
from watchlist.sources.parse import parse_snapshot
from watchlist.sources.registry import SOURCES, SourceInfo, formats
from watchlist.sources.snapshot import FETCH_TIME, NEWEST_LISTING, Snapshot, files_sha256
from watchlist.store.labels import bundled_notice
from watchlist.store.shrink import Hold
from watchlist.store.store import ImportOutcome, Store, Version, held_note, now_iso
from watchlist.version import __version__


@dataclass
class Report:
    """What an update did, source by source: outcomes, failures and skipped files."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Sources whose publisher gave no answer at all (unknown host, refused connection).
    unreachable: list[str] = field(default_factory=list)
    #: Sources imported from the bundled snapshots by this update.
    bundled: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def held(self) -> list[Hold]:
        """The versions this update stored but the shrink guard held (not served)."""
        return [o.hold for o in self.outcomes if o.hold is not None]


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
               fetched_at: str | None = None) -> list[ImportOutcome]:
    """Write snapshots oldest first per source (by publisher date), so the newest ends current.

    A download whose file holds no date at all is dated by its fetch time.
    """
    outcomes = []
    by_source: dict[str, list[Snapshot]] = defaultdict(list)
    for snap in snaps:
        if fetched_at and snap.published is None:
            snap.published, snap.published_from = fetched_at[:10], FETCH_TIME
        by_source[snap.source].append(snap)
        for note in snap.notes:
            reporter.message(f"{snap.origin}: {note}")
    for source in sorted(by_source):
        for snap in sorted(by_source[source], key=lambda s: (s.published or "", s.origin)):
            outcome = store.write(snap, fetched_at)
            report.outcomes.append(outcome)
            outcomes.append(outcome)
            line = outcome.message
            if outcome.status == "held":
                line = f"[warning] {line}"
            if snap.bundled:
                line += f" — {bundled_notice(snap)}"
            if snap.published_from == NEWEST_LISTING and outcome.status != "duplicate":
                line += f" (no date in the file; newest listing date {snap.published} stands in)"
            if snap.warnings and outcome.status in ("imported", "held", "history"):
                line += f" — {len(snap.warnings)} warnings (watchlist status --warnings)"
            reporter.message(line)
    return outcomes


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
                     f"{existing.source} version {existing.version}{held_note(existing)}; "
                     "nothing to do")
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
                   reporter: Reporter | None = None, fallback: bool = False) -> Report:
    """Download each source from its publisher and import it; a failing one is skipped.

    The publishers are fetched at once (a thread each), so unreachable ones cost the time of
    one failure, not the sum. With `fallback`, a list whose publisher could not be reached
    and of which the store holds no version is imported from the bundled snapshots.
    """
    reporter = reporter or Reporter()
    report = Report()
    chosen = [SOURCES[s] for s in source_ids] if source_ids else list(SOURCES.values())
    wanted = []
    for info in chosen:
        if not info.urls():
            if source_ids:
                why = info.retired or "has no download address; import it with --from"
                report.notes.append(f"{info.id}: {why}")
                reporter.message(f"{info.id}: {why}")
            continue
        wanted.append(info)
    with tempfile.TemporaryDirectory(prefix="watchlist-") as tmp:
        for info, fetched in _fetch_all(store, wanted, Path(tmp), reporter):
            _import_fetched(store, info, fetched, report, reporter)
    order = list(SOURCES)
    report.unreachable.sort(key=order.index)
    if fallback and report.unreachable:
        _fall_back(store, report, reporter)
    _retire_stand_ins(store, report, reporter)
    return report


def _retire_stand_ins(store: Store, report: Report, reporter: Reporter) -> None:
    """A bundled snapshot standing in for another list (OFSI's for the UK Sanctions List)
    stops serving once that list serves from its publisher; it is kept as history."""
    serving = {v.source: v for v in store.serving()}
    for entry in bundled_lists():
        mine = serving.get(entry.source)
        if mine is None or not mine.bundled:
            continue
        for other in entry.stands_in_for:
            if other in serving and not serving[other].bundled:
                store.stop_serving(entry.source)
                note = (f"{entry.source}: its bundled snapshot stood in for {other}, which now "
                        "serves from its publisher; it no longer serves (kept as history)")
                report.notes.append(note)
                reporter.message(note)
                break


@dataclass
class _Fetched:
    """What downloading one source gave: its files and their validators, or why not."""

    files: dict[str, Path] = field(default_factory=dict)
    validators: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    not_modified: str | None = None
    error: FetchError | None = None


def _fetch_all(store: Store, infos: list[SourceInfo], tmp: Path, reporter: Reporter
               ) -> Iterator[tuple[SourceInfo, _Fetched]]:
    """Download every source at once, each in its own thread; yield each as it finishes.

    The store is read and the reporter's progress entries made here, in the calling thread;
    the threads only download and call the progress callbacks.
    """
    if not infos:
        return
    jobs = []
    for info in infos:
        states = {dl.url: store.fetch_state(dl.url) or {} for dl in info.urls()}
        bars = [reporter.downloading(dl.url) for dl in info.urls()]
        jobs.append((info, states, bars))
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="watchlist-fetch") as pool:
        futures = {pool.submit(_fetch_one, info, tmp / info.id, states, bars): info
                   for info, states, bars in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _fetch_one(info: SourceInfo, dest: Path, states: dict[str, dict],
               bars: list[tuple[Progress, Callable[[], None]]]) -> _Fetched:
    """Download one source's files in turn (in a worker thread; touches no store)."""
    got = _Fetched()
    try:
        with make_client(info.timeout, info.browser_agent) as client:
            for dl, (progress, _) in zip(info.urls(), bars, strict=True):
                state = states.get(dl.url, {})
                try:
                    res = download(client, dl.url, dest / f"{dl.role}.bin",
                                   etag=state.get("etag"),
                                   last_modified=state.get("last_modified"),
                                   retries=info.retries, progress=progress)
                except FetchError as exc:
                    got.error = exc
                    return got
                if res.not_modified:
                    got.not_modified = dl.url
                    return got
                assert res.path is not None
                got.files[dl.role] = res.path
                got.validators.append((dl.url, res.etag, res.last_modified))
    finally:
        for _, done in bars:
            done()
    return got


def _import_fetched(store: Store, info: SourceInfo, got: _Fetched, report: Report,
                    reporter: Reporter) -> None:
    """Recognise, parse and store what was downloaded for one source."""
    if got.error is not None:
        report.failures.append(f"{info.id}: {got.error}")
        if got.error.unreachable:
            report.unreachable.append(info.id)
        reporter.message(f"[error] {info.id}: {got.error}; the version serving stays current")
        return
    if got.not_modified:
        report.notes.append(f"{info.id}: {got.not_modified} not modified since the last update")
        reporter.message(f"{info.id}: not modified since the last update")
        return
    fileset = _recognise_download(info, got.files, report, reporter)
    if fileset is None:
        return
    snaps = _parse_all([fileset], lambda fs: " ".join(u for u, _, _ in got.validators),
                       info.id, report, reporter)
    if not snaps:
        return
    outcomes = _write_all(store, snaps, report, reporter, fetched_at=now_iso())
    for outcome in outcomes:
        found = outcome.version
        if found.bundled and outcome.status in ("duplicate", "unchanged"):
            store.unmark_bundled(found.id)
            reporter.message(f"{info.id}: the publisher serves what the bundled snapshot of "
                             f"{found.bundled} holds; version {found.version} is now its "
                             "current list")
    for url, etag, last_modified in got.validators:
        store.save_fetch_state(url, etag=etag, last_modified=last_modified,
                               sha256=snaps[0].sha256,
                               outcome="held" if any(o.hold for o in outcomes) else "imported")


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


def update_from_bundle(store: Store, source_ids: list[str] | None = None,
                       reporter: Reporter | None = None) -> Report:
    """Import the snapshots bundled in the package (of these sources, or all of them)."""
    reporter = reporter or Reporter()
    report = Report()
    entries: list[BundledList] = []
    for source_id in source_ids or [b.source for b in bundled_lists()]:
        entry = bundled_for(source_id)
        if entry is None:
            problem = f"{source_id}: watchlist bundles no snapshot of this list"
            report.failures.append(problem)
            reporter.message(f"[error] {problem}")
        elif entry not in entries:
            if entry.source != source_id:
                reporter.message(f"{source_id}: no bundled snapshot; {entry.source} "
                                 f"({entry.title}) stands in for it")
            entries.append(entry)
    _import_bundled(store, entries, report, reporter)
    return report


def _fall_back(store: Store, report: Report, reporter: Reporter) -> None:
    """Import the bundled snapshot of each list whose publisher could not be reached and of
    which the store holds no version (nor of the list it stands in for)."""
    held = {v.source for v in store.versions()}
    entries: list[BundledList] = []
    for source_id in report.unreachable:
        entry = bundled_for(source_id)
        if entry is None or entry in entries or {source_id, entry.source} & held:
            continue
        entries.append(entry)
    if not entries:
        return
    reporter.message("[warning] no publisher reached and nothing stored for "
                     f"{', '.join(s for s in report.unreachable if s not in held)}: importing "
                     "the snapshots bundled with watchlist instead "
                     f"({', '.join(f'{e.source} of {e.snapshot_date}' for e in entries)}); "
                     "they are NOT the publishers' current lists")
    _import_bundled(store, entries, report, reporter)


def _import_bundled(store: Store, entries: list[BundledList], report: Report,
                    reporter: Reporter) -> None:
    with tempfile.TemporaryDirectory(prefix="watchlist-") as tmp:
        for entry in entries:
            where = Path(tmp) / "bundled" / entry.source
            try:
                unpack(entry, where)
            except SourceError as exc:
                report.failures.append(str(exc))
                reporter.message(f"[error] {exc}")
                continue
            sets, _ = walk([where])
            if len(sets) != 1 or sets[0].source != entry.source:
                problem = (f"{entry.source}: the bundled snapshot of {entry.snapshot_date} "
                           "was not recognised as that list: the package is damaged")
                report.failures.append(problem)
                reporter.message(f"[error] {problem}")
                continue
            if _already_stored(store, sets[0], entry.source, report, reporter):
                continue
            origin = (f"bundled with watchlist {__version__}: {entry.title}, snapshot of "
                      f"{entry.snapshot_date} (copy from {entry.copied_from})")
            snaps = _parse_all(sets, lambda fs, o=origin: o, entry.source, report, reporter)
            for snap in snaps:
                snap.bundled = entry.snapshot_date
            _write_all(store, snaps, report, reporter)
            report.bundled.extend(s.source for s in snaps)


def accept_held(store: Store, source_ids: list[str] | None, actor: str,
                reporter: Reporter | None = None) -> Report:
    """Make the versions held by the shrink guard current (of these sources, or all), each
    audit-logged as accepted by `actor`; a source with nothing held is a note."""
    reporter = reporter or Reporter()
    report = Report()
    waiting = {h.source for h in store.held()}
    for source in source_ids or sorted(waiting):
        accepted = store.accept_held(source, actor) if source in waiting else None
        if accepted is None:
            note = f"{source}: no version is held by the shrink guard; nothing to accept"
            report.notes.append(note)
            reporter.message(note)
            continue
        hold, version = accepted
        message = (f"{source}: version {version.version} is now current (shrink accepted: "
                   f"{hold.targets:,} targets, {hold.serving_targets:,} in version "
                   f"{hold.serving_version})")
        report.outcomes.append(ImportOutcome("imported", version, message))
        reporter.message(message)
    return report


def offline_advice(report: Report, store: Store) -> list[str]:
    """What to tell a user whose update could not reach some publishers: what serves each of
    those lists now (a bundled snapshot says so) and how to get the current lists."""
    if not report.unreachable:
        return []
    serving = {v.source: v for v in store.serving()}
    lines = [f"Could not reach the publishers of {', '.join(report.unreachable)} "
             "(no network here, or a proxy or firewall in the way?):"]
    lines += [f"  {s}: {_serving_text(s, serving)}" for s in report.unreachable]
    lines += [
        "To get the publishers' current lists:",
        "  - run `watchlist update` again where the publishers can be reached;",
        "  - or download the files elsewhere and import them: `watchlist update --from DIR`;",
        "  - or point a list at a mirror you can reach: WATCHLIST_URL_<SOURCE>=URL "
        "(e.g. WATCHLIST_URL_UN_SC_SANCTIONS).",
    ]
    if any(s not in serving and (e := bundled_for(s)) and e.source not in serving
           for s in report.unreachable):
        lines.append("  - meanwhile `watchlist update --bundled` imports the dated snapshots "
                     "bundled with watchlist (not the current lists).")
    return lines


def _serving_text(source_id: str, serving: dict[str, Version]) -> str:
    """What serves a list whose publisher could not be reached."""
    entry = bundled_for(source_id)
    version = serving.get(source_id)
    stand_in = ""
    if version is None and entry is not None and entry.source in serving:
        version, stand_in = serving[entry.source], f"{entry.source} stands in: "
    if version is None:
        return "nothing serves it" + ("" if entry else " (watchlist bundles no snapshot of it)")
    if version.bundled:
        return f"{stand_in}{bundled_notice(version)}"
    return f"{stand_in}version {version.version}, already stored, keeps serving"


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
