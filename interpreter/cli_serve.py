"""`policyrun serve`: the HTTP service and the playground (interpreter/service/). The service
and uvicorn are imported only when the command runs, and their absence is one line of advice.
"""
from __future__ import annotations

import sys

import click

from .cli_exits import fail, policy_directory, policy_fail
from .dsl.diagnostics import PolicyError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; 0.0.0.0 exposes the service to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port; the `listening` log line names it).")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False), callback=policy_directory,
              help="Serve the .policy files of this directory instead of the bundled ones.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes sharing the port.")
@click.option("--max-body", type=click.IntRange(min=1), default=1024 * 1024, show_default=True, metavar="BYTES",
              help="Largest request body accepted; a larger one is refused with 413.")
@click.option("--max-batch", type=click.IntRange(min=1), default=1000, show_default=True, metavar="N",
              help="Most scenarios in one /v1/evaluate/batch request; more is refused with 413.")
@click.option("--admin-token", envvar="POLICYRUN_ADMIN_TOKEN", metavar="TOKEN",
              help="Enable POST /v1/admin/reload for `Authorization: Bearer TOKEN` (or set POLICYRUN_ADMIN_TOKEN).")
@click.option("--log-bodies", is_flag=True,
              help="Put the request bodies of /v1/evaluate, /v1/evaluate/batch and /v1/check (residents' data, "
                   "policy text) in the request log. Off by default.")
def serve(host, port, policy_dir, workers, max_body, max_batch, admin_token, log_bodies):
    """Serve the JSON API (/v1/…, /openapi.json) and the playground (/) over HTTP.

    The policies are parsed, checked and compiled once, before the port is bound: if any
    has an error, its diagnostics are printed and the command exits 1. SIGHUP (or POST
    /v1/admin/reload with --admin-token) loads them again; if they no longer check, the
    old ones stay in service. Logs are JSON lines on stderr. Needs the `service` extra:
    pip install 'policyrun[service]'.

    \b
    Example:
      policyrun serve --port 8080 --workers 2
    """
    try:
        import uvicorn  # noqa: F401  (imported by the workers; missing, it is the same advice)
        from .service.app import Options
        from .service.server import serve as run_server
        from .service.state import NoPolicies
    except ImportError as err:
        click.echo(f"error: the service needs the `service` extra ({err.name} is missing): "
                   "pip install 'policyrun[service]'", err=True)
        sys.exit(1)
    options = Options(policy_dir=policy_dir, max_body=max_body, max_batch=max_batch,
                      admin_token=admin_token or None, log_bodies=log_bodies)
    try:
        status = run_server(options, host=host, port=port, workers=workers)
    except PolicyError as err:
        policy_fail(err)
    except NoPolicies as err:
        fail(str(err))
    except OSError as err:
        fail(f"cannot listen on {host}:{port}: {err.strerror or err}")
    sys.exit(status)
