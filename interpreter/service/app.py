"""The Starlette application: the JSON API under /v1, the OpenAPI document, the playground at /.

    app = create_app(Options(...))            # loads the policies now (PolicyError if invalid)
    app = create_app(options, snapshot=snap)  # or serve a snapshot already built

Handlers read `live.snapshot` once and use only that object, so a reload that swaps it never
changes the policies under a request already running.
"""
from __future__ import annotations

import hmac
import os
import signal
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..scenario import ScenarioError, _expected
from ..values import EvaluationError
from . import logs
from .checktext import check_text
from .http import ApiError, decode, error_response, evaluation_error, flag, json_response, read_body, scenario_error
from .openapi import document
from .state import Live, Snapshot, build, examples, static_directory

MiB = 1024 * 1024
# From a worker to its supervisor: "I have loaded a new generation; have the others follow".
FOLLOW = signal.SIGUSR1


@dataclass(frozen=True)
class Options:
    policy_dir: str | None = None
    max_body: int = MiB
    max_batch: int = 1000
    admin_token: str | None = None
    log_bodies: bool = False
    handle_sighup: bool = False        # `serve` sets it: reload on SIGHUP (the main thread's loop)
    supervisor_pid: int | None = None  # with --workers N: told to reload the other workers
    shared_generation: object = None   # with --workers N: state.SharedGeneration, kept by the supervisor


def create_app(options: Options = Options(), snapshot: Snapshot | None = None, on_ready=None,
               access_log=None) -> Starlette:
    """`access_log`: called with each request's log fields (default: the `logging` logger
    policyrun.service.access); `on_ready`: called once the app has started."""
    live = Live(snapshot or build(options.policy_dir), options.policy_dir, options.shared_generation)
    routes = [
        Route("/", playground, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/v1/evaluate", evaluate, methods=["POST"]),
        Route("/v1/evaluate/batch", evaluate_batch, methods=["POST"]),
        Route("/v1/check", check, methods=["POST"]),
        Route("/v1/jurisdictions", jurisdictions, methods=["GET"]),
        Route("/v1/schema/{jurisdiction}", schema, methods=["GET"]),
        Route("/v1/rules/{jurisdiction}", rules, methods=["GET"]),
        Route("/v1/examples", list_examples, methods=["GET"]),
        Mount("/static", StaticFiles(directory=static_directory()), name="static"),
    ]
    if options.admin_token:   # otherwise the route does not exist: 404
        routes.append(Route("/v1/admin/reload", admin_reload, methods=["POST"]))
    app = Starlette(routes=routes, lifespan=_lifespan(on_ready),
                    exception_handlers={ApiError: _api_error, HTTPException: _http_error,
                                        Exception: _server_error})
    # `/v1/evaluate/` is an unknown path (a JSON 404), not a 307 redirect to `/v1/evaluate`.
    app.router.redirect_slashes = False
    app.state.live = live
    app.state.options = options
    # Inside Starlette's server-error layer: a request that fails unhandled is logged as a 500.
    app.add_middleware(logs.RequestLog, log_bodies=options.log_bodies, emit=access_log)
    return app


def _lifespan(on_ready):
    @asynccontextmanager
    async def lifespan(app):
        if app.state.options.handle_sighup:
            _handle_sighup(app.state.live)
        if on_ready is not None:
            on_ready()
        yield
    return lifespan


def _handle_sighup(live: Live) -> None:
    """Alone, SIGHUP makes this process load the policies again. A worker of `serve --workers N`
    follows instead: the supervisor sends SIGHUP once a new generation is claimed (by itself, or
    by the worker that took an admin reload), and a worker already serving it does nothing."""
    import asyncio
    loop = asyncio.get_running_loop()
    action = live.follow if live.shared is not None else live.reload
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(action("SIGHUP")))
    if live.shared is not None:
        # A signal sent before the handler was in place is lost: catch up with it now.
        asyncio.ensure_future(live.follow("start"))


# ---- the API ------------------------------------------------------------------------------

async def _evaluation_request(request):
    """(policies snapshot, options, explain flag, decoded body) of an evaluation request; the
    snapshot is taken first, so a reload during the request does not change its policies."""
    snapshot, options = request.app.state.live.snapshot, request.app.state.options
    explain = flag(request, "explain")
    body = await read_body(request, options.max_body)
    _note(request, body=body)
    return snapshot, options, explain, decode(body)


async def evaluate(request):
    snapshot, _options, explain, data = await _evaluation_request(request)
    if isinstance(data, dict) and snapshot.knows(data.get("jurisdiction")):
        _note(request, jurisdiction=data["jurisdiction"])
    try:
        # Evaluated on the event loop: one evaluation is short, and a hop to a thread would add
        # more to each request than it would give back (the GIL serialises the work anyway).
        decision = snapshot.policies.evaluate(_scenario_object(data), explain=explain)
    except ScenarioError as err:
        raise scenario_error(err) from None
    except EvaluationError as err:
        return json_response(evaluation_error(err), 422, _generation(snapshot))
    return json_response(decision, headers=_generation(snapshot))


async def evaluate_batch(request):
    snapshot, options, explain, items = await _evaluation_request(request)
    if not isinstance(items, list):
        raise ApiError(422, "$", f"expected a JSON array of scenarios, got {_kind(items)}")
    if len(items) > options.max_batch:
        raise ApiError(413, "$", f"{len(items)} scenarios: a batch holds at most {options.max_batch} "
                                 "(the server's --max-batch)")
    # Only loaded jurisdictions' names: any other text is the client's, and could be anything.
    names = sorted({i["jurisdiction"] for i in items if isinstance(i, dict) and snapshot.knows(i.get("jurisdiction"))})
    _note(request, jurisdiction=",".join(names) or None)
    # A batch can take a while: off the event loop, so that other requests are still answered.
    decisions = await run_in_threadpool(_evaluate_all, snapshot, items, explain)
    return json_response(decisions, headers=_generation(snapshot))


def _evaluate_all(snapshot: Snapshot, items: list, explain: bool) -> list:
    out = []
    for item in items:   # an item's error path is within the item: `$` is the item itself
        try:
            out.append(snapshot.policies.evaluate(_scenario_object(item), explain=explain))
        except ScenarioError as err:
            out.append({"error": {"path": err.path, "message": err.message}})
        except EvaluationError as err:
            out.append(evaluation_error(err))
    return out


async def check(request):
    live, options = request.app.state.live, request.app.state.options
    snapshot = live.snapshot
    body = await read_body(request, options.max_body)
    _note(request, body=body)
    data = decode(body)
    text, name = _check_request(data)
    diagnostics = await run_in_threadpool(_check, snapshot, text, name)
    errors = sum(d.severity == "error" for d in diagnostics)
    return json_response({"ok": errors == 0, "errors": errors, "warnings": len(diagnostics) - errors,
                          "diagnostics": [d.to_json() for d in diagnostics]})


def _scenario_object(data) -> dict:
    """Only a JSON object is a scenario. `Policies.evaluate` also takes a string, as JSON text (a
    convenience of the Python API): here a JSON string holding JSON is refused, as the CLI does."""
    if not isinstance(data, dict):
        raise _expected("$", "an object", data)
    return data


def _check_request(data) -> tuple[str, str]:
    if not isinstance(data, dict):
        raise ApiError(422, "$", f"expected an object {{\"text\": …, \"name\": …}}, got {_kind(data)}")
    for key in data:
        if key not in ("text", "name"):
            raise ApiError(422, key, "unknown field; expected text, name")
    text, name = data.get("text"), data.get("name", "policy.policy")
    if not isinstance(text, str):
        raise ApiError(422, "text", "required: the policy text, a string" if text is None
                       else f"expected a string, got {_kind(text)}")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ApiError(422, "name", "expected a file name, a non-empty string of at most 255 characters")
    return text, name


def _check(snapshot: Snapshot, text: str, name: str) -> list:
    try:
        return check_text(snapshot.policies, text, name)
    except RecursionError:
        # Nesting deep enough to exhaust Python's stack in the parser or the checker.
        raise ApiError(422, "text", "the policy text is nested too deeply to check") from None


async def jurisdictions(request):
    snapshot = request.app.state.live.snapshot
    return json_response({"generation": snapshot.generation, "jurisdictions": snapshot.jurisdictions})


async def schema(request):
    snapshot = request.app.state.live.snapshot
    name = request.path_params["jurisdiction"]
    if not snapshot.knows(name):
        raise ApiError(404, "jurisdiction", f"unknown jurisdiction; expected one of: {', '.join(snapshot.schemas)}")
    _note(request, jurisdiction=name)
    return json_response(snapshot.schemas[name])


async def rules(request):
    snapshot = request.app.state.live.snapshot
    name = request.path_params["jurisdiction"]
    if not snapshot.knows(name):
        raise ApiError(404, "jurisdiction", f"unknown jurisdiction; expected one of: {', '.join(snapshot.schemas)}")
    return json_response({"jurisdiction": name, "rules": snapshot.rules[name]})


async def list_examples(request):
    return Response(_examples_json(), media_type="application/json")


@lru_cache(maxsize=1)
def _examples_json() -> bytes:
    import json
    return json.dumps({"examples": examples()}, ensure_ascii=False).encode("utf-8")


async def healthz(request):
    snapshot = request.app.state.live.snapshot
    return json_response({"status": "ok", "generation": snapshot.generation, "loaded_at": snapshot.loaded_at,
                          "jurisdictions": len(snapshot.jurisdictions), "pid": os.getpid()})


async def openapi(request):
    snapshot = request.app.state.live.snapshot
    cached = getattr(request.app.state, "openapi", None)
    if cached is None or cached[0] != snapshot.generation:   # made once per generation of the policies
        cached = request.app.state.openapi = (snapshot.generation, document(snapshot, request.app.state.options))
    return json_response(cached[1])


async def playground(request):
    # Everything the page loads comes from this server: the policy forbids any other origin.
    headers = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                          "base-uri 'none'; frame-ancestors 'none'",
               "Cache-Control": "no-cache"}
    return FileResponse(static_directory() / "index.html", media_type="text/html; charset=utf-8",
                        headers=headers)


# ---- reload -------------------------------------------------------------------------------

async def admin_reload(request):
    options = request.app.state.options
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), options.admin_token.encode()):
        raise ApiError(401, "Authorization", "expected `Authorization: Bearer <admin token>`",
                       headers={"WWW-Authenticate": "Bearer"})
    result = await request.app.state.live.reload("admin")
    if result["reloaded"] and options.supervisor_pid:
        # Not SIGHUP, which would make the supervisor claim yet another generation: the other
        # workers are to follow to this one (server.py, state.SharedGeneration).
        os.kill(options.supervisor_pid, FOLLOW)
    if result["reloaded"]:
        return json_response(result)
    problems = len(result["diagnostics"]) or 1
    return json_response({"error": {"path": "$", "message": f"the policies did not load ({problems} "
                                    f"problem{'s' if problems != 1 else ''}); still serving generation "
                                    f"{result['generation']}"}, **result}, 422)


# ---- errors and helpers -------------------------------------------------------------------

async def _api_error(request, err: ApiError):
    return error_response(err)


async def _http_error(request, err: HTTPException):
    # Routing's own refusals (unknown path, wrong method) in the service's error shape.
    message = {404: "no such endpoint", 405: f"method {request.method} not allowed here"}.get(
        err.status_code, str(err.detail))
    return json_response({"error": {"path": request.url.path, "message": message}}, err.status_code,
                         getattr(err, "headers", None))


async def _server_error(request, err: Exception):
    logs.EVENTS.error("unhandled error on %s %s", request.method, request.url.path, exc_info=err)
    return json_response({"error": {"path": "$", "message": "internal error (logged on the server)"}}, 500)


def _note(request, **fields) -> None:
    note = request.scope.get(logs.NOTE)
    if note is None:
        return
    if "body" in fields:
        if not note.get("log_bodies"):
            return
        fields["body"] = fields["body"].decode("utf-8", "replace")
    note.update(fields)


def _generation(snapshot: Snapshot) -> dict:
    # Which load of the policies answered: a client (or a test) can see a reload take effect.
    return {"X-Policyrun-Generation": str(snapshot.generation)}


def _kind(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")
