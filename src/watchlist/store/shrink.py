"""The shrink guard: a new version removing more than a set share of a list's targets is
stored but held, not served, until someone accepts it (a truncated or test file published
by mistake must not empty the list being screened against)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def removed_share(serving_targets: int, new_targets: int) -> float:
    """The share of the serving version's targets a new version no longer has (0 when it
    has as many or more)."""
    if serving_targets <= 0 or new_targets >= serving_targets:
        return 0.0
    return (serving_targets - new_targets) / serving_targets


def over_limit(serving_targets: int, new_targets: int, limit: float) -> bool:
    """Whether a new version shrinks the list by more than `limit` (a share, 0.2 = 20%)."""
    return removed_share(serving_targets, new_targets) > limit


def percent(share: float) -> str:
    """A share as a percentage for people: 99.9%, 20%, 0.1%."""
    value = share * 100
    if value != round(value) and 99 < value < 100:
        return f"{min(value, 99.9):.1f}%"  # never round a partial removal up to 100%
    return f"{value:.1f}%".replace(".0%", "%")


def _targets(count: int) -> str:
    return f"{count:,} target" + ("" if count == 1 else "s")


def accept_command(source: str) -> str:
    return f"watchlist update --accept-shrink {source}"


@dataclass(frozen=True)
class Hold:
    """A version held by the shrink guard, beside the version that keeps serving."""

    source: str
    version: int
    targets: int
    serving_version: int
    serving_targets: int
    limit: float
    held_at: str

    @property
    def removed_share(self) -> float:
        return removed_share(self.serving_targets, self.targets)

    @property
    def message(self) -> str:
        """What happened and how to accept it, for the update's output, status and pages."""
        return (f"{self.source}: version {self.version} is held, not served: it has "
                f"{_targets(self.targets)} where serving version {self.serving_version} has "
                f"{self.serving_targets:,} ({percent(self.removed_share)} removed, more than "
                f"the {percent(self.limit)} limit). Version {self.serving_version} keeps "
                f"serving. If the list really shrank, accept it: "
                f"`{accept_command(self.source)}` (or Accept on the Sources page).")

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version, "targets": self.targets,
                "serving_version": self.serving_version,
                "serving_targets": self.serving_targets,
                "removed_share": round(self.removed_share, 4), "limit": self.limit,
                "held_at": self.held_at, "accept": accept_command(self.source),
                "message": self.message}
