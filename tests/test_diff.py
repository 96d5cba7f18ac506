"""The diff of two list versions: added, removed, changed field by field."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from followthemoney import model
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from typer.testing import CliRunner

from watchlist.cli import app
from watchlist.errors import StoreError
from watchlist.monitor.diff import (
    Record,
    default_pair,
    diff_versions,
    only_whole_field_changes,
    record_changes,
    resolve_version,
    substantive_first,
)
from watchlist.service import create_app
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

FIXTURES = Path(__file__).parent / "fixtures"


def _person(entity_id: str, props: dict[str, list[str]]) -> Record:
    entity = model.make_entity("Person")
    entity.id = entity_id
    for prop, values in props.items():
        for value in values:
            entity.add(prop, value)
    return Record(entity)


def _sanction(entity_id: str, target: str, program: str, number: int = 1):
    sanction = model.make_entity("Sanction")
    sanction.id = f"{entity_id}-{number}"
    sanction.add("entity", target)
    sanction.add("program", program)
    return sanction


names = st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=8)
                 , max_size=4)


@given(names, names)
def test_changes_are_what_was_added_and_removed(before: list[str], after: list[str]) -> None:
    old = _person("p1", {"name": ["Ivan"], "alias": before})
    new = _person("p1", {"name": ["Ivan"], "alias": after})
    changes = record_changes(old, new)
    assert record_changes(old, old) == {}
    if set(before) == set(after):
        assert changes == {}
    else:
        assert set(changes["alias"]["added"]) == set(after) - set(before)
        assert set(changes["alias"]["removed"]) == set(before) - set(after)
        back = record_changes(new, old)["alias"]
        assert back == {"added": changes["alias"]["removed"],
                        "removed": changes["alias"]["added"]}


def test_linked_entities_compare_by_value_not_by_id() -> None:
    old = _person("p1", {"name": ["Ivan"]})
    new = _person("p1", {"name": ["Ivan"]})
    old.linked.append(_sanction("s", "p1", "DPRK", 1))
    new.linked.append(_sanction("s", "p1", "DPRK", 2))  # renumbered: no change
    assert record_changes(old, new) == {}
    new.linked.append(_sanction("s", "p1", "BELARUS", 3))
    assert record_changes(old, new) == {"Sanction.program": {"added": ["BELARUS"],
                                                             "removed": []}}


def test_corrected_birth_date_is_a_changed_field() -> None:
    old = _person("p1", {"name": ["Ivan"], "birthDate": ["1961-07"]})
    new = _person("p1", {"name": ["Ivan"], "birthDate": ["1961-07-14"]})
    assert record_changes(old, new) == {"birthDate": {"added": ["1961-07-14"],
                                                      "removed": ["1961-07"]}}


def _uids(path: Path) -> set[str]:
    """DATAIDs of a UN XML file, read with lxml (independently of the parser)."""
    root = etree.parse(str(path)).getroot()
    return {node.text.strip() for node in root.iter("DATAID")}


def test_un_fixture_pair_diff_matches_an_independent_count(store_url: str) -> None:
    store = Store()
    v1, v2 = FIXTURES / "un_small_v1.xml", FIXTURES / "un_small_v2.xml"
    update_from_paths(store, [v1])
    update_from_paths(store, [v2])
    old, new = default_pair(store, "un_sc_sanctions")
    assert (old.version, new.version) == (1, 2)
    result = diff_versions(store, old, new).to_dict()
    a, b = _uids(v1), _uids(v2)
    assert len(result["added"]) == len(b - a) == 1
    assert len(result["removed"]) == len(a - b) == 1
    assert result["added"][0]["caption"] == "SAMPLE SHIPPING LINES"
    assert result["removed"][0]["caption"] == "AMINA EXAMPLAR"
    [changed] = result["changed"]
    assert changed["fields"] == {"alias": {"added": ["Ivan P. Testovski"], "removed": []}}
    assert result["from"]["version"] == 1 and result["to"]["version"] == 2
    # The other way round, by version numbers and by date.
    back = diff_versions(store, *default_pair(store, "un_sc_sanctions", "2", "1")).to_dict()
    assert [r["caption"] for r in back["added"]] == ["AMINA EXAMPLAR"]
    assert resolve_version(store, "un_sc_sanctions", "2025-02-01").version == 1
    assert resolve_version(store, "un_sc_sanctions", "2025-03-02").version == 2


def test_bad_version_specs_are_named(store_url: str) -> None:
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    with pytest.raises(StoreError, match="no version 7"):
        resolve_version(store, "un_sc_sanctions", "7")
    with pytest.raises(StoreError, match="neither a version number nor a date"):
        resolve_version(store, "un_sc_sanctions", "last week")
    with pytest.raises(StoreError, match="no version before"):
        default_pair(store, "un_sc_sanctions")
    with pytest.raises(StoreError, match="are both version 1 of un_sc_sanctions"):
        default_pair(store, "un_sc_sanctions", "1", "1")
    with pytest.raises(StoreError, match=r"serving on 1999-01-01; its versions date from "
                                         r"1: \d{4}-\d\d-\d\d"):
        resolve_version(store, "un_sc_sanctions", "1999-01-01")
    with pytest.raises(StoreError, match="no stored version"):
        resolve_version(store, "eu_fsf", None)


def _ftm_version(path: Path, people: dict[str, dict[str, list[str]]]) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for entity_id, props in people.items():
            handle.write(json.dumps({"id": entity_id, "schema": "Person",
                                     "properties": props}) + "\n")
    return path


def test_fields_missing_from_a_whole_version_are_named_and_no_others(store_url: str,
                                                                      tmp_path: Path) -> None:
    # p1-p6 lose their phones (on no person of v2: "gone") and gain birth dates (on none of
    # v1: "new"); p1-p5 lose email and website and gain a nationality, but p7 (unchanged)
    # has an email, p8 (added) a website and p0 (removed) a nationality; p1 alone loses a
    # title: too rare a field for its absence from v2 to say anything.
    v1 = {"p0": {"name": ["Olga Gone"], "nationality": ["ru"]},
          "p7": {"name": ["Kept Same"], "email": ["kept@example.com"]}}
    v2 = {"p7": v1["p7"], "p8": {"name": ["Anna New"], "website": ["https://example.com"]}}
    for n in range(1, 7):
        v1[f"p{n}"] = {"name": [f"Person {n}"], "phone": [f"+37517000000{n}"]}
        v2[f"p{n}"] = {"name": [f"Person {n}"], "birthDate": [f"196{n}"]}
        if n < 6:
            v1[f"p{n}"].update(email=[f"p{n}@example.com"], website=[f"https://p{n}.example"])
            v2[f"p{n}"].update(nationality=["ru"])
    v1["p1"]["title"] = ["Dr"]
    v1 = _ftm_version(tmp_path / "v1.ftm.json", v1)
    v2 = _ftm_version(tmp_path / "v2.ftm.json", v2)
    store = Store()
    for path in (v1, v2):
        assert update_from_paths(store, [path], "own").ok
    result = diff_versions(store, *default_pair(store, "own"))
    whole = {name: entry.whole for name, entry in result.fields.items()}
    assert whole == {"phone": "gone", "birthDate": "new", "email": None, "website": None,
                     "nationality": None, "title": None}
    assert (result.fields["phone"].lost, result.fields["phone"].gained) == (6, 0)
    rows = {row["caption"]: row for row in result.changed}
    assert not only_whole_field_changes(rows["Person 1"], result.fields)
    assert only_whole_field_changes(rows["Person 6"], result.fields)
    assert substantive_first(result)[-1]["caption"] == "Person 6"
    assert set(result.to_dict()) == {"source", "from", "to", "added", "removed", "changed"}

    output = CliRunner().invoke(app, ["diff", "own"], catch_exceptions=False).output
    assert "Version 2 has no phone on any target" in output
    assert "Version 1 has no birthDate on any target" in output
    assert "not in version 2" in output and "not in version 1" in output
    # The web page's Changes card says the same, the substantive change first.
    key = create_key(store, "changes page", "screen")[1]
    with TestClient(create_app(store, warm=False)) as client:
        form = client.get("/ui/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        assert client.post("/ui/login", data={"csrf_token": html.unescape(csrf.group(1)),
                                              "method": "key", "api_key": key,
                                              "next": "/ui/changes"}).status_code == 200
        page = client.get("/ui/changes", params={"source": "own"}).text
    assert "Version 2 has no phone on any target" in page
