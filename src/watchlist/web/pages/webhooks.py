"""The webhooks page (admins): where notifications go (a new list version, new alerts, a
failed or held update), adding and removing them, and the latest deliveries' outcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from watchlist.store.audit import append_audit
from watchlist.web.deps import Admin, CheckedForm, StoreDep, WebError
from watchlist.web.render import PREFIX, page, redirect
from watchlist.webhooks.delivery import deliveries
from watchlist.webhooks.hooks import (
    EVENTS,
    WebhookError,
    add_webhook,
    list_webhooks,
    remove_webhook,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/webhooks")
def webhooks_page(request: Request, store: StoreDep, _user: Admin) -> Response:
    return page(request, "webhooks.html", title="Webhooks", hooks=list_webhooks(store),
                deliveries=deliveries(store, 30), events=EVENTS, secret=None, nav="webhooks")


@router.post("/webhooks", dependencies=[CheckedForm])
def add(request: Request, store: StoreDep, user: Admin, url: Annotated[str, Form()],
        event: Annotated[list[str] | None, Form()] = None) -> Response:
    """Add a webhook; its secret is shown on the answer, once."""
    try:
        hook = add_webhook(store, url, event, user.actor)
    except WebhookError as exc:
        raise WebError(422, str(exc)) from None
    append_audit(store, user.actor, "webhook-add",
                 {"webhook": hook.id, "url": hook.url, "events": list(hook.events)}, [], [])
    return page(request, "webhooks.html", title="Webhooks", hooks=list_webhooks(store),
                deliveries=deliveries(store, 30), events=EVENTS, secret=hook.secret,
                added=hook, nav="webhooks")


@router.post("/webhooks/{hook_id}/remove", dependencies=[CheckedForm])
def remove(request: Request, store: StoreDep, user: Admin, hook_id: int) -> Response:
    try:
        remove_webhook(store, hook_id)
    except WebhookError as exc:
        raise WebError(404, str(exc)) from None
    append_audit(store, user.actor, "webhook-remove", {"webhook": hook_id}, [], [])
    return redirect(request, f"{PREFIX}/webhooks", f"Webhook {hook_id} removed.")
