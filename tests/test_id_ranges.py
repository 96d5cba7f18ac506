"""Integer ids and offsets out of any store's range (the review's 10^36 alert ids and 10^20
offsets, which overflowed SQLite into 500s): a 422 naming the parameter, over the API and on
the pages; an id in range that names nothing is a 404; the monitor itself never overflows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import small_served_store
from watchlist.api.routers.alerts import Status
from watchlist.errors import StoreError
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import schema as m
from watchlist.monitor.diff import resolve_version
from watchlist.service import create_app
from watchlist.store.store import Store
from watchlist.store.users import create_user

HUGE = 10**36
TOO_BIG = 2**63  # one past the largest id a store holds
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, TestClient, str]]:
    with small_served_store(tmp_path_factory, "id-ranges", "screen") as (store, key):
        create_user(store, "analyst", "screen", PASSWORD)
        with TestClient(create_app(store, warm=False)) as client:
            yield store, client, key


def api(served: tuple[Store, TestClient, str], method: str, path: str, **kw: Any) -> Any:
    _store, client, key = served
    return client.request(method, path, headers={"X-API-Key": key}, **kw)


def invalid(response: Any, name: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == 422 and name in body["detail"]


@pytest.mark.parametrize("alert_id", [HUGE, TOO_BIG, 0, -1])
def test_an_alert_id_out_of_range_is_invalid(served: tuple[Store, TestClient, str],
                                             alert_id: int) -> None:
    invalid(api(served, "GET", f"/alerts/{alert_id}"), "alert_id")
    invalid(api(served, "POST", f"/alerts/{alert_id}/decision",
                json={"decision": "match", "reason": "same person"}), "alert_id")


def test_the_largest_id_a_store_holds_is_simply_not_found(
        served: tuple[Store, TestClient, str]) -> None:
    assert api(served, "GET", f"/alerts/{2**63 - 1}").status_code == 404
    assert api(served, "POST", f"/alerts/{2**63 - 1}/decision",
               json={"decision": "match", "reason": "same person"}).status_code == 404


@pytest.mark.parametrize("offset", [10**20, alerts_mod.MAX_OFFSET + 1, -1])
def test_an_offset_out_of_range_is_invalid(served: tuple[Store, TestClient, str],
                                           offset: int) -> None:
    invalid(api(served, "GET", "/alerts", params={"offset": offset}), "offset")


def test_the_largest_offset_answers_an_empty_page(served: tuple[Store, TestClient, str]) -> None:
    page = api(served, "GET", "/alerts", params={"offset": alerts_mod.MAX_OFFSET})
    assert page.status_code == 200 and page.json()["alerts"] == []


def test_the_alert_page_refuses_an_id_out_of_range(served: tuple[Store, TestClient, str]
                                                    ) -> None:
    store, _client, _key = served
    with TestClient(create_app(store, warm=False)) as browser:
        form = browser.get("/ui/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        assert browser.post("/ui/login", data={
            "csrf_token": csrf.group(1), "method": "password", "name": "analyst",
            "password": PASSWORD, "next": "/ui/alerts"}).status_code == 200
        for alert_id in (HUGE, TOO_BIG, 0):
            page = browser.get(f"/ui/alerts/{alert_id}")
            assert page.status_code == 422 and "alert_id" in page.text
            answer = browser.post(f"/ui/alerts/{alert_id}/decide",
                                  data={"csrf_token": csrf.group(1), "decision": "match",
                                        "reason": "same person"})
            assert answer.status_code in (403, 422) and "Traceback" not in answer.text
        missing = browser.get(f"/ui/alerts/{2**63 - 1}")
        assert missing.status_code == 404 and f"No alert {2**63 - 1}" in missing.text


def test_the_monitor_finds_no_alert_beyond_the_range(served: tuple[Store, TestClient, str]
                                                     ) -> None:
    store = served[0]
    for alert_id in (HUGE, -HUGE, 0):
        with pytest.raises(alerts_mod.AlertNotFound):
            alerts_mod.get_alert(store, alert_id)
        with pytest.raises(alerts_mod.AlertNotFound):
            alerts_mod.decide(store, alert_id, "match", "same person", "analyst")
    with pytest.raises(alerts_mod.AlertError, match="offset"):
        alerts_mod.list_alerts(store, offset=10**20)


def test_the_api_statuses_are_the_monitors() -> None:
    assert set(Status.__args__) == set(m.STATUSES)


def test_a_version_number_in_other_digits_is_not_a_number(
        served: tuple[Store, TestClient, str]) -> None:
    with pytest.raises(StoreError, match="neither a version number nor a date"):
        resolve_version(served[0], "un_sc_sanctions", "²")
    assert api(served, "GET", "/diff/un_sc_sanctions", params={"to": "²"}).status_code == 422
