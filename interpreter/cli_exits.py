"""How the `policyrun` subcommands stop on an error: a one-line message, or every diagnostic
of invalid policies with a count, on stderr, then exit status 1 (the contract in cli.py); and
the check of a `--policies DIR`, a usage error (exit 2) before anything starts.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .dsl.diagnostics import PolicyError


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def policy_fail(err: PolicyError) -> None:
    click.echo(str(err), err=True)
    n = sum(d.severity == "error" for d in err.diagnostics)
    click.echo(f"{n} error{'s' if n != 1 else ''} in the policies", err=True)
    sys.exit(1)


def policy_directory(ctx, param, value):
    """click callback for `--policies DIR`: a directory with no `.policy` file is a usage error."""
    if value is not None and not any(Path(value).glob("*.policy")):
        raise click.BadParameter(f"no .policy files in {value}")
    return value
