"""The JSON twin: `/api/v1/...`. Each inspector's module adds its route to `bp`.

Requests are POST with `Content-Type: application/json` (a cross-site form cannot send that, so
the API is exempt from CSRF); anything else is an `ApiError`: a 400 with
`{"error": {"code", "message"}}` (web/errors.py renders every InspectorError, this one too).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from inspector.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

BadRequestError = ApiError  # the former name, still raised by some views


def error_response(code: str, message: str, status: int) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def json_body() -> dict[str, Any]:
    """The request's JSON object, or ApiError."""
    if not request.is_json:
        raise ApiError("send Content-Type: application/json with a JSON object body")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError("the body must be a JSON object")
    return data


def field(
    data: dict[str, Any],
    name: str,
    kind: type | tuple[type, ...] = str,
    *,
    required: bool = False,
) -> Any:
    """One field of the body, type-checked; None when absent and not required."""
    value = data.get(name)
    if value is None:
        if required:
            raise ApiError(f"the field {name!r} is required")
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # JSON booleans are ints in Python: never accept one where a number is asked for.
    if isinstance(value, bool) and bool not in kinds:
        raise ApiError(f"the field {name!r} must be {_kind_name(kinds)}")
    if not isinstance(value, kinds):
        raise ApiError(f"the field {name!r} must be {_kind_name(kinds)}")
    return value


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", int: "a number", float: "a number"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))
