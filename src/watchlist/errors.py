"""Errors that name the file and the problem, so a user can act on them."""

from __future__ import annotations


class WatchlistError(Exception):
    """Base class for every error watchlist reports to a user."""


class SourceError(WatchlistError):
    """A list file could not be read: says which file and what is wrong with it."""

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class StoreError(WatchlistError):
    """The store could not do what was asked (unknown entity, version, ...)."""


class FetchError(WatchlistError):
    """A download failed: says which URL and why; `unreachable` when no answer came at all
    (the host unknown, the connection refused or never made)."""

    def __init__(self, url: str, problem: str, unreachable: bool = False) -> None:
        self.url = url
        self.problem = problem
        self.unreachable = unreachable
        super().__init__(f"{url}: {problem}")


class NotServing(WatchlistError):
    """No list version is serving yet, so nothing can be screened (the API answers 503)."""
