"""Deciding alerts: the status each decision gives, the audit entry it always comes with,
concurrent decisions serialised, and the same over the API (/alerts); on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import monitored_store
from watchlist.errors import StoreError
from watchlist.monitor import alerts as alerts_mod
from watchlist.service import create_app
from watchlist.store.audit import ACTOR_MAX, iter_audit, verify_audit
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store (SQLite, then PostgreSQL) with small lists, a customer book and the alerts
    of a first monitor run."""
    with monitored_store(store_url) as store:
        yield store


def _alert_of(store: Store, customer: str) -> dict:
    found, _ = alerts_mod.list_alerts(store, status="all", customer=customer)
    return found[0]


def test_each_decision_gives_its_status_and_an_audit_entry(store: Store) -> None:
    alert = _alert_of(store, "c1")
    assert alert["status"] == "new" and alert["open"]
    escalated = alerts_mod.decide(store, alert["id"], "escalate", "needs a second look",
                                  "analyst1")
    assert (escalated["previous_status"], escalated["status"]) == ("new", "escalated")
    match = alerts_mod.decide(store, alert["id"], "match", "same date of birth", "analyst2")
    assert (match["previous_status"], match["status"]) == ("escalated", "match")
    assert alerts_mod.list_alerts(store, "open", customer="c1")[1] == 1  # match stays open
    entries = {e.seq: e for e in iter_audit(store)}
    logged = entries[match["audit_seq"]]
    assert logged.actor == "analyst2" and logged.action == "alert-match"
    assert logged.query["reason"] == "same date of birth"
    assert logged.query["previous_status"] == "escalated"
    assert verify_audit(store).ok
    shown = alerts_mod.get_alert(store, alert["id"])
    assert [d["decision"] for d in shown["decisions"]] == ["escalate", "match"]
    assert shown["customer"]["name"] == "Ivan Petrovich Testovsky"


def test_bad_decisions_are_refused_and_record_nothing(store: Store) -> None:
    alert = _alert_of(store, "c1")
    with pytest.raises(alerts_mod.AlertError, match="unknown decision 'maybe'"):
        alerts_mod.decide(store, alert["id"], "maybe", "hmm", "a")
    with pytest.raises(alerts_mod.AlertError, match="needs a reason"):
        alerts_mod.decide(store, alert["id"], "match", "  ", "a")
    with pytest.raises(alerts_mod.AlertNotFound, match="no alert 999"):
        alerts_mod.decide(store, 999, "match", "x", "a")
    with pytest.raises(alerts_mod.StatusConflict, match="is new, not match"):
        alerts_mod.decide(store, alert["id"], "false-positive", "x", "a", expected_status="match")
    with pytest.raises(alerts_mod.AlertError, match="unknown status 'open-ish'"):
        alerts_mod.list_alerts(store, "open-ish")
    assert alerts_mod.get_alert(store, alert["id"])["decisions"] == []


def test_concurrent_decisions_are_serialised_and_none_is_lost(store: Store) -> None:
    alert = _alert_of(store, "c6")
    decisions = ["match", "false-positive", "escalate"] * 4
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(decisions))

    def decide(n: int, decision: str) -> None:
        try:
            barrier.wait()
            alerts_mod.decide(Store(store.url), alert["id"], decision, f"reason {n}",
                              f"analyst{n}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(n, d)) for n, d in enumerate(decisions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = alerts_mod.get_alert(store, alert["id"])["decisions"]
    assert len(history) == len(decisions)
    # Each decision saw the status the one before it left.
    assert history[0]["previous_status"] == "new"
    for before, after in zip(history, history[1:], strict=False):
        assert after["previous_status"] == before["status"]
    seqs = [d["audit_seq"] for d in history]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert alerts_mod.get_alert(store, alert["id"])["status"] == history[-1]["status"]
    assert verify_audit(store).ok


def test_alerts_over_the_api(store: Store) -> None:
    screen_key = create_key(store, "analyst-7", "screen")[1]
    client = TestClient(create_app(store, warm=False))
    headers = {"X-API-Key": screen_key}
    assert client.get("/alerts").status_code == 401
    listed = client.get("/alerts", headers=headers).json()
    assert listed["total"] == 5 and {"customer_id", "profile_id", "caption", "score",
                                      "explanation", "versions"} <= set(listed["alerts"][0])
    alert_id = next(a["id"] for a in listed["alerts"] if a["customer_id"] == "c8")
    names = {a["customer_id"]: a["customer_name"] for a in listed["alerts"]}
    with open(FIXTURES / "monitor" / "book_v1.csv", encoding="utf-8") as handle:
        assert names["c8"] == next(r["name"] for r in csv.DictReader(handle) if r["id"] == "c8")
    answer = client.post(f"/alerts/{alert_id}/decision", headers=headers,
                         json={"decision": "false-positive", "reason": "a bakery"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["decision"]["user"].endswith(":analyst-7")
    assert body["alert"]["status"] == "pending-approval"  # four-eyes: a second key approves
    checker = {"X-API-Key": create_key(store, "checker", "approve")[1]}
    approved = client.post(f"/alerts/{alert_id}/approval", headers=checker, json={})
    assert approved.status_code == 200 and approved.json()["alert"]["status"] == "false-positive"
    conflict = client.post(f"/alerts/{alert_id}/decision", headers=headers,
                           json={"decision": "match", "reason": "x", "expected_status": "new"})
    assert conflict.status_code == 409 and conflict.json()["status_now"] == "false-positive"
    assert client.post(f"/alerts/{alert_id}/decision", headers=headers,
                       json={"decision": "maybe", "reason": "x"}).status_code == 422
    assert client.post(f"/alerts/{alert_id}/decision", headers=headers,
                       json={"decision": "match"}).status_code == 422
    assert client.post("/alerts/999/decision", headers=headers,
                       json={"decision": "match", "reason": "x"}).status_code == 404
    assert client.get("/alerts/999", headers=headers).status_code == 404
    assert client.get("/alerts?status=bogus", headers=headers).status_code == 422
    assert client.get("/alerts?status=open", headers=headers).json()["total"] == 4
    shown = client.get(f"/alerts/{alert_id}", headers=headers).json()
    assert shown["decisions"][0]["reason"] == "a bakery"
    assert client.get("/diff/un_sc_sanctions", headers=headers).status_code == 404  # one version
    assert client.get("/diff/nowhere", headers=headers).status_code == 404
    update_from_paths(store, [FIXTURES / "un_small_v2.xml"])
    diff = client.get("/diff/un_sc_sanctions", headers=headers).json()
    assert [r["entity_id"] for r in diff["added"]] == ["un-sc-sanctions-kpe.904"]
    assert verify_audit(store).ok


def test_a_decision_whose_audit_entry_fails_is_not_recorded(store: Store) -> None:
    alert = _alert_of(store, "c1")
    entries = len(list(iter_audit(store)))
    with pytest.raises(StoreError, match="too long"):
        alerts_mod.decide(store, alert["id"], "match", "same person", "x" * (ACTOR_MAX + 1))
    shown = alerts_mod.get_alert(store, alert["id"])
    assert shown["status"] == "new" and shown["decisions"] == []
    assert len(list(iter_audit(store))) == entries
    done = alerts_mod.decide(store, alert["id"], "match", "same person", "analyst1")
    [logged] = [e for e in iter_audit(store) if e.seq == done["audit_seq"]]
    assert logged.seq == entries + 1 and logged.action == "alert-match"
    assert logged.hits == [{"entity_id": alert["entity_id"], "profile_id": alert["profile_id"],
                            "caption": alert["caption"], "score": alert["score"]}]
    run = next(e for e in iter_audit(store) if e.action == "monitor")
    assert {(a["customer_id"], a["cause"]) for a in run.query["new_alerts"]} >= {
        ("c1", "customer-new")}
    assert verify_audit(store).ok
