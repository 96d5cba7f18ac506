"""Honorifics and titles to drop from person names ("President", "Dr", "Sheikh", "Mullah").

Two tiers, both matched on normalised tokens (so Cyrillic "Президент" is "prezident"):

* `HONORIFICS` are never a name in themselves (Mr, Mrs, Dr, Prof, Sheikh, Haji, Mullah,
  Maulavi, Sayed, His Excellency, ...): dropped from any name, person or not.
* `TITLES` are offices, ranks and nobility (President, General, Colonel, Minister, King,
  Prince, Chairman, ...) plus rigour's multilingual person prefixes. Several are also
  ordinary words or surnames ("General Motors", "John Major", "Prince"), so they are dropped
  only from person names.

Only a leading run of titles is dropped (per comma-separated segment, so "LUKASHENKA,
President Aliaksandr" works too), and never all of a name: a person called "Mr" keeps "mr".
"""

from __future__ import annotations

from functools import cache

from watchlist.names.normalize import name_tokens

__all__ = ["HONORIFICS", "TITLES", "is_title", "split_titles", "strip_titles"]

HONORIFICS_TEXT = """
mr, mrs, ms, mx, miss, mister, messrs, mme, mlle, madame, madam, monsieur, messieurs, herr,
frau, fraulein, dr, doctor, prof, professor, hon, honorable, honourable, rt hon,
right honourable, the honourable, his excellency, her excellency, hrh, his highness,
her highness, his royal highness, his majesty, her majesty, sheikh, shaikh, shaykh, sheik,
sheikha, shaikha, haji, hajji, hadji, alhaji, al haj, al hajj, alhaj, alhajj, hajj, mullah,
mulla, molla, mollah, maulavi, maulvi, mawlawi, mawlavi, moulvi, molvi, maulana, mawlana,
moulana, sayed, sayyid, sayyed, syed, seyed, seyyed, sayid, ayatollah, ayatullah,
hojatoleslam, hojjatoleslam, mufti, qari, gospodin, gospozha, g n, senor, senora, senorita,
sr, sra, srta, dott, dott ssa, dipl ing
"""

TITLES_TEXT = """
president, vice president, prime minister, deputy prime minister, minister, deputy minister,
foreign minister, defence minister, defense minister, first deputy, chairman, vice chairman,
chairwoman, chairperson, chair, director, director general, managing director, ceo,
ambassador, governor, senator, deputy, secretary, deputy secretary, secretary general,
general secretary, first secretary, judge, justice, mayor, commissioner, general,
lieutenant general, major general, brigadier general, brigadier, lieutenant colonel, colonel,
lieutenant, major, captain, capt, commander, cdr, admiral, vice admiral, rear admiral,
commodore, marshal, field marshal, air marshal, sergeant, sgt, corporal, cpl, private, pvt,
gen, lt gen, maj gen, brig gen, lt col, col, lt, maj, adm, king, queen, prince, princess,
crown prince, emperor, empress, duke, duchess, grand duke, count, countess, baron, baroness,
lord, lady, dame, sir, eng, engineer, reverend, rev, father, fr, bishop, archbishop,
patriarch, metropolitan, cardinal, rabbi, pastor, president elect, prezident, prezydent,
prezidient, presidente, presiden, predsjednik, predsednik, presedinte, presedintele,
prasident, praesident, polkovnik, podpolkovnik, general leytenant, general leitenant,
general mayor, general maior, general polkovnik, general armii, kapitan, ministr,
zamestitel ministra, deputat, gubernator, mitropolit, patriarkh, episkop, akademik
"""


def _parse(text: str) -> frozenset[str]:
    """The comma-separated phrases of a data block, normalised."""
    phrases = (" ".join(name_tokens(p)) for p in text.replace("\n", ",").split(","))
    return frozenset(p for p in phrases if p)


#: Words and phrases that are honorifics in any name (never a name by themselves).
HONORIFICS: frozenset[str] = _parse(HONORIFICS_TEXT)

#: Offices, ranks and nobility: titles only when the name is known to be a person's.
TITLES: frozenset[str] = _parse(TITLES_TEXT)


@cache
def _rigour_prefixes() -> frozenset[str]:
    """rigour's person-name prefixes (Mr, Herr, Monsieur, Dottore, Präsident, ...)."""
    try:
        from rigour._core import person_name_prefixes_list
    except ImportError:  # rigour moved its data: our own lists still apply
        return frozenset()
    return frozenset(" ".join(name_tokens(p)) for p in person_name_prefixes_list()) - {""}


@cache
def _title_table(person: bool) -> tuple[frozenset[tuple[str, ...]], int]:
    """The token tuples treated as titles, and the longest one's length."""
    phrases = HONORIFICS | TITLES | _rigour_prefixes() if person else HONORIFICS
    table = frozenset(tuple(p.split()) for p in phrases)
    return table, max(len(p) for p in table)


def _leading_titles(tokens: list[str], person: bool) -> int:
    """How many leading tokens form a run of titles."""
    table, longest = _title_table(person)
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            if tuple(tokens[i : i + size]) in table:
                i += size
                break
        else:
            break
    return i


def split_titles(tokens: list[str], person: bool = True) -> tuple[list[str], list[str]]:
    """(name tokens, leading title tokens); never strips every token of a name."""
    cut = _leading_titles(tokens, person)
    if cut >= len(tokens):
        return list(tokens), []
    return tokens[cut:], tokens[:cut]


def strip_titles(name: str, person: bool = True) -> list[str]:
    """The normalised tokens of a name without its leading titles (per comma segment)."""
    segments = [name_tokens(segment) for segment in name.split(",")]
    kept = [split_titles(tokens, person)[0] for tokens in segments]
    out = [token for tokens in kept for token in tokens]
    return out or [token for tokens in segments for token in tokens]


def is_title(text: str, person: bool = True) -> bool:
    """True when the whole text is one or more titles ("Dr", "His Excellency", "General")."""
    tokens = name_tokens(text)
    return bool(tokens) and _leading_titles(tokens, person) == len(tokens)
