"""The webhooks an admin configures: an https (or loopback http) URL, the events it wants,
and the secret its payloads are signed with (made here, shown once to the admin)."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update

from watchlist.errors import WatchlistError
from watchlist.store.store import Store, now_iso
from watchlist.webhooks.schema import webhooks

#: What a webhook can be told: a new list version serves, a monitoring run opened new
#: alerts, an update failed, or a new version was held by the shrink guard.
EVENTS = ("list.version", "alerts.new", "update.failed", "update.held")


class WebhookError(WatchlistError):
    """A webhook setting that cannot be used (the message says which and why)."""


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    secret: str
    events: tuple[str, ...]
    active: bool
    created_by: str
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        """As shown to admins: never the secret."""
        return {"id": self.id, "url": self.url, "events": list(self.events),
                "active": self.active, "created_by": self.created_by,
                "created_at": self.created_at}


def check_url(url: str) -> str:
    """The URL, if payloads may go there: https, or http to this machine (tests, a local
    relay); an error naming the problem otherwise."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookError(f"webhook URL {url!r} is not an http(s) URL with a host")
    if parts.scheme == "http":
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise WebhookError(f"webhook URL {url!r}: use https (plain http only to this "
                               "machine, e.g. http://127.0.0.1:9000/hook)")
    return url.strip()


def check_events(events: list[str] | None) -> tuple[str, ...]:
    """The chosen events (all when none are named); an error naming an unknown one."""
    chosen = [e.strip() for e in events or [] if e.strip()] or list(EVENTS)
    for event in chosen:
        if event not in EVENTS:
            raise WebhookError(f"unknown webhook event {event!r}; use {', '.join(EVENTS)}")
    return tuple(dict.fromkeys(chosen))


def _row(row: Any) -> Webhook:
    return Webhook(row.id, row.url, row.secret, tuple(row.events.split(",")), row.active,
                   row.created_by, row.created_at)


def add_webhook(store: Store, url: str, events: list[str] | None, actor: str,
                secret: str | None = None) -> Webhook:
    """Configure a webhook; its secret is made here unless given."""
    url = check_url(url)
    chosen = check_events(events)
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise WebhookError("a webhook secret needs at least 16 characters")
    with store.engine.begin() as conn:
        new_id = conn.execute(insert(webhooks).values(
            url=url, secret=secret, events=",".join(chosen), active=True, created_by=actor,
            created_at=now_iso())).inserted_primary_key[0]
    return get_webhook(store, int(new_id))


def get_webhook(store: Store, hook_id: int) -> Webhook:
    with store.engine.connect() as conn:
        row = conn.execute(select(webhooks).where(webhooks.c.id == hook_id)).first()
    if row is None:
        raise WebhookError(f"no webhook {hook_id}")
    return _row(row)


def list_webhooks(store: Store, event: str | None = None) -> list[Webhook]:
    """Every webhook (or the active ones wanting `event`), oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(webhooks).order_by(webhooks.c.id)).all()
    hooks = [_row(r) for r in rows]
    if event is not None:
        hooks = [h for h in hooks if h.active and event in h.events]
    return hooks


def remove_webhook(store: Store, hook_id: int) -> None:
    get_webhook(store, hook_id)
    with store.engine.begin() as conn:
        conn.execute(delete(webhooks).where(webhooks.c.id == hook_id))


def set_active(store: Store, hook_id: int, active: bool) -> None:
    get_webhook(store, hook_id)
    with store.engine.begin() as conn:
        conn.execute(update(webhooks).where(webhooks.c.id == hook_id).values(active=active))
