"""A similarity cache given to a comparison is used (the screener shares one across all
its comparisons), and sharing it changes no score."""

from watchlist.match.features import Context, pair_kind
from watchlist.match.model import WatchlistV1
from watchlist.match.names import Sims
from watchlist.match.prepare import Party


def test_a_comparison_fills_the_similarity_cache_it_is_given() -> None:
    query = Party.from_query("Aleksandr Lukashenko", schema="Person")
    listed = Party.from_query("Alyaksandr Ryhorovich LUKASHENKA", schema="Person")
    sims = Sims()
    shared = WatchlistV1.compare(query, listed, context=Context(pair_kind(query, listed),
                                                                 sims=sims))
    assert sims.cache
    assert shared.score == WatchlistV1.compare(query, listed).score


def test_a_shared_cache_gives_the_same_scores_in_any_order() -> None:
    names = ["Abdurrahim Nazirullah", "Abdulrahim Waliullah", "Olga Petrovna Gryaznova",
             "Olga Petrova", "Viktor Aleksandrovich Lukashenko", "Aleksandr Lukashenko"]
    parties = [Party.from_query(n, schema="Person") for n in names]
    alone = {(a, b): WatchlistV1.compare(parties[a], parties[b]).score
             for a in range(len(names)) for b in range(len(names))}
    sims = Sims()
    for a, b in sorted(alone, reverse=True):
        ctx = Context(pair_kind(parties[a], parties[b]), sims=sims)
        assert WatchlistV1.compare(parties[a], parties[b], context=ctx).score == alone[a, b]
