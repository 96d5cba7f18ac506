"""Matching: prepared parties, name alignment, features and the scoring algorithm.

`WatchlistV1.compare(query, candidate)` scores a pair of `Party` objects (from FtM entities
or screening queries) and explains the score feature by feature; see `model` for the
algorithm and its default threshold, `names` for name similarity, `features` for the rest.
"""

from watchlist.match.model import DEFAULT_THRESHOLD, Algorithm, Feature, MatchResult, WatchlistV1
from watchlist.match.names import NameConfig, NameMatch, best_name_match, token_similarity
from watchlist.match.prepare import NameForm, Party, TokenStats, kind_of, prepare_names

__all__ = [
    "DEFAULT_THRESHOLD",
    "Algorithm",
    "Feature",
    "MatchResult",
    "NameConfig",
    "NameForm",
    "NameMatch",
    "Party",
    "TokenStats",
    "WatchlistV1",
    "best_name_match",
    "kind_of",
    "prepare_names",
    "token_similarity",
]
