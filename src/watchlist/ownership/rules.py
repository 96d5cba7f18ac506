"""The ownership rules of each jurisdiction, declared as data: the threshold, whether it is
reached at or only above it, whether holdings of different designated persons add up, and
whether control alone suffices."""

from __future__ import annotations

from dataclasses import dataclass

from watchlist.errors import WatchlistError

#: Shares are percentages; two sums closer than this are equal (50.0 from 25.0 + 25.0).
EPSILON = 1e-9


@dataclass(frozen=True)
class Rule:
    """One jurisdiction's test of ownership and control."""

    name: str
    threshold: float
    #: True: the threshold itself suffices (OFAC's "50 percent or more").
    inclusive: bool
    #: True: the holdings of different blocked owners add up (OFAC's "in the aggregate").
    aggregate: bool
    #: True: control, as the data states it, suffices whatever the share.
    control: bool
    #: The lists whose targets are the designated (blocked) persons of this rule (the EU
    #: and the UK implement the UN's designations).
    lists: tuple[str, ...]
    summary: str

    def reached(self, share: float) -> bool:
        """Whether an aggregated share meets this rule's threshold."""
        if self.inclusive:
            return share >= self.threshold - EPSILON
        return share > self.threshold + EPSILON

    def comparison(self) -> str:
        """The threshold in words: "50% or more" or "more than 50%"."""
        value = f"{self.threshold:g}%"
        return f"{value} or more" if self.inclusive else f"more than {value}"


RULES: dict[str, Rule] = {
    "us-ofac-50": Rule(
        "us-ofac-50", 50.0, inclusive=True, aggregate=True, control=False,
        lists=("us_ofac_sdn",),
        summary="OFAC's 50 Percent Rule (2014 guidance): an entity owned 50% or more, "
                "directly or indirectly, in the aggregate, by one or more blocked persons is "
                "blocked; an entity so blocked counts as a blocked owner of what it owns."),
    "eu-ownership-control": Rule(
        "eu-ownership-control", 50.0, inclusive=False, aggregate=False, control=True,
        lists=("eu_fsf", "un_sc_sanctions"),
        summary="EU asset freezes: an entity owned more than 50% or controlled by a "
                "designated person, directly or through entities so owned or controlled."),
    "uk-ownership-control": Rule(
        "uk-ownership-control", 50.0, inclusive=False, aggregate=False, control=True,
        lists=("gb_hmt_sanctions", "gb_fcdo_sanctions", "un_sc_sanctions"),
        summary="UK asset freezes (OFSI): an entity a designated person owns more than 50% "
                "of, or controls, directly or indirectly; different designated persons' "
                "holdings are not added up."),
}
DEFAULT_RULE = "us-ofac-50"


def rule_named(name: str) -> Rule:
    """The rule called `name`, or an error listing the rules there are."""
    try:
        return RULES[name]
    except KeyError:
        raise WatchlistError(f"no ownership rule {name!r}; the rules are: "
                             + ", ".join(sorted(RULES))) from None
