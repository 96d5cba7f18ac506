"""A mention of a listed party in a text, and how a party found there is written out as one:
the party's profile (lead record, caption, every designation of its records), the parties
of the same name it stands for too, and the evidence of why.

`Found` is what finding, scoring and coreference hand each other (a party, its score and
its name match); `Mention` is what a scan returns. Both live here, below those modules, so
that none of them imports another for its result type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from watchlist.index.model import Index
from watchlist.match.names import NameMatch

__all__ = ["Found", "Mention", "MentionWriter", "matched"]


@dataclass
class Mention:
    """One mention of a listed party: where it is, who it is, how sure, and why."""

    start: int
    end: int
    text: str
    entity_id: str
    caption: str
    score: float
    designations: list[dict[str, Any]]
    evidence: dict[str, Any]
    schema: str = ""
    profile_id: str = ""
    entity_ids: list[str] = field(default_factory=list)
    #: "listed", or "ownership" for a party owned or controlled by listed ones.
    basis: str = "listed"
    #: For an ownership mention: share, rule, status, paths and the explanation in words.
    ownership: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        found = {
            "start": self.start, "end": self.end, "text": self.text,
            "entity_id": self.entity_id, "caption": self.caption,
            "score": round(self.score, 4), "schema": self.schema,
            "profile_id": self.profile_id, "entity_ids": list(self.entity_ids),
            "designations": [dict(d) for d in self.designations],
            "evidence": self.evidence,
            "basis": self.basis,
        }
        if self.ownership is not None:
            found["ownership"] = self.ownership
        return found


@dataclass(slots=True)
class Found:
    """A listed party a piece of text names: its profile and the record matched, the
    score, the name comparison (None for a surname or a name written without spaces),
    the other profiles it may be, and the profiles of the same name it stands for too."""

    pid: int
    entity: int
    score: float
    match: NameMatch | None
    kind: str
    others: list[int]
    partial: bool = False
    merged: list[int] = field(default_factory=list)


def matched(found: Found) -> str | None:
    """The listed name form a party was found by, as the list writes it."""
    return found.match.candidate.original if found.match and found.match.candidate else None


class MentionWriter:
    """Writes out the mentions of the parties of an index (profiles cached per profile)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._profiles: dict[int, dict[str, Any]] = {}

    def profile(self, pid: int) -> dict[str, Any]:
        """A profile as a mention shows it: lead record, caption, schema, the ids of its
        records and every distinct designation of them."""
        found = self._profiles.get(pid)
        if found is not None:
            return found
        index = self.index
        members = index.profiles[pid]
        lead = index.parties[index.profile_lead[pid]]
        designations = []
        seen = set()
        for m in members:
            for d in index.designations[m]:
                item = {k: d.get(k) for k in ("source", "ref", "regime", "listed",
                                              "entity_id", "authority")}
                key = tuple(sorted((k, str(v)) for k, v in item.items()))
                if key not in seen:
                    seen.add(key)
                    designations.append(item)
        found = {"entity_id": lead.id or "", "caption": lead.caption or "",
                 "schema": lead.schema or "", "profile_id": index.profile_ids[pid],
                 "entity_ids": [index.parties[m].id or "" for m in members],
                 "designations": designations}
        self._profiles[pid] = found
        return found

    def mention(self, text: str, start: int, end: int, found: Found,
                evidence: dict[str, Any]) -> Mention:
        """The mention of a found party at text[start:end], with its evidence."""
        profile = self.profile(found.pid)
        evidence = {**evidence, "matched_entity_id": self.index.parties[found.entity].id}
        designations = profile["designations"]
        entity_ids = profile["entity_ids"]
        if found.merged:
            extra = [self.profile(p) for p in found.merged]
            designations = designations + [d for x in extra for d in x["designations"]]
            entity_ids = entity_ids + [i for x in extra for i in x["entity_ids"]]
            evidence["same_name_profiles"] = [{"profile_id": x["profile_id"],
                                               "caption": x["caption"]} for x in extra]
        if found.match is not None:
            evidence["explanation"] = found.match.describe()
        if found.others and "also_bearing_it" not in evidence:
            evidence["also_possible"] = [self.profile(p)["caption"] for p in found.others]
        return Mention(start=start, end=end, text=text[start:end],
                       entity_id=profile["entity_id"], caption=profile["caption"],
                       score=round(found.score, 4), designations=designations,
                       evidence=evidence, schema=profile["schema"],
                       profile_id=profile["profile_id"], entity_ids=entity_ids)
