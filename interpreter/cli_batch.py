"""`policyrun evaluate --batch INPUT -o OUTPUT`: the command-line side of batch.py.

Exit codes: 0 the batch was written (rows that are not valid scenarios are error records in it);
1 the input cannot be read as a whole, the output cannot be written, or a policy is invalid;
2 usage error; 130 interrupted (no output file is left). The summary goes to stderr, and a
progress bar too when stderr is a terminal.
"""
from __future__ import annotations

import signal
import sys
import time

import click

from .dsl.diagnostics import PolicyError


class ProgressBar:
    """One self-overwriting line on stderr: a bar when the input's size is known, else a count."""
    WIDTH = 28

    def __init__(self, stream):
        self.stream = stream
        self.started = time.perf_counter()
        self.shown = 0.0

    def __call__(self, rows: int, fraction) -> None:
        now = time.perf_counter()
        if now - self.shown < 0.2:
            return
        self.shown = now
        rate = rows / (now - self.started) if now > self.started else 0
        line = f"{rows:,} rows, {rate:,.0f} rows/s"
        if fraction is not None:
            done = int(self.WIDTH * fraction)
            line = f"[{'#' * done}{'.' * (self.WIDTH - done)}] {fraction:4.0%}  {line}"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _fail(message: str, code: int = 1):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _terminate(signum, _frame):
    """SIGTERM (a scheduler's time limit, `kill`) ends the batch like Ctrl-C: no half-written output."""
    raise KeyboardInterrupt


def _check_readings(policies, chosen: dict) -> None:
    """Every --reading must name an ambiguity some jurisdiction declares, with one of its options;
    in a batch each applies to the rows whose jurisdiction declares it."""
    declared: dict = {}
    for name in policies.jurisdictions():
        try:
            for amb, options in policies.ambiguities(name).items():
                declared.setdefault(amb, set()).update(options)
        except PolicyError:
            continue   # that jurisdiction's rows will report it
    for amb, option in chosen.items():
        if amb not in declared:
            _fail(f"--reading {amb}: no policy declares this ambiguity; expected one of: "
                  + ", ".join(sorted(declared)))
        if option not in declared[amb]:
            _fail(f"--reading {amb}: unknown option {option!r}; expected one of: "
                  + ", ".join(sorted(declared[amb])))


def run_batch(source: str, output: str | None, *, readings: dict, policy_dir, explain: bool,
              workers: int, workers_given: bool, scheduler: str | None, dask: bool) -> None:
    from . import batch
    from .api import load
    from .formats import InputError, format_of, same_file, same_file_message

    if output is None:
        raise click.UsageError("--batch needs -o OUTPUT (its extension chooses the format)")
    if scheduler is not None and dask:
        raise click.UsageError("give --scheduler ADDRESS or --dask, not both")
    if scheduler is not None and workers_given:
        raise click.UsageError("--workers does not apply to --scheduler: the cluster has its own workers")
    for path, hint in ((source, "--batch"), (output, "--output")):
        try:
            if path == "-" and hint == "--output":
                raise ValueError("the output must be a file (it is written whole, then renamed into place)")
            format_of(path)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint=hint)
    if same_file(source, output):
        raise click.BadParameter(same_file_message(source, output), param_hint="--output")

    policies = load(policy_dir)
    if readings:
        _check_readings(policies, readings)
    signal.signal(signal.SIGTERM, _terminate)
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        if scheduler is not None or dask:
            where = f"dask at {scheduler}" if scheduler else "dask, local cluster"
            summary = _on_dask(source, output, policies, readings, explain, progress, scheduler,
                               workers if workers_given else None)
        else:
            where = f"{workers} worker{'s' if workers != 1 else ''}"
            try:
                summary = batch.run(source, output, policies=policies, readings=readings,
                                    explain=explain, workers=workers, progress=progress)
            finally:
                if progress:
                    progress.close()
    except KeyboardInterrupt:
        _fail("interrupted; no output written", 130)
    except InputError as err:
        _fail(str(err))
    except PolicyError as err:
        click.echo(str(err), err=True)
        n = sum(d.severity == "error" for d in err.diagnostics)
        _fail(f"{n} error{'s' if n != 1 else ''} in the policies; no output written")
    except batch.WorkerError as err:   # killed (out of memory?) or could not start
        _fail(str(err))
    except OSError as err:         # the output's directory is missing or not writable, …
        _fail(f"cannot write {output}: {err.strerror or err}")
    click.echo(f"{summary.line()} ({where}) -> {output}", err=True)


def _on_dask(source, output, policies, readings, explain, progress, scheduler, workers):
    from . import batch
    from .distributed import connect
    try:
        cluster = connect(scheduler, workers)
        client = cluster.__enter__()
    except ImportError as err:     # the hint says what to install
        _fail(str(err))
    except (OSError, TimeoutError, ValueError) as err:   # unreachable, or not an address
        _fail(f"cannot connect to the Dask scheduler at {scheduler}: {err}")
    try:
        return batch.run(source, output, policies=policies, readings=readings, explain=explain,
                         client=client, progress=progress)
    finally:
        if progress:
            progress.close()
        cluster.__exit__(None, None, None)
