"""`watchlist update --daemon`: the scheduled updates of `serve --update-every`, in a
process of their own, until stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import logging
import logging.config
import signal
from types import FrameType

from watchlist.cli.common import console
from watchlist.operations.durations import describe
from watchlist.operations.logs import log_format, logging_config
from watchlist.operations.scheduler import Schedule, Scheduler
from watchlist.service import create_tables
from watchlist.store.store import Store


def run_daemon(every: str, sources: list[str] | None) -> None:
    """Check the lists at `every` until a signal stops it; webhooks are sent from here."""
    schedule = Schedule.parse(every, sources)
    logging.config.dictConfig(logging_config(log_format()))
    store = Store()
    create_tables(store)
    scheduler = Scheduler(store, schedule)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    shown = "each publisher's cadence" if schedule.every is None \
        else f"every {describe(schedule.every)}"
    console.print(f"keeping {', '.join(scheduler.sources())} current: checked {shown}; "
                  "stop with Ctrl-C or SIGTERM")
    scheduler.run_forever()
    console.print("stopped")
