"""Routes whose arguments are read by a small hand-written resolver, not FastAPI's solver.

Under load (bench/serve.py, py-spy) FastAPI's per-request work for POST /match (solving
the dependency tree, validating each parameter, validating and re-encoding the response)
took about two thirds as long as screening the query itself. A lean route keeps its
endpoint and its declared signature, so /openapi.json and /docs describe it exactly as
before; each request is handled by `resolve(request) -> endpoint kwargs` and the result is
encoded with orjson. Errors go through the app's handlers as usual: a resolver raises
`RequestValidationError` with FastAPI's locations, so clients see the same 4xx bodies.
"""

from __future__ import annotations

import email.message
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

Resolver = Callable[[Request], Awaitable[dict[str, Any]]]
M = TypeVar("M", bound=BaseModel)


def _errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [{**error, "loc": (where, *error["loc"])} for error in exc.errors()]


def query_params(model: type[BaseModel], request: Request, lists: tuple[str, ...] = ()
                 ) -> BaseModel:
    """The request's query parameters validated by `model` (parameters named in `lists` may
    repeat); a 422 located at ("query", name) as FastAPI reports it."""
    if not request.scope.get("query_string"):
        return _defaults(model)
    params = request.query_params
    values: dict[str, Any] = {}
    for name in model.model_fields:
        if name in lists:
            if found := params.getlist(name):
                values[name] = found
        elif name in params:
            values[name] = params[name]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise RequestValidationError(_errors(exc, "query")) from None


@functools.cache
def _defaults(model: type[BaseModel]) -> BaseModel:
    return model.model_validate({})


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    if content_type == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json"))


async def json_body(model: type[M], request: Request) -> M:
    """The request body validated by `model`, as FastAPI reads a JSON body: a body without a
    JSON content type is not parsed; malformed JSON is a `json_invalid` error."""
    raw = await request.body()
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",),
                                       "msg": "Field required", "input": None}])
    if not _is_json(request.headers.get("content-type")):
        return _validated(model, raw)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise RequestValidationError(_errors(exc, "body")) from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise RequestValidationError(_errors(exc, "body")) from None
    return _validated(model, data)


def _validated(model: type[M], data: Any) -> M:
    # As FastAPI validates a body (from attributes), so the errors read the same.
    try:
        return model.model_validate(data, from_attributes=True)
    except ValidationError as exc:
        raise RequestValidationError(_errors(exc, "body")) from None


def lean_route(resolve: Resolver) -> type[APIRoute]:
    """An APIRoute class whose requests are handled by `resolve` and the endpoint, whose
    result (plain JSON data) is encoded with orjson without a second validation."""

    class LeanRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            endpoint = self.endpoint
            status = self.status_code or 200

            async def handler(request: Request) -> Response:
                result = await endpoint(**await resolve(request))
                return Response(orjson.dumps(result), status_code=status,
                                media_type="application/json")

            return handler

    return LeanRoute
