"""Sending webhook payloads: each event recorded once per webhook that wants it, sent as
signed JSON, retried with backoff (30 s, doubling) up to `MAX_ATTEMPTS`, every attempt's
outcome kept on the delivery. Any process may send what is due: a delivery is claimed
before it is sent, so two workers never send it twice."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from watchlist.metrics import WEBHOOK_DELIVERIES
from watchlist.store.store import Store, now_iso
from watchlist.version import __version__
from watchlist.webhooks.hooks import EVENTS, get_webhook, list_webhooks
from watchlist.webhooks.schema import webhook_deliveries
from watchlist.webhooks.signing import HEADER, sign

log = logging.getLogger("watchlist.webhooks")

MAX_ATTEMPTS = 6
#: Seconds a claimed delivery is left to its sender before another may try it.
CLAIM_SECONDS = 60.0
TIMEOUT = 10.0


def retry_base() -> float:
    """The first wait after a failed attempt (WATCHLIST_WEBHOOK_RETRY seconds, default 30)."""
    raw = os.environ.get("WATCHLIST_WEBHOOK_RETRY", "").strip()
    try:
        return max(0.01, float(raw)) if raw else 30.0
    except ValueError:
        return 30.0


@dataclass(frozen=True)
class Delivery:
    id: int
    webhook_id: int
    event: str
    status: str
    attempts: int
    last_code: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def emit(store: Store, event: str, data: dict[str, Any], send: bool = True) -> list[int]:
    """Record `event` for every active webhook wanting it (and, with `send`, try each at
    once); the delivery ids."""
    assert event in EVENTS, event
    ids = []
    stamp = now_iso()
    with store.engine.begin() as conn:
        for hook in list_webhooks(store, event):
            body = {"id": uuid.uuid4().hex, "event": event, "created_at": stamp,
                    "watchlist": __version__, "data": data}
            ids.append(int(conn.execute(insert(webhook_deliveries).values(
                webhook_id=hook.id, event=event, status="pending", attempts=0,
                next_attempt_at=time.time(), created_at=stamp,
                payload=json.dumps(body, ensure_ascii=False, sort_keys=True),
            )).inserted_primary_key[0]))
    if send and ids:
        deliver_due(store, ids)
    return ids


def _claim(store: Store, row: Any, now: float) -> bool:
    with store.engine.begin() as conn:
        taken = conn.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == row.id)
            .where(webhook_deliveries.c.status == "pending")
            .where(webhook_deliveries.c.next_attempt_at == row.next_attempt_at)
            .values(next_attempt_at=now + CLAIM_SECONDS))
    return taken.rowcount == 1


def deliver_due(store: Store, only: list[int] | None = None,
                client: httpx.Client | None = None) -> int:
    """Send every pending delivery that is due (or those of `only`); how many were sent."""
    now = time.time()
    query = (select(webhook_deliveries).where(webhook_deliveries.c.status == "pending")
             .where(webhook_deliveries.c.next_attempt_at <= now)
             .order_by(webhook_deliveries.c.id))
    if only is not None:
        query = query.where(webhook_deliveries.c.id.in_(only))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    sent = 0
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        for row in rows:
            if _claim(store, row, now):
                sent += _attempt(store, row, client)
    finally:
        if own:
            client.close()
    return sent


def _attempt(store: Store, row: Any, client: httpx.Client) -> int:
    """One attempt at one delivery, its outcome recorded; 1 when the receiver took it."""
    code: int | None = None
    error: str | None = None
    try:
        hook = get_webhook(store, row.webhook_id)
    except Exception:  # noqa: BLE001 - the webhook was removed since: give up on it
        hook = None
        error = "the webhook was removed"
    if hook is not None:
        body = row.payload.encode()
        headers = {"Content-Type": "application/json", "User-Agent": f"watchlist/{__version__}",
                   "X-Watchlist-Event": row.event, "X-Watchlist-Delivery": str(row.id),
                   HEADER: sign(hook.secret, body, int(time.time()))}
        try:
            answer = client.post(hook.url, content=body, headers=headers)
            code = answer.status_code
            if not 200 <= code < 300:
                error = f"the receiver answered {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
    attempts = row.attempts + 1
    if error is None:
        values: dict[str, Any] = dict(status="delivered", delivered_at=now_iso())
    elif hook is None or attempts >= MAX_ATTEMPTS:
        values = dict(status="failed")
    else:
        values = dict(next_attempt_at=time.time() + retry_base() * 2 ** (attempts - 1))
    with store.engine.begin() as conn:
        conn.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == row.id)
                     .values(attempts=attempts, last_code=code, last_error=error, **values))
    outcome = "delivered" if error is None else values.get("status", "retry")
    WEBHOOK_DELIVERIES.labels(row.event, outcome).inc()
    if error is not None:
        log.warning("webhook delivery %s (%s) attempt %d: %s", row.id, row.event, attempts,
                    error)
    return int(error is None)


def deliveries(store: Store, limit: int = 50) -> list[Delivery]:
    """The latest deliveries, newest first, with their outcomes."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(webhook_deliveries)
                            .order_by(webhook_deliveries.c.id.desc()).limit(limit)).all()
    return [Delivery(r.id, r.webhook_id, r.event, r.status, r.attempts, r.last_code,
                     r.last_error, r.created_at, r.delivered_at) for r in rows]
