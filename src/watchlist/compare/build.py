"""The comparison of a scope: one row per party (profile) in it, one cell per jurisdiction,
from the index's profiles and designations and the store's history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from watchlist.compare.analysis import gaps, lead_lag, select_rows, timeline
from watchlist.compare.cells import make_cell
from watchlist.compare.history import DelistedRecord, delisted_records, first_seen
from watchlist.compare.model import FIRST_SEEN, PUBLISHER, Dated, Row, Scope
from watchlist.errors import WatchlistError
from watchlist.monitor.alerts import list_alerts
from watchlist.regimes.taxonomy import Taxonomy, split_labels
from watchlist.store.store import Store

__all__ = ["CompareError", "Comparison", "compare"]


class CompareError(WatchlistError):
    """A scope that names nothing to compare (an unknown regime, party or country)."""


@dataclass
class Comparison:
    """A scope's rows, the jurisdictions compared, and what the rows say."""

    scope: Scope
    regimes: list[str]
    jurisdictions: list[str]
    rows: list[Row]
    selected: list[Row] = field(default_factory=list)
    by: list[str] = field(default_factory=list)
    not_by: list[str] = field(default_factory=list)

    def gaps(self) -> list[dict[str, Any]]:
        return gaps(self.rows, self.jurisdictions)

    def lag(self) -> list[dict[str, Any]]:
        return lead_lag(self.rows, self.jurisdictions)

    def timeline(self) -> dict[str, Any]:
        return timeline(self.rows, self.jurisdictions)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of `watchlist compare --json` and `GET /compare`."""
        body: dict[str, Any] = {
            "regime": self.scope.regime, "country": self.scope.country,
            "scope": self.scope.describe(), "regimes": self.regimes,
            "jurisdictions": self.jurisdictions,
            "parties": [r.to_dict() for r in self.rows],
            "gaps": self.gaps(), "lag": self.lag(), "timeline": self.timeline()}
        if self.by or self.not_by:
            body["filter"] = {"listed_by": self.by, "not_listed_by": self.not_by,
                              "parties": [r.to_dict() for r in self.selected]}
        return body


def _in_scope_regimes(scope: Scope, taxonomy: Taxonomy) -> list[str] | None:
    if scope.regime:
        return [taxonomy.regime(scope.regime).id]
    if scope.country:
        return list(taxonomy.country_regimes(scope.country))
    return None


def _index_designations(index: Any, member: int, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    source = index.sources[member]
    found = []
    for d in index.designations[member]:
        labels = split_labels(d.get("regime"))
        found.append({"source": source, "record_id": d.get("entity_id") or
                      index.parties[member].id, "sanction_id": d.get("sanction_id"),
                      "labels": tuple(labels), "regimes": taxonomy.regimes_of_all(source, labels),
                      "listed": d.get("listed")})
    return found


def _wanted_profiles(index: Any, scope: Scope, regimes: list[str] | None,
                     taxonomy: Taxonomy, store: Store) -> set[int]:
    if scope.parties:
        found = set()
        for party in scope.parties:
            if party in index.by_id:
                found.add(int(index.profile_of[index.by_id[party]]))
            elif party in index.profile_ids:
                found.add(index.profile_ids.index(party))
            else:
                raise CompareError(f"no listed party {party!r} (a record id or a profile id)")
        return found
    if scope.book:
        alerts, _total = list_alerts(store, status="open")
        ids = {a["profile_id"] for a in alerts if a.get("profile_id")}
        return {i for i, pid in enumerate(index.profile_ids) if pid in ids}
    wanted = set(regimes or ())
    country = scope.country.lower() if scope.country else None
    found = set()
    for member, party in enumerate(index.parties):
        hit = any(set(d["regimes"]) & wanted
                  for d in _index_designations(index, member, taxonomy))
        if not hit and country is not None:
            hit = country in party.countries
        if hit:
            found.add(int(index.profile_of[member]))
    return found


def _dates(store: Store, items: list[dict[str, Any]]) -> list[Dated]:
    """Designations dated by the publisher, else by the first stored version holding the
    designation (or its record)."""
    missing: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if not item["listed"]:
            missing[item["source"]].update(x for x in (item["sanction_id"], item["record_id"])
                                          if x)
    seen = {source: first_seen(store, source, ids) for source, ids in missing.items()}
    dated = []
    for item in items:
        listed, basis = item["listed"], PUBLISHER
        if not listed:
            known = seen.get(item["source"], {})
            hit = known.get(item["sanction_id"] or "") or known.get(item["record_id"])
            listed, basis = (hit.day, FIRST_SEEN) if hit else (None, FIRST_SEEN)
        dated.append(Dated(item["source"], item["record_id"], item["labels"], item["regimes"],
                           listed, basis))
    return dated


def _delisted_dated(record: DelistedRecord, taxonomy: Taxonomy) -> list[Dated]:
    found = []
    for labels, listed in record.designations or [([], None)]:
        found.append(Dated(
            record.source, record.record_id, tuple(labels),
            taxonomy.regimes_of_all(record.source, labels),
            listed or record.first_seen.day, PUBLISHER if listed else FIRST_SEEN,
            delisted=record.delisted))
    return found


def _delisted_in_scope(record: DelistedRecord, scope: Scope, regimes: list[str] | None,
                       taxonomy: Taxonomy, profile_ids: set[str]) -> bool:
    if record.profile_id and record.profile_id in profile_ids:
        return True
    if scope.parties:
        return record.record_id in scope.parties or record.profile_id in scope.parties
    if scope.book:
        return False
    wanted = set(regimes or ())
    if any(set(taxonomy.regimes_of_all(record.source, labels)) & wanted
           for labels, _listed in record.designations):
        return True
    return bool(scope.country and scope.country.lower() in record.countries)


def compare(store: Store, index: Any, scope: Scope, taxonomy: Taxonomy,
            by: Iterable[str] = (), not_by: Iterable[str] = ()) -> Comparison:
    """The comparison of a scope over the serving lists (rows by caption), with the rows
    `by` and `not_by` select when given; CompareError for a scope naming nothing known."""
    regimes = _in_scope_regimes(scope, taxonomy)
    if scope.country and not regimes and len(scope.country) != 2:
        raise CompareError(f"unknown country {scope.country!r}: give an ISO code (by, ru)")
    profiles = _wanted_profiles(index, scope, regimes, taxonomy, store)
    per_profile: dict[str, list[dict[str, Any]]] = {}
    heads: dict[str, tuple[str, str]] = {}
    for pid in sorted(profiles):
        pid_text = index.profile_ids[pid]
        items = [d for m in index.profiles[pid]
                 for d in _index_designations(index, m, taxonomy)]
        per_profile[pid_text] = items
        lead = index.parties[index.profile_lead[pid]]
        heads[pid_text] = (lead.caption or lead.id or pid_text, lead.schema or "Thing")
    all_items = [d for items in per_profile.values() for d in items]
    dated = iter(_dates(store, all_items))
    by_profile: dict[str, list[Dated]] = {
        pid: [next(dated) for _ in items] for pid, items in per_profile.items()}
    served = store.serving()
    for record in delisted_records(store, served):
        if not _delisted_in_scope(record, scope, regimes, taxonomy, set(per_profile)):
            continue
        key = record.profile_id or f"record:{record.source}:{record.record_id}"
        if key not in by_profile:
            by_profile[key] = []
            heads[key] = (record.caption, record.schema)
        by_profile[key].extend(_delisted_dated(record, taxonomy))
    jurisdictions = _jurisdictions(taxonomy, [v.source for v in served])
    rows = []
    for key, designations in by_profile.items():
        per_j: dict[str, list[Dated]] = defaultdict(list)
        for d in designations:
            per_j[taxonomy.jurisdiction_of(d.source)].append(d)
        caption, schema = heads[key]
        profile_id = None if key.startswith("record:") else key
        rows.append(Row(profile_id, caption, schema,
                        {j: make_cell(per_j.get(j, []), regimes) for j in jurisdictions}))
    rows.sort(key=lambda r: (r.caption.casefold(), r.profile_id or ""))
    by, not_by = list(by), list(not_by)
    for code in by + not_by:
        if code not in jurisdictions:
            raise CompareError(f"unknown jurisdiction {code!r}; compared: "
                               + ", ".join(jurisdictions))
    return Comparison(scope, regimes or [], jurisdictions, rows,
                      select_rows(rows, by, not_by) if by or not_by else [], by, not_by)


def _jurisdictions(taxonomy: Taxonomy, sources: list[str]) -> list[str]:
    """The jurisdictions of the serving lists, in the taxonomy's order."""
    codes = {taxonomy.jurisdiction_of(s) for s in sources}
    ordered = [j for j in taxonomy.jurisdictions if j in codes]
    return ordered + sorted(codes - set(ordered))
