"""Scanning text for listed people whose family name ends like a patronymic (Gaidukevich,
Kazakevich), against a small list built for these tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import module_home
from watchlist.store.store import Store
from watchlist.text import Scanner
from watchlist.updates.pipeline import update_from_paths

PEOPLE = {
    "t-gaidukevich": "Oleg Leonidovich GAIDUKEVICH",
    "t-kazakevich": "Gennady Mikhailovich KAZAKEVICH",
    "t-makei": "Vladimir Vladimirovich MAKEI",
}


def _records() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for entity_id, name in PEOPLE.items():
        out.append({"id": entity_id, "schema": "Person", "properties": {"name": [name]},
                    "topics": ["sanction"]})
        out.append({"id": f"{entity_id}-sanction", "schema": "Sanction", "properties": {
            "entity": [entity_id], "program": ["Belarus"], "authority": ["Test authority"],
            "authorityId": [entity_id.upper()], "listingDate": ["2021-06-21"]}})
    return out


@pytest.fixture(scope="module")
def scanner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanner]:
    with module_home(tmp_path_factory, "scan-patronymic-surnames") as home:
        listed = home.parent / "listed.ftm.json"
        listed.write_text("\n".join(json.dumps(r) for r in _records()), encoding="utf-8")
        store = Store()
        report = update_from_paths(store, [Path(listed)])
        assert report.ok, report.failures
        store.close()
        yield Scanner.open()


def found(scanner: Scanner, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.entity_id) for m in scanner.scan(text)]


def test_given_and_family_name_ending_like_a_patronymic_is_found(scanner: Scanner) -> None:
    assert found(scanner, "Then Oleg Gaidukevich spoke.") == [
        ("Oleg Gaidukevich", "t-gaidukevich")]
    assert found(scanner, "Gennady Kazakevich was there too.") == [
        ("Gennady Kazakevich", "t-kazakevich")]


def test_full_name_with_such_a_family_name_is_still_found(scanner: Scanner) -> None:
    assert found(scanner, "Oleg Leonidovich Gaidukevich spoke.") == [
        ("Oleg Leonidovich Gaidukevich", "t-gaidukevich")]


def test_given_name_alone_or_with_another_family_name_is_no_mention(scanner: Scanner) -> None:
    assert found(scanner, "Then Oleg spoke.") == []
    assert found(scanner, "Then Oleg Kazakevich spoke.") == []
