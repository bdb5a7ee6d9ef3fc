"""The `policyrun` command: the click group and the commands that decide scenarios (`evaluate`,
`explain`) or describe them (`schema`). The policy author's commands are in cli_author.py,
`serve` in cli_serve.py, `evaluate --batch` in cli_batch.py. These modules are the only ones
that print and exit; nothing imports them but this one.

Exit codes (the contract): 0 a decision or a clean check was printed; 1 the scenario or a
policy is invalid (diagnostics on stderr); 2 usage error.

`policyrun evaluate` must start fast: the modules above import only click and the diagnostics
at their top; everything else (the policies, Lark, hypothesis, the service) is imported
inside the command that needs it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_author import check, fmt, run_examples, verify
from .cli_exits import fail, policy_directory, policy_fail
from .cli_serve import serve
from .dsl.diagnostics import PolicyError, render

# Options shared by the commands that evaluate with the bundled policies or another directory's.
reading_option = click.option(
    "--reading", "readings", multiple=True, metavar="ID=OPTION",
    help="Choose an option of a declared ambiguity (repeatable): ID=OPTION.")
policies_option = click.option(
    "--policies", "policy_dir", type=click.Path(exists=True, file_okay=False), callback=policy_directory,
    help="Use the .policy files of this directory instead of the bundled ones (a policy there "
         "that extends one it lacks, such as `national`, finds it among the bundled ones).")


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


for _command in (check, verify, run_examples, fmt, serve):
    main.add_command(_command)


@main.command()
@click.argument("scenario", required=False,
                type=click.Path(exists=True, allow_dash=True, dir_okay=False, path_type=str))
@reading_option
@policies_option
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
    decision = _decide_or_exit(_one_off(policy_dir), scenario, readings, explain)
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


# ---- one scenario's decision, explain and schema ------------------------------------------

def _one_off(policy_dir):
    """The policies for one evaluation: the closure build, which starts quicker."""
    from .api import load
    return load(policy_dir, fast=False)


def _decide_or_exit(policies, scenario, readings, explain=False):
    """Validate and evaluate one scenario file as `evaluate` does, with its exit codes."""
    from .dsl.diagnostics import Diagnostic
    from .scenario import ScenarioError
    from .values import EvaluationError

    chosen = _parse_readings(readings)
    try:
        text = sys.stdin.read() if scenario == "-" else Path(scenario).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"cannot read scenario {scenario}: {err}")
    try:
        return policies.evaluate(text, readings=_as_scenario_readings(chosen), explain=explain)
    except ScenarioError as err:
        where = "--reading " if err.path.startswith("readings.") and err.path[9:] in chosen else ""
        fail(f"scenario: {where}{err}")
    except PolicyError as err:
        policy_fail(err)
    except EvaluationError as err:
        diag = Diagnostic(err.code, f"the policy failed on this scenario: {err.message}", err.source, err.span)
        click.echo(render(diag), err=True)
        sys.exit(1)


@main.command()
@click.argument("scenario", type=click.Path(exists=True, allow_dash=True, dir_okay=False, path_type=str))
@reading_option
@policies_option
def explain(scenario, readings, policy_dir):
    """Explain the decision for one SCENARIO file: the notice in Chinese, then each rule evaluated.

    \b
    Example:
      policyrun explain scenario.json --reading ID=OPTION
    """
    from .notice import chinese
    from .trace import render_trace

    policies = _one_off(policy_dir)
    decision = _decide_or_exit(policies, scenario, readings, explain=True)
    click.echo(decision["notice"])
    click.echo()
    policy = policies.policy(decision["jurisdiction"])
    click.echo(render_trace(decision["trace"], lambda text: chinese(text, policy)))


@main.command()
@click.option("--jurisdiction", metavar="J",
              help="The schema of this jurisdiction's policy (default: one schema for all of them).")
@policies_option
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
        policy_fail(err)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":   # `python -m policyrun.cli`
    main()
