"""The `webhooks` commands: where watchlist sends its notifications (a new list version,
new alerts, a failed or held update), and how each delivery went.

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import console, out, reported_errors
from watchlist.store.audit import cli_actor
from watchlist.store.store import Store
from watchlist.webhooks.delivery import deliver_due, deliveries
from watchlist.webhooks.hooks import EVENTS, add_webhook, list_webhooks, remove_webhook

commands = typer.Typer()

webhooks_app = typer.Typer(help="Notifications to other systems: signed JSON on a new list "
                           "version, new alerts, a failed or held update.",
                           no_args_is_help=True)
commands.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST (https, or http to 127.0.0.1).")],
    event: Annotated[list[str] | None, typer.Option(
        "--event", help=f"An event to send (repeat; default all): {', '.join(EVENTS)}.")
    ] = None,
    secret: Annotated[str | None, typer.Option(
        "--secret", help="The signing secret (at least 16 characters; default: a new "
        "random one, printed once).")] = None,
) -> None:
    """Send notifications to a URL, signed with HMAC-SHA256 (X-Watchlist-Signature)."""
    with reported_errors():
        hook = add_webhook(Store(), url, event, cli_actor(), secret)
        console.print(f"webhook {hook.id} added: {escape(hook.url)} "
                      f"({', '.join(hook.events)})")
        if secret is None:
            console.print("its signing secret (shown once; the receiver checks "
                          "X-Watchlist-Signature with it):")
            out.print(hook.secret)


@webhooks_app.command("list")
def webhooks_list(
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """The webhooks and the events each is sent."""
    with reported_errors():
        hooks = list_webhooks(Store())
        if as_json:
            out.print_json(json.dumps([h.to_dict() for h in hooks]))
            return
        table = Table("id", "url", "events", "active", "added by", "added")
        for h in hooks:
            table.add_row(str(h.id), escape(h.url), ", ".join(h.events),
                          "yes" if h.active else "no", escape(h.created_by), h.created_at)
        out.print(table)


@webhooks_app.command("remove")
def webhooks_remove(hook_id: Annotated[int, typer.Argument(help="The webhook's id.")]) -> None:
    """Stop sending to a webhook."""
    with reported_errors():
        remove_webhook(Store(), hook_id)
        console.print(f"webhook {hook_id} removed")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """The latest deliveries with their outcomes (newest first)."""
    with reported_errors():
        found = deliveries(Store(), limit)
        if as_json:
            out.print_json(json.dumps([d.to_dict() for d in found]))
            return
        table = Table("id", "webhook", "event", "status", "attempts", "answer", "created")
        for d in found:
            answer = str(d.last_code) if d.last_code else escape(d.last_error or "")
            table.add_row(str(d.id), str(d.webhook_id), d.event, d.status, str(d.attempts),
                          answer, d.created_at)
        out.print(table)


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """Send the deliveries that are due now (retries; the service does it on its own)."""
    with reported_errors():
        console.print(f"{deliver_due(Store())} deliveries sent")
