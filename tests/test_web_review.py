"""The review pages without a browser: the approver's queue (for the approve role only,
one's own proposals not approvable), approving and rejecting, bulk decisions under
four-eyes, "take next", assignment, priorities, due dates and the overdue filter, the queue
grouped by customer, reason codes on the decision form."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from watchlist.monitor import schema as m
from watchlist.monitor.alerts import get_alert, list_alerts
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.store import Store
from webstore import PASSWORD, build_store

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def world(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, Screener]:
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path / "home"))
    store, screener, _keys = build_store()
    return store, screener


@pytest.fixture
def app(world: tuple[Store, Screener]) -> FastAPI:
    store, screener = world
    return create_app(store, warm=False, screener_opener=lambda _store: screener)


def token(page: str) -> str:
    found = _TOKEN.search(page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


@pytest.fixture
def clients(app: FastAPI) -> Iterator[dict[str, TestClient]]:
    opened = {}
    for name in ("analyst", "approver", "admin"):
        client = TestClient(app)
        client.__enter__()
        form = client.get("/ui/login")
        assert client.post("/ui/login", data={
            "csrf_token": token(form.text), "method": "password", "name": name,
            "password": PASSWORD, "next": "/ui/search"}).status_code == 200
        opened[name] = client
    yield opened
    for client in opened.values():
        client.__exit__(None, None, None)


def _open_ids(store: Store) -> list[int]:
    return sorted(a["id"] for a in list_alerts(store, "open")[0])


def test_the_approvers_queue_approves_and_rejects_in_bulk(world: tuple[Store, Screener],
                                                          clients: dict[str, TestClient]
                                                          ) -> None:
    store, _ = world
    analyst, approver = clients["analyst"], clients["approver"]
    assert analyst.get("/ui/approvals").status_code == 403
    assert "/ui/approvals" not in analyst.get("/ui/alerts").text  # no link for a screen role
    ids = _open_ids(store)
    queue = analyst.get("/ui/alerts").text
    done = analyst.post("/ui/alerts/bulk", data={
        "csrf_token": token(queue), "alert_id": [str(i) for i in ids[:3]],
        "decision": "false-positive", "reason_code": "common-name", "reason": ""})
    assert done.status_code == 200 and "Decided false-positive: 3 alerts" in done.text
    assert {get_alert(store, i)["status"] for i in ids[:3]} == {"pending-approval"}
    page = approver.get("/ui/approvals")
    assert page.status_code == 200 and "Common name, nothing else in common" in page.text
    assert page.text.count('name="alert_id"') == 3
    approved = approver.post("/ui/approvals", data={
        "csrf_token": token(page.text), "alert_id": [str(i) for i in ids[:2]],
        "action": "approve"})
    assert "Approved: 2 alerts" in approved.text
    assert get_alert(store, ids[0])["status"] == "false-positive"
    refused = approver.post("/ui/approvals", data={
        "csrf_token": token(page.text), "alert_id": [str(ids[2])], "action": "reject",
        "reason": ""})
    assert "a rejection needs a reason" in refused.text
    rejected = approver.post("/ui/approvals", data={
        "csrf_token": token(page.text), "alert_id": [str(ids[2])], "action": "reject",
        "reason": "look at the birth date"})
    assert "Rejected: 1 alert" in rejected.text
    assert get_alert(store, ids[2])["status"] == "new"
    assert "No decision awaits approval" in approver.get("/ui/approvals").text


def test_an_approver_cannot_approve_their_own_decision(world: tuple[Store, Screener],
                                                       clients: dict[str, TestClient]) -> None:
    store, _ = world
    approver, admin = clients["approver"], clients["admin"]
    first = _open_ids(store)[0]
    page = approver.get(f"/ui/alerts/{first}").text
    assert 'name="reason_code"' in page and "Different birth date" in page
    approver.post(f"/ui/alerts/{first}/decide", data={
        "csrf_token": token(page), "decision": "match", "reason_code": "same-person",
        "reason": "", "expected_status": "new"})
    shown = approver.get(f"/ui/alerts/{first}").text
    assert "Awaiting approval" in shown and "You proposed this decision" in shown
    assert 'value="approve"' not in shown
    own = approver.post(f"/ui/alerts/{first}/approve", data={
        "csrf_token": token(shown), "action": "approve"})
    assert own.status_code == 403 and "own decision" in own.text
    queue = approver.get("/ui/approvals").text
    assert "yours" in queue and 'name="alert_id"' not in queue
    other = admin.get(f"/ui/alerts/{first}").text
    assert 'value="approve"' in other
    admin.post(f"/ui/alerts/{first}/approve", data={
        "csrf_token": token(other), "action": "approve", "back": "alert"})
    alert = get_alert(store, first)
    assert alert["status"] == "match"
    assert [d["decision"] for d in alert["decisions"]] == ["match", "approve"]


def test_take_next_assign_and_my_alerts(world: tuple[Store, Screener],
                                        clients: dict[str, TestClient]) -> None:
    store, _ = world
    analyst = clients["analyst"]
    queue = analyst.get("/ui/alerts").text
    assert "Take next" in queue and "My alerts" in queue
    taken = analyst.post("/ui/alerts/next", data={"csrf_token": token(queue)})
    assert taken.status_code == 200 and "is yours" in taken.text
    mine = [a for a in list_alerts(store, "open")[0] if a["assignee"] == "analyst"]
    assert len(mine) == 1
    my_page = analyst.get("/ui/alerts", params={"mine": 1}).text
    assert f"#{mine[0]['id']}<" in my_page and my_page.count('name="alert_id"') == 1
    other = next(i for i in _open_ids(store) if i != mine[0]["id"])
    page = analyst.get(f"/ui/alerts/{other}").text
    assert "Assigned to <strong>nobody</strong>" in page
    analyst.post(f"/ui/alerts/{other}/assign", data={"csrf_token": token(page),
                                                     "assignee": "dora"})
    assert get_alert(store, other)["assignee"] == "dora"
    bad = analyst.post(f"/ui/alerts/{other}/assign", data={"csrf_token": token(page),
                                                           "assignee": "team:ghosts"})
    assert "unknown team" in bad.text
    analyst.post(f"/ui/alerts/{other}/assign", data={"csrf_token": token(page),
                                                     "assignee": "me"})
    assert get_alert(store, other)["assignee"] == "analyst"


def test_the_queue_shows_priority_due_date_overdue_and_groups(world: tuple[Store, Screener],
                                                              clients: dict[str, TestClient],
                                                              tmp_path: Any,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    store, _ = world
    analyst = clients["analyst"]
    page = analyst.get("/ui/alerts").text
    assert "prio-high" in page and "Overdue <span class=\"muted\">0</span>" in page
    assert "overdue</span>" not in page
    with store.engine.begin() as conn:  # raised long ago: past every due date
        conn.execute(update(m.alerts).values(created_at="2020-01-01T00:00:00+00:00"))
    overdue = analyst.get("/ui/alerts", params={"overdue": 1}).text
    total = list_alerts(store, "open")[1]
    assert overdue.count('<span class="late">overdue</span>') == total
    grouped = analyst.get("/ui/alerts", params={"group": "customer", "status": "all"}).text
    assert grouped.count('class="group-head"') == len({a["customer_id"] for a in
                                                       list_alerts(store, "all")[0]})
    settings = tmp_path / "review.toml"
    settings.write_text("[four_eyes]\nmatch = 3\n", encoding="utf-8")
    monkeypatch.setenv("WATCHLIST_REVIEW_CONFIG", str(settings))
    broken = analyst.get("/ui/alerts")  # a settings file never read well: said, not hidden
    assert broken.status_code == 503 and "four_eyes.match" in broken.text
