"""Unattended operation, piece by piece: durations and cadences, the updater's lease on
SQLite and PostgreSQL, staleness, webhook signatures and retries, the scheduler's runs,
/readyz degraded, /metrics behind a key, request ids."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES
from test_operations_service import SECRET, Receiver
from watchlist.errors import WatchlistError
from watchlist.operations import checks, lock
from watchlist.operations.cadence import Cadence, cadence
from watchlist.operations.durations import describe, parse_duration
from watchlist.operations.scheduler import Schedule, Scheduler
from watchlist.operations.staleness import assess
from watchlist.service import create_app
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import Report, Reporter, update_from_paths
from watchlist.webhooks import delivery
from watchlist.webhooks.hooks import WebhookError, add_webhook, list_webhooks
from watchlist.webhooks.signing import HEADER, sign, verify

DAY = 86400.0


def test_durations_read_as_written_and_refuse_nonsense() -> None:
    assert parse_duration("6h", "x") == 21600
    assert parse_duration("30m", "x") == 1800
    assert parse_duration("0.5s", "x") == 0.5
    assert parse_duration("90", "x") == 90
    assert describe(21600) == "6h"
    for bad in ("", "0s", "-1h", "6 hours", "h"):
        with pytest.raises(WatchlistError, match="--update-every"):
            parse_duration(bad, "--update-every")


def test_cadence_defaults_to_the_publisher_and_yields_to_settings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert cadence("un_sc_sanctions").every == 4 * 3600
    assert cadence("us_ofac_sdn").every == 2 * 3600
    assert cadence("un_sc_sanctions", every=60).every == 60
    monkeypatch.setenv("WATCHLIST_UPDATE_EVERY_UN_SC_SANCTIONS", "12h")
    assert cadence("un_sc_sanctions").every == 12 * 3600
    assert cadence("un_sc_sanctions").fetch_stale == 4 * 12 * 3600
    monkeypatch.setenv("WATCHLIST_UPDATE_JITTER", "2")
    with pytest.raises(WatchlistError, match="WATCHLIST_UPDATE_JITTER"):
        cadence("un_sc_sanctions")


def test_failures_back_off_doubling_up_to_the_interval_with_jitter() -> None:
    cad = Cadence("s", every=3600, fetch_stale=4 * 3600, published_stale=0, jitter=0.1,
                  retry=300)
    assert [cad.retry_after(n) for n in (0, 1, 2, 3, 5)] == [3600, 300, 600, 1200, 3600]
    rng = random.Random(1)
    waits = [checks.next_due(cad, 0, 1000.0, rng) - 1000.0 for _ in range(50)]
    assert all(3600 <= w <= 3960 for w in waits) and len(set(waits)) > 1


def test_one_holder_at_a_time_on_the_updater_lease(store_url: str) -> None:
    store = Store()
    assert lock.acquire(store, lock.UPDATER, "a", lease=30)
    assert not lock.acquire(store, lock.UPDATER, "b", lease=30)
    assert lock.acquire(store, lock.UPDATER, "a", lease=30)  # its holder renews
    assert lock.current_holder(store, lock.UPDATER) == "a"
    lock.release(store, lock.UPDATER, "a")
    assert lock.acquire(store, lock.UPDATER, "b", lease=0.2)
    time.sleep(0.3)  # b died without releasing: its lease lapses
    assert lock.acquire(store, lock.UPDATER, "c", lease=30)


def test_racing_takers_get_the_lease_once(store_url: str) -> None:
    store = Store()
    won: list[str] = []
    barrier = threading.Barrier(4)

    def take(name: str) -> None:
        barrier.wait()
        if lock.acquire(store, lock.UPDATER, name, lease=30):
            won.append(name)

    threads = [threading.Thread(target=take, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


class _Version:
    def __init__(self, published: str, fetched_at: str) -> None:
        self.source, self.version = "un_sc_sanctions", 3
        self.published, self.fetched_at = published, fetched_at


def test_staleness_by_publisher_date_by_fetch_and_by_failures() -> None:
    now = 1_800_000_000.0  # 2027-01-15
    cad = Cadence("un_sc_sanctions", every=3600, fetch_stale=4 * 3600,
                  published_stale=120 * DAY)
    fresh = _Version("2027-01-10", "2027-01-15T07:00:00+00:00")
    [health] = assess([fresh], {}, now, lambda s: cad)
    assert not health.stale and health.fetch_age == 3600
    old = _Version("2026-06-01", "2027-01-14T00:00:00+00:00")
    [health] = assess([old], {}, now, lambda s: cad)
    assert len(health.reasons) == 2
    assert "publisher's date 2026-06-01" in health.reasons[0]
    assert "last fetched successfully" in health.reasons[1]
    failed = checks.Check("un_sc_sanctions", "2027-01-15T07:59:00+00:00",
                          "2027-01-15T07:00:00+00:00", "failed", "refused", 2, now + 60)
    [health] = assess([fresh], {"un_sc_sanctions": failed}, now, lambda s: cad)
    assert health.reasons == ["un_sc_sanctions: the last 2 update(s) failed: refused"]


def test_signatures_verify_only_with_the_secret_the_body_and_a_recent_time() -> None:
    body = b'{"event": "list.version"}'
    header = sign(SECRET, body, 1_000)
    assert verify(SECRET, body, header, now=1_010)
    assert not verify(SECRET, body + b" ", header, now=1_010)
    assert not verify("x" * 20, body, header, now=1_010)
    assert not verify(SECRET, body, header, now=1_000 + 3600)  # a replay
    assert not verify(SECRET, body, "nonsense", now=1_010)


def test_webhook_urls_must_be_https_or_loopback(home: Path) -> None:
    store = Store()
    for bad in ("ftp://example.org/x", "http://example.org/hook", "https://"):
        with pytest.raises(WebhookError, match="webhook URL"):
            add_webhook(store, bad, None, "test")
    with pytest.raises(WebhookError, match="unknown webhook event"):
        add_webhook(store, "https://example.org/hook", ["list.changed"], "test")
    assert add_webhook(store, "https://example.org/hook", None, "test").events


def test_a_failed_delivery_is_retried_with_backoff_and_its_outcome_recorded(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_WEBHOOK_RETRY", "0.05")
    store = Store()
    with Receiver(status=500) as receiver:
        add_webhook(store, receiver.url, ["update.failed"], "test", SECRET)
        [did] = delivery.emit(store, "update.failed", {"sources": {"x": "down"}})
        [first] = delivery.deliveries(store)
        assert (first.status, first.attempts, first.last_code) == ("pending", 1, 500)
        assert delivery.deliver_due(store) == 0  # not due yet: backoff
        receiver.status = 204
        time.sleep(0.06)
        assert delivery.deliver_due(store) == 1
    [done] = delivery.deliveries(store)
    assert (done.id, done.status, done.attempts, done.last_code) == (did, "delivered", 2, 204)
    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        assert verify(SECRET, body, headers[HEADER])


def test_deliveries_give_up_after_the_last_attempt(home: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_WEBHOOK_RETRY", "0.001")
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 3)
    store = Store()
    with Receiver(status=503) as receiver:
        add_webhook(store, receiver.url, ["update.held"], "test", SECRET)
        delivery.emit(store, "update.held", {"source": "x"})
        for _ in range(5):
            time.sleep(0.01)
            delivery.deliver_due(store)
    [given_up] = delivery.deliveries(store)
    assert (given_up.status, given_up.attempts) == ("failed", 3)


def _updater_from(paths: list[Path]):  # type: ignore[no-untyped-def]
    """An updater importing files in turn, one per run (the publisher's successive files)."""
    queue = list(paths)

    def update(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
        if not queue:
            report = Report()
            report.failures.append("un_sc_sanctions: the publisher answered 503")
            return report
        return update_from_paths(store, [queue.pop(0)], None, reporter)

    return update


def test_scheduler_runs_what_is_due_records_it_and_backs_off_after_a_failure(
        home: Path) -> None:
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    schedule = Schedule(every=3600, sources=("un_sc_sanctions",))
    scheduler = Scheduler(store, schedule, _updater_from([FIXTURES / "un_small_v2.xml"]),
                          seed=1)
    assert scheduler.due(time.time()) == []  # fetched just now: due in an hour
    assert scheduler.due(time.time() + 3601) == ["un_sc_sanctions"]
    with store.engine.begin() as conn:  # as if the last check were long ago
        conn.execute(checks.source_checks.insert().values(
            source="un_sc_sanctions", last_attempt_at="2026-01-01T00:00:00+00:00",
            outcome="unchanged", failures=0, next_due_at=0.0))
    result = scheduler.run_once()
    assert result is not None and result.outcomes["un_sc_sanctions"][0] == "imported"
    assert [v.version for v in store.serving()] == [2]
    assert scheduler.run_once() is None  # not due again for an hour
    with store.engine.begin() as conn:
        conn.execute(checks.source_checks.update().values(next_due_at=0.0))
    failed = scheduler.run_once()
    assert failed is not None and failed.outcomes["un_sc_sanctions"][0] == "failed"
    check = checks.read_checks(store)["un_sc_sanctions"]
    assert check.failures == 1
    assert 300 <= check.next_due_at - time.time() <= 331  # retried in 5 min, not an hour


def test_scheduler_does_nothing_while_another_process_holds_the_lease(home: Path) -> None:
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    scheduler = Scheduler(store, Schedule(every=1, sources=("un_sc_sanctions",)),
                          _updater_from([FIXTURES / "un_small_v2.xml"]))
    time.sleep(1.1)
    assert lock.acquire(store, lock.UPDATER, "another server", lease=30)
    assert scheduler.run_once() is None
    assert [v.version for v in store.serving()] == [1]


def test_readyz_turns_degraded_with_reasons_when_a_list_goes_stale(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_STALE_PUBLISHED", "3650d")
    monkeypatch.setenv("WATCHLIST_STALE_FETCHED", "1h")
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    with TestClient(create_app(store, auth=False, warm=False)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert ready.json()["reasons"] == []
        monkeypatch.setenv("WATCHLIST_STALE_FETCHED", "1s")
        time.sleep(1.1)
        degraded = client.get("/readyz")
        assert degraded.status_code == 200
        body = degraded.json()
        assert body["status"] == "degraded"
        assert "un_sc_sanctions: last fetched successfully" in body["reasons"][0]
        assert body["sources"][0]["stale"] is True
        assert client.get("/readyz", params={"strict": "true"}).status_code == 503
        page = client.get("/ui/help")
        assert "last fetched successfully" in page.text  # the banner on every page


def test_metrics_need_a_key_and_name_requests_by_route(home: Path) -> None:
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    raw = create_key(store, "ops", "screen")[1]
    with TestClient(create_app(store, warm=False)) as client:
        assert client.get("/metrics").status_code == 401
        client.get("/healthz", headers={"X-Request-ID": "proxy-id-12345"})
        answer = client.get("/metrics", headers={"X-API-Key": raw})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert 'watchlist_source_version{source="un_sc_sanctions"} 1.0' in answer.text
        assert 'route="/healthz",status="200"' in answer.text
        echoed = client.get("/healthz", headers={"X-Request-ID": "proxy-id-12345"})
        assert echoed.headers["X-Request-ID"] == "proxy-id-12345"
        fresh = client.get("/healthz", headers={"X-Request-ID": "bad id\x01"})
        assert len(fresh.headers["X-Request-ID"]) == 32


def test_json_logs_carry_the_request_id() -> None:
    import logging

    from watchlist.operations.logs import JsonFormatter, request_id

    token = request_id.set("abc123")
    try:
        record = logging.LogRecord("watchlist.api", logging.WARNING, __file__, 1, "slow %s",
                                   ("query",), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)
    assert entry["request_id"] == "abc123" and entry["message"] == "slow query"
    assert entry["level"] == "warning"


def test_an_admin_adds_and_removes_a_webhook_on_its_page(home: Path) -> None:
    import re

    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    with TestClient(create_app(store, auth=False, warm=False)) as client:
        form = client.get("/ui/webhooks")
        assert form.status_code == 200 and "No webhook yet" in form.text
        csrf = token.search(form.text).group(1)
        refused = client.post("/ui/webhooks", data={"csrf_token": csrf,
                                                     "url": "http://example.org/hook"})
        assert refused.status_code == 422 and "use https" in refused.text
        added = client.post("/ui/webhooks", data={
            "csrf_token": csrf, "url": "https://example.org/hook",
            "event": ["list.version", "update.failed"]})
        assert added.status_code == 200 and "shown this once" in added.text
        [hook] = list_webhooks(store)
        assert hook.events == ("list.version", "update.failed") and hook.secret in added.text
        removed = client.post(f"/ui/webhooks/{hook.id}/remove", data={"csrf_token": csrf})
        assert removed.status_code == 200 and list_webhooks(store) == []


def test_new_alerts_reach_the_webhooks_and_the_metrics(home: Path) -> None:
    from prometheus_client import REGISTRY

    from watchlist.monitor import alerts
    from watchlist.monitor.portfolio import import_book
    from watchlist.monitor.run import run_monitor
    from watchlist.screener import Screener

    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    import_book(store, FIXTURES / "monitor" / "book_v1.csv")
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    opened = sample("watchlist_alerts_opened_total")
    with Receiver() as receiver:
        add_webhook(store, receiver.url, ["alerts.new"], "test", SECRET)
        stats = run_monitor(store, Screener.open(store))
        assert stats.new_alerts >= 1
        headers, body = _wait_for(lambda: receiver.events("alerts.new"))[0]
    assert verify(SECRET, body, headers[HEADER])
    assert json.loads(body)["data"]["new_alerts"] == stats.new_alerts
    assert sample("watchlist_alerts_opened_total") == opened + stats.new_alerts
    decided = sample("watchlist_alerts_decided_total", decision="match")
    alerts.decide(store, stats.new_alert_ids[0], "match", "the same person", "test")
    assert sample("watchlist_alerts_decided_total", decision="match") == decided + 1


def _wait_for(check):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")
