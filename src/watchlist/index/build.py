"""The candidate index: every name of every current list entry, ready to search and score.

Built once per set of serving versions and persisted next to the store, at
``$WATCHLIST_HOME/index/<key>.idx`` where the key hashes the serving version ids and raw
file digests (and the matching code, so an upgrade rebuilds it), as plain data that
loading can never run as code (`watchlist.index.codec`); a new process loads it in
about half a second. It holds:

* every target (person, organisation, vessel, aircraft) as a prepared `Party`: name forms
  with token weights, birth dates, countries (with those of its addresses), identifiers
  (with those of its Passport / Identification entities, and the UN reference of a
  designation that implements a UN listing), and its designations (source, reference,
  regime, listing date);
* the token vocabulary with rarity weights, and an inverted index token -> name forms;
* typo tolerance: a deletion neighbourhood (SymSpell, one deletion) from each variant to
  the vocabulary tokens it may be a typo of; consonant skeletons (for names written in
  Arabic or Hebrew script); rigour's name symbols (Mikhail ~ Michael, Bill ~ William);
* an identifier index (normalised value -> targets);
* the profiles: records of different lists (or of one list) linked as one party, with
  the evidence of each link (see `watchlist.profiles.linking`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from followthemoney import EntityProxy

from watchlist import config
from watchlist.errors import WatchlistError
from watchlist.index.codec import MEMBERS, encode, load
from watchlist.index.model import FORMAT, Index
from watchlist.index.search import deletions, vocabulary_expansions
from watchlist.index.zipread import read_members
from watchlist.match.names import DEFAULT_CONFIG, Sims, _skeleton
from watchlist.match.prepare import (
    MIN_IDENTIFIER,
    Party,
    TokenStats,
    kind_of,
    normalize_identifier,
)
from watchlist.match.symbols import load_symbols, set_runtime, symbol_table, token_symbols
from watchlist.names.scripts import latin_forms
from watchlist.profiles.identity import apply_stable_ids
from watchlist.profiles.linking import link_profiles
from watchlist.progress import IndexProgress, Stage
from watchlist.store.labels import mark_ref

__all__ = [
    "FORMAT",
    "TARGET_SCHEMATA",
    "Index",
    "IndexProgress",
    "build_index",
    "build_missing_index",
    "index_key",
    "index_on_disk",
    "index_path",
    "load_index",
    "open_index",
    "save_index",
    "updating_lists",
    "wait_for_updates",
]

log = logging.getLogger(__name__)

TARGET_SCHEMATA = frozenset(
    {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane", "PublicBody"}
)

#: Identification types (lower-cased substrings) -> the identifier property they are.
_ID_TYPES = (
    ("passport", "passportNumber"), ("imo", "imoNumber"), ("swift", "swiftBic"),
    ("bic", "swiftBic"), ("registration", "registrationNumber"), ("tax", "taxNumber"),
    ("inn", "innCode"), ("ogrn", "ogrnCode"), ("lei", "leiCode"), ("mmsi", "mmsi"),
)


#: The code that decides what an index holds: a change to any of it makes a new index.
_CODE = ("match", "names", "index/build.py", "index/search.py", "profiles")


def _code_digest() -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for part in _CODE:
        path = package / part
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        for file in files:
            try:
                digest.update(file.name.encode() + file.read_bytes())
            except OSError:
                continue
    return digest.hexdigest()[:16]


def index_key(versions: Iterable[Any]) -> str:
    """The key of the index for a set of serving versions (ids, raw file digests, and the
    date of a bundled snapshot, which the index names) and the code that prepares names and
    links profiles."""
    digest = hashlib.sha256(f"format={FORMAT};code={_code_digest()}".encode())
    for v in sorted(versions, key=lambda v: v.id):
        digest.update(f"|{v.id}:{v.source}:{v.sha256}".encode())
        if getattr(v, "bundled", None):
            digest.update(f":bundled={v.bundled}".encode())
    return digest.hexdigest()[:24]


def index_dir(home: Path | None = None) -> Path:
    return (home or config.home()) / "index"


def index_path(key: str, home: Path | None = None) -> Path:
    return index_dir(home) / f"{key}.idx"


def _id_prop(kind: str) -> str:
    lowered = kind.lower()
    for needle, prop in _ID_TYPES:
        if needle in lowered:
            return prop
    return "idNumber"


def _designation(source: str, sanction: EntityProxy) -> dict[str, Any]:
    listed = (sanction.first("listingDate", quiet=True) or sanction.first("startDate", quiet=True)
              or sanction.first("date", quiet=True))
    return {
        "source": source,
        "ref": ", ".join(sanction.get("authorityId", quiet=True)) or None,
        "regime": "; ".join(sanction.get("program", quiet=True)) or None,
        "listed": listed,
        "authority": sanction.first("authority", quiet=True),
        "sanction_id": sanction.id,
    }


def _collect(store: Any, versions: list[Any], progress: IndexProgress | None = None
             ) -> tuple[list[Party], list[str], list[list[dict[str, Any]]]]:
    """Targets of the serving versions as parties, with their sources and designations."""
    parties: list[Party] = []
    sources: list[str] = []
    designations: list[list[dict[str, Any]]] = []
    reading = Stage(progress, "reading records",
                    sum(int(getattr(v, "entities", 0) or 0) for v in versions))
    for version in versions:
        targets: dict[str, EntityProxy] = {}
        sanctions: dict[str, list[EntityProxy]] = defaultdict(list)
        idents: dict[str, list[tuple[str, str]]] = defaultdict(list)
        addr_countries: dict[str, set[str]] = {}
        for entity in reading.over(store.iter_entities([version])):
            name = entity.schema.name
            if name in TARGET_SCHEMATA and (entity.get("name", quiet=True)
                                            or entity.get("alias", quiet=True)):
                targets[entity.id] = entity
            elif name == "Sanction":
                for ref in entity.get("entity", quiet=True):
                    sanctions[ref].append(entity)
            elif name in ("Identification", "Passport"):
                kind = "passport" if name == "Passport" else (entity.first("type", quiet=True)
                                                              or "")
                for holder in entity.get("holder", quiet=True):
                    for number in entity.get("number", quiet=True):
                        idents[holder].append((_id_prop(kind), number))
            elif name == "Address":
                countries = set(entity.get("country", quiet=True))
                if countries:
                    addr_countries[entity.id] = countries
        for entity_id in sorted(targets):
            entity = targets[entity_id]
            if entity_id not in sanctions and "sanction" not in entity.get("topics", quiet=True):
                continue
            party = Party.from_entity(entity)
            extra: dict[str, set[str]] = defaultdict(set)
            for prop, number in idents.get(entity_id, ()):
                value = normalize_identifier(number)
                if len(value) >= MIN_IDENTIFIER:
                    extra[prop].add(value)
            for sanction in sanctions.get(entity_id, ()):  # the UN listing it implements
                for ref in sanction.get("unscId", quiet=True):
                    value = normalize_identifier(ref)
                    if len(value) >= MIN_IDENTIFIER:
                        extra["unscId"].add(value)
            for prop, values in extra.items():
                party.identifiers[prop] = party.identifiers.get(prop, frozenset()) | values
            countries = set(party.countries)
            for addr in entity.get("addressEntity", quiet=True):
                countries |= addr_countries.get(addr, set())
            party.countries = frozenset(c.lower() for c in countries)
            parties.append(party)
            sources.append(version.source)
            designations.append([
                {**_designation(version.source, s), "entity_id": entity_id}
                for s in sorted(sanctions.get(entity_id, []), key=lambda s: s.id)
            ] or [{"source": version.source, "ref": None, "regime": None, "listed": None,
                   "authority": None, "sanction_id": None, "entity_id": entity_id}])
    reading.end()
    return parties, sources, designations


def build_index(store: Any, versions: list[Any] | None = None,
                progress: IndexProgress | None = None) -> Index:
    """Build the index of the serving versions of a store (not persisted; see `open_index`),
    telling `progress` how each stage goes."""
    started = time.perf_counter()
    versions = list(versions if versions is not None else store.serving())
    key = index_key(versions)
    parties, sources, designations = _collect(store, versions, progress)

    token_sets = []
    for party in parties:
        tokens: set[str] = set()
        for name, _weak in party.names:
            for form in latin_forms(name):
                tokens.update(form.split())
        token_sets.append(tokens)
    stats = TokenStats.from_token_sets(token_sets, key=key)

    forms: list[Any] = []
    form_entity: list[int] = []
    form_weight: list[float] = []
    vocab: dict[str, int] = {}
    postings: list[list[int]] = []
    naming = Stage(progress, "preparing names", len(parties))
    for e, party in enumerate(naming.over(parties)):
        prepared = party.forms(kind_of(party.schema), stats)
        for form in prepared:
            fid = len(forms)
            forms.append(form)
            form_entity.append(e)
            form_weight.append(float(sum(form.weights)))
            for token in set(form.tokens):
                tid = vocab.get(token)
                if tid is None:
                    tid = vocab[token] = len(postings)
                    postings.append([])
                postings[tid].append(fid)
    naming.end()
    vocab_tokens = [""] * len(vocab)
    for token, tid in vocab.items():
        vocab_tokens[tid] = token
    offsets = np.zeros(len(postings) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(p) for p in postings])
    post_forms = np.fromiter((f for p in postings for f in p), dtype=np.int32,
                             count=int(offsets[-1]))
    vocab_weight = np.array([stats.weight(t) for t in vocab_tokens], dtype=np.float32)

    deletes: dict[str, list[int]] = defaultdict(list)
    skeletons: dict[str, list[int]] = defaultdict(list)
    for tid, token in enumerate(vocab_tokens):
        if token.isdigit():
            continue
        if len(token) >= 4:
            for variant in deletions(token):
                deletes[variant].append(tid)
        if len(token) >= 3:
            sk = _skeleton(token)
            if len(sk) >= 2:
                skeletons[sk].append(tid)

    wanted = [t for t in vocab_tokens if len(t) > 1 and not t.isdigit()]
    if progress is not None and wanted:  # the first lookup loads rigour's tables (seconds)
        progress("loading the name symbol tables", 0, 0)
        token_symbols(wanted[0])
    looking_up = Stage(progress, "looking up name symbols", len(wanted))
    symbols = symbol_table(looking_up.over(wanted))
    looking_up.end()
    members: dict[str, list[int]] = defaultdict(list)
    for token, syms in symbols.items():
        tid = vocab[token]
        for sym in syms:
            members[sym].append(tid)
    symbol_members = {s: tuple(ids) for s, ids in members.items() if 1 < len(ids) <= 50}

    identifiers: dict[str, list[int]] = defaultdict(list)
    for e, party in enumerate(parties):
        for value in party.identifier_values:
            identifiers[value].append(e)

    index = Index(
        key=key,
        versions=[mark_ref({"id": v.id, "source": v.source, "version": v.version,
                            "sha256": v.sha256, "published": v.published}, v)
                  for v in versions],
        stats=stats, parties=parties, sources=sources, designations=designations,
        form_entity=np.array(form_entity, dtype=np.int32),
        form_weight=np.array(form_weight, dtype=np.float32),
        forms=forms, vocab=vocab, vocab_tokens=vocab_tokens, vocab_weight=vocab_weight,
        post_offsets=offsets, post_forms=post_forms,
        deletes={k: tuple(v) for k, v in deletes.items()},
        skeletons={k: tuple(v) for k, v in skeletons.items()},
        symbol_members=symbol_members, symbols=symbols,
        identifiers={k: tuple(v) for k, v in identifiers.items()},
        profile_of=np.zeros(0, dtype=np.int32), profiles=[], profile_lead=[],
        profile_ids=[], links=[],
    )
    if progress is not None:
        progress("expanding the vocabulary", 0, 0)
    before = set_runtime(False)  # symbols as a screener has them: the index's tokens only
    try:
        index.exp_offsets, index.exp_tids, index.exp_sims = vocabulary_expansions(
            index, Sims(DEFAULT_CONFIG))
    finally:
        set_runtime(before)
    link_profiles(index, progress)
    apply_stable_ids(store, index)
    index.built_at = time.time()
    index.build_seconds = time.perf_counter() - started
    return index


def save_index(index: Index, path: Path) -> None:
    """Write the index atomically (a half-written file is never read), as plain data
    (`watchlist.index.codec`): a ZIP file of JSON and numpy arrays, stored uncompressed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".idx-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            for name, data in encode(index).items():
                archive.writestr(name, data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_index(path: Path) -> Index | None:
    """The index at path, or None when it is missing, unreadable, malformed or of another
    format (read within the bounds of `watchlist.index.zipread`; never run as code)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return load(read_members(archive, str(path), sorted(MEMBERS)))
    except (OSError, zipfile.BadZipFile, WatchlistError) as exc:
        if path.exists():
            log.warning("index %s unreadable (%s); rebuilding", path, exc)
        return None


def open_index(store: Any, rebuild: bool = False, keep: int = 2) -> Index:
    """The index of the store's serving versions: loaded if persisted, else built and saved.

    Older index files are removed, keeping the `keep` most recent.
    """
    versions = store.serving()
    key = index_key(versions)
    path = index_path(key)
    if not rebuild:
        index = load_index(path)
        if index is not None:
            return index
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.with_suffix(".lock")):  # workers opening at once: one builds
        if not rebuild:
            index = load_index(path)
            if index is not None:
                return index
        index = build_index(store, versions)
        save_index(index, path)
    _prune(path.parent, keep)
    load_symbols(index.symbols, index.vocab_tokens)
    return index


def index_on_disk(store: Any) -> bool:
    """Whether the index of the store's serving versions is saved (or nothing serves)."""
    versions = store.serving()
    return not versions or index_path(index_key(versions)).exists()


def build_missing_index(store: Any, progress: IndexProgress | None = None,
                        keep: int = 2) -> bool:
    """Build and save the index of the store's serving versions unless it is on disk
    (one another process is building is waited for); whether this call built it.

    Unlike `open_index`, an index on disk is not loaded: for an update, which only makes
    it ready for the screenings to come."""
    versions = store.serving()
    if not versions:
        return False
    path = index_path(index_key(versions))
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    waiting = (lambda: progress("waiting for another process building it", 0, 0)) \
        if progress is not None else None
    with _locked(path.with_suffix(".lock"), waiting):
        if path.exists():
            return False
        save_index(build_index(store, versions, progress), path)
    _prune(path.parent, keep)
    return True


def _update_lock(home: Path | None = None) -> Path | None:
    """The file updates lock, or None when the index folder cannot be written (then
    there is no index to wait for either)."""
    lock = index_dir(home) / "update.lock"
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        lock.touch()
    except OSError as exc:
        log.warning("cannot write %s (%s); updates and services do not wait for each other",
                    lock, exc)
        return None
    return lock


@contextmanager
def updating_lists(home: Path | None = None) -> Iterator[None]:
    """Held by an update from before its first write until its index is saved, so a
    service noticing new versions meanwhile waits (`wait_for_updates`) and then loads
    that index, rather than build one of its own of a half-updated set of lists."""
    lock = _update_lock(home)
    if lock is None:
        yield
        return
    with _locked(lock):
        yield


def wait_for_updates(home: Path | None = None) -> None:
    """Return once no update (`updating_lists`) is running on this store's home."""
    lock = _update_lock(home)
    if lock is not None:
        with _locked(lock):
            pass


@contextmanager
def _locked(lock: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive lock on a file, shared between processes (and threads); `waiting` is
    called if another holds it."""
    with open(lock, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock, at worst two builds
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _prune(folder: Path, keep: int) -> None:
    files = sorted(folder.glob("*.idx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        for file in (old, old.with_suffix(".lock")):
            try:
                file.unlink()
            except OSError:
                pass

