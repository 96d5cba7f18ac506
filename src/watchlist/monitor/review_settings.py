"""How alerts are reviewed, as the compliance team configures it: which decisions need a
second person's approval (four-eyes), the reason codes, the service level per priority,
how priority follows from score, list and regime, and the teams alerts go to.

Read from `review.toml` in the store's home (or the file WATCHLIST_REVIEW_CONFIG names);
without one the defaults below hold. A file that cannot be read is reported naming the
file and the field; a service that read a good version before keeps using it.
"""

from __future__ import annotations

import logging
import os
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchlist.config import home
from watchlist.errors import WatchlistError

__all__ = ["DEFAULT_REASON_CODES", "PRIORITIES", "ReviewSettings", "ReviewSettingsError",
           "load_settings", "parse_settings", "settings_path"]

log = logging.getLogger("watchlist.monitor")

#: Priorities, most urgent first.
PRIORITIES = ("high", "medium", "low")
#: The decisions an analyst may take (as `alerts.DECISIONS` names them).
DECISION_KINDS = ("match", "false-positive", "escalate")
DEFAULT_REASON_CODES = {
    "different-birth-date": "Different birth date",
    "different-nationality": "Different nationality",
    "common-name": "Common name, nothing else in common",
    "confirmed-by-id-document": "Confirmed by identity document",
    "alias-only": "List entry is an alias only (weak alias)",
    "same-person": "Same person: name, birth date and country agree",
    "needs-investigation": "Needs investigation by a senior analyst",
}
DEFAULT_FOUR_EYES = {"match": True, "false-positive": True, "escalate": False}
#: Days from raising to the due date, per priority.
DEFAULT_SERVICE_LEVEL = {"high": 1, "medium": 3, "low": 10}
DEFAULT_SCORE_BANDS = {"high": 0.9, "medium": 0.75}
MAX_CODE = 60


class ReviewSettingsError(WatchlistError):
    """The review settings file cannot be used: names the file, the field and the problem."""


@dataclass(frozen=True)
class ReviewSettings:
    """The review rules in force (see the module docstring)."""

    four_eyes: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_FOUR_EYES))
    reason_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REASON_CODES))
    service_days: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SERVICE_LEVEL))
    score_bands: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SCORE_BANDS))
    list_priority: dict[str, str] = field(default_factory=dict)
    regime_priority: dict[str, str] = field(default_factory=dict)
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    require_reason_code: bool = False
    source: str = "defaults"

    def needs_approval(self, decision: str) -> bool:
        """Whether a decision of this kind waits for a second person's approval."""
        return bool(self.four_eyes.get(decision, False))

    def teams_of(self, person: str) -> tuple[str, ...]:
        """The teams a user belongs to, by name."""
        return tuple(sorted(t for t, members in self.teams.items() if person in members))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "four_eyes": self.four_eyes,
                "reason_codes": self.reason_codes, "require_reason_code":
                self.require_reason_code, "service_level_days": self.service_days,
                "priority": {"score": self.score_bands, "lists": self.list_priority,
                             "regimes": self.regime_priority},
                "teams": {k: list(v) for k, v in self.teams.items()}}


def settings_path() -> Path:
    """Where the review settings are read from."""
    named = os.environ.get("WATCHLIST_REVIEW_CONFIG", "").strip()
    return Path(named) if named else home() / "review.toml"


def _table(data: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ReviewSettingsError(f"{where}: [{name}] must be a table")
    return value


def _priority(value: Any, where: str) -> str:
    if value not in PRIORITIES:
        raise ReviewSettingsError(f"{where}: {value!r} is not a priority; use "
                                  f"{', '.join(PRIORITIES)}")
    return str(value)


def parse_settings(data: dict[str, Any], where: str) -> ReviewSettings:
    """Review settings from a parsed TOML document; `where` names it in errors."""
    known = {"four_eyes", "reason_codes", "service_level", "priority", "teams", "review"}
    for key in data:
        if key not in known:
            raise ReviewSettingsError(f"{where}: unknown section [{key}]; use "
                                      f"{', '.join(sorted(known))}")
    four_eyes = dict(DEFAULT_FOUR_EYES)
    for kind, value in _table(data, "four_eyes", where).items():
        if kind not in DECISION_KINDS:
            raise ReviewSettingsError(f"{where}: four_eyes.{kind}: unknown decision; use "
                                      f"{', '.join(DECISION_KINDS)}")
        if not isinstance(value, bool):
            raise ReviewSettingsError(f"{where}: four_eyes.{kind} must be true or false")
        four_eyes[kind] = value
    codes = _table(data, "reason_codes", where)
    reason_codes = dict(DEFAULT_REASON_CODES) if not codes else {}
    for code, label in codes.items():
        if not code or len(code) > MAX_CODE or not code.replace("-", "").replace(
                "_", "").isalnum():
            raise ReviewSettingsError(f"{where}: reason_codes.{code}: a code is letters, "
                                      f"digits, - and _ (at most {MAX_CODE})")
        if not isinstance(label, str) or not label.strip():
            raise ReviewSettingsError(f"{where}: reason_codes.{code} needs a label (text)")
        reason_codes[code] = label.strip()
    service = dict(DEFAULT_SERVICE_LEVEL)
    for name, days in _table(data, "service_level", where).items():
        _priority(name, f"{where}: service_level")
        if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 365:
            raise ReviewSettingsError(f"{where}: service_level.{name} must be days "
                                      "(a number above 0, at most 365)")
        service[name] = float(days)
    priority = _table(data, "priority", where)
    bands = dict(DEFAULT_SCORE_BANDS)
    for name, score in _table(priority, "score", f"{where}: priority").items():
        _priority(name, f"{where}: priority.score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise ReviewSettingsError(f"{where}: priority.score.{name} must be a score "
                                      "from 0 to 1")
        bands[name] = float(score)
    lists = {str(k): _priority(v, f"{where}: priority.lists.{k}")
             for k, v in _table(priority, "lists", f"{where}: priority").items()}
    regimes = {str(k).casefold(): _priority(v, f"{where}: priority.regimes.{k}")
               for k, v in _table(priority, "regimes", f"{where}: priority").items()}
    teams: dict[str, tuple[str, ...]] = {}
    for team, members in _table(data, "teams", where).items():
        if not isinstance(members, list) or not all(isinstance(x, str) for x in members):
            raise ReviewSettingsError(f"{where}: teams.{team} must be a list of user names")
        teams[str(team)] = tuple(members)
    review = _table(data, "review", where)
    require = review.get("require_reason_code", False)
    if not isinstance(require, bool):
        raise ReviewSettingsError(f"{where}: review.require_reason_code must be true or false")
    return ReviewSettings(four_eyes, reason_codes, service, bands, lists, regimes, teams,
                          require, where)


_lock = threading.Lock()
_last_good: dict[str, tuple[float, ReviewSettings]] = {}


def load_settings(path: Path | None = None) -> ReviewSettings:
    """The settings in force: the file's, the defaults without one. A bad file raises
    ReviewSettingsError, unless this process read a good version of it before: that one
    keeps serving (and the problem is logged)."""
    path = path or settings_path()
    key = str(path)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return ReviewSettings()
    with _lock:
        cached = _last_good.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    try:
        with path.open("rb") as handle:
            settings = parse_settings(tomllib.load(handle), str(path))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        error = ReviewSettingsError(f"{path}: {exc}")
    except ReviewSettingsError as exc:
        error = exc
    else:
        with _lock:
            _last_good[key] = (mtime, settings)
        return settings
    if cached is not None:
        log.warning("%s; the review settings read before stay in force", error)
        return cached[1]
    raise error
