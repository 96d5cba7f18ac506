"""The whole API checked from its OpenAPI document by schemathesis, as `st run --checks all`
would (every phase: examples, coverage, fuzzing, stateful; every check): whatever a client
sends, valid or not, no answer is a 5xx and every answer matches the document (status
codes, content types, headers, bodies, `Allow`); invalid input is refused, valid input
accepted, and every route that needs a key refuses a request without one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import CHECKS  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.engine import events, from_schema  # noqa: E402

from conftest import small_served_store  # noqa: E402
from watchlist.screener import Screener  # noqa: E402
from watchlist.service import create_app  # noqa: E402
from watchlist.updates.pipeline import Report  # noqa: E402

#: The operations whose valid requests may still be refused, and why (shared with the CLI).
CONFIG = Path(__file__).parent / "schemathesis.toml"
#: Examples per operation and mode in the fuzzing phase (the coverage phase adds its own
#: boundary cases): enough to find a hole, few enough for CI (the run took 14 s on 2 cores,
#: after 16 s building the index).
MAX_EXAMPLES = 15


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with small_served_store(tmp_path_factory, "api-schema", "admin") as (store, key):
        Screener.open(store=store)  # build the persisted index now, not inside a request
        app = create_app(store, updater=lambda _store, _sources, _reporter: Report(), warm=False)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app,
                                                config=SchemathesisConfig.from_path(CONFIG))
        schema.config.update(headers={"Authorization": f"ApiKey {key}"})
        schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
        yield schema


def run(schema: Any) -> tuple[list[str], set[str], set[str]]:
    """Run every phase: (each failure and error, the checks that ran, the operations)."""
    problems: list[str] = []
    ran: set[str] = set()
    operations: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    ran.add(check.name)
                    if check.failure_info is not None:
                        info = check.failure_info
                        problems.append(f"{check.name}: {info.failure.title}\n"
                                        f"{info.failure.message}\n{info.code_sample}")
            if isinstance(event, events.ScenarioFinished) and event.label:
                operations.add(event.label)
        elif isinstance(event, events.NonFatalError):
            # An exception out of the app (the ASGI transport raises it, as a server's
            # 500), or a problem with the document itself.
            problems.append(f"error in {event.label}: {event.info}")
        elif isinstance(event, events.FatalError):
            problems.append(f"fatal: {event.exception!r}")
    return problems, ran, operations


def test_api_conforms_to_its_document_under_every_check(schema: Any) -> None:
    problems, ran, operations = run(schema)
    assert not problems, "\n\n".join(problems)
    assert ran == set(CHECKS.get_all_names())
    assert {"POST /match", "GET /alerts/{alert_id}", "POST /alerts/{alert_id}/decision",
            "GET /reconcile", "POST /reconcile", "POST /scan"} <= operations
