"""The `audit` commands: verify the audit log's chain, checkpoint it outside the store,
export it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from watchlist.cli.common import console, out, reported_errors
from watchlist.store import anchors
from watchlist.store.audit import export_audit, since_bound, verify_audit
from watchlist.store.store import Store

commands = typer.Typer()
audit_app = typer.Typer(help="The audit log of every screening: verify the chain, checkpoint "
                        "it outside the store, export it.",
                        no_args_is_help=True)
commands.add_typer(audit_app, name="audit")


AnchorsOption = Annotated[str | None, typer.Option(
    "--anchors", help=f"The checkpoints' file (one JSON line each) or directory (one file "
    f"each); default ${anchors.ENV_ANCHORS}.")]


@audit_app.command("verify")
def audit_verify(anchors_: AnchorsOption = None) -> None:
    """Check the hash chain, and with checkpoints (--anchors) that nothing was deleted from
    its end, emptied, rolled back or rewritten since: exit 1 naming what is wrong."""
    with reported_errors():
        path = anchors.anchors_path(anchors_)
        if path is None:
            result = verify_audit(Store())
            checked = None
        else:
            checked = anchors.verify_anchors(Store(), path, anchors.load_key())
            result = checked.chain
    if not result.ok:
        where = f"entry {result.bad_seq}" if result.bad_seq is not None else "the log head"
        console.print(f"[bold red]audit log broken[/] at {where}: "
                      f"{escape(result.problem or '')}")
        console.print(f"{result.entries} entries verified before it (up to entry "
                      f"{result.head_seq}).")
    if checked is not None:
        for problem in checked.problems:
            console.print(f"[bold red]audit log tampered with[/]: {escape(problem)}")
    if not result.ok or (checked is not None and checked.problems):
        raise typer.Exit(1)
    out.print(f"audit log intact: {result.entries} entries; head entry {result.head_seq} "
              f"hash {result.head_hash}")
    if checked is None:
        console.print("[yellow]not checked against checkpoints[/]: this cannot tell whether "
                      "entries were deleted from the end with the head rewritten, or the log "
                      f"emptied; give --anchors PATH (or set {anchors.ENV_ANCHORS}), see "
                      "`watchlist audit checkpoint`")
    elif checked.last is None:
        console.print(f"[yellow]no checkpoints in {escape(str(path))}[/]: truncation cannot be "
                      "detected until one is written (`watchlist audit checkpoint`)")
    else:
        last = checked.last.checkpoint
        out.print(f"{checked.checkpoints} checkpoints agree; the latest: entry {last.seq} at "
                  f"{last.at}")


@audit_app.command("checkpoint")
def audit_checkpoint(anchors_: AnchorsOption = None) -> None:
    """Sign the log's head (entry number and hash) with the key outside the store, append it
    to the anchors and print it (one line, for a ticket or a write-once store too)."""
    with reported_errors():
        path = anchors.anchors_path(anchors_)
        if path is None:
            raise anchors.AnchorError(f"where should the checkpoint go? Give --anchors PATH "
                                      f"or set {anchors.ENV_ANCHORS}")
        key = anchors.load_key(create=True)
        store = Store()
        seq, digest = anchors.check_before_signing(store, anchors.latest_written(path, key))
        checkpoint = anchors.sign_checkpoint(key, anchors.store_identity(store), seq, digest)
        written = anchors.write_checkpoint(path, checkpoint)
    sys.stdout.write(checkpoint.to_line() + "\n")
    console.print(f"checkpoint of entry {seq} written to {escape(str(written))}")


@audit_app.command("export")
def audit_export(
    since: Annotated[str | None, typer.Option(
        "--since", help="Entries from this date (YYYY-MM-DD) or ISO date-time, UTC.")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="File (default stdout).")] = None,
) -> None:
    """Write audit entries as JSON lines, each with its previous hash and its own hash."""
    with reported_errors():
        if since:
            since_bound(since)  # a bad date fails here, before anything is written
        store = Store()
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                count = export_audit(store, handle, since)
            console.print(f"{count} entries written to {escape(str(output))}")
        else:
            export_audit(store, sys.stdout, since)
            sys.stdout.flush()
