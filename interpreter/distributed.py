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

`connect(address)` fails within seconds, as a `ClusterError` saying what to check, when nothing
answers there or what answers is not a Dask scheduler; `stream` says on stderr when the cluster
has no worker and the rows are waiting for one.
"""
from __future__ import annotations

import itertools
import logging
import sys
import threading
import time

from .batch import PolicyFailure, frame_cells, sigint_ignored, in_order, options_for, table_frame
from .dsl.diagnostics import PolicyError
from .row_evaluator import Options, RowEvaluator

DASK_HINT = "Dask is not installed: pip install 'policyrun[dask]'"
CHUNK = 256   # rows per task: a task costs the scheduler about a millisecond
# Seconds to reach a scheduler (retrying while it refuses: it may be starting). Dask's own default,
# 30 s, is sized for thousands of workers dialling a busy scheduler at once; one client reaching a
# running scheduler takes milliseconds, even across a network. Dask's setting
# `distributed.comm.timeouts.connect`, when set, is used instead.
CONNECT_TIMEOUT = 5.0
ANSWER_GRACE = 1.0          # s after that for the answer of a service that took the connection
NO_WORKER_REMINDER = 60.0   # s between reminders that the cluster still has no worker
SCHEDULER_PORT_HINT = ("is this the scheduler's port (8786 by default), not its dashboard (8787) "
                       "or another service?")

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
    watch = _WorkerWatch(client)
    threads = watch.check()
    return in_order(jobs, lambda part: client.submit(evaluate_chunk, options, part, pure=False),
                    collect=watch.result, cancel=lambda future: future.cancel(),
                    window=2 * threads + 2, chunk=chunk)


class _WorkerWatch:
    """Says on stderr that the cluster has no worker, at once and then every NO_WORKER_REMINDER s
    while a result is awaited: its tasks wait for one (a scheduler started without workers, or
    whose workers all left), and a batch must not wait silently. It does wait, without a time
    limit: an adaptive cluster starts workers only once tasks are pending, and a job queue may
    take long to start them. Ctrl-C (or SIGTERM) stops it."""

    def __init__(self, client):
        self.client = client
        self.since = None   # when the cluster was first seen without a worker

    def check(self) -> int:
        """The cluster's worker threads, saying so if there are none."""
        threads = sum(self.client.nthreads().values())
        if threads:
            self.since = None
            return threads
        address = self.client.scheduler.address
        if self.since is None:
            self.since = time.monotonic()
            _say(f"the Dask cluster at {address} has no workers; the rows wait until one joins "
                 f"(start one with `dask worker {address}`; Ctrl-C stops)")
        else:
            _say(f"still no worker in the Dask cluster at {address} after "
                 f"{_duration(time.monotonic() - self.since)}; waiting (Ctrl-C stops)")
        return 0

    def result(self, future) -> list:
        while True:
            try:
                return future.result(timeout=NO_WORKER_REMINDER)
            except TimeoutError:
                if future.done():   # the task itself raised TimeoutError
                    raise
                self.check()


def _say(message: str) -> None:
    """A line on stderr, over the progress bar if one is drawn there."""
    clear = "\r\x1b[K" if sys.stderr.isatty() else ""
    sys.stderr.write(f"{clear}warning: {message}\n")
    sys.stderr.flush()


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes else f"{seconds:.0f} s"


class ClusterError(OSError):
    """The scheduler at an address cannot be used; the message says what to check."""


class connect:
    """`with connect(address) as client`: a client of the scheduler at `address`, or of a
    LocalCluster of `workers` processes (one thread each: evaluation holds the GIL). For
    synchronous callers (the address is probed in an event loop of its own). An address where
    nothing answers, or something that is not a Dask scheduler does, is a ClusterError within
    about `connect_timeout()` seconds."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.address, self.workers = address, workers
        self.cluster = self.client = None

    def __enter__(self):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ImportError(DASK_HINT) from None
        if self.address is not None:
            self.client = _client(self.address)
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


def connect_timeout() -> float:
    """CONNECT_TIMEOUT, or Dask's `distributed.comm.timeouts.connect` if the user set it (in a
    Dask config file, or DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=60s)."""
    import dask.config
    from dask.utils import parse_timedelta
    key = "distributed.comm.timeouts.connect"
    value = dask.config.get(key, None)   # None: distributed, whose default it is, not imported yet
    shipped = [dask.config.get(key, None, config=defaults) for defaults in dask.config.defaults]
    return CONNECT_TIMEOUT if value in shipped else parse_timedelta(value, "s")


def _client(address: str):
    """A Client of the scheduler at `address`, after `_probe` found one there: a Client alone
    waits for ever on a service that takes the connection and never answers (a web server),
    and fails with a traceback on one that sends first (an SSH server)."""
    import asyncio

    from dask.distributed import Client
    timeout = connect_timeout()
    asyncio.run(_probe(address, timeout))
    try:
        return Client(address, timeout=timeout)
    except ImportError:   # the scheduler's refusal of this version: its message says it
        raise
    except Exception as err:
        raise ClusterError(_reason(err)) from err


async def _probe(address: str, timeout: float) -> None:
    """Raise ClusterError unless a Dask scheduler answers at `address` within about `timeout` s."""
    import asyncio

    from distributed.comm import connect as open_comm
    from distributed.comm.core import CommClosedError
    try:
        comm = await asyncio.wait_for(open_comm(address, timeout=timeout), timeout + ANSWER_GRACE)
    except ValueError as err:   # not an address: no such scheme, no port, …
        raise ClusterError(f"{err} (an address looks like tcp://HOST:8786)") from None
    except asyncio.TimeoutError:   # took the connection, but says nothing Dask understands
        raise ClusterError(f"no Dask answer within {timeout + ANSWER_GRACE:g} s; "
                           + SCHEDULER_PORT_HINT) from None
    except CommClosedError as err:   # connected, then closed by the other side
        raise ClusterError(f"the connection was closed without a Dask answer{_because(err)}; "
                           + SCHEDULER_PORT_HINT) from None
    except OSError as err:   # nothing listening, no such host, unreachable
        raise ClusterError(f"nothing answered within {timeout:g} s{_because(err)}; is the "
                           "scheduler running, and are the host and port right?") from None
    except MemoryError:   # it sent first: an SSH banner read as a frame count is 2.8 EiB
        raise ClusterError("what answers does not speak Dask's protocol; "
                           + SCHEDULER_PORT_HINT) from None
    except Exception as err:   # something else undecodable; a TLS address without TLS settings
        raise ClusterError(f"no Dask scheduler answers there ({_reason(err)}); "
                           + SCHEDULER_PORT_HINT) from None
    try:
        await _check_identity(comm, timeout)
    finally:
        comm.abort()


async def _check_identity(comm, timeout: float) -> None:
    """A worker or a nanny speaks Dask too: only a scheduler takes a client's tasks."""
    import asyncio

    from distributed.core import send_recv
    try:
        identity = await asyncio.wait_for(send_recv(comm, op="identity"), timeout)
    except Exception as err:
        raise ClusterError(f"no answer as a Dask scheduler ({_reason(err)}); "
                           + SCHEDULER_PORT_HINT) from None
    kind = identity.get("type") if isinstance(identity, dict) else None
    if kind in ("Worker", "Nanny"):
        raise ClusterError(f"this is a Dask {kind.lower()}, not the scheduler: give the address "
                           "the workers were started with (`dask worker ADDRESS`)")


def _reason(err: BaseException) -> str:
    """The root cause of a connection error, short: "Connection refused", not the chain of
    wrappers distributed and tornado put around it; else the error's own message."""
    cause = err
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    return str(err) or type(err).__name__


def _because(err: OSError) -> str:
    """" (Connection refused)", or "" when only a timeout is known (the last attempt's)."""
    reason = _reason(err)
    return "" if reason == str(err) else f" ({reason})"


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
