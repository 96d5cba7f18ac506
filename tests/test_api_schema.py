"""Property-based check of the whole API from its OpenAPI document (schemathesis): whatever
a client sends, valid or not, the answer is never a 5xx and always matches the document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import small_served_store  # noqa: E402
from watchlist.api.app import create_app  # noqa: E402
from watchlist.screener import Screener  # noqa: E402
from watchlist.update import Report  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
PATHS = ["/match", "/search", "/entities/{entity_id}", "/sources", "/healthz", "/readyz",
         "/updatez", "/updatez/{job_id}"]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    with small_served_store(tmp_path_factory, "api-schema", "admin") as (store, key):
        Screener.open(store=store)  # build the persisted index now, not inside a request
        app = create_app(store, updater=lambda _store, _sources, _reporter: Report(), warm=False)
        yield schemathesis.openapi.from_asgi("/openapi.json", app), key


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_api_conforms_and_never_fails(api: tuple[Any, str], mode: GenerationMode) -> None:
    schema, key = api
    operations = {op.path: op for op in (r.ok() for r in schema.get_all_operations())}
    assert set(PATHS) <= set(operations)
    for path in PATHS:
        operation = operations[path]

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # No invalid request exists for an operation that takes no input (/healthz).
            assert mode is GenerationMode.NEGATIVE
