"""Evaluate many scenarios: a file, an iterable or a DataFrame in, one record per row out, in
input order.

A record is the decision with the row's id first — `{"id": …, "jurisdiction": …, …}` — or, for
a row that is not a valid scenario (or on which a policy fails), `{"id": …, "error": {"path": …,
"message": …}}`; the batch goes on. The id is the row's `id` field or column, else its 1-based
row number. An invalid policy stops the whole batch (`PolicyError`): every row would need it.

Where the rows are evaluated is the executor's choice: in this process, in a pool of processes
(`workers=N`), or on a Dask cluster (distributed.py). Each worker loads and compiles the
policies once, and is sent rows, never policies: compiled policies are closures, which cannot
be pickled, and compiling is far dearer than evaluating one row.
"""
from __future__ import annotations

import itertools
import os
import signal
import time
from typing import Iterable, Iterator

import attrs

from .dsl.diagnostics import Diagnostic, PolicyError
from .flatten import TABLE_COLUMNS, TABLE_TYPES, scenario_from_cells, table_row
from .formats import create_output, json_line, open_rows
from .scenario import Scenario, ScenarioError, decode_json
from .values import EvaluationError

CHUNK = 64   # rows per task sent to a worker process: amortises pickling, keeps order cheap


@attrs.frozen
class Options:
    """Everything a worker needs to evaluate rows, small enough to send with every task."""
    policy_dir: str | None = None      # None: the bundled policies of the worker's own install
    readings: tuple = ()               # (ambiguity ID, option) pairs for rows that declare it
    explain: bool = False
    rows: str = "object"               # payloads: "object" (dict, JSON text, Scenario) or "cells"
    output: str = "record"             # results: "record" (dict), "json" (JSON line), "table"


@attrs.define
class Summary:
    rows: int = 0
    accepted: int = 0
    refused: int = 0
    undetermined: int = 0    # accepted is null: no application asked, or the sources do not decide
    errors: int = 0
    seconds: float = 0.0

    def add(self, status: str) -> None:
        self.rows += 1
        setattr(self, status, getattr(self, status) + 1)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (f"{self.rows} rows: {self.accepted} accepted, {self.refused} refused, "
                f"{self.undetermined} undetermined, {self.errors} errors; "
                f"{self.seconds:.1f} s, {self.rate:.0f} rows/s")


# --- one row -------------------------------------------------------------------------------

class RowEvaluator:
    """Turns `(number, payload)` into `(status, result)`; status is accepted, refused,
    undetermined or errors (the Summary field it counts in)."""

    def __init__(self, policies, options: Options):
        self.policies = policies
        self.options = options
        self._readings = dict(options.readings)
        self._by_jurisdiction: dict = {}

    def __call__(self, job) -> tuple:
        number, payload = job
        row_id = number
        try:
            row_id, data = self._decode(number, payload)
            decision = self.policies.evaluate(data, readings=self._readings_for(data),
                                              explain=self.options.explain)
        except ScenarioError as err:
            return "errors", self._output(_error_record(row_id, err.path, err.message))
        except EvaluationError as err:
            where = Diagnostic(err.code, "", err.source, err.span).location()
            return "errors", self._output(_error_record(
                row_id, "$", f"the policy failed on this scenario: {err.message} ({where})"))
        accepted = decision.get("accepted")
        status = "undetermined" if accepted is None else "accepted" if accepted else "refused"
        return status, self._output({"id": row_id, **decision})

    def _decode(self, number, payload):
        if self.options.rows == "cells":
            if isinstance(payload, tuple):            # the reader found the row malformed
                _, path, message = payload
                raise ScenarioError(path, message)
            row_id, data = scenario_from_cells(payload)
        elif isinstance(payload, Scenario):
            return number, payload
        else:
            data = decode_json(payload) if isinstance(payload, (str, bytes, bytearray)) else payload
            if not isinstance(data, dict):
                return number, data                   # the contract says what is wrong with it
            row_id = data.get("id")
            data = {k: v for k, v in data.items() if k != "id"}
        if row_id is None or row_id == "":
            return number, data
        if isinstance(row_id, bool) or not isinstance(row_id, (str, int)):
            raise ScenarioError("id", "expected a string or an integer")
        return row_id, data

    def _readings_for(self, data):
        """The batch-wide readings this row's jurisdiction declares: one batch may mix
        jurisdictions, and A-HRB-KEY means nothing to a Nanning row."""
        if not self._readings:
            return None
        jurisdiction = data.jurisdiction if isinstance(data, Scenario) else (
            data.get("jurisdiction") if isinstance(data, dict) else None)
        if not isinstance(jurisdiction, str) or jurisdiction not in self.policies.jurisdictions():
            return None                               # evaluate() reports the jurisdiction
        if jurisdiction not in self._by_jurisdiction:
            declared = self.policies.ambiguities(jurisdiction)
            self._by_jurisdiction[jurisdiction] = {
                k: v for k, v in self._readings.items() if k in declared} or None
        return self._by_jurisdiction[jurisdiction]

    def _output(self, record: dict):
        if self.options.output == "json":
            return json_line(record)
        if self.options.output == "table":
            return table_row(record)
        return record


def _error_record(row_id, path: str, message: str) -> dict:
    return {"id": row_id, "error": {"path": path, "message": message}}


# --- executors: where rows are evaluated ---------------------------------------------------

class PolicyFailure(Exception):
    """A PolicyError on its way back from a worker process (PolicyError itself cannot be
    unpickled); `diagnostics` are picklable."""

    def __init__(self, diagnostics):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics


def _in_process(policies, options: Options, jobs) -> Iterator[tuple]:
    evaluate = RowEvaluator(policies, options)
    return map(evaluate, jobs)


_worker: RowEvaluator | None = None


def _init_worker(options: Options) -> None:
    """Pool initializer: runs once in each worker process. Ctrl-C goes to the whole process
    group; only the parent handles it (and ends the pool), so workers ignore it."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .api import load
    policies = load(options.policy_dir)
    for name in policies.jurisdictions():
        try:
            policies.policy(name)     # compile now, once; a broken one fails on its first row
        except PolicyError:
            pass
    _worker = RowEvaluator(policies, options)


def _run_in_worker(job) -> tuple:
    try:
        return _worker(job)
    except PolicyError as err:
        raise PolicyFailure(err.diagnostics) from None


def _in_pool(options: Options, jobs, workers: int) -> Iterator[tuple]:
    import multiprocessing
    # spawn: no fork of a process that may hold threads or open files; workers start clean
    # and import policyrun themselves.
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(options,)) as pool:
        # imap returns results in input order. It reads ahead of the workers only as far as the
        # pipe to them holds, so a huge input is not pulled into memory.
        try:
            yield from pool.imap(_run_in_worker, jobs, chunksize=CHUNK)
        except PolicyFailure as err:
            raise PolicyError(err.diagnostics) from None


def policy_dir_of(policies) -> str | None:
    """What a worker passes to load(): None for the bundled policies (a remote worker has its
    own copy, maybe at another path), else the directory's absolute path."""
    from .load import bundled_directory
    directory = policies.directory.resolve()
    return None if directory == bundled_directory().resolve() else str(directory)


def results(jobs: Iterable, *, policies=None, options: Options = Options(), workers: int = 1,
            client=None) -> Iterator[tuple]:
    """(status, result) for each (number, payload) job, in order. `client`: a Dask client."""
    if client is not None:
        from .distributed import stream
        return stream(client, options, jobs)
    if workers > 1:
        return _in_pool(options, jobs, workers)
    if policies is None:
        from .api import load
        policies = load(options.policy_dir)
    return _in_process(policies, options, jobs)


def as_policies(policies):
    """A Policies object from one, a directory, or None (the bundled policies)."""
    from .api import Policies, load
    return policies if isinstance(policies, Policies) else load(policies)


def _options(policies, readings, explain, **more) -> Options:
    return Options(policy_dir=policy_dir_of(policies), readings=tuple(sorted((readings or {}).items())),
                   explain=explain, **more)


# --- the Python API ------------------------------------------------------------------------

def evaluate_iter(policies, scenarios: Iterable, *, readings: dict | None = None,
                  explain: bool = False, workers: int = 1) -> Iterator[dict]:
    """Records for scenarios (dicts, JSON text or Scenario objects), lazily and in order."""
    options = _options(policies, readings, explain)
    jobs = zip(itertools.count(1), scenarios)
    for _, record in results(jobs, policies=policies, options=options, workers=workers):
        yield record


def run(source, output: str, *, policies=None, readings: dict | None = None, explain: bool = False,
        workers: int = 1, client=None, progress=None) -> Summary:
    """Evaluate every row of `source` (a file path, or an iterable of scenarios) into the file
    `output`. The output appears only when the whole batch is written. `progress(rows,
    fraction)` is called now and then (fraction in 0..1, or None when unknown).

    Raises formats.InputError when the input cannot be read as a whole, PolicyError for an
    invalid policy; KeyboardInterrupt passes through. In each case no output is left behind."""
    policies = as_policies(policies)
    if isinstance(source, (str, os.PathLike)):
        source = str(source)
        rows = open_rows(source)
        kind, fraction = rows.kind, rows.fraction
    else:
        rows, kind, fraction = zip(itertools.count(1), source), "object", (lambda: None)
    summary = Summary()
    started = time.perf_counter()
    with create_output(output) as out:
        options = _options(policies, readings, explain, rows=kind, output=out.item)
        stream = results(iter(rows), policies=policies, options=options, workers=workers,
                         client=client)
        try:
            for status, item in stream:
                out.write(item)
                summary.add(status)
                if progress is not None and summary.rows % 256 == 0:
                    progress(summary.rows, fraction())
        finally:
            # ends a worker pool now, whatever happened, rather than when garbage-collected
            getattr(stream, "close", lambda: None)()
        out.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def evaluate_dataframe(df, policies=None, *, readings: dict | None = None, explain: bool = False,
                       workers: int = 1):
    """A pandas DataFrame of scenarios (flattened columns as in CSV, see flatten.py) -> a
    DataFrame of TABLE_COLUMNS, one row per input row, same index: `decision` holds the whole
    decision as JSON text, `error.path` / `error.message` what was wrong with an invalid row."""
    from .flatten import check_columns
    policies = as_policies(policies)
    check_columns(list(df.columns))
    options = _options(policies, readings, explain, rows="cells", output="table")
    names = list(df.columns)
    jobs = zip(itertools.count(1), (dict(zip(names, row)) for row in df.itertuples(index=False, name=None)))
    rows = [item for _, item in results(jobs, policies=policies, options=options, workers=workers)]
    return table_frame(rows, df.index)


def table_frame(rows: list, index=None):
    """TABLE_COLUMNS rows as a pandas DataFrame with fixed column types (also Dask's meta)."""
    import pandas as pd
    columns = list(zip(*rows)) if rows else [()] * len(TABLE_COLUMNS)
    dtypes = {"bool": "boolean", "int": "Int64"}
    data = {name: pd.array(list(values), dtype=dtypes.get(TABLE_TYPES.get(name), object))
            for name, values in zip(TABLE_COLUMNS, columns)}
    return pd.DataFrame(data, index=index, columns=list(TABLE_COLUMNS))
