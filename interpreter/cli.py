"""The `policyrun` command. With cli_batch.py (`evaluate --batch`), the only module that prints and exits.

Exit codes (the contract): 0 a decision or a clean check was printed; 1 the scenario or a
policy is invalid (diagnostics on stderr); 2 usage error.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .dsl.diagnostics import PolicyError, render


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _policy_fail(err: PolicyError) -> None:
    click.echo(str(err), err=True)
    n = sum(d.severity == "error" for d in err.diagnostics)
    click.echo(f"{n} error{'s' if n != 1 else ''} in the policies", err=True)
    sys.exit(1)


def _parse_readings(values) -> dict:
    readings = {}
    for item in values:
        key, sep, option = item.partition("=")
        if not sep or not key or not option:
            raise click.BadParameter(f"expected ID=option, got {item!r}", param_hint="--reading")
        readings[key.strip()] = option.strip()
    return readings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policyrun")
def main():
    """policyrun: evaluate 城乡居民医保 enrollment policies written in the policy language.

    \b
    Examples:
      policyrun evaluate scenario.json
      policyrun evaluate - --reading ID=OPTION < scenario.json
      policyrun check policies/*.policy
    """


@main.command()
@click.argument("scenario", required=False,
                type=click.Path(exists=True, allow_dash=True, dir_okay=False, path_type=str))
@click.option("--reading", "readings", multiple=True, metavar="ID=OPTION",
              help="Choose an option of a declared ambiguity (repeatable): ID=OPTION.")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the .policy files of this directory instead of the bundled ones.")
@click.option("--explain", is_flag=True,
              help="Add a `trace` of the rules evaluated, with their results, and a `notice` in Chinese.")
@click.option("--batch", "batch_input", metavar="INPUT",
              type=click.Path(exists=True, allow_dash=True, dir_okay=False, path_type=str),
              help="Evaluate every row of INPUT (.jsonl, .csv, .parquet; .jsonl.gz, .csv.gz) instead of SCENARIO.")
@click.option("-o", "--output", metavar="OUTPUT", type=click.Path(dir_okay=False, path_type=str),
              help="With --batch: where the decisions go, one per row in input order; the extension "
                   "chooses the format.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --batch: evaluate in this many processes (with --dask: the local cluster's size).")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --batch: evaluate on the Dask cluster of this scheduler (tcp://host:8786).")
@click.option("--dask", "use_dask", is_flag=True,
              help="With --batch: evaluate on a local Dask cluster started for this run.")
@click.pass_context
def evaluate(ctx, scenario, readings, policy_dir, explain, batch_input, output, workers, scheduler, use_dask):
    """Print the decision (JSON) for one SCENARIO file (`-` reads standard input).

    \b
    With --batch INPUT -o OUTPUT: one decision per row, each with the row's "id"; an invalid row
    is an error record and the batch goes on; a summary on stderr. See the README.
    """
    chosen = _parse_readings(readings)
    if batch_input is not None or scenario is None:
        _batch_or_usage(ctx, scenario, batch_input, output, chosen, policy_dir, explain, workers,
                        scheduler, use_dask)
        return
    if output is not None or scheduler is not None or use_dask or _given(ctx, "workers"):
        raise click.UsageError("-o, --workers, --scheduler and --dask go with --batch INPUT")
    decision = _decide_or_exit(scenario, readings, policy_dir, explain)
    click.echo(json.dumps(decision, ensure_ascii=False, indent=2))


def _as_scenario_readings(chosen: dict) -> dict | None:
    return chosen or None


def _batch_or_usage(ctx, scenario, batch_input, output, chosen, policy_dir, explain, workers,
                    scheduler, use_dask):
    if batch_input is None:
        raise click.UsageError("Missing argument 'SCENARIO' (or --batch INPUT).")
    if scenario is not None:
        raise click.UsageError("give SCENARIO or --batch INPUT, not both")
    from .cli_batch import run_batch
    run_batch(batch_input, output, readings=chosen, policy_dir=policy_dir, explain=explain,
              workers=workers, workers_given=_given(ctx, "workers"), scheduler=scheduler, dask=use_dask)


def _given(ctx, name: str) -> bool:
    """The option was on the command line (not its default)."""
    return ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Where to find the policies these files extend (default: each file's own directory, "
                   "then the bundled policies).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Diagnostics as rendered text or as JSON (for editors and CI).")
def check(files, policy_dir, fmt):
    """Parse and check policy FILES; print every diagnostic. Exit 1 if any is an error."""
    from .checkfiles import check_file

    diagnostics = []
    for path in files:
        for d in check_file(Path(path), policy_dir):
            if d not in diagnostics:   # a parent's problem is found again through each child
                diagnostics.append(d)
    errors = sum(d.severity == "error" for d in diagnostics)
    if fmt == "json":
        click.echo(json.dumps([d.to_json() for d in diagnostics], ensure_ascii=False, indent=2))
    else:
        for d in diagnostics:
            click.echo(render(d) + "\n", err=True)
        status = f"{errors} error{'s' if errors != 1 else ''}" if errors else "ok"
        warnings = len(diagnostics) - errors   # lint warnings (W0xx) never change the exit code
        status += f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        click.echo(f"checked {len(files)} file{'s' if len(files) != 1 else ''}: {status}", err=True)
    sys.exit(1 if errors else 0)


# ---- explain and schema -------------------------------------------------------------------

def _decide_or_exit(scenario, readings, policy_dir, explain=False):
    """Load, validate and evaluate one scenario file as `evaluate` does, with its exit codes."""
    from .api import load
    from .dsl.diagnostics import Diagnostic
    from .scenario import ScenarioError
    from .values import EvaluationError

    chosen = _parse_readings(readings)
    try:
        text = sys.stdin.read() if scenario == "-" else Path(scenario).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"cannot read scenario {scenario}: {err}")
    policies = load(policy_dir, fast=False)   # one evaluation: the closure build starts quicker
    try:
        return policies.evaluate(text, readings=_as_scenario_readings(chosen), explain=explain)
    except ScenarioError as err:
        where = "--reading " if err.path.startswith("readings.") and err.path[9:] in chosen else ""
        _fail(f"scenario: {where}{err}")
    except PolicyError as err:
        _policy_fail(err)
    except EvaluationError as err:
        diag = Diagnostic(err.code, f"the policy failed on this scenario: {err.message}", err.source, err.span)
        click.echo(render(diag), err=True)
        sys.exit(1)


@main.command()
@click.argument("scenario", type=click.Path(exists=True, allow_dash=True, dir_okay=False, path_type=str))
@click.option("--reading", "readings", multiple=True, metavar="ID=OPTION",
              help="Choose an option of a declared ambiguity (repeatable): ID=OPTION.")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the .policy files of this directory instead of the bundled ones.")
def explain(scenario, readings, policy_dir):
    """Explain the decision for one SCENARIO file: the notice in Chinese, then each rule evaluated.

    \b
    Example:
      policyrun explain scenario.json --reading ID=OPTION
    """
    from .trace import render_trace

    decision = _decide_or_exit(scenario, readings, policy_dir, explain=True)
    click.echo(decision["notice"])
    click.echo()
    click.echo(render_trace(decision["trace"]))


@main.command()
@click.option("--jurisdiction", metavar="J",
              help="The schema of this jurisdiction's policy (default: one schema for all of them).")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the .policy files of this directory instead of the bundled ones.")
def schema(jurisdiction, policy_dir):
    """Print the JSON Schema (draft 2020-12) of the scenarios the policies accept."""
    from .api import load
    from .schema import scenario_schema

    policies = load(policy_dir)
    if jurisdiction is not None and jurisdiction not in policies.jurisdictions():
        raise click.BadParameter(f"unknown jurisdiction {jurisdiction!r}; expected one of: "
                                 + ", ".join(policies.jurisdictions()), param_hint="--jurisdiction")
    try:
        result = scenario_schema(policies, jurisdiction)
    except PolicyError as err:
        _policy_fail(err)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


# ---- verify -------------------------------------------------------------------------------

@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Scenarios to generate per policy file.")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Where to find the policies these files extend (default: each file's own directory, "
                   "then the bundled policies).")
def verify(files, examples, policy_dir):
    """Check the `invariant`s of policy FILES (default: the bundled policies) on generated scenarios.

    Scenarios are drawn (deterministically) from each policy's input declarations and readings.
    A violation prints the invariant and a minimal counterexample scenario as JSON; exit 1.

    \b
    Example:
      policyrun verify policies/<area>.policy --examples 500
    """
    import os
    from .load import bundled_directory
    from .verify import MissingHypothesis, load_file, render_report, verify_policy

    paths = [Path(f) for f in files] or sorted(bundled_directory().glob("*.policy"))
    failed = False
    for path in paths:
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
        try:
            report = verify_policy(load_file(path, policy_dir), examples)
        except PolicyError as err:
            click.echo(str(err) + "\n", err=True)
            click.echo(f"{shown}: invalid policy, not verified")
            failed = True
            continue
        except MissingHypothesis as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        click.echo(render_report(shown, report))
        failed = failed or report.violation is not None
    sys.exit(1 if failed else 0)


# ---- test: the example blocks of policy files --------------------------------------------

@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Where to find the policies these files extend (default: each file's own directory, "
                   "then the bundled policies).")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Report, per file, the rules, ambiguity options and branches its examples exercised.")
@click.option("--coverage-json", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the coverage report as JSON to FILE.")
@click.option("--junit-xml", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write a JUnit XML report (one testcase per example) to FILE, for CI systems.")
def run_examples(paths, policy_dir, show_coverage, coverage_json, junit_xml):
    """Run the `example` blocks of policy files (PATHS: files or directories; default: the
    bundled policies). Prints each failing expectation, then `N passed, M failed`; exit 1 on
    any failure or invalid policy.

    \b
    Examples:
      policyrun test
      policyrun test policies/<area>.policy --coverage
      policyrun test my-policies/ --junit-xml report.xml --coverage-json coverage.json
    """
    from .coverage_report import coverage_json as make_coverage, render_table
    from .testing import default_paths, failure_lines, junit_xml as make_junit, policy_files, run_file

    with_coverage = show_coverage or coverage_json is not None
    runs, broken = [], 0
    for path in policy_files(paths or default_paths()):
        try:
            runs.append(run_file(path, policy_dir, coverage=with_coverage))
        except PolicyError as err:
            broken += 1
            click.echo(str(err), err=True)
    results = [r for run in runs for r in run.results]
    for r in results:
        for line in failure_lines(r):
            click.echo(line)
    failed = sum(not r.passed for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if broken:
        click.echo(f"{broken} policy file{'s' if broken != 1 else ''} could not be checked (diagnostics above)", err=True)
    if with_coverage:
        report = make_coverage(runs)
        if show_coverage:
            click.echo()
            click.echo(render_table(report["files"]))
        if coverage_json is not None:
            Path(coverage_json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if junit_xml is not None:
        make_junit(runs).write(junit_xml, encoding="utf-8", xml_declaration=True)
    sys.exit(1 if failed or broken else 0)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--check", is_flag=True,
              help="Write nothing: name each file that would change and exit 1 if there is one.")
def fmt(files, check):
    """Rewrite policy FILES in the one canonical layout, keeping their comments.

    \b
    The layout: two spaces per level, one declaration or item per line, the entries
    of a parameter table aligned on `=`, lines broken past 100 columns (a Chinese
    character counts two). The meaning never changes: the formatted file parses to
    the same policy.
    \b
    Each file is replaced atomically (a temporary file, then a rename). With --check
    no file is written: each one that is not formatted is named (`would reformat
    FILE`) and the exit status is 1; it is 0 when all are. A file with a syntax error
    is left untouched: its diagnostics are printed and the exit status is 1.
    """
    import os
    import tempfile

    from .dsl.format import format_source

    changed, failed = [], []
    for path in files:
        try:
            raw = Path(path).read_bytes().decode("utf-8")
            formatted = format_source(raw.replace("\r\n", "\n"), path)
        except (OSError, UnicodeDecodeError) as err:
            click.echo(f"error: cannot read {path}: {err}", err=True)
            failed.append(path)
            continue
        except PolicyError as err:
            click.echo("\n\n".join(render(d) for d in err.diagnostics) + "\n", err=True)
            failed.append(path)
            continue
        if formatted == raw:
            continue
        if check:
            click.echo(f"would reformat {path}")
            changed.append(path)
            continue
        target = Path(path)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(formatted.encode("utf-8"))
            os.chmod(temporary, target.stat().st_mode & 0o7777)
            os.replace(temporary, target)
        except OSError as err:
            os.unlink(temporary)
            click.echo(f"error: cannot write {path}: {err}", err=True)
            failed.append(path)
            continue
        click.echo(f"reformatted {path}")
        changed.append(path)
    plural = "" if len(changed) == 1 else "s"
    summary = [f"{len(changed)} file{plural} {'would be reformatted' if check else 'reformatted'}",
               f"{len(files) - len(changed) - len(failed)} {'already formatted' if check else 'unchanged'}"]
    if failed:
        summary.append(f"{len(failed)} not formatted (errors above)")
    click.echo(", ".join(summary), err=True)
    sys.exit(1 if failed or (check and changed) else 0)


# ---- serve: the HTTP service and the playground (interpreter/service/) -------------------

@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; 0.0.0.0 exposes the service to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port; the `listening` log line names it).")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
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
              help="Put request bodies (residents' data) in the request log. Off by default.")
def serve(host, port, policy_dir, workers, max_body, max_batch, admin_token, log_bodies):
    """Serve the JSON API (/v1/…, /openapi.json) and the playground (/) over HTTP.

    \b
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
        _policy_fail(err)
    except NoPolicies as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"cannot listen on {host}:{port}: {err.strerror or err}")
    sys.exit(status)
