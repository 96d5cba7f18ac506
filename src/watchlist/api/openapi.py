"""The OpenAPI document as the service answers: every error in the API's one error body
(FastAPI would document its own 422 list, and HTML for an HTML route's errors), and the
limits this server is configured with (most results, queries per batch)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from watchlist.service_settings import Settings

_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
#: Routes whose `limit` query parameter is bounded by `Settings.max_limit`.
_LIMITED = ("/match", "/search")


def honest_errors(document: dict[str, Any]) -> None:
    """Describe every 4xx/5xx answer as the error body the handlers send."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if code[:1] in ("4", "5"):
                    response["content"] = dict(_ERROR_BODY)
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def configured_limits(document: dict[str, Any], settings: Settings) -> None:
    """State this server's limits where clients meet them: `limit` and the batch size."""
    for path in _LIMITED:
        for operation in document.get("paths", {}).get(path, {}).values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "limit" and parameter.get("in") == "query":
                    _integer_schema(parameter["schema"])["maximum"] = settings.max_limit
    request = document.get("components", {}).get("schemas", {}).get("MatchRequest")
    if request is not None:
        request["properties"]["queries"]["maxProperties"] = settings.max_batch


def _integer_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The integer branch of a parameter schema (`int | None` is an anyOf)."""
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "integer":
            return branch
    return schema


def documented_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the document lists for a request path (`Allow` of a 405), or none."""
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return sorted(method.upper() for method in operations)
    return []


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Serve the corrected document at the app's openapi_url (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)  # FastAPI's own, which it keeps in openapi_schema
            honest_errors(document)
            configured_limits(document, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
