"""Which name tokens mean the same: rigour's name and nickname groups, organisation symbols.

rigour tags a token with symbols: NAME groups spellings and translations of one given name
or surname (Sergey, Sergei, Sergejs; Mikhail, Michael; Osama, Usama), NICK a nickname and
its name (Bill, William; Ted, Theodore), SYMBOL and DOMAIN organisation words and their
abbreviations (International, Intl; Association, Assn). Two tokens sharing a symbol are
the same name part written differently.

A small table of our own groups the particles of Arabic names (bin, ibn, ben; al, el, ul),
and `watchlist.names.slavic` adds the Belarusian, Ukrainian and Russian forms of one given
name, patronymic or family name (Aliaksandr, Oleksandr, Aleksandr; Ivanou, Ivanov).
"""

from __future__ import annotations

from collections.abc import Iterable

from rigour.names import NameTypeTag, analyze_names

from watchlist.names.slavic import slavic_symbols

__all__ = [
    "PARTICLE_GROUPS",
    "load_symbols",
    "particle_group",
    "set_runtime",
    "symbol_table",
    "token_symbols",
]

#: Particles written differently but meaning the same.
PARTICLE_GROUPS: dict[str, str] = {
    **dict.fromkeys(("bin", "ibn", "ben", "bn", "ebn"), "bin"),
    **dict.fromkeys(("bint", "binti", "binte", "bent"), "bint"),
    **dict.fromkeys(("al", "el", "ul", "al"), "al"),
    **dict.fromkeys(("abu", "abou", "abo", "ab"), "abu"),
    **dict.fromkeys(("abd", "abdul", "abdel", "abdal", "abdol", "abdool", "abdu"), "abd"),
    **dict.fromkeys(("ould", "wuld", "weld"), "ould"),
}

_PERSON_CATEGORIES = frozenset({"NAME", "NICK"})
_ORG_CATEGORIES = frozenset({"SYMBOL", "DOMAIN"})

_TABLE: dict[str, frozenset[str]] = {}
_INTERN: dict[str, str] = {}
_EMPTY: frozenset[str] = frozenset()
#: Whether tokens not in the table get their symbols from rigour at run time. rigour's
#: person tagger takes seconds to load, so a screener that has its index's table turns
#: this off: a token the lists never use then has no symbols.
_RUNTIME = [True]


def set_runtime(enabled: bool) -> bool:
    """Allow (or forbid) computing the symbols of tokens not in the table; the setting it
    replaces is returned (to put back)."""
    before = _RUNTIME[0]
    _RUNTIME[0] = enabled
    return before


def particle_group(token: str) -> str | None:
    """The group of a name particle ("ibn" -> "bin"), None for other tokens."""
    return PARTICLE_GROUPS.get(token)


def _compute(token: str) -> frozenset[str]:
    found: set[str] = set()
    try:
        for name in analyze_names(NameTypeTag.PER, [token], phonetics=False, consolidate=False):
            for span in name.spans:
                if span.symbol.category.value in _PERSON_CATEGORIES and len(span.parts) == 1:
                    found.add(f"{span.symbol.category.value}:{span.symbol.id}")
        for name in analyze_names(NameTypeTag.ORG, [token], phonetics=False, consolidate=False):
            for span in name.spans:
                if span.symbol.category.value in _ORG_CATEGORIES and len(span.parts) == 1:
                    found.add(f"{span.symbol.category.value}:{span.symbol.id}")
    except Exception:  # noqa: BLE001 - symbols are a bonus
        return frozenset()
    return frozenset(_INTERN.setdefault(s, s) for s in found)


def token_symbols(token: str) -> frozenset[str]:
    """The symbols of a normalised token (computed once per process, then remembered)."""
    found = _TABLE.get(token)
    if found is None:
        if not _RUNTIME[0]:
            return slavic_symbols(token)
        found = _compute(token) | slavic_symbols(token) \
            if len(token) > 1 and not token.isdigit() else _EMPTY
        if len(_TABLE) < 1_000_000:
            _TABLE[token] = found
    return found


def symbol_table(tokens: Iterable[str]) -> dict[str, frozenset[str]]:
    """The symbols of many tokens, for an index to store (tokens without any left out)."""
    return {t: s for t in tokens if (s := token_symbols(t))}


def load_symbols(table: dict[str, frozenset[str]], tokens: list[str] | None = None) -> None:
    """Remember precomputed symbols (from an index); `tokens` without any are remembered
    as having none."""
    if tokens is not None:
        empty: frozenset[str] = frozenset()
        for token in tokens:
            _TABLE.setdefault(token, empty)
    _TABLE.update(table)
