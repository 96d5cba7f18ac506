"""The candidate index over every name of every current list entry (see `build`, `search`)."""

from watchlist.index.build import Index, build_index, index_key, index_path, load_index, open_index
from watchlist.index.search import CandidateSearch

__all__ = ["CandidateSearch", "Index", "build_index", "index_key", "index_path", "load_index",
           "open_index"]
