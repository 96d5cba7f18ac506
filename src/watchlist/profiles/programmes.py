"""The country a sanctions regime or programme is about, as declared data with the reason.

A record designated under OFAC's `BELARUS-EO14038`, Canada's "Special Economic Measures
(Belarus) Regulations", the UK's regime "Belarus" or Australia's "Autonomous (Belarus)" is
listed over Belarus: two such records share a regime country even when neither gives an
address. It is weaker than a country the record states (a regime on Russia lists Swiss
subsidiaries too), so linking uses it only with a near-exact, distinctive name.

Only regimes about one country (or, for the war in Ukraine, the two it is about) are
declared; thematic regimes (terrorism, cyber, human rights, corruption, narcotics) have no
country, and neither have the UN's "GB" (Guinea-Bissau) or similar codes left ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["REGIME_COUNTRIES", "regime_countries"]

#: Normalised regime name (or OFAC programme code) -> (countries, why).
REGIME_COUNTRIES: dict[str, tuple[frozenset[str], str]] = {
    **{code: (frozenset({"ru"}), "OFAC programme on the Russian Federation") for code in (
        "russia", "russia-eo14024", "caatsa - russia")},
    "ukraine-eo13662": (frozenset({"ru"}), "EO 13662 targets sectors of the Russian economy"),
    "ukraine-eo13661": (frozenset({"ru"}),
                        "EO 13661 targets Russian officials and the Russian arms sector"),
    **{code: (frozenset({"ua", "ru"}), "over the war in Ukraine: Ukrainian and Russian parties")
       for code in ("ukraine-eo13660", "ukraine-eo13685", "russia-eo14065", "ukraine")},
    **{code: (frozenset({"by"}), "regime on Belarus") for code in (
        "belarus", "belarus-eo14038")},
    **{code: (frozenset({"ir"}), "regime on Iran") for code in (
        "iran", "iran (nuclear)", "iran-eo13846", "iran-eo13871", "iran-eo13876",
        "iran-eo13902", "iran-hr", "iran-tra", "irgc", "ifsr", "hrit-ir")},
    **{code: (frozenset({"sy"}), "regime on Syria") for code in ("syria", "hrit-sy")},
    **{code: (frozenset({"kp"}), "regime on North Korea") for code in (
        "dprk", "dprk2", "dprk3", "dprk4", "dprk-nkspea",
        "democratic people's republic of korea")},
    **{code: (frozenset({"ve"}), "regime on Venezuela") for code in (
        "venezuela", "venezuela-eo13850", "venezuela-eo13884")},
    **{code: (frozenset({"mm"}), "regime on Myanmar") for code in (
        "burma-eo14014", "myanmar", "myanmar (burma)", "burma")},
    **{code: (frozenset({"ni"}), "regime on Nicaragua") for code in (
        "nicaragua", "nicaragua-nhraa")},
    **{code: (frozenset({"ly"}), "regime on Libya") for code in ("libya", "libya2", "libya3")},
    **{code: (frozenset({"iq"}), "regime on Iraq") for code in ("iraq", "iraq2", "iraq3")},
    **{code: (frozenset({"cd"}), "regime on the DR Congo") for code in (
        "drcongo", "drc", "democratic republic of the congo")},
    **{code: (frozenset({"cf"}), "regime on the Central African Republic") for code in (
        "car", "central african republic")},
    **{code: (frozenset({"ss"}), "regime on South Sudan") for code in (
        "south sudan", "southsudan")},
    **{code: (frozenset({"sd"}), "regime on Sudan") for code in ("sudan", "darfur")},
    "cuba": (frozenset({"cu"}), "regime on Cuba"),
    "zimbabwe": (frozenset({"zw"}), "regime on Zimbabwe"),
    "somalia": (frozenset({"so"}), "regime on Somalia"),
    "yemen": (frozenset({"ye"}), "regime on Yemen"),
    "lebanon": (frozenset({"lb"}), "regime on Lebanon"),
    "mali": (frozenset({"ml"}), "regime on Mali"),
    "mali-eo13882": (frozenset({"ml"}), "regime on Mali"),
    "ethiopia-eo14046": (frozenset({"et"}), "regime on Ethiopia"),
    "haiti": (frozenset({"ht"}), "regime on Haiti"),
    "moldova": (frozenset({"md"}), "regime on Moldova"),
    "guinea": (frozenset({"gn"}), "regime on Guinea"),
    "guinea-bissau": (frozenset({"gw"}), "regime on Guinea-Bissau"),
    "afghanistan": (frozenset({"af"}), "the UK's regime on the Taliban in Afghanistan"),
    "china": (frozenset({"cn"}), "regime on China"),
    "guatemala": (frozenset({"gt"}), "regime on Guatemala"),
    "sri lanka": (frozenset({"lk"}), "regime on Sri Lanka"),
}

#: "Special Economic Measures (Belarus) Regulations, Part 2", "Autonomous (Russia)",
#: "1718 (DPRK)": the country is in the first brackets.
_BRACKETED = re.compile(r"^(?:special economic measures|autonomous|\d+)\s*\((.+?)\)(?:\s|,|$)")
_MYANMAR = re.compile(r"\(myanmar \(burma\)\)")


def _regime_key(regime: str) -> str:
    text = " ".join(regime.lower().split())
    if _MYANMAR.search(text):
        return "myanmar"
    m = _BRACKETED.match(text)
    return m.group(1).strip() if m else text


def regime_countries(regimes: Iterable[str | None]) -> frozenset[str]:
    """The countries the given regimes (a record's designations, "; "-joined or not) are
    about; empty for thematic or unknown regimes."""
    found: set[str] = set()
    for joined in regimes:
        for regime in (joined or "").split(";"):
            entry = REGIME_COUNTRIES.get(_regime_key(regime.strip()))
            if entry is not None:
                found |= entry[0]
    return frozenset(found)
