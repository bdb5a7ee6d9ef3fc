"""The `policyrun` command. The only module that reads files, prints and exits.

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
      policyrun evaluate examples/harbin-newborn-day-91.json
      policyrun evaluate - --reading A-BREAK=each_year < scenario.json
      policyrun check policies/*.policy
    """


@main.command()
@click.argument("scenario", type=click.Path(exists=True, allow_dash=True, dir_okay=False, path_type=str))
@click.option("--reading", "readings", multiple=True, metavar="ID=OPTION",
              help="Choose an option of a declared ambiguity (repeatable), e.g. A-BREAK=each_year.")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the .policy files of this directory instead of the bundled ones.")
@click.option("--explain", is_flag=True,
              help="Add a `trace` of the rules evaluated, with their results, and a `notice` in Chinese.")
def evaluate(scenario, readings, policy_dir, explain):
    """Print the decision (JSON) for one SCENARIO file (`-` reads standard input)."""
    from .api import load
    from .scenario import ScenarioError
    from .values import EvaluationError

    chosen = _parse_readings(readings)
    try:
        text = sys.stdin.read() if scenario == "-" else Path(scenario).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"cannot read scenario {scenario}: {err}")
    policies = load(policy_dir)
    try:
        decision = policies.evaluate(text, readings=_as_scenario_readings(chosen), explain=explain)
    except ScenarioError as err:
        where = "--reading " if err.path.startswith("readings.") and err.path[9:] in chosen else ""
        _fail(f"scenario: {where}{err}")
    except PolicyError as err:
        _policy_fail(err)
    except EvaluationError as err:
        from .dsl.diagnostics import Diagnostic
        diag = Diagnostic(err.code, f"the policy failed on this scenario: {err.message}", err.source, err.span)
        click.echo(render(diag), err=True)
        sys.exit(1)
    click.echo(json.dumps(decision, ensure_ascii=False, indent=2))


def _as_scenario_readings(chosen: dict) -> dict | None:
    return chosen or None


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
    policies = load(policy_dir)
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
              help="Choose an option of a declared ambiguity (repeatable), e.g. A-BREAK=each_year.")
@click.option("--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the .policy files of this directory instead of the bundled ones.")
def explain(scenario, readings, policy_dir):
    """Explain the decision for one SCENARIO file: the notice in Chinese, then each rule evaluated.

    \b
    Example:
      policyrun explain examples/harbin-newborn-day-91.json --reading A-WAIT-DAY=next_day
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
