"""Evaluate scenarios on a Dask cluster (`pip install 'policyrun[dask]'`).

Three ways in, all built on `evaluate_chunk`, which runs on a worker:
- `stream(client, options, jobs)`: the batch command's executor — rows read here, sent to the
  cluster in chunks, results back in order, written here (the same output as one process);
- `evaluate_bag(bag)`: a Dask Bag of scenarios -> a Bag of records (as in JSONL output);
- `evaluate_dataframe(ddf)`: a Dask DataFrame of flattened scenarios -> a Dask DataFrame of
  `flatten.TABLE_COLUMNS`, partition by partition.

Policies are never shipped: compiled policies are closures, which do not pickle, and compiling
costs far more than a row. Each worker process loads and compiles them the first time a task
needs them and keeps them in `_CACHE`, keyed by policy directory (None: the bundled policies of
the worker's own install). A task carries only `row_evaluator.Options` and its rows.

Dask is imported inside functions only: `policyrun evaluate SCENARIO` never pays for it.
"""
from __future__ import annotations

import itertools
import logging
import threading

from .batch import PolicyFailure, frame_cells, sigint_ignored, in_order, options_for, table_frame
from .dsl.diagnostics import PolicyError
from .row_evaluator import Options, RowEvaluator

DASK_HINT = "Dask is not installed: pip install 'policyrun[dask]'"
CHUNK = 256   # rows per task: a task costs the scheduler about a millisecond

_CACHE: dict = {}          # policy directory -> Policies, in each worker process
_EVALUATORS: dict = {}     # Options -> RowEvaluator over the cached policies
_LOCK = threading.Lock()   # a worker may run several tasks at once, in threads
compilations = 0           # how many times this process loaded a policy directory (tests)


def _evaluator(options: Options) -> RowEvaluator:
    global compilations
    with _LOCK:
        evaluator = _EVALUATORS.get(options)
        if evaluator is None:
            policies = _CACHE.get(options.policy_dir)
            if policies is None:
                from .api import load
                # compiled lazily, a jurisdiction at a time, and kept (as in a batch.py worker)
                policies = _CACHE[options.policy_dir] = load(options.policy_dir)
                compilations += 1
            evaluator = _EVALUATORS[options] = RowEvaluator(policies, options)
    return evaluator


def evaluate_chunk(options: Options, jobs: list) -> list:
    """On a worker: [(status, result)] for a list of (number, payload) jobs."""
    evaluator = _evaluator(options)
    try:
        return evaluator.chunk(jobs)
    except PolicyError as err:
        raise PolicyFailure(err.diagnostics) from None


# --- the batch command's executor -------------------------------------------------------------

def stream(client, options: Options, jobs, chunk: int = CHUNK):
    """(status, result) for each job, in order, evaluated on the cluster of `client`: rows are
    read here and sent in chunks, a few per worker thread in flight at a time."""
    threads = sum(client.nthreads().values()) or 1
    return in_order(jobs, lambda part: client.submit(evaluate_chunk, options, part, pure=False),
                    collect=lambda future: future.result(), cancel=lambda future: future.cancel(),
                    window=2 * threads + 2, chunk=chunk)


class connect:
    """`with connect(address) as client`: a client of the scheduler at `address`, or of a
    LocalCluster of `workers` processes (one thread each: evaluation holds the GIL)."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.address, self.workers = address, workers
        self.cluster = self.client = None

    def __enter__(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ImportError(DASK_HINT) from None
        if self.address is not None:
            self.client = Client(self.address)
        else:
            import os
            with sigint_ignored():   # its processes leave Ctrl-C to us: no tracebacks from them
                self.cluster = LocalCluster(n_workers=self.workers or os.cpu_count() or 1,
                                            threads_per_worker=1, processes=True,
                                            # any free port: 8787 may be another cluster's
                                            dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        return self.client

    def __exit__(self, *_exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        return False


# --- Dask collections -------------------------------------------------------------------------

def _offsets(parts):
    """For each partition, the number of rows before it, as delayed values: row numbers are
    global, and a partition does not know its place."""
    from dask import delayed
    offset, out = 0, []
    for part in parts:
        out.append(offset)
        offset = delayed(_add)(offset, delayed(len)(part))
    return out


def _add(a, b):
    return a + b


def _records(options: Options, items, offset: int) -> list:
    evaluator = _evaluator(options)
    try:
        return [record for _, record in evaluator.chunk(list(zip(itertools.count(offset + 1), items)))]
    except PolicyError as err:
        raise PolicyFailure(err.diagnostics) from None


def evaluate_bag(bag, policies=None, *, readings: dict | None = None, explain: bool = False):
    """A Bag of scenarios (dicts or JSON text, each with an optional `id`) -> a Bag of records:
    the decision with its `id`, or `{"id", "error"}` for an invalid scenario. Lazy."""
    import dask.bag as db
    from dask import delayed
    options = options_for(policies, readings, explain, rows="object", output="record")
    parts = [delayed(list)(part) for part in bag.to_delayed()]   # a partition may be an iterator
    return db.from_delayed([delayed(_records)(options, part, offset)
                            for part, offset in zip(parts, _offsets(parts))])


def _frame(options: Options, pdf, offset: int):
    rows = zip(itertools.count(offset + 1), frame_cells(pdf))
    evaluator = _evaluator(options)
    try:
        return table_frame([item for _, item in evaluator.chunk(list(rows))], pdf.index)
    except PolicyError as err:
        raise PolicyFailure(err.diagnostics) from None


def evaluate_dataframe(ddf, policies=None, *, readings: dict | None = None, explain: bool = False):
    """A Dask DataFrame of flattened scenarios (columns as in CSV input) -> a Dask DataFrame of
    flatten.TABLE_COLUMNS with the same partitions and index. Lazy."""
    import dask.dataframe as dd
    from dask import delayed

    from .flatten import check_columns
    check_columns(list(ddf.columns))
    options = options_for(policies, readings, explain, rows="cells", output="table")
    parts = ddf.to_delayed()
    return dd.from_delayed([delayed(_frame)(options, part, offset)
                            for part, offset in zip(parts, _offsets(parts))],
                           meta=table_frame([]), verify_meta=False)
