"""The regime taxonomy as declared data (`taxonomy.toml`): common regimes, the publishers'
labels each holds per jurisdiction, and the jurisdiction of each source.

OFAC writes `BELARUS-EO14038`, the UK "Belarus", Canada "Special Economic Measures (Belarus)
Regulations, Schedule 1, Part 2": one regime, Belarus. The publisher's label is always kept
beside the regime; a label no regime holds is unmapped (see `labels.unmapped_labels`), never
dropped.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from watchlist.errors import WatchlistError

__all__ = ["TAXONOMY_FILE", "Jurisdiction", "Regime", "Taxonomy", "TaxonomyError",
           "default_taxonomy", "load_taxonomy", "normalise_label", "split_labels"]

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.toml")
KINDS = ("country", "theme")
_DASHES = re.compile(r"\s*[-\u2010-\u2015]\s*")
_COMMAS = re.compile(r"\s*,\s*")


class TaxonomyError(WatchlistError):
    """The taxonomy file is unreadable or declares something wrong."""


def normalise_label(label: str) -> str:
    """A label as compared: case-folded, spaces collapsed, dashes and commas spaced alike."""
    text = " ".join(label.casefold().split())
    text = _DASHES.sub(" - ", text)
    return _COMMAS.sub(", ", text).strip()


def split_labels(joined: str | None) -> list[str]:
    """The labels of a designation as the index keeps them ("; "-joined)."""
    return [part.strip() for part in (joined or "").split(";") if part.strip()]


@dataclass(frozen=True)
class Jurisdiction:
    """A sanctioning jurisdiction and the sources (lists) it publishes."""

    code: str
    name: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Regime:
    """A common regime: a country programme or a theme, with its publishers' labels."""

    id: str
    name: str
    kind: str
    countries: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "countries": list(self.countries),
                "labels": {j: list(v) for j, v in self.labels.items()}}


@dataclass(frozen=True)
class Taxonomy:
    """The regimes and jurisdictions, with the lookups from a source's label."""

    regimes: dict[str, Regime]
    jurisdictions: dict[str, Jurisdiction]

    def __post_init__(self) -> None:
        exact: dict[tuple[str, str], list[str]] = {}
        prefixes: list[tuple[str, str, str]] = []
        for regime in self.regimes.values():
            for code, labels in regime.labels.items():
                for label in labels:
                    if label.endswith("*"):
                        prefixes.append((code, normalise_label(label[:-1]), regime.id))
                    else:
                        exact.setdefault((code, normalise_label(label)), []).append(regime.id)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_prefixes", prefixes)
        object.__setattr__(self, "_by_source", {
            s: j.code for j in self.jurisdictions.values() for s in j.sources})

    def jurisdiction_of(self, source: str) -> str:
        """The jurisdiction publishing a source; a source the taxonomy does not name is a
        jurisdiction of its own (its id)."""
        return self._by_source.get(source, source)  # type: ignore[attr-defined]

    def regimes_of(self, source: str, label: str) -> tuple[str, ...]:
        """The regimes a source's label belongs to; empty when unmapped."""
        code = self.jurisdiction_of(source)
        key = normalise_label(label)
        found = list(self._exact.get((code, key), ()))  # type: ignore[attr-defined]
        for p_code, prefix, regime in self._prefixes:  # type: ignore[attr-defined]
            if p_code == code and key.startswith(prefix) and regime not in found:
                found.append(regime)
        return tuple(found)

    def regimes_of_all(self, source: str, labels: Iterable[str]) -> tuple[str, ...]:
        """The regimes of several labels of a source, each once, in the order found."""
        found: list[str] = []
        for label in labels:
            found.extend(r for r in self.regimes_of(source, label) if r not in found)
        return tuple(found)

    def country_regimes(self, country: str) -> tuple[str, ...]:
        """The country programmes about a country (an ISO code)."""
        code = country.lower()
        return tuple(r.id for r in self.regimes.values() if code in r.countries)

    def regime(self, regime_id: str) -> Regime:
        """A regime by id; TaxonomyError naming the known ones when there is none."""
        try:
            return self.regimes[regime_id.lower()]
        except KeyError:
            raise TaxonomyError(f"unknown regime {regime_id!r}; known regimes: "
                                + ", ".join(sorted(self.regimes))) from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TaxonomyError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def parse_taxonomy(data: dict[str, Any], path: str) -> Taxonomy:
    """A taxonomy from the file's parsed TOML; TaxonomyError naming the field at fault."""
    jurisdictions: dict[str, Jurisdiction] = {}
    for code, body in (data.get("jurisdictions") or {}).items():
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise TaxonomyError(f"{path}: jurisdictions.{code}: needs a name")
        jurisdictions[code] = Jurisdiction(
            code, body["name"], _strings(body.get("sources", []),
                                         f"{path}: jurisdictions.{code}.sources"))
    regimes: dict[str, Regime] = {}
    for regime_id, body in (data.get("regimes") or {}).items():
        where = f"{path}: regimes.{regime_id}"
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise TaxonomyError(f"{where}: needs a name")
        if body.get("kind") not in KINDS:
            raise TaxonomyError(f"{where}.kind: expected one of {', '.join(KINDS)}")
        countries = _strings(body.get("countries", []), f"{where}.countries")
        if body["kind"] == "country" and not countries:
            raise TaxonomyError(f"{where}.countries: a country programme names its countries")
        labels = body.get("labels") or {}
        if not isinstance(labels, dict):
            raise TaxonomyError(f"{where}.labels: expected a table of jurisdictions")
        for code in labels:
            if code not in jurisdictions:
                raise TaxonomyError(f"{where}.labels.{code}: no such jurisdiction")
        regimes[regime_id] = Regime(
            regime_id, body["name"], body["kind"], tuple(c.lower() for c in countries),
            {code: _strings(v, f"{where}.labels.{code}") for code, v in labels.items()})
    if not regimes:
        raise TaxonomyError(f"{path}: declares no regimes")
    return Taxonomy(regimes, jurisdictions)


def load_taxonomy(path: Path) -> Taxonomy:
    """The taxonomy in a TOML file; TaxonomyError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: not valid TOML: {exc}") from None
    return parse_taxonomy(data, str(path))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The reviewed taxonomy shipped with the package."""
    return load_taxonomy(TAXONOMY_FILE)
