"""Reading a JSON request body into a pydantic model by hand, for routes that also take
raw bodies (text, XML, PDF) and so cannot let FastAPI parse it: the same 400 and 422
errors as FastAPI's own parsing gives."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from watchlist.api.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)


def is_json(kind: str) -> bool:
    """Whether a media type (without parameters) is JSON."""
    return kind == "application/json" or kind.endswith("+json")


def json_body(raw: bytes, model: type[Model]) -> Model:
    """The body as `model`; malformed JSON is a 400, a wrong shape a 422 naming the fields."""
    try:
        data = json.loads(raw or b"null")
    except ValueError as exc:
        raise ApiError(400, f"malformed JSON in the request body: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                 for e in exc.errors()[:5]]
        raise ApiError(422, "; ".join(parts)) from None
