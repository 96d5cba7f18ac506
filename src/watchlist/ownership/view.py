"""The ownership picture of a store: the graph of every relation the serving lists state and
the user's serving datasets hold, and what each rule makes of it; kept in memory by a
long-running process and rebuilt when the serving lists or datasets change."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from watchlist.config import home
from watchlist.match.prepare import normalize_identifier
from watchlist.names.normalize import name_tokens, normalize_text
from watchlist.ownership.compute import Assessment, assess
from watchlist.ownership.explain import Finding, explain
from watchlist.ownership.graph import Graph
from watchlist.ownership.listed import relations_of as list_relations
from watchlist.ownership.resolve import Directory, resolve
from watchlist.ownership.rules import RULES, Rule
from watchlist.ownership.stored import Import, relations_of, serving_imports
from watchlist.sources.relations import Relation
from watchlist.store.store import Store


@dataclass
class OwnershipView:
    """A graph, its listed parties and each rule's assessment of it."""

    graph: Graph
    directory: Directory
    assessments: dict[str, Assessment]
    imports: list[Import] = field(default_factory=list)
    key: tuple[Any, ...] = ()
    _by_name: dict[str, list[int]] | None = None
    _tokens: dict[str, list[int]] | None = None
    _identifiers: dict[str, list[int]] | None = None

    def findings(self, party: str) -> list[Finding]:
        """The party's findings, one per rule that blocks it (certainly or possibly)."""
        found = []
        for assessment in self.assessments.values():
            finding = explain(assessment, party)
            if finding is not None:
                found.append(finding)
        found.sort(key=lambda f: (f.status != "blocked", -f.share))
        return found

    def derived(self) -> set[int]:
        """Node numbers of the unlisted parties some rule blocks (possibly)."""
        out: set[int] = set()
        for assessment in self.assessments.values():
            out.update(n for n in assessment.blocked[1] if n not in assessment.listed)
        listed = set(self.directory.captions)
        return {n for n in out if self.graph.ids[n] not in listed}

    def by_name(self, name: str) -> list[str]:
        """Ids of the derived parties called exactly `name` (normalised)."""
        if self._by_name is None:
            index: dict[str, list[int]] = {}
            for node in self.derived():
                key = normalize_text(self.graph.names[node] or "")
                if key:
                    index.setdefault(key, []).append(node)
            self._by_name = index
        return [self.graph.ids[n] for n in self._by_name.get(normalize_text(name), [])]

    def by_identifier(self, value: str) -> list[str]:
        """Ids of the derived parties an identifier names: the id itself, or the LEI or
        company number an id is made of (`lei-…`, `gb-coh-…`), compared as identifiers are
        (letters and digits, upper case)."""
        if self._identifiers is None:
            index: dict[str, list[int]] = {}
            for node in sorted(self.derived()):
                party = self.graph.ids[node]
                for form in {party, ID_PREFIX.sub("", party)}:
                    index.setdefault(normalize_identifier(form), []).append(node)
            self._identifiers = index
        return [self.graph.ids[n] for n in self._identifiers.get(normalize_identifier(value), [])]

    def token_index(self) -> dict[str, list[int]]:
        """The derived parties by each word of their names (normalised)."""
        if self._tokens is None:
            index: dict[str, list[int]] = {}
            for node in sorted(self.derived()):
                for token in set(name_tokens(self.graph.names[node] or "")):
                    index.setdefault(token, []).append(node)
            self._tokens = index
        return self._tokens

    def tree(self, party: str, depth: int = 3) -> dict[str, Any]:
        """The owners above and the holdings below a party, `depth` levels each way."""
        graph = self.graph
        node = graph.number.get(party)
        if node is None:
            return {"id": party, "owners": [], "holdings": []}

        def level(at: int, up: bool, left: int, seen: frozenset[int]) -> list[dict[str, Any]]:
            if left == 0:
                return []
            out = []
            for number in (graph.owners_of(at) if up else graph.holdings_of(at)):
                edge = graph.edge(number)
                other = edge.owner if up else edge.owned
                out.append({"id": graph.ids[other], "name": graph.name_of(other),
                            "status": self._status(graph.ids[other]), "kind": edge.kind,
                            "share": edge.low and round(edge.low, 4),
                            "share_high": edge.high and round(edge.high, 4),
                            "source": edge.source, "as_of": edge.as_of or None,
                            "cycle": other in seen,
                            "next": [] if other in seen
                            else level(other, up, left - 1, seen | {other})})
            return out

        return {"id": party, "name": graph.name_of(node), "status": self._status(party),
                "owners": level(node, True, depth, frozenset({node})),
                "holdings": level(node, False, depth, frozenset({node}))}

    def _status(self, party: str) -> str | None:
        found = [a.status(party) for a in self.assessments.values()]
        for status in ("listed", "blocked", "possible"):
            if status in found:
                return status
        return None


def build_view(relations: Iterable[Relation], directory: Directory,
               rules: Sequence[Rule] | None = None, imports: Sequence[Import] = (),
               key: tuple[Any, ...] = ()) -> OwnershipView:
    """The view of the given relations (resolved against the listed entities)."""
    graph = Graph()
    for entity_id, caption in directory.captions.items():
        graph.node(entity_id, caption)
    graph.add_all(resolve(r, directory) for r in relations)
    chosen = list(rules) if rules is not None else list(RULES.values())
    assessments = {rule.name: assess(graph, rule, directory.listed_in(rule.lists))
                   for rule in chosen}
    return OwnershipView(graph, directory, assessments, list(imports), key)


def lists_part(store: Store, versions: Sequence[Any]) -> tuple[Directory, list[Relation]]:
    """The listed entities and the relations their notes state, for the given versions:
    read from the lists once, then from a file beside the store's index while the
    versions (and this code) stay the same."""
    stamp = {"versions": sorted(v.id for v in versions), "url": store.url,
             "code": _code_stamp()}
    cache = home() / LISTS_CACHE
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("stamp") == stamp:
            directory = Directory(saved["captions"], saved["sources"], saved["by_name"])
            return directory, [Relation(*r) for r in saved["relations"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent or unreadable: read the lists
    directory = Directory()
    relations: list[Relation] = []
    for version in versions:
        for entity in store.iter_entities([version], targets_only=True):
            caption = entity.caption or entity.id
            directory.add(entity.id, version.source, caption, entity.get("name", quiet=True)
                          + entity.get("alias", quiet=True))
            notes = entity.get("notes", quiet=True)
            if notes:
                relations += list_relations(entity.id, caption, notes, version.source,
                                            (version.published or "")[:10])
    data = {"stamp": stamp, "captions": directory.captions, "sources": directory.sources,
            "by_name": directory.by_name, "relations": [astuple(r) for r in relations]}
    try:
        partial = cache.with_suffix(".tmp")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        partial.replace(cache)
    except OSError:
        log.warning("could not save %s; the lists' relations are read afresh next time", cache)
    return directory, relations


@functools.cache
def _code_stamp() -> str:
    """A digest of the code reading the lists' relations: a change rereads them."""
    digest = hashlib.sha256()
    for module in ("listed.py", "resolve.py"):
        digest.update((Path(__file__).with_name(module)).read_bytes())
    return digest.hexdigest()[:16]


def load_view(store: Store, rules: Sequence[Rule] | None = None) -> OwnershipView:
    """The view of the store's serving lists and datasets."""
    versions = store.serving()
    directory, relations = lists_part(store, versions)
    imports = serving_imports(store)
    relations = relations + relations_of(store, imports)
    key = (tuple(sorted(v.id for v in versions)), tuple(i.id for i in imports))
    return build_view(relations, directory, rules, imports, key)


#: The file beside the store caching the lists' part of the view.
LISTS_CACHE = "ownership-lists.json"
log = logging.getLogger("watchlist.ownership")
#: Prefixes of the ids made of registry numbers (GLEIF, Companies House).
ID_PREFIX = re.compile(r"^(lei|gb-coh)-")
_CACHE: dict[str, OwnershipView] = {}
_LOCK = threading.Lock()


def view_key(store: Store) -> tuple[Any, ...]:
    """What a view of the store depends on: its serving list versions and datasets."""
    return (tuple(sorted(store.serving_ids())), tuple(i.id for i in serving_imports(store)))


def current_view(store: Store) -> OwnershipView:
    """The view of the store, reused while its serving lists and datasets stay the same."""
    key = view_key(store)
    with _LOCK:
        found = _CACHE.get(store.url)
        if found is not None and found.key == key:
            return found
    view = load_view(store)
    with _LOCK:
        _CACHE[store.url] = view
    return view
