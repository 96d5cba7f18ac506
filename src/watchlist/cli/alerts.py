"""The `alerts` commands: the review of the alerts `monitor` raises: list (with
priorities, due dates, assignment, grouped by customer), show, decide (one alert or
several; proposed for approval under four-eyes), approve, reject, assign, next, codes,
report by reason code.

The core is `watchlist.monitor` (alerts, review, assignment, reason_codes); this only
reads options and prints. Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import console, out, reported_errors
from watchlist.errors import WatchlistError
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import assignment, review
from watchlist.monitor.reason_codes import decisions_by_code
from watchlist.monitor.review_settings import load_settings, settings_path
from watchlist.screening.writers import designation_text
from watchlist.store import users
from watchlist.store.audit import cli_actor
from watchlist.store.store import Store

commands = typer.Typer()
alerts_app = typer.Typer(help="Alerts raised by `monitor`: list, show, decide, approve, "
                         "reject, assign, take the next.", no_args_is_help=True)
commands.add_typer(alerts_app, name="alerts")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
UserOption = Annotated[str | None, typer.Option(
    "--user", help="Who (default: the login). Approving needs a user with the approve role "
    "(watchlist users create NAME --role approve).")]


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _values(values: list[str], limit: int = 4) -> str:
    shown = "; ".join(values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


def _conflict(exc: alerts_mod.StatusConflict) -> typer.Exit:
    console.print(f"[bold red]conflict[/] {escape(str(exc))}")
    return typer.Exit(3)


@alerts_app.command("list")
def alerts_list(
    status: Annotated[str | None, typer.Option(
        "--status", help="open (needing action: new, reopened, escalated, match, "
        "pending-approval), closed, all, or one status (default: open).")] = "open",
    customer: Annotated[str | None, typer.Option("--customer", help="One customer's.")]
    = None,
    assignee: Annotated[str | None, typer.Option(
        "--assignee", help="A user's, a team's (team:NAME), or - for nobody's.")] = None,
    mine: Annotated[bool, typer.Option(
        "--mine", help="Mine and my teams' (the --user's).")] = False,
    user: UserOption = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those past due.")] = False,
    sort: Annotated[str, typer.Option(
        "--sort", help="due (default), newest, oldest, score, customer, party.")] = "due",
    group: Annotated[bool, typer.Option(
        "--by-customer", help="Grouped by customer.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N.")] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    json_: Json = False,
) -> None:
    """Alerts, the most urgent first, each with its priority, due date and assignee,
    naming the customer and the listed party; the overdue counts below."""
    with reported_errors():
        store = Store()
        me = user or cli_actor()
        found, total = assignment.review_queue(
            store, status, customer, assignee, me if mine else None, overdue, sort, limit,
            offset)
        counts = assignment.queue_counts(store, me)
        if json_:
            data: dict[str, Any] = {"total": total, "offset": offset, "counts": counts}
            if group:
                data["groups"] = assignment.group_by_customer(found)
            else:
                data["alerts"] = found
            _echo_json(data)
            return
        title = f"{total:,} alerts ({status or 'all'})"
        if group:
            for g in assignment.group_by_customer(found):
                name = f" {g['customer_name']}" if g.get("customer_name") else ""
                out.print(_queue_table(g["alerts"], f"customer {g['customer_id']}{name}: "
                                       f"{len(g['alerts'])} alerts, top score "
                                       f"{g['top_score']:.2f}, {g['overdue']} overdue"))
        else:
            out.print(_queue_table(found, title))
        out.print(f"open {counts['open']:,}, [bold]overdue {counts['overdue']:,}[/], awaiting "
                  f"approval {counts['pending_approval']:,}, unassigned "
                  f"{counts['unassigned']:,}, mine {counts.get('mine', 0):,}.")


def _queue_table(found: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=escape(title), title_justify="left")
    for column, justify in (("id", "right"), ("status", "left"), ("priority", "left"),
                            ("due", "left"), ("assignee", "left"), ("customer", "left"),
                            ("listed party", "left"), ("score", "right"),
                            ("designations", "left"), ("raised", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for a in found:
        who = a["customer_id"] + (f" {a['customer_name']}" if a.get("customer_name") else "")
        due = a["due_at"][:10] + (" [bold red]overdue[/]" if a["overdue"] else "")
        table.add_row(str(a["id"]), a["status"], a["priority"], due,
                      escape(a.get("assignee") or "-"), escape(who),
                      escape(f"{a['caption']} ({a['entity_id']})"), f"{a['score']:.2f}",
                      escape(designation_text(a["designations"])), a["created_at"][:10])
    return table


@alerts_app.command("show")
def alerts_show(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert id.")],
    json_: Json = False,
) -> None:
    """One alert: the customer, the listed party, the score explained, the list versions,
    what changed (when reopened) and every decision."""
    from watchlist.cli.screen import explanation_table

    with reported_errors():
        alert = alerts_mod.get_alert(Store(), alert_id)
        if json_:
            _echo_json(alert)
            return
        customer = alert.get("customer") or {"id": alert["customer_id"]}
        out.print(f"[bold]Alert {alert['id']}[/] ({alert['status']}, {alert['cause']}), "
                  f"raised {alert['created_at']}")
        if alert.get("proposal"):
            p = alert["proposal"]
            out.print(f"[bold yellow]awaiting approval[/]: {p['decision']} proposed by "
                      f"{escape(p['user'])} at {p['at']}"
                      + (f" [{escape(p['reason_code'])}]" if p.get("reason_code") else "")
                      + f": {escape(p['reason'] or '')}")
        if alert.get("assignee"):
            out.print(f"assigned to {escape(alert['assignee'])} since {alert['assigned_at']}")
        fields = ", ".join(f"{k} {v}" for k, v in customer.items()
                           if k not in ("id", "version", "removed_at") and v)
        out.print(f"customer [bold]{escape(str(customer['id']))}[/]: {escape(fields)}")
        out.print(f"listed party [bold]{escape(alert['caption'])}[/] ({alert['schema']}, "
                  f"{escape(alert['entity_id'])}; records {escape(', '.join(alert['entity_ids']))})"
                  f", score {alert['score']:.2f}")
        out.print("designations: " + escape(designation_text(alert["designations"])))
        out.print("list versions: " + escape(", ".join(
            f"{v['source']} v{v['version']}" for v in alert["versions"])))
        table, idle = explanation_table(alert["explanation"])
        out.print(table)
        if idle:
            out.print(f"[dim]no effect: {escape(', '.join(idle))}[/]")
        if alert.get("changes"):
            out.print(_changes_table(alert["changes"]))
        for d in alert.get("decisions") or []:
            code = f" [{d['reason_code']}]" if d.get("reason_code") else ""
            out.print(f"{d['at']} [bold]{escape(d['decision'])}[/]{escape(code)} by "
                      f"{escape(d['user'])} "
                      f"({d['previous_status']} -> {d['status']}): {escape(d['reason'])}")


def _changes_table(changes: dict[str, Any]) -> Table:
    """What changed since an alert was decided (why it reopened), one row per field:
    the customer's fields, the records that joined or left the party, their fields."""
    table = Table(title="What changed since the decision", title_justify="left")
    table.add_column("in")
    table.add_column("field")
    table.add_column("was / removed", style="red")
    table.add_column("now / added", style="green")

    def text(value: Any) -> str:
        if value is None:
            return ""
        return escape(_values([str(v) for v in value], 6) if isinstance(value, list)
                      else str(value))

    for name, change in (changes.get("customer") or {}).items():
        table.add_row("customer", escape(name), text(change.get("before")),
                      text(change.get("after")))
    listing = changes.get("listing") or {}
    if listing.get("records_removed"):
        table.add_row("listing", "records", text(listing["records_removed"]), "")
    if listing.get("records_added"):
        table.add_row("listing", "records", "", text(listing["records_added"]))
    for entity_id, fields in (listing.get("changed") or {}).items():
        for i, (name, change) in enumerate(fields.items()):
            table.add_row(escape(entity_id) if i == 0 else "", escape(name),
                          text(change.get("removed")), text(change.get("added")))
    if changes.get("status"):
        table.add_row("alert", "status", text(changes["status"].get("before")),
                      text(changes["status"].get("after")))
    return table


@alerts_app.command("decide")
def alerts_decide(
    alert_ids: Annotated[list[int], typer.Argument(
        metavar="ID...", help="The alert id; several for one decision on each (bulk).")],
    decision: Annotated[str, typer.Option(
        "--decision", help="match, false-positive or escalate.")],
    reason: Annotated[str, typer.Option(
        "--reason", help="Why, in words (kept in the audit log); may be left out with a "
        "--reason-code, whose label is then the reason.")] = "",
    reason_code: Annotated[str | None, typer.Option(
        "--reason-code", help="One of `watchlist alerts codes`.")] = None,
    user: UserOption = None,
    expect_status: Annotated[str | None, typer.Option(
        "--expect-status", help="Refuse if the alert's status is no longer this one.")]
    = None,
    json_: Json = False,
) -> None:
    """Decide an alert, or several at once (each its own decision and audit entry). Under
    four-eyes (by default a match and a false positive) the decision is proposed: the alert
    is `pending-approval` until another user with the approve role approves it (`alerts
    approve`) or rejects it. An escalation takes effect at once."""
    with reported_errors():
        store = Store()
        actor = user or cli_actor()
        if len(alert_ids) > 1:
            if expect_status:
                raise WatchlistError("--expect-status is for one alert")
            result = review.decide_many(store, alert_ids, decision, reason, actor, reason_code)
            if json_:
                _echo_json(result)
            else:
                for d in result["decided"]:
                    _print_step(d)
                for bad in result["failed"]:
                    console.print(f"[bold red]alert {bad['alert_id']}[/]: "
                                  f"{escape(bad['error'])}")
            if result["failed"]:
                raise typer.Exit(1)
            return
        try:
            result = review.propose(store, alert_ids[0], decision, reason, actor, reason_code,
                                    expect_status)
        except alerts_mod.StatusConflict as exc:
            raise _conflict(exc) from None
        if json_:
            _echo_json(result)
            return
        _print_step(result)


def _print_step(result: dict[str, Any]) -> None:
    waiting = (" — awaiting approval by another user (watchlist alerts approve "
               f"{result['alert_id']} --user APPROVER)"
               if result["status"] == "pending-approval" else "")
    code = f" [{result['reason_code']}]" if result.get("reason_code") else ""
    out.print(f"alert {result['alert_id']}: {result['decision']}{escape(code)}, "
              f"{result['previous_status']} -> [bold]{result['status']}[/] by "
              f"{escape(result['user'])} (audit entry {result['audit_seq']}){waiting}.")


def _approver(name: str | None) -> tuple[str, str]:
    """The approver's actor name and role: a user of the store (`watchlist users`) given
    by --user or the login name."""
    who = review.person(name or cli_actor())
    found = users.get_user(Store(), who)
    if found is None or not found.active:
        raise WatchlistError(f"{who!r} is no active user: approving needs a user with the "
                             f"approve role (watchlist users create {who} --role approve)")
    return who, found.role


@alerts_app.command("approve")
def alerts_approve(
    alert_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="The alert ids.")],
    user: UserOption = None,
    reason: Annotated[str, typer.Option("--reason", help="A note (optional).")] = "",
    json_: Json = False,
) -> None:
    """Approve the decision proposed on an alert (or several): it takes effect. The
    approver is another user than the one who proposed it, with the approve role."""
    with reported_errors():
        store = Store()
        actor, role = _approver(user)
        results, failed = [], []
        for alert_id in alert_ids:
            try:
                results.append(review.approve(store, alert_id, actor, role, reason))
            except alerts_mod.StatusConflict as exc:
                if len(alert_ids) == 1:
                    raise _conflict(exc) from None
                failed.append({"alert_id": alert_id, "error": str(exc)})
            except alerts_mod.AlertError as exc:
                if len(alert_ids) == 1:
                    raise
                failed.append({"alert_id": alert_id, "error": str(exc)})
        if json_:
            _echo_json(results[0] if len(alert_ids) == 1 else
                       {"decided": results, "failed": failed})
        else:
            for result in results:
                out.print(f"alert {result['alert_id']}: {result['proposal']} approved by "
                          f"{escape(actor)}; now [bold]{result['status']}[/] (audit entry "
                          f"{result['audit_seq']}).")
            for bad in failed:
                console.print(f"[bold red]alert {bad['alert_id']}[/]: {escape(bad['error'])}")
        if failed:
            raise typer.Exit(1)


@alerts_app.command("reject")
def alerts_reject(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert id.")],
    reason: Annotated[str, typer.Option(
        "--reason", help="What the analyst should look at again (kept in the audit log).")],
    user: UserOption = None,
    json_: Json = False,
) -> None:
    """Reject the decision proposed on an alert: it returns to the queue in the status it
    had, with your reason."""
    with reported_errors():
        actor, role = _approver(user)
        try:
            result = review.reject(Store(), alert_id, actor, role, reason)
        except alerts_mod.StatusConflict as exc:
            raise _conflict(exc) from None
        if json_:
            _echo_json(result)
            return
        out.print(f"alert {alert_id}: {result['proposal']} rejected by {escape(actor)}; back "
                  f"to [bold]{result['status']}[/] (audit entry {result['audit_seq']}).")


@alerts_app.command("pending")
def alerts_pending(user: UserOption = None, json_: Json = False) -> None:
    """The approver's queue: decisions awaiting approval, oldest first (your own marked:
    another approver must take those)."""
    with reported_errors():
        found = review.pending_for(Store(), user or cli_actor())
        if json_:
            _echo_json(found)
            return
        table = Table(title=f"{len(found):,} decisions awaiting approval", title_justify="left")
        for column in ("id", "proposed", "code", "reason", "by", "at", "customer",
                       "listed party", "score"):
            table.add_column(column)
        for a in found:
            p = a["proposal"]
            table.add_row(str(a["id"]), p["decision"], escape(p["reason_code"] or ""),
                          escape(p["reason"] or ""),
                          escape(p["user"] or "") + (" (you)" if a["own"] else ""),
                          (p["at"] or "")[:16], escape(a["customer_id"]),
                          escape(a["caption"]), f"{a['score']:.2f}")
        out.print(table)


@alerts_app.command("assign")
def alerts_assign(
    alert_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="The alert ids.")],
    to: Annotated[str, typer.Option(
        "--to", help="A user name, team:NAME (see the review settings), or - for nobody.")],
    user: UserOption = None,
) -> None:
    """Assign alerts to a user or a team (recorded in each alert's history and the audit
    log)."""
    with reported_errors():
        store = Store()
        for alert_id in alert_ids:
            result = assignment.assign(store, alert_id, to, user or cli_actor())
            out.print(f"alert {alert_id}: {escape(result['reason'])} (audit entry "
                      f"{result['audit_seq']}).")


@alerts_app.command("next")
def alerts_next(user: UserOption = None, json_: Json = False) -> None:
    """Take the next alert: the most urgent one waiting for a decision that is nobody's or
    your team's is assigned to you (your own waiting ones first)."""
    with reported_errors():
        taken = assignment.take_next(Store(), user or cli_actor())
        if json_:
            _echo_json(taken)
            return
        if taken is None:
            out.print("Nothing waits for a decision: the queue is clear.")
            return
        out.print(f"alert {taken['id']} is yours ({taken['priority']} priority, due "
                  f"{taken['due_at'][:16]}{', overdue' if taken['overdue'] else ''}): "
                  f"watchlist alerts show {taken['id']}")


@alerts_app.command("codes")
def alerts_codes(json_: Json = False) -> None:
    """The reason codes decisions may give, and the other review settings in force
    (four-eyes per decision, service levels, priorities, teams)."""
    with reported_errors():
        settings = load_settings()
        if json_:
            _echo_json(settings.to_dict())
            return
        table = Table(title="reason codes", title_justify="left")
        table.add_column("code")
        table.add_column("label")
        for code, label in settings.reason_codes.items():
            table.add_row(escape(code), escape(label))
        out.print(table)
        needs = [k for k, v in settings.four_eyes.items() if v]
        out.print(f"four-eyes (a second person approves): {', '.join(needs) or 'none'}; "
                  "service level: " + ", ".join(f"{p} {d:g} day{'s' if d != 1 else ''}"
                                                for p, d in settings.service_days.items())
                  + ".")
        out.print(f"[dim]settings: {escape(str(settings_path()))}"
                  f"{'' if settings.source != 'defaults' else ' (not there: the defaults)'}[/]")


@alerts_app.command("report")
def alerts_report(
    since: Annotated[str | None, typer.Option("--since", help="From (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Before (YYYY-MM-DD).")]
    = None,
    json_: Json = False,
) -> None:
    """Decisions by reason code: how many of each kind were proposed, took effect
    (approved, or needing no approval) and were rejected."""
    with reported_errors():
        rows = decisions_by_code(Store(), since, until)
        if json_:
            _echo_json(rows)
            return
        table = Table(title="decisions by reason code", title_justify="left")
        for column, justify in (("code", "left"), ("label", "left"), ("decision", "left"),
                                ("proposed", "right"), ("took effect", "right"),
                                ("rejected", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for r in rows:
            table.add_row(escape(r["reason_code"]), escape(r["label"]), r["decision"],
                          str(r["proposed"]), str(r["effective"]), str(r["rejected"]))
        out.print(table)
