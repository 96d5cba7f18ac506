"""Who bears a family name on the lists: the listed people with it, their profiles most
prominent first, and whether so few bear it that it anchors a respelling of the words
beside it.

Finding candidates, scoring a surname alone and resolving a surname to the person named
earlier all ask these questions of the automaton's family names; one cache answers them.
"""

from __future__ import annotations

from watchlist.index.model import Index
from watchlist.text.automaton import NameAutomaton

__all__ = ["MAX_ANCHOR_PROFILES", "Surnames"]

#: Most profiles bearing a family name beside which other spellings of a word are tried.
MAX_ANCHOR_PROFILES = 12


class Surnames:
    """The family names of the listed people in an automaton, cached per name."""

    def __init__(self, index: Index, automaton: NameAutomaton) -> None:
        self.index = index
        self.automaton = automaton
        self._anchors: dict[str, bool] = {}
        self._holders: dict[str, list[int]] = {}
        self._bearer_sets: dict[str, frozenset[int]] = {}

    def bearers(self, token: str) -> frozenset[int]:
        """The listed people with this family name (entity indices)."""
        found = self._bearer_sets.get(token)
        if found is None:
            found = frozenset(self.automaton.surnames.get(token, ()))
            self._bearer_sets[token] = found
        return found

    def profiles(self, token: str) -> list[int]:
        """The profiles of the listed people bearing a family name, most prominent first."""
        pids = self._holders.get(token)
        if pids is None:
            profile_of = self.index.profile_of
            pids = sorted({int(profile_of[e]) for e in self.automaton.surnames.get(token, ())},
                          key=lambda p: -self.automaton.prominence.get(p, 0.0))
            self._holders[token] = pids
        return pids

    def anchor(self, token: str) -> bool:
        """Whether a token is a family name few listed people bear (and no ordinary word),
        beside which another spelling of a given name is worth looking for."""
        found = self._anchors.get(token)
        if found is None:
            found = token not in self.automaton.ordinary and token in self.automaton.surnames \
                and len(self.profiles(token)) <= MAX_ANCHOR_PROFILES
            self._anchors[token] = found
        return found
