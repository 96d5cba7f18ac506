"""The ownership rules over small graphs: OFAC's worked examples (2014 guidance), the EU's
and the UK's majority-or-control test, share bands, unknown shares, cycles, and updates of
one owner giving what a full recomputation gives."""

from __future__ import annotations

import random

import pytest

from watchlist.errors import WatchlistError
from watchlist.ownership.compute import assess, replace_owner, set_listed
from watchlist.ownership.explain import explain
from watchlist.ownership.graph import CONTROL, Graph, Relation
from watchlist.ownership.rules import RULES, rule_named

OFAC = RULES["us-ofac-50"]
UK = RULES["uk-ownership-control"]
EU = RULES["eu-ownership-control"]


def owns(owner: str, owned: str, low: float | None, high: float | None = None,
         **more: str) -> Relation:
    return Relation(owner, owned, low=low, high=high, **more)


def graph_of(*relations: Relation) -> Graph:
    graph = Graph()
    graph.add_all(relations)
    return graph


def status(relations: list[Relation], listed: list[str], rule=OFAC) -> dict[str, str | None]:
    assessment = assess(graph_of(*relations), rule, listed)
    return {party: assessment.status(party) for party in assessment.graph.ids}


def test_one_blocked_owner_of_half_blocks_the_entity():
    assert status([owns("X", "A", 50)], ["X"])["A"] == "blocked"


def test_two_blocked_owners_of_a_quarter_each_block_the_entity_by_aggregation():
    assert status([owns("X", "A", 25), owns("Y", "A", 25)], ["X", "Y"])["A"] == "blocked"


def test_an_entity_blocked_by_ownership_blocks_what_it_owns_half_of():
    found = status([owns("X", "A", 50), owns("A", "B", 50)], ["X"])
    assert found["A"] == found["B"] == "blocked"


def test_aggregated_owners_block_an_entity_that_blocks_its_subsidiary():
    found = status([owns("X", "A", 25), owns("Y", "A", 25), owns("A", "B", 50)], ["X", "Y"])
    assert found["A"] == found["B"] == "blocked"


def test_direct_and_indirect_holdings_add_up():
    # X owns 40% of A and 50% of B; B, blocked through X, owns 10% of A: A is 50% blocked-owned.
    found = status([owns("X", "A", 40), owns("X", "B", 50), owns("B", "A", 10)], ["X"])
    assert found["A"] == "blocked"


def test_forty_nine_percent_alone_does_not_block():
    assert status([owns("X", "A", 49)], ["X"])["A"] is None


def test_ofac_does_not_look_through_an_entity_that_is_not_blocked():
    found = status([owns("X", "A", 40), owns("A", "B", 100)], ["X"])
    assert found["A"] is None and found["B"] is None


def test_ofac_ignores_control_without_ownership():
    relations = [Relation("X", "A", kind=CONTROL)]
    assert status(relations, ["X"])["A"] is None
    assert status(relations, ["X"], EU)["A"] == "blocked"


@pytest.mark.parametrize("rule", [EU, UK])
def test_eu_and_uk_need_more_than_half(rule):
    assert status([owns("X", "A", 50)], ["X"], rule)["A"] is None
    assert status([owns("X", "A", 50.5)], ["X"], rule)["A"] == "blocked"


def test_uk_does_not_add_up_different_designated_persons():
    relations = [owns("X", "A", 30), owns("Y", "A", 30)]
    assert status(relations, ["X", "Y"], UK)["A"] is None
    assert status(relations, ["X", "Y"], OFAC)["A"] == "blocked"


def test_uk_adds_up_one_persons_direct_and_indirect_holdings():
    relations = [owns("X", "S", 60), owns("X", "A", 30), owns("S", "A", 30)]
    found = status(relations, ["X"], UK)
    assert found["S"] == "blocked" and found["A"] == "blocked"


def test_a_majority_owned_subsidiary_of_a_controlled_entity_is_frozen():
    relations = [Relation("X", "A", kind=CONTROL), owns("A", "B", 51)]
    assert status(relations, ["X"], UK)["B"] == "blocked"


def test_a_band_reaching_the_rule_only_at_its_top_is_possible_with_both_bounds():
    assessment = assess(graph_of(owns("X", "A", 50, 75, source="psc")), UK, ["X"])
    assert assessment.status("A") == "possible"
    finding = explain(assessment, "A")
    assert (finding.status, finding.share, finding.share_high) == ("possible", 50.0, 75.0)
    assert "may be blocked" in finding.explanation


def test_a_band_whose_bottom_reaches_the_rule_is_certain():
    assessment = assess(graph_of(owns("X", "A", 50, 75)), OFAC, ["X"])
    assert assessment.status("A") == "blocked"
    assert (explain(assessment, "A").share, explain(assessment, "A").share_high) == (50, 75)


def test_an_unknown_share_never_counts():
    found = status([owns("X", "A", None), owns("Y", "A", 30)], ["X", "Y"])
    assert found["A"] is None


def test_a_cycle_of_unlisted_owners_blocks_nobody():
    assert status([owns("A", "B", 60), owns("B", "A", 60)], []) == {"A": None, "B": None}


def test_a_cycle_hanging_from_a_listed_owner_counts_only_the_share_not_through_itself():
    assessment = assess(graph_of(owns("X", "A", 50), owns("B", "A", 40), owns("A", "B", 70)),
                        OFAC, ["X"])
    assert assessment.status("A") == assessment.status("B") == "blocked"
    finding = explain(assessment, "A")
    assert finding.share == 50.0
    assert [[e["owner"] for e in path] for path in finding.paths] == [["X"]]
    assert [[e["owner"] for e in p] for p in explain(assessment, "B").paths] == [["X", "A"]]


def test_the_finding_gives_every_path_with_shares_sources_and_dates():
    assessment = assess(graph_of(
        owns("X", "A", 30, source="register", as_of="2024-03-01", owner_name="Xavier Holdings"),
        owns("X", "H", 100, source="gleif"), owns("H", "A", 25, source="gleif")), OFAC, ["X"])
    finding = explain(assessment, "A")
    assert finding.share == 55.0
    assert sorted([(e["owner"], e["share"], e["source"], e["as_of"]) for e in p]
                  for p in finding.paths) == [
        [("X", 30.0, "register", "2024-03-01")],
        [("X", 100.0, "gleif", None), ("H", 25.0, "gleif", None)]]
    assert "Xavier Holdings (listed) owns 30% of A (register, 2024-03-01)" in finding.explanation
    assert "us-ofac-50" in finding.explanation and "55%" in finding.explanation


def test_listed_and_unconnected_parties_have_no_finding():
    assessment = assess(graph_of(owns("X", "A", 10)), OFAC, ["X"])
    assert explain(assessment, "X") is None and explain(assessment, "A") is None
    assert explain(assessment, "nobody") is None


def test_replacing_one_owners_share_updates_everything_below():
    assessment = assess(graph_of(owns("X", "A", 55), owns("A", "B", 60), owns("B", "C", 50)),
                        OFAC, ["X"])
    assert assessment.status("C") == "blocked"
    replace_owner(assessment, "X", [owns("X", "A", 45)])
    assert [assessment.status(p) for p in "ABC"] == [None, None, None]
    replace_owner(assessment, "X", [owns("X", "A", 45), owns("X", "B", 50)])
    assert [assessment.status(p) for p in "ABC"] == [None, "blocked", "blocked"]


def test_designation_and_delisting_update_what_follows():
    assessment = assess(graph_of(owns("X", "A", 60), owns("A", "B", 60)), UK, [])
    set_listed(assessment, added=["X"])
    assert assessment.status("B") == "blocked"
    set_listed(assessment, removed=["X"])
    assert assessment.status("A") is None and assessment.status("B") is None


@pytest.mark.parametrize("rule", [OFAC, UK])
def test_updates_of_single_owners_agree_with_a_full_recomputation(rule):
    rng = random.Random(19)
    parties = [f"P{i}" for i in range(40)]
    listed = parties[:4]

    def holdings(owner: str) -> list[Relation]:
        chosen = rng.sample(parties, rng.randint(0, 4))
        out = []
        for owned in chosen:
            if owned == owner:
                continue
            if rng.random() < 0.15:
                out.append(Relation(owner, owned, kind=CONTROL))
            else:
                low = rng.choice([10, 25, 30, 50, 51, 75, None])
                high = None if low is None or rng.random() < 0.6 else min(100, low + 25)
                out.append(owns(owner, owned, low, high))
        return out

    current = {p: holdings(p) for p in parties}
    assessment = assess(graph_of(*[r for rs in current.values() for r in rs]), rule, listed)
    for step in range(60):
        owner = rng.choice(parties)
        current[owner] = holdings(owner)
        replace_owner(assessment, owner, current[owner])
        if step % 10 == 0:
            set_listed(assessment, added=[rng.choice(parties)], removed=[rng.choice(listed)])
            listed = [assessment.graph.ids[n] for n in sorted(assessment.listed)]
        graph = Graph()
        for party in parties:
            graph.node(party)
        graph.add_all(r for rs in current.values() for r in rs)
        fresh = assess(graph, rule, listed)
        for party in parties:
            assert assessment.status(party) == fresh.status(party), (step, party)


def test_an_unknown_rule_is_named_with_the_known_ones():
    with pytest.raises(WatchlistError, match="us-ofac-50"):
        rule_named("ofac")
