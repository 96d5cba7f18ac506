"""A hit's score explained in plain words, aspect by aspect, for people who are not engineers.

The scoring model explains each feature (`MatchResult.explanation`: score, weight,
contribution, detail, the two values compared); this groups the features by what they look
at (name, identifier, birth date, country, numbers, legal form, kind of party) and says in
a sentence what was compared, what was found, and how it moved the score. The feature
docstrings (`watchlist.match.features`) are the "how is this judged" text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from watchlist.web.render import country_name, percent

#: Aspects in the order shown, each with the features that look at it.
ASPECTS = (
    ("name", "Name", ("name_match",)),
    ("identifier", "Identifier", ("identifier_match", "identifier_mismatch")),
    ("birth_date", "Birth date", ("birth_date_match", "birth_date_mismatch")),
    ("country", "Country", ("country_match", "country_mismatch")),
    ("numbers", "Numbers in the name", ("numbers_mismatch",)),
    ("legal_form", "Legal form", ("legal_form_mismatch",)),
    ("kind", "Kind of party", ("kind_mismatch",)),
)
#: Aspects only shown when they found something (they rarely apply).
QUIET = frozenset({"numbers", "legal_form", "kind"})
#: What to call the query's missing value when an aspect could not be compared.
ASKED = {"identifier": "identifier", "birth_date": "birth date", "country": "country"}

_PAIR = re.compile(r"(\s*)([^,;~\s][^,;~]*?)~([^,;~(]+?) \((\d\.\d+)\)")


class Who(NamedTuple):
    """How the page names the side that asked: "the search" gave values "searched"."""

    asker: str = "the search"
    given: str = "searched"


SEARCH = Who()
CUSTOMER = Who("the customer record", "customer")


@dataclass
class Aspect:
    """One line of the explanation."""

    key: str
    label: str
    verdict: str  # "for", "against", "neutral", "partial" (one name part) or "unknown"
    text: str
    effect: float = 0.0
    detail: str = ""
    help: list[str] = field(default_factory=list)

    @property
    def effect_text(self) -> str:
        if abs(self.effect) < 0.005:
            return ""
        return f"{'+' if self.effect > 0 else '−'}{abs(self.effect):.2f}"


@lru_cache(maxsize=1)
def feature_help() -> dict[str, str]:
    """Each feature's docstring, one line: how the feature is judged."""
    from watchlist.match.model import WatchlistV1

    return {f["name"]: f["description"] for f in WatchlistV1.describe()}


def _q(value: Any) -> str:
    """A value as quoted text ("a" or "a, b" for lists)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def name_detail(detail: str) -> str:
    """The name aligner's line in words: "alexandr~alexander (0.89)" -> "alexandr ≈
    alexander (89%)"; "only one side" and "differing" spelled out."""
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2).strip()} ≈ {m.group(3).strip()} "
                               f"({percent(m.group(4))})", detail)
    text = text.replace("only one side:", "in one name only:")
    text = text.replace("differing:", "parts that differ:")
    return text


def _countries(value: Any) -> str:
    items = value if isinstance(value, list | tuple | set) else [value]
    return ", ".join(country_name(str(v)) for v in items if v)


def _feature(explanation: dict[str, Any], name: str) -> dict[str, Any]:
    found = explanation.get(name)
    return found if isinstance(found, dict) else {}


def _compared(*features: dict[str, Any]) -> bool:
    return any(f and f.get("detail") not in (None, "nothing to compare", "no name to compare")
               for f in features)


def _effect(*features: dict[str, Any]) -> float:
    return round(sum(float(f.get("contribution") or 0.0) for f in features), 4)


def _by(*features: dict[str, Any]) -> str:
    """Which records of the profile stated the listed value, when the profile has several."""
    records: list[str] = []
    for f in features:
        if f and float(f.get("score") or 0) > 0:
            records.extend(r for r in f.get("by") or [] if r not in records)
    return f" Listed by {', '.join(records)}." if records else ""


def _unknown(key: str, label: str, asked: dict[str, Any] | None, who: Who) -> Aspect:
    what = ASKED.get(key, key)
    if asked is not None and not asked.get(key):
        text = f"Not compared: {who.asker} gave no {what}."
    elif asked is not None:
        text = f"Not compared: the listed record has no {what}."
    else:
        text = f"Not compared: one side has no {what}."
    return Aspect(key, label, "unknown", text)


#: What a search of one name part alone is told, in place of a verdict on the name.
SURNAME_ONLY = "surname only — add given names or a birth date"


def one_name_only(asked: dict[str, Any] | None) -> bool:
    """Whether a search gave a single name part (a surname) and nothing else that could
    tell two people of that name apart (no birth date, no identifier)."""
    if not asked or asked.get("birth_date") or asked.get("identifier"):
        return False
    if asked.get("schema") not in (None, "", "Person"):
        return False
    name = asked.get("name")
    names = name if isinstance(name, list) else [name]
    return bool(names) and all(isinstance(n, str) and len(n.split()) == 1 for n in names)


def matched_name(explanation: dict[str, Any] | None) -> str:
    """The listed name (or alias) the query's name matched best."""
    return _q(_feature(explanation or {}, "name_match").get("candidate"))


def _name(explanation: dict[str, Any], asked: dict[str, Any] | None = None,
          who: Who = SEARCH) -> Aspect:
    f = _feature(explanation, "name_match")
    score = float(f.get("score") or 0.0)
    if not _compared(f):
        return Aspect("name", "Name", "unknown", "No name to compare.")
    if who is SEARCH and one_name_only(asked) and len(_q(f.get("candidate")).split()) > 1:
        return Aspect("name", "Name", "partial",
                      f"{SURNAME_ONLY[:1].upper()}{SURNAME_ONLY[1:]}: “{_q(f.get('query'))}” "
                      f"is one part of the listed name “{_q(f.get('candidate'))}”; many "
                      f"people share it ({percent(score)}).", _effect(f),
                      name_detail(str(f.get("detail"))))
    strength = ("the same name" if score >= 0.99 else "very close" if score >= 0.9
                else "close" if score >= 0.8 else "somewhat alike" if score >= 0.6
                else "weakly alike")
    text = (f"“{_q(f.get('query'))}” and the listed name “{_q(f.get('candidate'))}”: "
            f"{strength} ({percent(score)}).")
    verdict = "for" if score >= 0.8 else "neutral"
    return Aspect("name", "Name", verdict, text, _effect(f), name_detail(str(f.get("detail"))))


def _identifier(explanation: dict[str, Any], asked: dict[str, Any] | None,
                who: Who) -> Aspect:
    same, diff = (_feature(explanation, n) for n in ("identifier_match", "identifier_mismatch"))
    label = "Identifier"
    if not _compared(same, diff):
        return _unknown("identifier", label, asked, who)
    if float(same.get("score") or 0) > 0:
        return Aspect("identifier", label, "for",
                      f"The same identifier {_q(same.get('query'))} on both: decisive evidence "
                      "of the same party." + _by(same), _effect(same, diff))
    if float(diff.get("score") or 0) > 0:
        return Aspect("identifier", label, "against",
                      f"Identifiers differ: {_q(diff.get('query'))} ({who.given}), "
                      f"{_q(diff.get('candidate'))} (listed): {diff.get('detail')}."
                      + _by(diff), _effect(same, diff))
    return Aspect("identifier", label, "neutral", "No identifier in common.",
                  _effect(same, diff))


def _birth_date(explanation: dict[str, Any], asked: dict[str, Any] | None,
                who: Who) -> Aspect:
    same, diff = (_feature(explanation, n) for n in ("birth_date_match", "birth_date_mismatch"))
    label = "Birth date"
    if not _compared(same, diff):
        return _unknown("birth_date", label, asked, who)
    effect = _effect(same, diff)
    dates = f"{_q(same.get('query') or diff.get('query'))} ({who.given}), " \
            f"{_q(same.get('candidate') or diff.get('candidate'))} (listed)"
    if float(same.get("score") or 0) > 0:
        return Aspect("birth_date", label, "for",
                      f"{str(same.get('detail')).capitalize()}: {dates}." + _by(same), effect)
    if float(diff.get("score") or 0) > 0:
        return Aspect("birth_date", label, "against",
                      f"{str(diff.get('detail')).capitalize()}: {dates}." + _by(diff), effect)
    return Aspect("birth_date", label, "neutral", f"Birth dates compared: {dates}.", effect)


def _country(explanation: dict[str, Any], asked: dict[str, Any] | None,
             who: Who) -> Aspect:
    same, diff = (_feature(explanation, n) for n in ("country_match", "country_mismatch"))
    label = "Country"
    if not _compared(same, diff):
        return _unknown("country", label, asked, who)
    effect = _effect(same, diff)
    if float(same.get("score") or 0) > 0:
        return Aspect("country", label, "for",
                      f"{_countries(same.get('query'))} on both." + _by(same), effect)
    return Aspect("country", label, "against",
                  f"No country in common: {_countries(diff.get('query'))} ({who.given}), "
                  f"{_countries(diff.get('candidate'))} (listed)." + _by(diff), effect)


def _quiet(explanation: dict[str, Any], key: str, label: str, feature: str,
           who: Who) -> Aspect | None:
    f = _feature(explanation, feature)
    if float(f.get("score") or 0) <= 0:
        return None
    texts = {
        "numbers": f"The numbers in the names differ: {_q(f.get('query')) or '—'} ({who.given}), "
                   f"{_q(f.get('candidate')) or '—'} (listed).",
        "legal_form": f"Legal forms of different kinds: {_q(f.get('query'))} ({who.given}), "
                      f"{_q(f.get('candidate'))} (listed).",
        "kind": f"Different kinds of party, never the same party: {_q(f.get('query'))} "
                f"({who.given}), {_q(f.get('candidate'))} (listed).",
    }
    return Aspect(key, label, "against", texts[key], _effect(f))


def explain(explanation: dict[str, Any] | None, asked: dict[str, Any] | None = None,
            who: Who = SEARCH) -> list[Aspect]:
    """The explanation of one hit, aspect by aspect; `asked` holds what the search (or the
    customer record, `who`) gave (keys name, birth_date, country, identifier), so a missing
    value can be attributed to the side that lacks it."""
    explanation = explanation or {}
    helps = feature_help()
    aspects: list[Aspect] = [_name(explanation, asked, who),
                             _identifier(explanation, asked, who),
                             _birth_date(explanation, asked, who),
                             _country(explanation, asked, who)]
    for key, label, features in ASPECTS:
        if key in QUIET:
            found = _quiet(explanation, key, label, features[0], who)
            if found is not None:
                aspects.append(found)
    by_key = {key: features for key, _label, features in ASPECTS}
    for aspect in aspects:
        aspect.help = [helps[f] for f in by_key[aspect.key] if f in helps]
    return aspects


def summary(score: float, threshold: float) -> str:
    """The decision in words."""
    if score >= threshold:
        return f"Score {score:.2f}: at or above the alert threshold {threshold:.2f}."
    return f"Score {score:.2f}: below the alert threshold {threshold:.2f} (a weak candidate)."
