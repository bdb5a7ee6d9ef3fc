"""The batch interface: files in and out in input order, ids, error rows, the summary, workers,
interruption, and the Python API (evaluate_iter, evaluate_dataframe)."""
import csv
import json
import re
import subprocess

import pytest

from conftest import ROOT, policyrun_command
from generated_scenarios import generate

DAY_91 = json.loads((ROOT / "examples" / "harbin-newborn-day-91.json").read_text(encoding="utf-8"))
NANNING = json.loads((ROOT / "examples" / "nanning-inside-concentrated.json").read_text(encoding="utf-8"))
REPAIRED = json.loads((ROOT / "examples" / "national-break-2-years-repaired.json").read_text(encoding="utf-8"))
SUMMARY = re.compile(r"(\d+) rows?: (\d+) accepted, (\d+) refused, (\d+) undetermined, (\d+) errors?; "
                     r"[\d.]+ s, \d+ rows/s")


def run(*args, cwd=ROOT, timeout=300):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def summary_of(stderr: str) -> dict:
    match = SUMMARY.search(stderr)
    assert match, stderr
    return dict(zip(("rows", "accepted", "refused", "undetermined", "errors"), map(int, match.groups())))


def no_leftovers(directory, *keep):
    return sorted(p.name for p in directory.iterdir() if p.name not in keep) == []


# --- JSONL ---------------------------------------------------------------------------------

def test_jsonl_round_trip_keeps_order_ids_and_reports_bad_rows(tmp_path, policies):
    lines = [
        json.dumps(dict(DAY_91, id="baby-91")),
        json.dumps(NANNING),                                             # no id: row number 2
        "",                                                              # blank: not a row
        "{not json",
        json.dumps({"id": 77, "jurisdiction": "harbin", "resident": {"birth_date": "2024-02-30"}}),
        json.dumps([1, 2]),
        json.dumps(dict(REPAIRED, id=["not", "an", "id"])),
        json.dumps(dict(REPAIRED, id="")),                               # empty id: row number
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run("evaluate", "--batch", str(source), "-o", str(out))
    assert r.returncode == 0, r.stderr
    records = read_jsonl(out)
    assert [rec["id"] for rec in records] == ["baby-91", 2, 3, 77, 5, 6, 7]
    assert records[0] == {"id": "baby-91", **policies.evaluate(DAY_91)}
    assert records[1] == {"id": 2, **policies.evaluate(NANNING)}
    assert records[6] == {"id": 7, **policies.evaluate(REPAIRED)}
    errors = {rec["id"]: rec["error"] for rec in records if "error" in rec}
    assert set(errors) == {3, 77, 5, 6}
    assert errors[3]["path"] == "$" and "invalid JSON" in errors[3]["message"]
    assert errors[77] == {"path": "resident.birth_date", "message": 'expected a date YYYY-MM-DD, got "2024-02-30"'}
    assert errors[5]["path"] == "$" and "object" in errors[5]["message"]
    assert errors[6]["path"] == "id"
    assert all(set(rec) == {"id", "error"} for rec in records if "error" in rec)
    assert summary_of(r.stderr) == {"rows": 7, "accepted": 2, "refused": 1, "undetermined": 0, "errors": 4}
    assert r.stdout == ""
    assert no_leftovers(tmp_path, "in.jsonl", "out.jsonl")


def test_gzip_and_stdin(tmp_path):
    import gzip
    source = tmp_path / "in.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as f:
        f.write(json.dumps(DAY_91) + "\n" + json.dumps(NANNING) + "\n")
    r = run("evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl.gz"))
    assert r.returncode == 0, r.stderr
    with gzip.open(tmp_path / "out.jsonl.gz", "rt", encoding="utf-8") as f:
        assert [json.loads(line)["id"] for line in f] == [1, 2]
    piped = subprocess.run(policyrun_command() + ["evaluate", "--batch", "-", "-o", str(tmp_path / "p.jsonl")],
                           input=json.dumps(NANNING) + "\n", capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert read_jsonl(tmp_path / "p.jsonl")[0]["accepted"] is True


def test_readings_apply_to_the_rows_that_declare_them(tmp_path, policies):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(DAY_91) + "\n" + json.dumps(NANNING) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run("evaluate", "--batch", str(source), "-o", str(out), "--reading", "A-HRB-KEY=payment_date",
            "--reading", "A-WAIT-DAY=next_day")
    assert r.returncode == 0, r.stderr
    harbin, nanning = read_jsonl(out)
    assert "error" not in nanning        # Nanning has no A-HRB-KEY: it is not applied there
    assert harbin == {"id": 1, **policies.evaluate(
        DAY_91, readings={"A-HRB-KEY": "payment_date", "A-WAIT-DAY": "next_day"})}
    bad = run("evaluate", "--batch", str(source), "-o", str(tmp_path / "x.jsonl"), "--reading", "A-NONE=x")
    assert bad.returncode == 1 and "A-NONE" in bad.stderr
    assert not (tmp_path / "x.jsonl").exists()


# --- CSV -----------------------------------------------------------------------------------

CSV_IN = """\
id,jurisdiction,resident.birth_date,history.resident_years,application.paid_on,application.coverage_years,readings.A-WAIT-DAY,history.employee_months
baby,harbin,2024-10-02,,2025-01-01,2024;2025,,
repair,national,1990-06-15,"[2023, 2024]",2026-11-10,2027,next_day,2019-01..2020-06
,nanning,1980-05-01,2023;2024,2024-12-31,,,
bad-date,harbin,2024-02-30,,2025-01-01,,,
bad-year,harbin,2024-10-02,x;2024,2025-01-01,,,
short,harbin
no-application,national,1990-06-15,,,,,
"""

CSV_AS_JSON = [
    ("baby", DAY_91),
    ("repair", {"jurisdiction": "national", "resident": {"birth_date": "1990-06-15"},
                "history": {"resident_years": [2023, 2024], "employee_months": [{"from": "2019-01", "to": "2020-06"}]},
                "application": {"paid_on": "2026-11-10", "coverage_years": [2027]},
                "readings": {"A-WAIT-DAY": "next_day"}}),
    (3, NANNING),
    ("no-application", {"jurisdiction": "national", "resident": {"birth_date": "1990-06-15"}}),
]


def test_csv_round_trip(tmp_path, policies):
    source = tmp_path / "in.csv"
    source.write_text(CSV_IN, encoding="utf-8")
    out = tmp_path / "out.csv"
    r = run("evaluate", "--batch", str(source), "-o", str(out))
    assert r.returncode == 0, r.stderr
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["id"] for row in rows] == ["baby", "repair", "3", "bad-date", "bad-year", "short", "no-application"]
    by_id = {row["id"]: row for row in rows}
    for row_id, scenario in CSV_AS_JSON:
        row, decision = by_id[str(row_id)], policies.evaluate(scenario)
        assert json.loads(row["decision"]) == decision
        assert row["error.path"] == row["error.message"] == ""
        assert row["accepted"] == {True: "true", False: "false", None: ""}[decision["accepted"]]
        assert row["amount_due.total"] == ((decision["amount_due"] or {}).get("total") or "")
        assert row["coverage.start"] == ((decision["coverage"] or {}).get("start") or "")
    assert by_id["bad-date"]["error.path"] == "resident.birth_date"
    assert "2024-02-30" in by_id["bad-date"]["error.message"] and by_id["bad-date"]["decision"] == ""
    assert by_id["bad-year"]["error.path"] == "history.resident_years[0]"
    assert by_id["short"]["error.path"] == "$" and "cells" in by_id["short"]["error.message"]
    assert summary_of(r.stderr) == {"rows": 7, "accepted": 2, "refused": 1, "undetermined": 1, "errors": 3}


def test_csv_and_jsonl_outputs_agree(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(s) + "\n" for s in generate(300, seed=11)), encoding="utf-8")
    assert run("evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl")).returncode == 0
    assert run("evaluate", "--batch", str(source), "-o", str(tmp_path / "out.csv")).returncode == 0
    records = read_jsonl(tmp_path / "out.jsonl")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(records) == 300
    for record, row in zip(records, rows):
        assert row["id"] == str(record["id"])
        if "error" in record:
            assert (row["error.path"], row["error.message"]) == (record["error"]["path"], record["error"]["message"])
        else:
            assert json.loads(row["decision"]) == {k: v for k, v in record.items() if k != "id"}


def test_input_that_cannot_be_read_as_a_whole_exits_1_and_writes_nothing(tmp_path):
    bad_header = tmp_path / "in.csv"
    bad_header.write_text("jurisdiction,resident.colour\nharbin,red\n", encoding="utf-8")
    r = run("evaluate", "--batch", str(bad_header), "-o", str(tmp_path / "out.jsonl"))
    assert r.returncode == 1 and "resident.colour" in r.stderr and "Traceback" not in r.stderr
    not_utf8 = tmp_path / "latin1.csv"
    not_utf8.write_bytes("jurisdiction,resident.district\nharbin,Ürümqi\n".encode("latin-1"))
    r = run("evaluate", "--batch", str(not_utf8), "-o", str(tmp_path / "out.jsonl"))
    assert r.returncode == 1 and "UTF-8" in r.stderr
    assert no_leftovers(tmp_path, "in.csv", "latin1.csv")


def test_usage_errors_exit_2(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(DAY_91) + "\n", encoding="utf-8")
    for args in (["--batch", str(source)],                                       # no -o
                 ["--batch", str(source), "-o", str(tmp_path / "out.txt")],      # unknown format
                 [str(source), "--batch", str(source), "-o", str(tmp_path / "o.jsonl")],
                 [str(source), "-o", str(tmp_path / "o.jsonl")],                 # -o without --batch
                 ["--batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--workers", "0"],
                 ["--batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--dask", "--scheduler", "x:1"],
                 []):
        r = run("evaluate", *args)
        assert r.returncode == 2, (args, r.stderr)
    assert no_leftovers(tmp_path, "in.jsonl")


# --- Parquet -------------------------------------------------------------------------------

def test_parquet_in_and_out(tmp_path, policies):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    import datetime

    import pyarrow.parquet as pq
    table = pa.table({
        "id": ["baby", None, "repair"],
        "jurisdiction": ["harbin", "nanning", "national"],
        "resident.birth_date": [datetime.date(2024, 10, 2), datetime.date(1980, 5, 1), datetime.date(1990, 6, 15)],
        "history.resident_years": [None, [2023, 2024], [2023, 2024]],
        "application.paid_on": ["2025-01-01", "2024-12-31", "2026-11-10"],
        "application.coverage_years": [[2024, 2025], None, [2027]],
        "application.repair_years": [None, None, 1],
    })
    pq.write_table(table, tmp_path / "in.parquet")
    r = run("evaluate", "--batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet"))
    assert r.returncode == 0, r.stderr
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.column_names == ["id", "jurisdiction", "accepted", "route", "amount_due.total", "coverage.start",
                                "coverage.end", "waiting_months", "error.path", "error.message", "decision"]
    assert out.schema.field("accepted").type == pa.bool_()
    rows = out.to_pylist()
    assert [row["id"] for row in rows] == ["baby", "2", "repair"]
    for row, scenario in zip(rows, (DAY_91, NANNING, REPAIRED)):
        assert json.loads(row["decision"]) == policies.evaluate(scenario)
    r = run("evaluate", "--batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.jsonl"))
    assert [rec["id"] for rec in read_jsonl(tmp_path / "out.jsonl")] == ["baby", 2, "repair"]


def test_parquet_timestamp_columns_are_dates_at_midnight(tmp_path):
    # What pandas' to_parquet writes for a datetime64 column: timestamps, not date32.
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    import datetime

    import pyarrow.parquet as pq
    table = pa.table({
        "jurisdiction": ["nanning", "nanning"],
        "resident.birth_date": pa.array([datetime.datetime(1980, 5, 1), datetime.datetime(1980, 5, 1, 10, 30)],
                                        type=pa.timestamp("ns")),
        "application.paid_on": ["2024-11-15", "2024-11-15"],
    })
    pq.write_table(table, tmp_path / "in.parquet")
    r = run("evaluate", "--batch", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.jsonl"))
    assert r.returncode == 0, r.stderr
    first, second = read_jsonl(tmp_path / "out.jsonl")
    assert first["accepted"] is True
    assert second["error"] == {"path": "resident.birth_date", "message": "expected a date YYYY-MM-DD, got a "
                                                                         "date and time with a time of day: 1980-05-01 10:30:00"}


# --- workers and interruption --------------------------------------------------------------

def test_two_workers_write_exactly_what_one_writes(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in generate(2000)), encoding="utf-8")
    one = run("evaluate", "--batch", str(source), "-o", str(tmp_path / "one.jsonl"))
    two = run("evaluate", "--batch", str(source), "-o", str(tmp_path / "two.jsonl"), "--workers", "2")
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    counts = summary_of(one.stderr)
    assert counts == summary_of(two.stderr)
    assert counts["rows"] == 2000 and counts["errors"] > 0 and counts["accepted"] > 0 and counts["refused"] > 0
    assert "(2 workers)" in two.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_an_interrupted_batch_leaves_no_output(tmp_path, workers):
    from policyrun import batch

    def interrupted():
        for index, scenario in enumerate(generate(400)):
            if index == 250:
                raise KeyboardInterrupt
            yield scenario

    with pytest.raises(KeyboardInterrupt):
        batch.run(interrupted(), str(tmp_path / "out.jsonl"), workers=workers)
    assert no_leftovers(tmp_path)


def test_memory_stays_flat_the_input_is_read_as_it_is_written(tmp_path):
    from policyrun import batch
    read = 0
    ahead = []

    def counted():
        nonlocal read
        for scenario in generate(3000, seed=3):
            read += 1
            yield scenario

    batch.run(counted(), str(tmp_path / "out.jsonl"), workers=2,
              progress=lambda done, _fraction: ahead.append(read - done))
    assert read == 3000 and ahead and max(ahead) <= 2 * (2 * 2 + 2) * batch.CHUNK


# --- the Python API ------------------------------------------------------------------------

def test_evaluate_iter_yields_records_in_order(policies):
    scenarios = [dict(DAY_91, id="a"), json.dumps(NANNING), {"jurisdiction": "atlantis", "resident": {}}]
    records = list(policies.evaluate_iter(scenarios))
    assert records[0] == {"id": "a", **policies.evaluate(DAY_91)}
    assert records[1] == {"id": 2, **policies.evaluate(NANNING)}
    assert records[2]["id"] == 3 and records[2]["error"]["path"] == "resident.birth_date"
    assert DAY_91.get("id") is None   # the caller's dict is not changed


def test_evaluate_dataframe(policies):
    pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'policyrun[batch]')")
    from policyrun.batch import evaluate_dataframe
    df = pd.DataFrame({
        "jurisdiction": ["harbin", "nanning", "harbin"],
        "resident.birth_date": ["2024-10-02", "1980-05-01", "2024-02-30"],
        "history.resident_years": [None, "2023;2024", None],
        "application.paid_on": ["2025-01-01", "2024-12-31", "2025-01-01"],
        "application.coverage_years": [[2024, 2025], None, None],
        "application.repair_years": [float("nan"), 0.0, float("nan")],   # a gap makes pandas use floats
    }, index=[10, 20, 30])
    out = evaluate_dataframe(df)
    assert list(out.index) == [10, 20, 30]
    assert list(out["id"]) == ["1", "2", "3"]
    assert json.loads(out.loc[10, "decision"]) == policies.evaluate(DAY_91)
    assert json.loads(out.loc[20, "decision"]) == policies.evaluate(NANNING)
    assert not out.loc[10, "accepted"] and out.loc[20, "accepted"]
    assert out.loc[20, "amount_due.total"] == "400"
    assert out.loc[30, "error.path"] == "resident.birth_date" and pd.isna(out.loc[30, "decision"])


def test_single_scenario_path_imports_no_dataframe_library():
    code = ("import sys\nfrom policyrun.cli import main\n"
            "try:\n    main(['evaluate', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pandas', 'pyarrow', 'dask', 'numpy', 'policyrun.batch') if m in sys.modules]\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    import sys
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "examples" / "harbin-newborn-day-91.json")],
                       capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in r.stderr, r.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_invalid_policy_stops_the_batch_with_its_diagnostics(tmp_path, workers):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "national.policy").write_text((ROOT / "policies" / "national.policy").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    (policies / "harbin.policy").write_text("policy harbin extends national\n  rule X {\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(REPAIRED) + "\n" + json.dumps(DAY_91) + "\n", encoding="utf-8")
    r = run("evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--policies", str(policies),
            "--workers", workers)
    assert r.returncode == 1 and "harbin.policy:2" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert no_leftovers(tmp_path, "in.jsonl", "policies")


def test_a_directory_of_own_policies_is_checked_before_any_row(tmp_path):
    # The rows name only `national`; an invalid policy that none of them uses still stops the
    # batch, at once (before, the batch exited 0, or failed only at the row that used it).
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "national.policy").write_text((ROOT / "policies" / "national.policy").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    (policies / "x.policy").write_text('policy x extends nope\n  title "x"\n', encoding="utf-8")
    row = {"jurisdiction": "national", "resident": {"birth_date": "1990-01-01"}}
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    r = run("evaluate", "--batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--policies", str(policies))
    assert r.returncode == 1 and "x.policy:1" in r.stderr and "there is no policy `nope`" in r.stderr, r.stderr
    assert no_leftovers(tmp_path, "in.jsonl", "policies")


def test_batch_run_into_a_missing_directory_names_the_file_asked_for(tmp_path):
    from policyrun import batch
    target = tmp_path / "nodir" / "out.jsonl"
    with pytest.raises(FileNotFoundError) as err:
        batch.run([{"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02"}}], str(target))
    assert err.value.filename == str(target)   # not the hidden temporary file beside it


@pytest.mark.parametrize("line", [
    b'{"a": 1.5, "b": [1, 2, {"c": null}], "d": "\xe5\x8d\x97"}', b'{"a": 1, "a": 2}', b'{"a": NaN}',
    b'\xef\xbb\xbf{"a": 1}', b'{"a": ', b'\xff{}', '{"a": 1}', b'[1, 2]', b'{"a": 1e400}',
    b'{"a": "\\ud800"}', b'{"a": ' + b'9' * 5000 + b'}', b'{"x": {"y": 1, "y": 1}}'])
def test_the_fast_row_decoder_accepts_and_refuses_exactly_what_decode_json_does(line):
    from policyrun.fast_json import decode_row
    from policyrun.scenario import ScenarioError
    from policyrun.scenario_json import decode_json

    def outcome(decode):
        try:
            return "ok", decode(line)
        except ScenarioError as err:
            return "error", err.path, err.message
    assert outcome(decode_row) == outcome(decode_json)


def test_json_lines_are_json_dumps_text(policies):
    from policyrun import ScenarioError
    from policyrun.outputs import json_line
    checked = 0
    for s in generate(200):
        try:
            record = {"id": 1, **policies.evaluate(s, explain=True)}
        except ScenarioError:
            continue
        assert json_line(record) == json.dumps(record, ensure_ascii=False)
        checked += 1
    assert checked > 100
    odd = {"n": [1.5, -0.0, 10**30, None, True], "\u5357": "\u5b81\n\"\\", "k": {}}
    assert json_line(odd) == json.dumps(odd, ensure_ascii=False)


def test_a_row_with_a_lone_surrogate_is_an_error_record_and_the_batch_goes_on(tmp_path):
    rows = tmp_path / "in.jsonl"
    rows.write_text('{"id": "\\ud800", "jurisdiction": "nanning", "resident": {"birth_date": "1990-01-01"}}\n'
                    '{"id": 2, "jurisdiction": "nanning", "resident": {"birth_date": "1990-01-01"}}\n',
                    encoding="utf-8")
    r = run("evaluate", "--batch", str(rows), "-o", str(tmp_path / "out.jsonl"))
    assert r.returncode == 0, r.stderr
    first, second = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert first["id"] == 1 and first["error"]["path"] == "id" and "lone surrogate" in first["error"]["message"]
    assert second["id"] == 2 and "error" not in second
