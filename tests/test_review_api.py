"""Alert review over the API and the command line: four-eyes with approve keys and users,
bulk decisions, assignment and "take next", overdue filters, reason codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from watchlist.cli.root import app
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import portfolio as book
from watchlist.monitor.run import run_monitor
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.store.users import create_user
from watchlist.updates.pipeline import update_from_paths

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path))
    monkeypatch.delenv("WATCHLIST_DATABASE_URL", raising=False)
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml", FIXTURES / "ofac_sdn_small.xml"])
    book.import_book(store, FIXTURES / "monitor" / "book_v1.csv")
    run_monitor(store, Screener.open(store))
    yield store
    store.close()


def _ids(store: Store) -> list[int]:
    return sorted(a["id"] for a in alerts_mod.list_alerts(store, "open")[0])


def test_four_eyes_over_the_api(store: Store) -> None:
    client = TestClient(create_app(store, warm=False))
    maker = {"X-API-Key": create_key(store, "maker", "screen")[1]}
    checker = {"X-API-Key": create_key(store, "checker", "approve")[1]}
    first = _ids(store)[0]
    proposed = client.post(f"/alerts/{first}/decision", headers=maker, json={
        "decision": "match", "reason_code": "same-person", "reason": "passport seen"})
    assert proposed.json()["alert"]["status"] == "pending-approval"
    assert proposed.json()["decision"]["reason_code"] == "same-person"
    # A screen key may not approve, not even another's decision.
    assert client.post(f"/alerts/{first}/approval", headers=maker, json={}).status_code == 403
    assert client.get("/approvals", headers=maker).status_code == 403
    queue = client.get("/approvals", headers=checker).json()
    assert queue["total"] == 1 and queue["alerts"][0]["proposal"]["decision"] == "match"
    assert client.get("/alerts?status=pending-approval", headers=maker).json()["total"] == 1
    rejected = client.post(f"/alerts/{first}/rejection", headers=checker,
                           json={"reason": "the passport is expired"})
    assert rejected.status_code == 200 and rejected.json()["alert"]["status"] == "new"
    client.post(f"/alerts/{first}/decision", headers=checker,
                json={"decision": "false-positive", "reason": "born elsewhere"})
    own = client.post(f"/alerts/{first}/approval", headers=checker, json={})
    assert own.status_code == 403 and "own decision" in own.json()["detail"]
    other = {"X-API-Key": create_key(store, "checker-2", "approve")[1]}
    wrong = client.post(f"/alerts/{first}/approval", headers=other,
                        json={"expected_decision": "match"})
    assert wrong.status_code == 409
    done = client.post(f"/alerts/{first}/approval", headers=other, json={})
    assert done.json()["alert"]["status"] == "false-positive"
    assert client.post(f"/alerts/{first}/approval", headers=other, json={}).status_code == 409
    report = client.get("/review/reason-codes", headers=maker).json()["rows"]
    assert {(r["reason_code"], r["decision"], r["rejected"]) for r in report} >= {
        ("same-person", "match", 1)}
    assert "common-name" in client.get("/review/settings", headers=maker).json()["reason_codes"]
    assert verify_audit(store).ok


def test_bulk_assignment_and_take_next_over_the_api(store: Store) -> None:
    client = TestClient(create_app(store, warm=False))
    maker = {"X-API-Key": create_key(store, "maker", "screen")[1]}
    ids = _ids(store)
    taken = client.post("/review/next", headers=maker).json()
    assert taken["assignee"].startswith("key:") and taken["priority"] in ("high", "medium",
                                                                         "low")
    mine = client.get("/alerts?mine=true", headers=maker).json()
    assert [a["id"] for a in mine["alerts"]] == [taken["id"]] and mine["counts"]["mine"] == 1
    assigned = client.post(f"/alerts/{ids[-1]}/assignment", headers=maker,
                           json={"assignee": "dora"})
    assert assigned.json()["alert"]["assignee"] == "dora"
    assert client.post(f"/alerts/{ids[-1]}/assignment", headers=maker,
                       json={"assignee": "team:ghosts"}).status_code == 422
    assert client.get("/alerts?assignee=dora", headers=maker).json()["total"] == 1
    assert client.get("/alerts?overdue=true", headers=maker).json()["total"] == 0
    bulk = client.post("/review/decisions", headers=maker, json={
        "alert_ids": [*ids, 999], "decision": "false-positive", "reason_code": "common-name"})
    body = bulk.json()
    assert bulk.status_code == 200 and len(body["decided"]) == len(ids)
    assert body["failed"] == [{"alert_id": 999, "error": "no alert 999"}]
    assert {d["status"] for d in body["decided"]} == {"pending-approval"}
    assert client.post("/review/decisions", headers=maker, json={
        "alert_ids": ids, "decision": "match", "reason_code": "nope"}).status_code == 422
    assert client.post("/review/next", headers=maker).status_code == 404  # all pending


def test_four_eyes_from_the_command_line(store: Store) -> None:
    runner = CliRunner()
    create_user(store, "bea", "approve", PASSWORD)
    create_user(store, "carl", "screen", PASSWORD)
    first, second = _ids(store)[:2]
    proposed = runner.invoke(app, ["alerts", "decide", str(first), "--decision",
                                   "false-positive", "--reason-code", "different-birth-date",
                                   "--reason", "born 1961", "--user", "ann"])
    assert proposed.exit_code == 0, proposed.output
    assert "pending-approval" in proposed.output
    listed = runner.invoke(app, ["alerts", "list", "--status", "pending-approval", "--json"])
    assert '"total": 1' in listed.output
    for who, problem in (("ann", "no active user"), ("carl", "approve role")):
        refused = runner.invoke(app, ["alerts", "approve", str(first), "--user", who])
        assert refused.exit_code == 2 and problem in refused.output
    assert "ann" in runner.invoke(app, ["alerts", "pending", "--user", "bea"]).output
    approved = runner.invoke(app, ["alerts", "approve", str(first), "--user", "bea"])
    assert approved.exit_code == 0 and "now false-positive" in approved.output
    assert alerts_mod.get_alert(store, first)["status"] == "false-positive"
    runner.invoke(app, ["alerts", "decide", str(second), "--decision", "match", "--reason",
                        "same person", "--user", "bea"])
    own = runner.invoke(app, ["alerts", "approve", str(second), "--user", "bea"])
    assert own.exit_code == 2 and "own decision" in own.output
    rejected = runner.invoke(app, ["alerts", "reject", str(second), "--user", "bea",
                                   "--reason", "x"])
    assert rejected.exit_code == 2  # the proposer may not reject either
    create_user(store, "dan", "admin", PASSWORD)
    rejected = runner.invoke(app, ["alerts", "reject", str(second), "--user", "dan",
                                   "--reason", "check the birth date"])
    assert rejected.exit_code == 0 and "back to new" in rejected.output
    shown = runner.invoke(app, ["alerts", "show", str(first)]).output
    assert "approve [different-birth-date] by bea" in shown
    actions = [e.action for e in iter_audit(store) if e.query.get("alert_id") in (first,
                                                                                   second)]
    assert actions == ["alert-false-positive", "alert-approve", "alert-match", "alert-reject"]
    report = runner.invoke(app, ["alerts", "report", "--json"]).output
    assert '"reason_code": "different-birth-date"' in report


def test_bulk_assign_and_next_from_the_command_line(store: Store) -> None:
    runner = CliRunner()
    ids = _ids(store)
    bulk = runner.invoke(app, ["alerts", "decide", *map(str, ids[:2]), "--decision",
                               "false-positive", "--reason-code", "common-name",
                               "--user", "ann"])
    assert bulk.exit_code == 0 and bulk.output.count("pending-approval") == 2
    assigned = runner.invoke(app, ["alerts", "assign", str(ids[2]), "--to", "carl"])
    assert assigned.exit_code == 0 and "assigned to carl" in assigned.output
    taken = runner.invoke(app, ["alerts", "next", "--user", "carl"])
    assert f"alert {ids[2]} is yours" in taken.output
    mine = runner.invoke(app, ["alerts", "list", "--mine", "--user", "carl", "--json"])
    assert '"total": 1' in mine.output
    grouped = runner.invoke(app, ["alerts", "list", "--by-customer", "--json"]).output
    assert '"groups"' in grouped
    codes = runner.invoke(app, ["alerts", "codes"])
    assert "different-birth-date" in codes.output and "four-eyes" in codes.output
    bad = runner.invoke(app, ["alerts", "decide", str(ids[3]), "--decision", "match",
                              "--reason-code", "nope"])
    assert bad.exit_code == 2 and "unknown reason code 'nope'" in bad.output
