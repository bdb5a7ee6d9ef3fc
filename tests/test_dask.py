"""Dask: 10,000 generated scenarios evaluated on a two-process LocalCluster give, row for row,
what one process gives — as a Bag, as a DataFrame, and through `evaluate --batch --scheduler`;
and each worker compiles the policies once. A --scheduler address that is no usable cluster is a
one-line error within seconds; a cluster without workers is said so at once."""
import contextlib
import json
import logging
import queue
import socket
import socketserver
import subprocess
import threading

import pytest

from conftest import ROOT, policyrun_command
from generated_scenarios import generate

pytest.importorskip("dask.distributed", reason="Dask is not installed: pip install 'policyrun[dask]' "
                                               "(the test extra installs it)")
pytest.importorskip("pandas", reason="pandas is not installed: pip install 'policyrun[dask]'")

ROWS = 10_000


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def scenarios():
    return list(generate(ROWS))


@pytest.fixture(scope="module")
def expected(scenarios, policies):
    """The single-process records, the reference every Dask result must equal."""
    return list(policies.evaluate_iter(scenarios))


def test_bag_equals_single_process(client, scenarios, expected):
    import dask.bag as db

    from policyrun.distributed import evaluate_bag
    got = evaluate_bag(db.from_sequence(scenarios, npartitions=16)).compute()
    assert len(got) == len(expected) == ROWS
    for index, (a, b) in enumerate(zip(got, expected)):
        assert a == b, f"row {index + 1}"
    assert sum("error" in r for r in got) > 0     # the generator's invalid rows are there too
    compilations = client.run(lambda: __import__("policyrun.distributed", fromlist=["_"]).compilations)
    assert len(compilations) == 2 and set(compilations.values()) == {1}, compilations


def _flat(scenario: dict) -> dict:
    """A nested scenario as a table row, as `dd.read_csv` would give it: dotted columns, lists
    as JSON text. The generator's broken rows stay broken."""
    out = {}
    for key, value in scenario.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    if "resident.colour" in out:   # a table cannot have this column at all
        out["resident.hukou"] = out.pop("resident.colour")
    if isinstance(out.get("application.coverage_years"), str):   # "2025" is a list of one in a table
        out["application.coverage_years"] = "twenty-25"
    return {k: json.dumps(v) if isinstance(v, list) else v for k, v in out.items()}


def test_dataframe_equals_single_process(client, scenarios, expected):
    import dask.dataframe as dd
    import pandas as pd

    from policyrun.distributed import evaluate_dataframe
    from policyrun.flatten import table_row
    frame = pd.DataFrame.from_records([_flat(s) for s in scenarios[:4000]])   # the Bag test has all
    got = evaluate_dataframe(dd.from_pandas(frame, npartitions=12)).compute()
    assert list(got.index) == list(frame.index)
    for index, (row, record) in enumerate(zip(got.itertuples(index=False, name=None), expected)):
        row = tuple(None if pd.isna(v) else v for v in row)
        if "error" in record:
            # a list given as text reads as `;`-separated items in a table, so a broken list is
            # reported one level deeper than in JSON; that it is an error is what must agree
            assert row[0] == str(record["id"]) and row[8] is not None, f"row {index + 1}"
        else:
            assert row == table_row(record), f"row {index + 1}"


def test_batch_command_on_a_scheduler_equals_single_process(client, scenarios, expected, tmp_path):
    from policyrun.outputs import json_line
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in scenarios), encoding="utf-8")
    r = subprocess.run(policyrun_command() + ["evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl"),
                                              "--scheduler", client.scheduler.address],
                       capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "".join(json_line(e) + "\n" for e in expected)
    assert f"{ROWS} rows:" in r.stderr and "(dask at " in r.stderr


def test_batch_command_with_its_own_local_cluster(tmp_path, expected):
    from policyrun.outputs import json_line
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in generate(500)), encoding="utf-8")
    r = subprocess.run(policyrun_command() + ["evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl"),
                                              "--dask", "--workers", "2"],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "".join(json_line(e) + "\n" for e in expected[:500])


# --- a --scheduler address that is not a usable cluster: a one-line error within seconds, never a
# hang or a traceback (the subprocess timeouts are the bound; the errors come in 1-8 s)

def _batch_at(address: str, tmp_path, rows: int = 20) -> list:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(s) + "\n" for s in generate(rows)), encoding="utf-8")
    return policyrun_command() + ["evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl"),
                                  "--scheduler", address]


def _refused(address: str, tmp_path) -> str:
    """The command's stderr, after checking it failed as a connection failure does: exit 1, one
    line, no output file."""
    r = subprocess.run(_batch_at(address, tmp_path), capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"error: cannot connect to the Dask scheduler at {address}: "), r.stderr
    assert not (tmp_path / "out.jsonl").exists()
    return r.stderr


@contextlib.contextmanager
def _serving(server_class, handler):
    """A server on a free port of 127.0.0.1, in a thread, for the duration of the block."""
    server = server_class(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_scheduler_address_of_a_web_server_fails_within_seconds(tmp_path):
    """An HTTP server (a dashboard's port, say) takes the connection and waits for a request line
    that never comes: the Client alone waited for ever."""
    import http.server
    with _serving(http.server.ThreadingHTTPServer, http.server.SimpleHTTPRequestHandler) as address:
        stderr = _refused(address, tmp_path)
    assert "no Dask answer within 6 s; is this the scheduler's port (8786 by default)" in stderr


class _Banner(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
        with contextlib.suppress(OSError):
            self.request.recv(100)


def test_scheduler_address_of_a_service_that_speaks_first_is_a_one_line_error(tmp_path):
    """An SSH banner read as Dask's frame count asked numpy for 2.82 EiB: a MemoryError traceback."""
    with _serving(socketserver.ThreadingTCPServer, _Banner) as address:
        stderr = _refused(address, tmp_path)
    assert "does not speak Dask's protocol; is this the scheduler's port (8786 by default)" in stderr


def test_scheduler_address_where_nothing_listens_fails_in_seconds(tmp_path):
    """Dask's own connect timeout is 30 s; the command's is 5 s."""
    with socket.socket() as probe:   # a port that was free a moment ago, with nothing listening now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stderr = _refused(f"tcp://127.0.0.1:{port}", tmp_path)
    assert "nothing answered within 5 s" in stderr and "is the scheduler running" in stderr


def test_scheduler_address_that_is_not_an_address(tmp_path):
    assert "unknown address scheme 'http'" in _refused("http://127.0.0.1:8786", tmp_path)


def test_scheduler_address_of_a_worker_says_so(client, tmp_path):
    worker = next(iter(client.scheduler_info()["workers"]))
    assert "this is a Dask worker, not the scheduler" in _refused(worker, tmp_path)


def test_connect_timeout_is_short_unless_dask_is_configured_otherwise():
    import dask.config

    from policyrun.distributed import CONNECT_TIMEOUT, connect_timeout
    assert connect_timeout() == CONNECT_TIMEOUT == 5
    with dask.config.set({"distributed.comm.timeouts.connect": "45s"}):
        assert connect_timeout() == 45


def test_scheduler_without_workers_says_so_and_waits_for_one(tmp_path, expected):
    """The rows wait (an adaptive cluster starts workers once tasks are pending), but not
    silently: a warning at once; when a worker joins, the batch completes."""
    from dask.distributed import LocalCluster

    from policyrun.outputs import json_line
    with LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        process = subprocess.Popen(_batch_at(address, tmp_path, rows=300), stderr=subprocess.PIPE,
                                   text=True, cwd=ROOT)
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)
        reader.start()
        try:
            first = lines.get(timeout=120)
            assert first == (f"warning: the Dask cluster at {address} has no workers; the rows wait until "
                             f"one joins (start one with `dask worker {address}`; Ctrl-C stops)\n")
            assert process.poll() is None   # waiting, not failed
            cluster.scale(1)
            assert process.wait(timeout=300) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        reader.join(timeout=10)
    rest = "".join(lines.queue)
    assert "300 rows:" in rest and "Traceback" not in rest, rest
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "".join(json_line(e) + "\n" for e in expected[:300])
