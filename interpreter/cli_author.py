"""The policy author's subcommands of `policyrun`: `check` (diagnostics), `verify` (invariants
on generated scenarios), `test` (the `example` blocks, with coverage) and `fmt` (the canonical
layout). cli.py adds them to its click group; each imports what it needs when it runs, so
that `policyrun evaluate` never loads them.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .dsl.diagnostics import PolicyError, render

# The same --policies for every command that reads policy files given on the command line.
extended_policies_option = click.option(
    "--policies", "policy_dir", type=click.Path(exists=True, file_okay=False),
    help="Where to find the policies these files extend (default: each file's own directory, "
         "then the bundled policies).")


def _named_files(paths) -> list:
    """The policy files PATHS name (files, or the `.policy` files of directories). Paths that
    hold none are a usage error, not an empty run that passes (a CI job with a wrong path)."""
    from .testing import policy_files
    files = policy_files(paths)
    if paths and not files:
        click.echo(f"error: no .policy files in {', '.join(map(str, paths))}", err=True)
        sys.exit(2)
    return files


# ---- check: the diagnostics of policy files ----------------------------------------------

@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@extended_policies_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Diagnostics as rendered text or as JSON (for editors and CI).")
def check(files, policy_dir, fmt):
    """Parse and check policy FILES (or the `.policy` files of a directory); print every
    diagnostic. Exit 1 if any is an error."""
    from .checkfiles import check_file

    files = _named_files(files)
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



# ---- verify -------------------------------------------------------------------------------

@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True))
@click.option("--examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Scenarios to generate per policy file.")
@extended_policies_option
def verify(files, examples, policy_dir):
    """Check the `invariant`s of policy FILES or directories (default: the bundled policies) on
    generated scenarios.

    Scenarios are drawn (deterministically) from each policy's input declarations and readings.
    A violation prints the invariant and a minimal counterexample scenario as JSON; exit 1.

    \b
    Example:
      policyrun verify policies/<area>.policy --examples 500
    """
    import os
    from .load import bundled_directory
    from .verify import MissingHypothesis, load_file, render_report, verify_policy

    paths = _named_files(files) or sorted(bundled_directory().glob("*.policy"))
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

@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@extended_policies_option
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
    for path in _named_files(paths) or policy_files(default_paths()):
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


# ---- fmt: the canonical layout ------------------------------------------------------------

@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--check", is_flag=True,
              help="Write nothing: name each file that would change and exit 1 if there is one.")
def fmt(files, check):
    """Rewrite policy FILES in the one canonical layout, keeping their comments.

    The layout: two spaces per level, one declaration or item per line, the entries
    of a parameter table aligned on `=`, lines broken past 100 columns (a Chinese
    character counts two). The meaning never changes: the formatted file parses to
    the same policy.

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
