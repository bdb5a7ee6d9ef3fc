"""Logs as JSON lines on stderr: one per request, and uvicorn's own messages in the same shape.

A request line holds the method, path (without the query), status, latency and the scenario's
jurisdiction — never the resident's data, which is in the body; `--log-bodies` adds the body,
for debugging on a machine that may keep it. The jurisdiction is logged only when it is one of
those loaded (else null), and the path is cut short: what the client wrote there could be
anything, of any length, and a request line stays bounded without `--log-bodies`.
"""
from __future__ import annotations

import datetime
import json
import logging
import time

ACCESS = logging.getLogger("policyrun.service.access")
EVENTS = logging.getLogger("policyrun.service")

# Where a handler leaves what the request line should say (jurisdiction, body) in the ASGI scope.
NOTE = "policyrun.log"
PATH_LIMIT = 200   # characters of the path in a request line


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": _now(), "level": record.levelname.lower()}
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        else:
            line["logger"] = record.name
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def config(level: str = "info") -> dict:
    """A logging.config dict (uvicorn's `log_config`): every logger of the service and of uvicorn
    writes JSON lines to stderr. uvicorn's access log is off: the middleware below writes ours."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    loggers = {name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
               for name in ("uvicorn", "uvicorn.error", "policyrun.service")}
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
            "handlers": {"stderr": handler}, "loggers": loggers}


def event(name: str, level: int = logging.INFO, **fields) -> None:
    EVENTS.log(level, name, extra={"fields": {"event": name, **fields}})


class JsonLines:
    """The request log of a running server: one JSON object a line, written straight to a text
    stream. `logging` costs several times as much per line, and this is paid on every request;
    stderr is line-buffered, so each line is written whole as it is made."""

    def __init__(self, stream):
        self.stream = stream

    def __call__(self, fields: dict) -> None:
        self.stream.write(json.dumps({"time": _now(), "level": "info", **fields}, ensure_ascii=False) + "\n")


def _to_logging(fields: dict) -> None:
    """The request log of an app made without a stream (tests, embedders): the `logging` logger
    policyrun.service.access, the fields in the record's `fields`."""
    if ACCESS.isEnabledFor(logging.INFO):
        ACCESS.info("request", extra={"fields": fields})


class RequestLog:
    """ASGI middleware: time each HTTP request and log it when the response is done."""

    def __init__(self, app, log_bodies: bool = False, emit=None):
        self.app = app
        self.log_bodies = log_bodies
        self.emit = emit or _to_logging

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        note = scope[NOTE] = {"log_bodies": self.log_bodies}
        status = 500   # if the app fails before it starts a response

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            fields = {"event": "request", "method": scope["method"], "path": _clip(scope["path"]), "status": status,
                      "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                      "jurisdiction": note.get("jurisdiction")}
            if self.log_bodies and "body" in note:
                fields["body"] = note["body"]
            self.emit(fields)


def _clip(path: str) -> str:
    return path if len(path) <= PATH_LIMIT else path[:PATH_LIMIT - 1] + "…"
