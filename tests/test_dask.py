"""Dask: 10,000 generated scenarios evaluated on a two-process LocalCluster give, row for row,
what one process gives — as a Bag, as a DataFrame, and through `evaluate --batch --scheduler`;
and each worker compiles the policies once."""
import json
import logging
import subprocess

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
