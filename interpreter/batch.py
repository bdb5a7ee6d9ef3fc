"""Evaluate many scenarios: a file, an iterable or a DataFrame in, one record per row out, in
input order.

A record is the decision with the row's id first — `{"id": …, "jurisdiction": …, …}` — or, for
a row that is not a valid scenario (or on which a policy fails), `{"id": …, "error": {"path": …,
"message": …}}`; the batch goes on. The id is the row's `id` field or column, else its 1-based
row number. An invalid policy stops the whole batch (`PolicyError`): every row would need it.

Where the rows are evaluated is the executor's choice: in this process, in a pool of processes
(`workers=N`), or on a Dask cluster (distributed.py). Each worker loads the policies once,
compiles a jurisdiction the first time one of its rows needs it and keeps it, and is sent rows,
never policies: compiled policies are closures, which cannot be pickled, and compiling is far
dearer than evaluating one row.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import threading
import time
from collections import Counter, deque
from typing import Iterable, Iterator

import attrs

from .dsl.diagnostics import PolicyError
from .fast_json import NotUtf8
from .flatten import TABLE_COLUMNS, TABLE_TYPES
from .formats import open_rows, same_file, same_file_message
from .outputs import create_output
from .row_evaluator import Options, RowEvaluator

# Rows per task sent to a worker process (amortises the pool's cost per task: with 64, the
# parent of 2 workers spent about twice the CPU per row), and rows evaluated together in one
# process (RowEvaluator.chunk).
CHUNK = 256


@attrs.define
class Summary:
    rows: int = 0
    accepted: int = 0
    refused: int = 0
    undetermined: int = 0    # accepted is null: no application asked, or the sources do not decide
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (f"{_count(self.rows, 'row')}: {self.accepted} accepted, {self.refused} refused, "
                f"{self.undetermined} undetermined, {_count(self.errors, 'error')}; "
                f"{self.seconds:.1f} s, {self.rate:.0f} rows/s")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- executors: where rows are evaluated ---------------------------------------------------

class PolicyFailure(PolicyError):
    """A PolicyError that survives pickling, to come back from a worker process (a plain
    PolicyError is rebuilt from its rendered text, which its constructor does not take)."""

    def __reduce__(self):
        return type(self), (self.diagnostics,)


def _in_process(policies, options: Options, jobs, chunk: int) -> Iterator[tuple]:
    evaluator = RowEvaluator(policies, options)
    # iterators made in C: no Python frame resumed for each row
    return itertools.chain.from_iterable(map(evaluator.chunk, _chunks(jobs, chunk)))


_worker: RowEvaluator | None = None


def _init_worker(options: Options) -> None:
    """Pool initializer: runs once in each worker process, which keeps its policies for all the
    rows it is sent. Ctrl-C goes to the whole process group; only the parent handles it (and
    ends the pool), so workers ignore it."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .api import load
    # Each jurisdiction is compiled the first time a row of this worker needs it, then kept for
    # the worker's life: a batch of three jurisdictions does not pay for all ten (about 0.15 s
    # of CPU each); an invalid one fails (PolicyError) on its first row.
    _worker = RowEvaluator(load(options.policy_dir), options)


@contextlib.contextmanager
def sigint_ignored():
    """Ignore SIGINT while starting processes: a spawned child inherits the ignored signal, so
    a Ctrl-C while it is still importing cannot print its traceback. (Only the main thread may
    set handlers; elsewhere there is nothing to do.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_chunk(jobs: list) -> list:
    try:
        return _worker.chunk(jobs)
    except PolicyError as err:
        raise PolicyFailure(err.diagnostics) from None


class WorkerError(RuntimeError):
    """A worker process died (or could not start): the rows sent to it will never come back."""


# The exit status of a worker that could not start because the script that started the pool
# starts one again when the worker imports it (see _refuse_while_starting).
_NO_MAIN_GUARD = 86
MAIN_GUARD_ADVICE = (
    "the worker processes could not start: each one imports the script that started them, and "
    "the script's top-level code started worker processes again. Put the code that evaluates "
    'with workers under `if __name__ == "__main__":`')


def _in_pool(options: Options, jobs, workers: int) -> Iterator[tuple]:
    import multiprocessing
    _refuse_while_starting()
    # spawn: no fork of a process that may hold threads or open files; workers start clean
    # and import policyrun themselves.
    context = multiprocessing.get_context("spawn")
    started = _Workers()
    with sigint_ignored():   # workers start with Ctrl-C ignored, before their initializer runs
        pool = _pool_class(started)(workers, initializer=_init_worker, initargs=(options,),
                                    context=context)
    with pool:
        yield from in_order(jobs, lambda chunk: pool.apply_async(_run_chunk, (chunk,)),
                            collect=lambda handle: _result(handle, started), window=2 * workers + 2)


def _refuse_while_starting() -> None:
    """In a spawned process still importing the main script (a script that starts a pool at its
    top level, without a `__main__` guard, run again by each worker as it starts), end the
    process at once and quietly, with a status the parent recognises: multiprocessing would
    raise a RuntimeError here, printing its traceback in every worker. (`_inheriting` is what
    multiprocessing itself tests; without it, its RuntimeError ends the worker all the same.)"""
    import multiprocessing
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(_NO_MAIN_GUARD)


class _Workers:
    """Every worker process a pool started. A worker ends only with its pool (none is retired
    after some number of tasks): one that has ended while the pool runs has died, and the chunk
    it had will never come back. Pool starts another in its place and waits for that chunk for
    ever; and a worker that dies while starting (a script without a `__main__` guard, an
    initializer that fails) dies again in each replacement, for ever."""

    def __init__(self):
        self.started: list = []

    def check(self) -> None:
        """Raise WorkerError if a worker has died."""
        ended = [process.exitcode for process in self.started if process.exitcode is not None]
        if not ended:
            return
        if _NO_MAIN_GUARD in ended:
            raise WorkerError(MAIN_GUARD_ADVICE)
        how = f"killed by signal {-ended[0]}" if ended[0] < 0 else f"exit status {ended[0]}"
        raise WorkerError(f"a worker process ended unexpectedly ({how}); its rows were not evaluated")


def _result(handle, workers: _Workers, poll: float = 0.25) -> list:
    """handle.get(); but while waiting, WorkerError as soon as a worker has died."""
    import multiprocessing
    while True:
        try:
            return handle.get(poll)
        except multiprocessing.TimeoutError:
            pass
        workers.check()


def _pool_class(workers: _Workers):
    """multiprocessing's Pool, whose workers are noted in `workers` as they start (`Process`
    makes each one), and whose worker-handler thread waits only for a worker to exit or for the
    pool's state to change (as ThreadPool's does), not also for results in the pipe from the
    workers: it would wake as soon as one arrives and, until the result thread has read it, loop
    (about 70 times a task, polling every worker each time), which took two thirds of the
    parent's CPU with 2 workers. Nothing here needs those wake-ups: workers are never retired
    after some number of tasks (maxtasksperchild). `_get_sentinels` is private: should a Python
    drop it, this is a plain Pool again."""
    from multiprocessing.pool import Pool

    class QuietPool(Pool):
        def _get_sentinels(self):
            return [self._change_notifier._reader]

        @staticmethod
        def Process(ctx, *args, **kwds):
            process = Pool.Process(ctx, *args, **kwds)
            workers.started.append(process)
            return process
    return QuietPool


def in_order(jobs, submit, *, collect, window: int, chunk: int = CHUNK, cancel=None):
    """Send `jobs` in chunks (`submit(chunk)` -> a handle, `collect(handle)` -> its results)
    and yield the results in input order, with at most `window` chunks in flight.

    The input is read here, in the caller's thread, only as fast as results are taken: memory
    stays flat on any input, and whatever the input raises (an unreadable line, a Ctrl-C)
    reaches the caller. (Pool.imap would read it in a thread of its own, where a
    KeyboardInterrupt kills the thread and leaves the batch waiting for ever.)"""
    pending: deque = deque()
    jobs = iter(jobs)
    try:
        while True:
            part = list(itertools.islice(jobs, chunk))
            if part:
                pending.append(submit(part))
            while pending and (len(pending) >= window or not part):
                yield from collect(pending.popleft())
            if not part:
                return
    finally:
        if cancel is not None:
            for handle in pending:
                cancel(handle)


def _chunks(items, size: int):
    """Lists of `size` items of `items` (the last maybe fewer), in order."""
    items = iter(items)
    while part := list(itertools.islice(items, size)):
        yield part


def _check_own_policies(policies) -> None:
    """A directory of the user's own policies is checked whole before any row (PolicyError): an
    invalid one would otherwise show only as the rows that use it fail, or end a long batch at its
    last row. (The bundled policies are checked by their tests; checking all ten would add about
    0.2 s to every batch.)"""
    if policy_dir_of(policies) is not None:
        for name in policies.jurisdictions():
            policies.policy(name)


def policy_dir_of(policies) -> str | None:
    """What a worker passes to load(): None for the bundled policies (a remote worker has its
    own copy, maybe at another path), else the directory's absolute path."""
    from .load import bundled_directory
    directory = policies.directory.resolve()
    return None if directory == bundled_directory().resolve() else str(directory)


def results(jobs: Iterable, *, policies=None, options: Options = Options(), workers: int = 1,
            client=None, chunk: int = CHUNK) -> Iterator[tuple]:
    """(status, result) for each (number, payload) job, in order. `client`: a Dask client.
    `chunk`: in this process, how many rows are read and evaluated together (1: each row as
    soon as it is read)."""
    if client is not None:
        from .distributed import stream
        return stream(client, options, jobs)
    if workers > 1:
        return _in_pool(options, jobs, workers)
    if policies is None:
        from .api import load
        policies = load(options.policy_dir)
    return _in_process(policies, options, jobs, chunk)


def as_policies(policies):
    """A Policies object from one, a directory, or None (the bundled policies)."""
    from .api import Policies, load
    return policies if isinstance(policies, Policies) else load(policies)


def options_for(policies, readings, explain, **more) -> Options:
    """The Options for evaluating with `policies` (a Policies object, a directory or None)."""
    from .api import check_readings
    return Options(policy_dir=policy_dir_of(as_policies(policies)),
                   readings=tuple(sorted(check_readings(readings).items())), explain=explain, **more)


# --- the Python API ------------------------------------------------------------------------

def evaluate_iter(policies, scenarios: Iterable, *, readings: dict | None = None,
                  explain: bool = False, workers: int = 1) -> Iterator[dict]:
    """Records for scenarios (dicts, JSON text or Scenario objects), lazily and in order."""
    options = options_for(policies, readings, explain)
    jobs = zip(itertools.count(1), scenarios)
    # chunk=1: in one process, a scenario is read only when its record is asked for
    for _, record in results(jobs, policies=policies, options=options, workers=workers, chunk=1):
        yield record


def run(source, output: str, *, policies=None, readings: dict | None = None, explain: bool = False,
        workers: int = 1, client=None, progress=None) -> Summary:
    """Evaluate every row of `source` (a file path, or an iterable of scenarios) into the file
    `output`. The output appears only when the whole batch is written. `progress(rows,
    fraction)` is called now and then (fraction in 0..1, or None when unknown).

    Raises formats.InputError when the input cannot be read as a whole (not UTF-8, an unknown
    column, …), PolicyError for an invalid policy (a `policies` directory of one's own is checked
    whole before the first row), ValueError when `output` is the input file or
    has no known extension, WorkerError when a worker process dies; KeyboardInterrupt passes
    through. In each case no output is left behind."""
    policies = as_policies(policies)
    if isinstance(source, (str, os.PathLike)):
        source = str(source)
        if same_file(source, str(output)):
            raise ValueError(same_file_message(source, str(output)))
        rows = open_rows(source)
        kind, fraction = rows.kind, rows.fraction
    else:
        rows, kind, fraction = zip(itertools.count(1), source), "object", (lambda: None)
    _check_own_policies(policies)
    counts: Counter = Counter()     # status -> rows
    started = time.perf_counter()
    with create_output(output) as out:
        options = options_for(policies, readings, explain, rows=kind, output=out.item)
        stream = results(iter(rows), policies=policies, options=options, workers=workers,
                         client=client)
        try:
            # a chunk of results at a time: one write, one count (in C) for many rows
            for part in _chunks(stream, CHUNK):
                statuses, items = zip(*part)
                out.write_many(items)
                counts.update(statuses)
                if progress is not None:
                    progress(counts.total(), fraction())
        except NotUtf8 as err:      # a JSONL line, found where it was decoded
            raise rows.not_utf8(err) from None
        finally:
            # ends a worker pool now, whatever happened, rather than when garbage-collected
            getattr(stream, "close", lambda: None)()
        out.commit()
    return Summary(rows=counts.total(), accepted=counts["accepted"], refused=counts["refused"],
                   undetermined=counts["undetermined"], errors=counts["errors"],
                   seconds=time.perf_counter() - started)


def evaluate_dataframe(df, policies=None, *, readings: dict | None = None, explain: bool = False,
                       workers: int = 1):
    """A pandas DataFrame of scenarios (flattened columns as in CSV, see flatten.py) -> a
    DataFrame of TABLE_COLUMNS, one row per input row, same index: `decision` holds the whole
    decision as JSON text, `error.path` / `error.message` what was wrong with an invalid row."""
    from .flatten import check_columns
    policies = as_policies(policies)
    df = _without_unnamed_empty_columns(df)
    check_columns(list(df.columns))
    options = options_for(policies, readings, explain, rows="cells", output="table")
    jobs = zip(itertools.count(1), frame_cells(df))
    rows = [item for _, item in results(jobs, policies=policies, options=options, workers=workers)]
    return table_frame(rows, df.index)


def _without_unnamed_empty_columns(df):
    """`pd.read_csv` names a header cell left empty (spreadsheets export them after the last
    column) `Unnamed: N`: such a column with no value is dropped, as the CSV reader ignores it."""
    unnamed = [c for c in df.columns if isinstance(c, str) and _UNNAMED.fullmatch(c) and df[c].isna().all()]
    return df.drop(columns=unnamed) if unnamed else df


_UNNAMED = re.compile(r"Unnamed: \d+")


def frame_cells(df) -> Iterator:
    """The rows of a pandas DataFrame as cells (flatten.scenario_from_cells), in order."""
    names = list(df.columns)
    return (dict(zip(names, row)) for row in df.itertuples(index=False, name=None))


def table_frame(rows: list, index=None):
    """TABLE_COLUMNS rows as a pandas DataFrame with fixed column types (also Dask's meta)."""
    import pandas as pd
    columns = list(zip(*rows)) if rows else [()] * len(TABLE_COLUMNS)
    # nullable types, and the text type Dask would convert object columns to: a pandas result
    # and a Dask one compare equal
    dtypes = {"bool": "boolean", "int": "Int64"}
    data = {name: pd.array(list(values), dtype=dtypes.get(TABLE_TYPES.get(name), "string"))
            for name, values in zip(TABLE_COLUMNS, columns)}
    return pd.DataFrame(data, index=index, columns=list(TABLE_COLUMNS))
