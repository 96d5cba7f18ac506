"""Scoring as data: an algorithm is a declared list of (feature, weight).

The score of a pair is the strongest of the primary features (name, identifier), each times
its weight, plus every qualifier (birth date, country, identifiers, legal form, kind) times
its weight (negative for evidence against), clipped to [0, 1]. A pair is a match when its
score reaches the threshold.

Default threshold
-----------------
`DEFAULT_THRESHOLD` is 0.80. It was chosen on the development data, with the handful of
name-scoring constants in `names.NameConfig` (token similarity bands, the shares of extra
and of differing name parts) and the qualifier weights below, all fitted by a coarse grid
on nomenklatura's 826 labelled name pairs (``name_bench_cases.csv``, scored with schema
and name only): F1 is flat between 0.78 and 0.80 (0.913 at 0.80: precision 0.954,
recall 0.875) and falls off on either side (0.900 at 0.82, 0.898 at 0.75). At 0.80, on
the whole current store, 100% of the 680 UN-listed people of
``positives_un_untreated.csv`` are found and 0.05% of the 50,000 people of
``negatives_global.csv`` (on no list) raise an alert. A same-name match whose birth date
is clearly different (-0.3) falls below it (see Birth dates), as does a match on a
differing given or family name. Callers may set their own threshold
(`Screener.open(threshold=...)`). With the name rules added since (patronymics, gendered
given names, compound names, generic and regional words of organisations; see
`names.py`), the same data give F1 0.920 at 0.80 and 15 of the 50,000 (0.03%) alerting,
with all 680 positives found (docs/benchmarks.md); the threshold stays where it was.

Birth dates
-----------
The same full birth date adds 0.1 (lifting a close name, 0.7 or more, over the threshold),
the same month 0.06, the same year where one side gives only the year 0.03, and a date more
than two years apart takes 0.3 off. Fitted on the end-to-end development data
(``positives_un_untreated.csv`` and ``negatives_global.csv``, both with birth dates):
every listed party scored at 0.55 or more for each row was kept with its name score and
date relation. Of the 681 right parties found, 366 agree on the day and 258 on the year
only; of the 596 parties the 50,000 unlisted people reach, none agrees on the day, 44 on
the year, and 91 conflict. A day weight anywhere from 0.10 to 0.25 and a year weight from
0.03 to 0.08 give the same recall (680), top-1 (680) and alerting negatives (23). So the
day keeps 0.1: a larger lift makes the candidate search look deeper below the threshold
(by the lift plus 0.05 for a country), which cost a quarter of the screening speed at
0.15 in the same run with no gain on this data; a year is weaker evidence (many people
share one), so it counts less than before (0.03 instead of 0.05).

Ranking
-------
The score shown is clipped to 1, but hits are ranked by `MatchResult.rank`: the unclipped
sum (the evidence), plus `EXACT_NAME_RANK` when every part of the query's name is found
exactly in the matched name. Two names both at the cap are then still told apart ("Kim
Jong Un" with country kp: the record "Jong Un KIM" before "Tong-Un KIM" with the country
in common, 1.05 against 1.015), and an exact name ranks above a respelled one of similar
score ("Ri Chol": "Song Chol RI" before "Li Van Chol"). The bonus is smaller than an agreeing
birth date, so a respelled name with the same birth date still ranks first.

The bench labels a change of series number as a match ("Fund VII" / "Fund VIII"), so
`numbers_mismatch` (-0.15) ranks such a pair below the same name with the same number but
keeps it above the threshold; a deployment that must treat "Trust 2004-1" and "Trust
2004-2" as different parties raises that weight to -0.25 or more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from watchlist.match.features import (
    Context,
    FeatureFunc,
    FeatureResult,
    birth_date_match,
    birth_date_mismatch,
    country_match,
    country_mismatch,
    identifier_match,
    identifier_mismatch,
    kind_mismatch,
    legal_form_mismatch,
    name_match,
    numbers_mismatch,
    pair_kind,
)
from watchlist.match.names import DEFAULT_CONFIG, NameConfig
from watchlist.match.prepare import DEFAULT_STATS, NameForm, Party, TokenStats

__all__ = ["DEFAULT_THRESHOLD", "Algorithm", "Feature", "MatchResult", "WatchlistV1"]

DEFAULT_THRESHOLD = 0.80

#: Ranking bonus of a match in which the query's name is found exactly (see Ranking).
EXACT_NAME_RANK = 0.05


@dataclass(frozen=True)
class Feature:
    """A feature function and its weight; qualifiers add to the primary score."""

    func: FeatureFunc
    weight: float
    qualifier: bool = False

    @property
    def name(self) -> str:
        return self.func.__name__

    @property
    def description(self) -> str:
        return " ".join((self.func.__doc__ or "").split())


@dataclass
class MatchResult:
    """The score of a pair, the decision at the threshold, and each feature's part in it."""

    score: float
    match: bool
    threshold: float
    features: dict[str, tuple[Feature, FeatureResult]] = field(default_factory=dict)
    #: The unclipped sum of the weighted features (the score is this clipped to [0, 1]).
    evidence: float = 0.0
    #: Whether every part of the query's name is in the matched name as written.
    exact_name: bool = False

    @property
    def rank(self) -> float:
        """What hits are ordered by: the evidence, plus a bonus for an exact name."""
        return self.evidence + (EXACT_NAME_RANK if self.exact_name else 0.0)

    @property
    def explanation(self) -> dict[str, dict[str, Any]]:
        """{feature: {score, weight, contribution, detail, query, candidate}} for every
        feature of the algorithm (detail "nothing to compare" when a side lacks the data)."""
        out: dict[str, dict[str, Any]] = {}
        for name, (feature, result) in self.features.items():
            out[name] = {
                "score": round(result.score, 4),
                "weight": feature.weight,
                "contribution": round(result.score * feature.weight, 4),
                "detail": result.detail,
                "query": result.query,
                "candidate": result.candidate,
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "match": self.match,
                "threshold": self.threshold, "explanation": self.explanation}


class Algorithm:
    """A scoring algorithm: features with weights, and a default threshold."""

    NAME = "algorithm"
    features: list[Feature] = []
    threshold: float = DEFAULT_THRESHOLD

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """The features of the algorithm: name, weight, role and explanation."""
        return [{"name": f.name, "weight": f.weight,
                 "role": "qualifier" if f.qualifier else "primary",
                 "description": f.description} for f in cls.features]

    @classmethod
    def compute(cls, results: dict[str, tuple[Feature, FeatureResult]]) -> float:
        """The score: the evidence clipped to [0, 1]."""
        return min(1.0, max(0.0, cls.evidence(results)))

    @classmethod
    def evidence(cls, results: dict[str, tuple[Feature, FeatureResult]]) -> float:
        """The strongest primary feature plus every qualifier, each times its weight."""
        primary = 0.0
        extra = 0.0
        for feature, result in results.values():
            value = result.score * feature.weight
            if feature.qualifier:
                extra += value
            elif value > primary:
                primary = value
        return primary + extra

    @classmethod
    def compare(cls, query: Party, candidate: Party, *, stats: TokenStats = DEFAULT_STATS,
                config: NameConfig = DEFAULT_CONFIG, threshold: float | None = None,
                candidate_forms: list[NameForm] | None = None,
                context: Context | None = None) -> MatchResult:
        """Score one pair of parties (`context` may carry work already done on the pair)."""
        ctx = context or Context(pair_kind(query, candidate), stats, config, candidate_forms)
        results: dict[str, tuple[Feature, FeatureResult]] = {}
        for feature in cls.features:
            results[feature.name] = (feature, feature.func(query, candidate, ctx))
        evidence = cls.evidence(results)
        score = min(1.0, max(0.0, evidence))
        limit = cls.threshold if threshold is None else threshold
        name = ctx.name
        exact = name is not None and name.query_exact
        return MatchResult(score, score >= limit, limit, results, evidence, exact)


class WatchlistV1(Algorithm):
    """Name alignment with rarity weights across scripts, decisive identifiers, qualified by
    birth date, country, identifiers, legal form and kind of party."""

    NAME = "watchlist-v1"
    features = [
        Feature(name_match, 1.0),
        Feature(identifier_match, 0.98),
        Feature(birth_date_match, 0.1, qualifier=True),
        Feature(birth_date_mismatch, -0.3, qualifier=True),
        Feature(country_match, 0.05, qualifier=True),
        Feature(country_mismatch, -0.1, qualifier=True),
        Feature(identifier_mismatch, -0.15, qualifier=True),
        Feature(numbers_mismatch, -0.15, qualifier=True),
        Feature(legal_form_mismatch, -0.25, qualifier=True),
        Feature(kind_mismatch, -1.0, qualifier=True),
    ]
