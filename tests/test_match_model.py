"""The scoring model: features as pure functions, an algorithm as (feature, weight) data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from followthemoney import model

from watchlist.match.model import DEFAULT_THRESHOLD, MatchResult, WatchlistV1
from watchlist.match.prepare import Party
from watchlist.match.symbols import set_runtime


@pytest.fixture(autouse=True)
def no_runtime_symbols() -> Iterator[None]:
    set_runtime(False)
    yield


def person(name: str, **props: list[str]) -> Party:
    entity = model.make_entity("Person")
    entity.id = "p-" + name.replace(" ", "-")
    entity.add("name", name)
    for prop, values in props.items():
        entity.add(prop, values)
    return Party.from_entity(entity)


def compare(a: Party, b: Party) -> MatchResult:
    return WatchlistV1.compare(a, b)


def test_a_person_never_matches_a_vessel() -> None:
    vessel = model.make_entity("Vessel")
    vessel.id = "v-1"
    vessel.add("name", "Vladimir Putin")
    result = compare(person("Vladimir Putin"), Party.from_entity(vessel))
    assert result.score == 0.0
    assert not result.match
    assert result.explanation["kind_mismatch"]["contribution"] == -1.0


def test_the_same_passport_is_decisive() -> None:
    a = person("Abu Bakr al-Zawahri", passportNumber=["P04581926"])
    b = person("Ahmed Mahmud Ibrahim", passportNumber=["P 0458 1926"])
    assert compare(a, b).match
    assert compare(a, b).explanation["identifier_match"]["score"] == 1.0


def test_a_different_passport_counts_against() -> None:
    a = person("Ivan Petrov", passportNumber=["4510123456"])
    b = person("Ivan Petrov", passportNumber=["4510999999"])
    plain = compare(person("Ivan Petrov"), person("Ivan Petrov"))
    result = compare(a, b)
    assert result.score < plain.score
    assert result.explanation["identifier_mismatch"]["contribution"] < 0


def test_a_different_birth_year_lowers_the_score() -> None:
    base = compare(person("Ivan Petrov", birthDate=["1960-01-05"]),
                   person("Ivan Petrov", birthDate=["1960-01-05"]))
    near = compare(person("Ivan Petrov", birthDate=["1961-03-01"]),
                   person("Ivan Petrov", birthDate=["1960-01-05"]))
    far = compare(person("Ivan Petrov", birthDate=["1975"]),
                  person("Ivan Petrov", birthDate=["1960-01-05"]))
    assert base.score > near.score > far.score
    assert not far.match
    assert far.explanation["birth_date_mismatch"]["detail"].startswith("birth dates more")


def test_the_same_birth_date_lifts_a_close_name() -> None:
    a = person("Angela Merkur", birthDate=["1954-07-17"])
    b = person("Angela Merkel", birthDate=["1954-07-17"])
    alone = compare(person("Angela Merkur"), person("Angela Merkel"))
    assert compare(a, b).score > alone.score


def test_a_different_nationality_lowers_the_score() -> None:
    same = compare(person("Ivan Petrov", nationality=["ru"]),
                   person("Ivan Petrov", nationality=["ru"]))
    other = compare(person("Ivan Petrov", nationality=["ua"]),
                    person("Ivan Petrov", nationality=["ru"]))
    assert other.score < same.score
    assert other.explanation["country_mismatch"]["contribution"] == pytest.approx(-0.1)


def test_the_explanation_lists_each_feature_with_values_compared() -> None:
    a = person("Aleksandr Lukashenko", birthDate=["1954-08-30"], nationality=["by"])
    b = person("Alyaksandr Ryhorovich LUKASHENKA", birthDate=["1954-08-30"],
               nationality=["by"])
    result = compare(a, b)
    assert result.match
    explanation = result.explanation
    assert set(explanation) == {f.name for f in WatchlistV1.features}
    assert explanation["birth_date_match"]["contribution"] > 0
    assert explanation["country_match"]["contribution"] > 0
    assert explanation["identifier_match"]["detail"] == "nothing to compare"
    for item in explanation.values():
        assert {"score", "weight", "detail", "query", "candidate"} <= set(item)
    assert explanation["name_match"]["query"] == "Aleksandr Lukashenko"
    assert explanation["name_match"]["candidate"] == "Alyaksandr Ryhorovich LUKASHENKA"
    assert explanation["birth_date_match"]["query"] == "1954-08-30"


def test_the_algorithm_is_declared_as_features_with_weights_and_explanations() -> None:
    described = WatchlistV1.describe()
    names = [f["name"] for f in described]
    assert names[0] == "name_match"
    assert len(set(names)) == len(names)
    for feature in described:
        assert feature["description"], feature["name"]
        assert -1.0 <= feature["weight"] <= 1.0
    assert WatchlistV1.threshold == DEFAULT_THRESHOLD


def test_a_caller_may_set_the_threshold() -> None:
    a, b = person("Angela Merkur"), person("Angela Merkel")
    score = compare(a, b).score
    assert WatchlistV1.compare(a, b, threshold=score).match
    assert not WatchlistV1.compare(a, b, threshold=min(1.0, score + 0.01)).match
