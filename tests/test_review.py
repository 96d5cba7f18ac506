"""Alert review as regulated teams run it: four-eyes (a proposal approved or rejected by
a second person with the approve role), reason codes and their report, assignment, "take
next", priorities and due dates, bulk decisions, the queue grouped by customer; on SQLite
and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import monitored_store
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import assignment, review
from watchlist.monitor.reason_codes import decisions_by_code
from watchlist.monitor.review_settings import (
    ReviewSettings,
    ReviewSettingsError,
    load_settings,
    parse_settings,
)
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.store import Store

TEAMS = ReviewSettings(teams={"kyc": ("ann", "bob")})


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store (SQLite, then PostgreSQL) with small lists, a customer book and the alerts
    of a first monitor run."""
    with monitored_store(store_url) as store:
        yield store


def _alert_of(store: Store, customer: str) -> dict:
    return alerts_mod.list_alerts(store, status="all", customer=customer)[0][0]


def test_a_false_positive_waits_for_a_second_person_and_then_takes_effect(store: Store) -> None:
    alert = _alert_of(store, "c1")
    proposed = review.propose(store, alert["id"], "false-positive", "born 1961, listed 1950",
                              "ann", reason_code="different-birth-date")
    assert proposed["status"] == "pending-approval"
    shown = alerts_mod.get_alert(store, alert["id"])
    assert shown["status"] == "pending-approval" and shown["open"]
    assert shown["proposal"]["decision"] == "false-positive"
    assert shown["proposal"]["user"] == "ann"
    approved = review.approve(store, alert["id"], "user:bob", "approve")
    assert (approved["previous_status"], approved["status"]) == ("pending-approval",
                                                                  "false-positive")
    assert approved["reason_code"] == "different-birth-date"
    shown = alerts_mod.get_alert(store, alert["id"])
    assert shown["status"] == "false-positive" and shown["proposal"] is None
    actions = [e.action for e in iter_audit(store) if e.query.get("alert_id") == alert["id"]]
    assert actions == ["alert-false-positive", "alert-approve"]
    assert verify_audit(store).ok


def test_nobody_approves_their_own_decision_whatever_face_they_use(store: Store) -> None:
    alert = _alert_of(store, "c1")
    review.propose(store, alert["id"], "match", "same person", "ann")
    for me in ("ann", "user:ann", "cli:ann"):
        with pytest.raises(review.ApprovalRefused, match="own decision"):
            review.approve(store, alert["id"], me, "approve")
    with pytest.raises(review.ApprovalRefused, match="approve role"):
        review.approve(store, alert["id"], "user:carl", "screen")
    assert alerts_mod.get_alert(store, alert["id"])["status"] == "pending-approval"
    assert review.approve(store, alert["id"], "key:abc:checker", "admin")["status"] == "match"


def test_a_rejection_returns_the_alert_with_the_approvers_reason(store: Store) -> None:
    alert = _alert_of(store, "c1")
    review.propose(store, alert["id"], "escalate", "odd", "ann")  # no approval needed
    assert alerts_mod.get_alert(store, alert["id"])["status"] == "escalated"
    review.propose(store, alert["id"], "false-positive", "looks different", "ann")
    with pytest.raises(alerts_mod.AlertError, match="needs a reason"):
        review.reject(store, alert["id"], "bob", "approve", " ")
    with pytest.raises(alerts_mod.StatusConflict, match="awaits approval"):
        review.propose(store, alert["id"], "match", "changed my mind", "carl")
    rejected = review.reject(store, alert["id"], "bob", "approve", "check the passport")
    assert rejected["status"] == "escalated" and rejected["proposal"] == "false-positive"
    shown = alerts_mod.get_alert(store, alert["id"])
    assert shown["status"] == "escalated"
    assert [d["decision"] for d in shown["decisions"]] == ["escalate", "false-positive",
                                                           "reject"]
    with pytest.raises(alerts_mod.StatusConflict, match="no decision awaits approval"):
        review.approve(store, alert["id"], "bob", "approve")


def test_four_eyes_is_configured_per_decision_kind(store: Store) -> None:
    settings = parse_settings({"four_eyes": {"false-positive": False, "escalate": True}}, "t")
    alert = _alert_of(store, "c1")
    done = review.propose(store, alert["id"], "false-positive", "different", "ann",
                          settings=settings)
    assert done["status"] == "false-positive"
    other = _alert_of(store, "c4")
    assert review.propose(store, other["id"], "escalate", "x", "ann",
                          settings=settings)["status"] == "pending-approval"


def test_reason_codes_are_checked_and_decisions_are_reported_by_code(store: Store) -> None:
    alert = _alert_of(store, "c1")
    with pytest.raises(alerts_mod.AlertError, match="unknown reason code 'nope'"):
        review.propose(store, alert["id"], "match", "x", "ann", reason_code="nope")
    strict = parse_settings({"review": {"require_reason_code": True}}, "t")
    with pytest.raises(alerts_mod.AlertError, match="needs a reason code"):
        review.propose(store, alert["id"], "match", "x", "ann", settings=strict)
    # A code alone gives its label as the reason.
    done = review.propose(store, alert["id"], "false-positive", "", "ann",
                          reason_code="common-name")
    assert done["reason"] == "Common name, nothing else in common"
    review.approve(store, alert["id"], "bob", "approve")
    other = _alert_of(store, "c4")
    review.propose(store, other["id"], "false-positive", "", "ann", reason_code="common-name")
    rows = {(r["reason_code"], r["decision"]): r for r in decisions_by_code(store)}
    assert rows[("common-name", "false-positive")] == {
        "reason_code": "common-name", "label": "Common name, nothing else in common",
        "decision": "false-positive", "proposed": 2, "effective": 1, "rejected": 0}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert decisions_by_code(store, since=tomorrow) == []


def test_bulk_decisions_are_each_their_own_audited_proposal(store: Store) -> None:
    ids = [a["id"] for a in alerts_mod.list_alerts(store, "open")[0]]
    assert len(ids) >= 2
    with pytest.raises(alerts_mod.AlertError, match="unknown reason code"):
        review.decide_many(store, ids, "false-positive", "", "ann", reason_code="bad")
    assert alerts_mod.list_alerts(store, "pending-approval")[1] == 0  # nothing touched
    result = review.decide_many(store, [*ids, 999999], "false-positive", "", "ann",
                                reason_code="common-name")
    assert len(result["decided"]) == len(ids)
    assert result["failed"] == [{"alert_id": 999999, "error": "no alert 999999"}]
    seqs = {d["audit_seq"] for d in result["decided"]}
    assert len(seqs) == len(ids)
    queue = review.pending_for(store, "user:bob")
    assert {a["id"] for a in queue} == set(ids) and not any(a["own"] for a in queue)
    assert all(a["own"] for a in review.pending_for(store, "cli:ann"))
    approved = review.approve_many(store, ids, "bob", "approve")
    assert len(approved["decided"]) == len(ids) and not approved["failed"]


def test_priority_comes_from_score_list_and_regime_and_sets_the_due_date() -> None:
    settings = parse_settings({"service_level": {"high": 1, "low": 20},
                               "priority": {"score": {"high": 0.95, "medium": 0.8},
                                            "lists": {"un_sc_sanctions": "medium"},
                                            "regimes": {"DPRK": "high"}}}, "t")
    base = {"id": 1, "status": "new", "created_at": "2026-12-01T00:00:00+00:00",
            "designations": [{"source": "us_ofac_sdn", "regime": "SDGT"}]}
    assert assignment.priority_of({**base, "score": 0.7}, settings) == "low"
    assert assignment.priority_of({**base, "score": 0.85}, settings) == "medium"
    assert assignment.priority_of({**base, "score": 0.96}, settings) == "high"
    listed = {**base, "score": 0.7, "designations": [{"source": "un_sc_sanctions"}]}
    assert assignment.priority_of(listed, settings) == "medium"
    regime = {**base, "score": 0.7, "designations": [{"source": "x", "regime": ["DPRK3"]}]}
    assert assignment.priority_of(regime, settings) == "high"
    now = datetime(2026, 12, 5, tzinfo=UTC)
    [low, high] = assignment.annotate([{**base, "score": 0.7}, regime], settings, now)
    assert (low["due_at"], low["overdue"], low["age_days"]) == (
        "2026-12-21T00:00:00+00:00", False, 4.0)
    assert (high["due_at"], high["overdue"]) == ("2026-12-02T00:00:00+00:00", True)
    assert assignment.annotate([{**regime, "status": "false-positive"}], settings,
                               now)[0]["overdue"] is False


def test_overdue_filter_and_counts(store: Store) -> None:
    later = datetime.now(UTC) + timedelta(days=400)
    total = alerts_mod.list_alerts(store, "open")[1]
    rows, count = assignment.review_queue(store, overdue=True, now=later)
    assert count == total and all(a["overdue"] for a in rows)
    assert assignment.review_queue(store, overdue=True)[1] == 0
    counts = assignment.queue_counts(store, now=later)
    assert counts["open"] == counts["overdue"] == total
    assert sum(p["open"] for p in counts["by_priority"].values()) == total


def test_assignment_my_alerts_and_take_next(store: Store) -> None:
    alert = _alert_of(store, "c1")
    assignment.assign(store, alert["id"], "team:kyc", "lead", settings=TEAMS)
    with pytest.raises(alerts_mod.AlertError, match="unknown team 'aml'"):
        assignment.assign(store, alert["id"], "team:aml", "lead", settings=TEAMS)
    mine, count = assignment.review_queue(store, mine="user:bob", settings=TEAMS)
    assert [a["id"] for a in mine] == [alert["id"]] and count == 1
    assert assignment.review_queue(store, mine="user:carl", settings=TEAMS)[1] == 0
    history = alerts_mod.get_alert(store, alert["id"])["decisions"]
    assert history[-1]["decision"] == "assign" and history[-1]["reason"] == "assigned to team:kyc"
    taken = assignment.take_next(store, "user:carl", settings=TEAMS)
    assert taken is not None and taken["id"] != alert["id"]  # not carl's team's
    assert alerts_mod.get_alert(store, taken["id"])["assignee"] == "carl"
    # Carl's own waiting alert comes first next time: he is not given another.
    assert assignment.take_next(store, "carl", settings=TEAMS)["id"] == taken["id"]
    assignment.assign(store, taken["id"], "-", "lead", settings=TEAMS)
    assert alerts_mod.get_alert(store, taken["id"])["assignee"] is None
    unassigned = assignment.review_queue(store, assignee="-", settings=TEAMS)[1]
    assert unassigned == alerts_mod.list_alerts(store, "open")[1] - 1


def test_take_next_is_none_when_nothing_waits(store: Store) -> None:
    for a in alerts_mod.list_alerts(store, "open")[0]:
        review.propose(store, a["id"], "escalate", "x", "ann")
        assignment.assign(store, a["id"], "dora", "lead")
    assert assignment.take_next(store, "carl") is None


def test_the_queue_groups_by_customer() -> None:
    rows = [{"customer_id": "c1", "customer_name": "A", "score": 0.8, "overdue": True},
            {"customer_id": "c2", "customer_name": "B", "score": 0.9},
            {"customer_id": "c1", "customer_name": "A", "score": 0.95}]
    groups = assignment.group_by_customer(rows)
    assert [(g["customer_id"], len(g["alerts"]), g["top_score"], g["overdue"])
            for g in groups] == [("c1", 2, 0.95, 1), ("c2", 1, 0.9, 0)]


def test_a_bad_settings_file_names_the_file_and_field_and_the_last_good_one_serves(
        tmp_path: Path) -> None:
    path = tmp_path / "review.toml"
    assert load_settings(path).needs_approval("match")  # no file: the defaults
    path.write_text('[four_eyes]\nmatch = "yes"\n', encoding="utf-8")
    with pytest.raises(ReviewSettingsError, match=r"review.toml: four_eyes.match must be "):
        load_settings(path)
    path.write_text('[four_eyes]\nmatch = false\n[reason_codes]\nshort = "Short name"\n',
                    encoding="utf-8")
    good = load_settings(path)
    assert not good.needs_approval("match") and good.reason_codes == {"short": "Short name"}
    path.write_text("[service_level]\nhigh = -1\n", encoding="utf-8")
    os.utime(path, (1, 1))
    assert load_settings(path) is good
    for bad, problem in (({"nope": {}}, "unknown section"),
                         ({"priority": {"lists": {"x": "urgent"}}}, "not a priority"),
                         ({"teams": {"kyc": "ann"}}, "teams.kyc must be a list")):
        with pytest.raises(ReviewSettingsError, match=problem):
            parse_settings(bad, "f")
