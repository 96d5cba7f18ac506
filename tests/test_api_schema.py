"""Property-based check of the whole API from its OpenAPI document (schemathesis, with every
check it has): whatever a client sends, valid or not, the answer is never a 5xx and always
matches the document (status codes, content types, headers, bodies); invalid input is
refused, valid input accepted, and every route that needs a key refuses a request without."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import CHECKS  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

from conftest import small_served_store  # noqa: E402
from watchlist.api.app import create_app  # noqa: E402
from watchlist.screener import Screener  # noqa: E402
from watchlist.update import Report  # noqa: E402

#: Examples per operation and mode: enough to find a hole (the review's overflows came
#: within a few), few enough for CI (the whole module runs in about a minute).
MAX_EXAMPLES = 12
#: Operations whose input is judged beyond what JSON Schema can say, so a request the
#: document allows may still be refused as invalid: which FollowTheMoney properties a
#: schema has and whether a value reads as a date (/match), which lists are serving
#: (`sources` of /match and /search), the grammar of a payment message (/scan/payment),
#: queries sent as a JSON string (/reconcile).
CONTENT_CHECKED = {"/match": ["400", "422"], "/search": ["422"],
                   "/scan/payment": ["400", "422"], "/reconcile": ["400", "422"]}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def config() -> SchemathesisConfig:
    """Schemathesis' defaults, but positive_data_acceptance allows the content-checked
    operations' refusals (see CONTENT_CHECKED); every other check as it comes."""
    return SchemathesisConfig.from_dict({"operations": [
        {"include-path": path, "checks": {"positive_data_acceptance": {
            "expected-statuses": ACCEPTED + statuses}}}
        for path, statuses in CONTENT_CHECKED.items()]})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    with small_served_store(tmp_path_factory, "api-schema", "admin") as (store, key):
        Screener.open(store=store)  # build the persisted index now, not inside a request
        app = create_app(store, updater=lambda _store, _sources, _reporter: Report(), warm=False)
        yield schemathesis.openapi.from_asgi("/openapi.json", app, config=config()), key


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_api_conforms_and_never_fails(api: tuple[Any, str], mode: GenerationMode) -> None:
    schema, key = api
    operations = [r.ok() for r in schema.get_all_operations()]
    assert {"POST /match", "GET /alerts/{alert_id}", "POST /reconcile"} <= {
        op.label for op in operations}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            # The key goes in X-API-Key; a second, generated credential beside it is a
            # different request (two credentials), not this one with a key.
            case.headers = {k: v for k, v in (case.headers or {}).items()
                            if k.lower() != "authorization"}
            case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS.get_all())

        try:
            check()
        except Unsatisfiable:
            # No invalid request exists for an operation that takes no input (/healthz).
            assert mode is GenerationMode.NEGATIVE
