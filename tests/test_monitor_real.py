"""Monitoring on the real list snapshots in ../shared (skipped when absent): the README's
walkthrough on OFAC SDN 2021 -> 2022, and the diff of three real pairs checked against
counts made independently from the raw files."""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from conftest import LISTS, module_home
from watchlist.cli import app
from watchlist.monitor.delta import DeltaScreener, _SubsetSearch, counting
from watchlist.monitor.diff import default_pair, diff_versions, only_whole_field_changes
from watchlist.screener import Screener
from watchlist.store.store import Store

SDN_2021 = LISTS / "ofac" / "sdn_csv_2021-07"
SDN_2022 = LISTS / "ofac" / "sdn_csv_2022-11" / "sdn.csv"
NEGATIVES = LISTS / "matching" / "yente_candidate_generation" / "negatives_global.csv"

pytestmark = pytest.mark.skipif(not SDN_2022.exists(),
                                reason=f"real list snapshots not found at {LISTS}")


def _ofac_rows(path: Path) -> Iterator[list[str]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.reader(handle):
            if row and row[0].strip() not in ("", "\x1a"):
                yield [cell.strip() for cell in row]


def _ofac_records(folder: Path, primary: Path) -> tuple[dict[str, tuple], dict[str, set]]:
    """ent_num -> its sdn.csv row, and -> its alias, address and remark rows (raw)."""
    entries = {r[0]: tuple(r[1:]) for r in _ofac_rows(primary)}
    extra: dict[str, set] = defaultdict(set)
    for r in _ofac_rows(folder / "alt.csv"):
        extra[r[0]].add(("alt", *r[2:]))
    for r in _ofac_rows(folder / "add.csv"):
        if any(v not in ("-0-", "") for v in r[2:]):
            extra[r[0]].add(("add", *r[2:]))
    for r in _ofac_rows(folder / "sdn_comments.csv"):
        extra[r[0]].add(("comment", *r[1:]))
    return entries, extra


@pytest.fixture(scope="module")
def ofac() -> dict[str, set[str]]:
    """Independent counts over the raw OFAC CSVs: ent_nums added, removed, changed."""
    a, a_extra = _ofac_records(SDN_2021, SDN_2021 / "sdn.csv")
    b, b_extra = _ofac_records(SDN_2022.parent, SDN_2022)
    common = a.keys() & b.keys()
    changed = {k for k in common if a[k] != b[k] or a_extra[k] != b_extra[k]}

    def remarks(extra: set) -> set:
        return {row for row in extra if row[0] == "comment"}

    return {"added": b.keys() - a.keys(), "removed": a.keys() - b.keys(),
            "changed": changed,
            "only_alt_add": {k for k in changed if a[k] == b[k]
                             and remarks(a_extra[k]) == remarks(b_extra[k])},
            "had_alt_add": {k for k in common if a_extra[k] - remarks(a_extra[k])},
            "names_2022": {k: b[k][0] for k in b}, "types_2022": {k: b[k][1] for k in b}}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with module_home(tmp_path_factory, "monitor-real") as path:
        yield path


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def walkthrough(home: Path, ofac: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The README's walkthrough: 2021 SDN, a book, monitor, 2022 SDN, monitor."""
    rng = random.Random(3)
    added = sorted(ofac["added"])
    rng.shuffle(added)
    rows = [{"id": f"new-{n}", "name": ofac["names_2022"][n],
             "schema": "Person" if ofac["types_2022"][n] == "individual" else ""}
            for n in added[:25]]
    with open(NEGATIVES, encoding="utf-8") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if i == 300:
                break
            rows.append({"id": f"neg-{i}", "name": row["full_name"], "schema": "Person"})
    path = tmp_path_factory.mktemp("book") / "customers.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "name", "schema"])
        writer.writeheader()
        writer.writerows(rows)
    _cli("update", "--from", str(SDN_2021))
    _cli("portfolio", "import", str(path))
    first = json.loads(_cli("monitor", "--json"))
    _cli("update", "--from", str(SDN_2022))
    second = json.loads(_cli("monitor", "--json"))
    return {"first": first, "second": second, "book": rows}


def test_second_run_raises_only_the_alerts_of_new_designations(walkthrough: dict,
                                                               ofac: dict) -> None:
    first, second = walkthrough["first"], walkthrough["second"]
    assert first["full"] == len(walkthrough["book"]) and second["full"] == 0
    listed = json.loads(_cli("alerts", "list", "--json", "--limit", "1000"))["alerts"]
    new = [a for a in listed if a["id"] in second["new_alert_ids"]]
    assert new
    added_ids = {f"us-ofac-sdn-{n}" for n in ofac["added"]}
    for alert in new:
        assert alert["cause"] == "listing-added"
        assert alert["matched_entity_id"] in added_ids
    named = {a["customer_id"] for a in new if a["customer_id"].startswith("new-")}
    assert len(named) == 25  # every customer named after a new designation
    assert second["targets_added"] == len(ofac["added"])


def test_false_positive_is_not_seen_again_and_the_audit_log_verifies(walkthrough: dict
                                                                     ) -> None:
    listed = json.loads(_cli("alerts", "list", "--json", "--limit", "1000"))["alerts"]
    alert = listed[0]
    _cli("alerts", "decide", str(alert["id"]), "--decision", "false-positive", "--reason",
         "not the designated party", "--user", "analyst")
    created = CliRunner().invoke(app, ["users", "create", "ravi", "--role", "approve",
                                       "--password-stdin"], input="a long password\n")
    assert created.exit_code == 0, created.output
    _cli("alerts", "approve", str(alert["id"]), "--user", "ravi")  # four-eyes
    third = json.loads(_cli("monitor", "--json"))
    assert third["new_alerts"] == 0 and third["searches"] == 0
    still = json.loads(_cli("alerts", "list", "--json", "--limit", "1000"))["alerts"]
    assert alert["id"] not in {a["id"] for a in still}
    assert "audit log intact" in _cli("audit", "verify")


def test_ofac_sdn_diff_counts_match_the_raw_files(walkthrough: dict, ofac: dict) -> None:
    result = json.loads(_cli("diff", "us_ofac_sdn", "--json"))
    assert len(result["added"]) == len(ofac["added"]) == 2617
    assert len(result["removed"]) == len(ofac["removed"]) == 475
    assert len(result["changed"]) == len(ofac["changed"]) == 7189
    assert {c["entity_id"] for c in result["changed"]} == {
        f"us-ofac-sdn-{n}" for n in ofac["changed"]}


def test_sdn_diff_names_the_alias_and_address_fields_the_2022_file_lacks(
        walkthrough: dict, ofac: dict) -> None:
    store = Store()
    result = diff_versions(store, *default_pair(store, "us_ofac_sdn"))
    gone = {name for name, entry in result.fields.items() if entry.whole == "gone"}
    assert {"alias", "address", "Address.full"} <= gone
    assert not any(entry.whole == "new" for entry in result.fields.values())
    only = {row["entity_id"] for row in result.changed
            if only_whole_field_changes(row, result.fields)}
    # Each had alias or address rows in 2021; most changed in nothing else in the raw files
    # (the others in raw text only, e.g. a country's name, that parses to the same value).
    assert only <= {f"us-ofac-sdn-{n}" for n in ofac["had_alt_add"]}
    raw_only = {f"us-ofac-sdn-{n}" for n in ofac["only_alt_add"]}
    assert len(only & raw_only) > 0.9 * len(raw_only)
    text = _cli("diff", "us_ofac_sdn", "--limit", "3")
    assert f"{len(only):,} of the 7,189 changed targets changed only in such fields" in text


def test_delta_screener_equals_a_subset_search_on_the_real_sdn(walkthrough: dict) -> None:
    screener = Screener.open(Store())
    ids = [p.id for p in screener.index.parties]
    rng = random.Random(11)
    subset = rng.sample(ids, 200)
    delta = DeltaScreener(screener, subset)
    plain, _counter = counting(screener)
    plain.search = _SubsetSearch(screener.search, delta.positions)  # type: ignore
    queries = [{"name": screener.index.parties[p].caption}
               for p in sorted(delta.positions)[:150]]
    queries += [{"name": row["name"]} for row in walkthrough["book"][25:]]
    for query in queries:
        want = [(h.profile_id, round(h.score, 6)) for h in plain.check(query)]
        assert [(h.profile_id, round(h.score, 6)) for h in delta.check(query)] == want
    assert delta.searches < len(queries) / 2


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def _ofsi_groups(rows: list[list[str]]) -> dict[str, list[dict[str, str]]]:
    start = next(i for i, r in enumerate(rows) if "Group ID" in r)
    header = [h.strip() for h in rows[start]]
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows[start + 1:]:
        record = dict(zip(header, (c.strip() for c in row), strict=False))
        if record.get("Group ID"):
            groups[record["Group ID"]].append(record)
    return dict(groups)


def test_ofsi_and_sema_diff_counts_match_independent_counts(walkthrough: dict) -> None:
    ofsi_old = LISTS / "uk" / "ofsi_conlist_2018-04-13.csv"
    ofsi_new = LISTS / "uk" / "ofsi_conlist_2025-04-10_from_xlsx.csv.gz"
    sema_old = LISTS / "ca" / "sema-lmes_2020-04.xml"
    sema_new = LISTS / "ca" / "sema-lmes_2025-05.xml"
    for path in (ofsi_old, ofsi_new, sema_old, sema_new):
        _cli("update", "--from", str(path))
    store = Store()

    # OFSI: the Group ID is the publisher's id in both layouts.
    with open(ofsi_old, encoding="utf-8", errors="replace", newline="") as handle:
        a = _ofsi_groups(list(csv.reader(handle)))
    with gzip.open(ofsi_new, "rt", encoding="utf-8", newline="") as handle:
        b = _ofsi_groups(list(csv.reader(handle)))
    common = a.keys() & b.keys()
    shared = [c for c in next(iter(a.values()))[0] if c in next(iter(b.values()))[0]]

    def rows_of(records: list[dict[str, str]]) -> set[tuple[str, ...]]:
        return {tuple(r.get(c, "") for c in shared) for r in records}

    changed = {g for g in common if rows_of(a[g]) != rows_of(b[g])}
    result = diff_versions(store, *default_pair(store, "gb_hmt_sanctions")).to_dict()
    assert (len(result["added"]), len(result["removed"])) == (len(b.keys() - a.keys()),
                                                             len(a.keys() - b.keys()))
    assert (len(result["added"]), len(result["removed"])) == (3078, 498)
    assert len(result["changed"]) == len(changed) == 1608

    # SEMA has no id: a party is its regulation and item. Counted independently by
    # regulation and name, the pairing agrees but for the few renamed parties.
    def sema(path: Path) -> Counter:
        found: Counter = Counter()
        for record in etree.parse(str(path)).getroot().iter("record"):
            fields = {c.tag: (c.text or "").strip() for c in record}
            regime = _norm(fields.get("Country", "").split("/")[0])
            regime = regime.replace("myanmar (burma)", "burma")
            name = " ".join(p for p in (fields.get("GivenName"), fields.get("LastName")) if p)
            found[(regime, _norm(name or fields.get("EntityOrShip") or fields.get("Entity")))] += 1
        return found

    old, new = sema(sema_old), sema(sema_new)
    result = diff_versions(store, *default_pair(store, "ca_dfatd_sema_sanctions")).to_dict()
    common_ids = 4759 - len(result["added"])
    assert sum(old.values()) - len(result["removed"]) == common_ids  # every record once
    by_name_added = len(new.keys() - old.keys())
    renamed = {c["entity_id"] for c in result["changed"]
               if {"name", "firstName", "lastName"} & c["fields"].keys()}
    assert abs(by_name_added - len(result["added"])) <= len(renamed)
    assert (len(result["added"]), len(result["removed"])) == (3501, 111)
