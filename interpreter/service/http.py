"""Request bodies within limits, JSON responses, and the one error shape of the service:

    {"error": {"path": "resident.birth_date", "message": "…"}}

`path` is a JSON path into the request body (`$` the body as a whole), or the name of the query
parameter or header at fault. Every problem the client can cause is an `ApiError` with a 4xx
status; nothing a client sends reaches the server-error handler.
"""
from __future__ import annotations

import json

from starlette.requests import ClientDisconnect
from starlette.responses import Response

from ..scenario import ScenarioError
from ..scenario_json import decode_json


class ApiError(Exception):
    def __init__(self, status: int, path: str, message: str, headers: dict | None = None, **extra):
        super().__init__(f"{path}: {message}")
        self.status, self.path, self.message = status, path, message
        self.headers = headers
        self.extra = extra   # further top-level fields of the body (diagnostics, code, …)

    def body(self) -> dict:
        return {"error": {"path": self.path, "message": self.message}, **self.extra}


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    # ensure_ascii=False: Chinese stays readable; decisions hold only JSON types (amounts are text)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def error_response(err: ApiError) -> Response:
    return json_response(err.body(), err.status, err.headers)


async def read_body(request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes (before reading it
    all when Content-Length says so)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    while True:   # the ASGI messages themselves: Request.stream() costs more per request
        message = await request.receive()
        if message["type"] != "http.request":   # the client went away
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "$", f"request body larger than {limit} bytes (the server's --max-body)")


def decode(body: bytes):
    """JSON text -> data as the contract reads it (decimals exact, duplicate keys refused). The
    body is read as JSON whatever its Content-Type says, and must be UTF-8."""
    if not body.strip():
        raise ApiError(400, "$", "empty body: expected JSON")
    try:
        return decode_json(utf8(body))
    except ScenarioError as err:
        raise ApiError(400, err.path, err.message) from None


def utf8(body: bytes) -> str:
    """The body as text, strictly UTF-8 (a leading byte order mark is allowed). Decoded here, not
    by json.loads, which would take bytes in UTF-16 or UTF-32 as well."""
    if b"\x00" in body:   # never in JSON text; in UTF-16 or UTF-32 text of ASCII characters, often
        raise ApiError(400, "$", "invalid JSON: the body is not UTF-8 text (it holds NUL bytes: "
                                 "UTF-16 or UTF-32?)")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ApiError(400, "$", f"invalid JSON: the body is not UTF-8 text ({err.reason} at byte "
                                 f"{err.start})") from None


def flag(request, name: str) -> bool:
    """A boolean query parameter: true/false/1/0, absent = false."""
    value = request.query_params.get(name)
    if value is None:
        return False
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(422, name, f"expected true or false, got {json.dumps(value, ensure_ascii=False)}")


def scenario_error(err: ScenarioError, status: int = 422) -> ApiError:
    return ApiError(status, err.path, err.message)


def evaluation_error(err) -> dict:
    """A policy that failed at run time on this scenario (EvaluationError), as an error body: the
    scenario is what made it fail, so it is the client's 422, with the policy's code and place."""
    error = {"path": "$", "message": f"the policy failed on this scenario: {err.message}", "code": err.code}
    if getattr(err, "source", None) is not None and getattr(err, "span", None) is not None:
        line, column = err.source.position(err.span.start)
        error["location"] = f"{err.source.path}:{line}:{column}"
    return {"error": error}
