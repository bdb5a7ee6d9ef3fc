"""Edges of the batch interface: an output that is the input, input that is not UTF-8, a
script that starts workers without a `__main__` guard, pandas date-times, the exported errors,
and the wording of the summary and of help texts."""
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, policyrun_command

NANNING = json.loads((ROOT / "examples" / "nanning-inside-concentrated.json").read_text(encoding="utf-8"))
LINE = json.dumps(NANNING).encode("utf-8") + b"\n"


def run(*args, timeout=300, **kwargs):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, timeout=timeout,
                          **kwargs)


def names(directory):
    return sorted(p.name for p in directory.iterdir())


# --- the output is the input ---------------------------------------------------------------

def test_an_output_that_is_the_input_is_a_usage_error_and_the_input_is_kept(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(LINE * 2)
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hard.jsonl")
    for output in ("in.jsonl", "./in.jsonl", "link.jsonl", "hard.jsonl"):
        r = run("evaluate", "--batch", "in.jsonl", "-o", output, cwd=tmp_path)
        assert r.returncode == 2, (output, r.stderr)
        assert b"the input and the output are the same file" in r.stderr
    assert source.read_bytes() == LINE * 2
    assert (tmp_path / "link.jsonl").is_symlink()
    assert names(tmp_path) == ["hard.jsonl", "in.jsonl", "link.jsonl"]


def test_batch_run_refuses_to_write_over_its_input(tmp_path, policies):
    from policyrun import batch
    source = tmp_path / "in.jsonl"
    source.write_bytes(LINE)
    with pytest.raises(ValueError, match="the same file"):
        batch.run(source, str(source), policies=policies)
    assert source.read_bytes() == LINE


def test_standard_input_may_go_to_any_file(tmp_path):
    r = run("evaluate", "--batch", "-", "-o", "out.jsonl", input=LINE, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


# --- not UTF-8 -----------------------------------------------------------------------------

@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_jsonl_line_that_is_not_utf8_fails_the_input_naming_its_line(tmp_path, workers):
    source = tmp_path / "in.jsonl"
    # line 4 (a blank line is not a row, but it is a line); \xff\xfe looks like UTF-16
    source.write_bytes(LINE + b"\n" + LINE + b'\xff\xfe{"jurisdiction": "national"}\n' + LINE)
    r = run("evaluate", "--batch", "in.jsonl", "-o", "out.jsonl", "--workers", workers, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    message = r.stderr.decode()
    assert "in.jsonl: line 4, byte 1: not UTF-8" in message and "must be UTF-8" in message
    assert "Traceback" not in message and "utf-16" not in message
    assert names(tmp_path) == ["in.jsonl"]


def test_not_utf8_on_standard_input_and_in_gzip(tmp_path):
    import gzip
    data = LINE + b'{"jurisdiction": "na\xe9tional"}\n'
    r = run("evaluate", "--batch", "-", "-o", "out.jsonl", input=data, cwd=tmp_path)
    assert r.returncode == 1 and b"standard input: line 2, byte 21: not UTF-8" in r.stderr, r.stderr
    (tmp_path / "in.jsonl.gz").write_bytes(gzip.compress(data))
    r = run("evaluate", "--batch", "in.jsonl.gz", "-o", "out.csv", cwd=tmp_path)
    assert r.returncode == 1 and b"in.jsonl.gz: line 2, byte 21: not UTF-8" in r.stderr, r.stderr
    assert names(tmp_path) == ["in.jsonl.gz"]


def test_a_csv_that_is_not_utf8_fails_naming_the_line_of_the_first_bad_byte(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"id,jurisdiction,resident.birth_date\n1,national,1980-01-01\n2,\xff,1980\n")
    r = run("evaluate", "--batch", "in.csv", "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 1
    assert b"in.csv: line 3, byte 3: not UTF-8 (invalid start byte: 0xff)" in r.stderr, r.stderr
    # far beyond the first block the decoder reads
    source.write_bytes(b"id,jurisdiction\n" + b"1,national\n" * 20000 + "2,Ürümqi\n".encode("latin-1"))
    r = run("evaluate", "--batch", "in.csv", "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 1 and b"in.csv: line 20002, byte 3: not UTF-8" in r.stderr, r.stderr
    assert names(tmp_path) == ["in.csv"]


def test_bytes_given_to_the_python_api_stay_one_row_error(policies):
    records = list(policies.evaluate_iter([b'{"jurisdiction": "\xff"}', LINE]))
    assert records[0]["error"]["path"] == "$" and records[1]["accepted"] is True


def test_decode_line_gives_what_decode_row_gives():
    from policyrun.fast_json import NotUtf8, decode_line, decode_row
    from policyrun.scenario import ScenarioError
    for line in (LINE, b'{"a": 1.5, "b": [1, {"c": null}]}\n', b"\xef\xbb\xbf{}\n", b"[1, 2]\n"):
        assert decode_line(1, line) == decode_row(line)
    for line in (b'{"a": 1, "a": 2}\n', b"{nope\n", b'{"a": NaN}\n'):
        with pytest.raises(ScenarioError):
            decode_line(1, line)
    with pytest.raises(NotUtf8) as caught:
        decode_line(7, b'{"a": "\xc3"}\n')
    assert (caught.value.row, caught.value.column) == (7, 8)


# --- workers started by a script without a __main__ guard -------------------------------------

def run_script(tmp_path, code: str, timeout=120):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    started = time.monotonic()
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       cwd=tmp_path, timeout=timeout)
    return r, time.monotonic() - started


SCRIPT = """
    import policyrun
    policies = policyrun.load()
    rows = [{"jurisdiction": "national", "resident": {"birth_date": "1980-01-01"}}] * 3
"""


def test_a_script_without_a_main_guard_fails_at_once_with_advice(tmp_path):
    r, seconds = run_script(tmp_path, SCRIPT + """
    for record in policies.evaluate_iter(rows, workers=2):
        print(record["id"])
    """)
    assert r.returncode == 1 and seconds < 60, (seconds, r.stderr[-2000:])
    assert 'if __name__ == "__main__":' in r.stderr and "WorkerError" in r.stderr
    assert r.stderr.count("Traceback") == 1 and r.stdout == ""


def test_the_same_script_with_the_guard_works(tmp_path):
    r, _ = run_script(tmp_path, SCRIPT + """
    if __name__ == "__main__":
        for record in policies.evaluate_iter(rows, workers=2):
            print(record["id"])
    """)
    assert r.returncode == 0 and r.stdout.split() == ["1", "2", "3"], r.stderr


def test_workers_that_cannot_start_raise_worker_error_instead_of_hanging():
    from policyrun import batch
    jobs = zip(range(1, 4), [b"{}"] * 3)
    with pytest.raises(batch.WorkerError, match="exit status 1"):
        list(batch.results(jobs, options=batch.Options(policy_dir="/nonexistent/policies"), workers=2))


# --- pandas date-times ------------------------------------------------------------------------

def test_dataframe_date_times_at_midnight_are_dates(policies):
    pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'policyrun[batch]')")
    import datetime

    import numpy as np
    from policyrun.batch import evaluate_dataframe
    text = pd.DataFrame({"jurisdiction": ["nanning"] * 3, "resident.birth_date": ["1980-05-01"] * 3,
                         "application.paid_on": ["2024-11-15"] * 3,
                         "covered_on": [["2025-02-01"], None, None]})
    timed = text.assign(**{
        "resident.birth_date": pd.to_datetime(["1980-05-01"] * 3),
        "application.paid_on": [pd.Timestamp("2024-11-15", tz="Asia/Shanghai"),
                                datetime.datetime(2024, 11, 15), np.datetime64("2024-11-15")],
        "covered_on": [[pd.Timestamp("2025-02-01")], None, None]})
    expected = evaluate_dataframe(text)
    assert expected["accepted"].all()
    pd.testing.assert_frame_equal(evaluate_dataframe(timed), expected)


def test_dataframe_date_times_with_a_time_of_day_are_row_errors(policies):
    pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'policyrun[batch]')")
    from policyrun.batch import evaluate_dataframe
    df = pd.DataFrame({"jurisdiction": ["nanning"] * 3,
                       "resident.birth_date": pd.to_datetime(["1980-05-01 00:00", "1980-05-01 10:30", None]),
                       "application.paid_on": ["2024-11-15"] * 3})
    out = evaluate_dataframe(df)
    assert out.loc[0, "accepted"]
    assert out.loc[1, "error.path"] == "resident.birth_date"
    assert out.loc[1, "error.message"] == ("expected a date YYYY-MM-DD, got a date and time with a "
                                           "time of day: 1980-05-01 10:30:00")
    assert out.loc[2, "error.path"] == "resident"      # NaT is absent, as a missing cell


# --- exported errors, wording -----------------------------------------------------------------

def test_the_batch_errors_are_exported(tmp_path):
    pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'policyrun[batch]')")
    import policyrun
    from policyrun import batch
    assert {"InputError", "ColumnError"} <= set(policyrun.__all__)
    with pytest.raises(policyrun.ColumnError, match="colour"):
        batch.evaluate_dataframe(pd.DataFrame({"colour": ["red"]}))
    with pytest.raises(policyrun.InputError, match="cannot read"):
        batch.run(tmp_path / "missing.csv", str(tmp_path / "out.jsonl"))
    namespace: dict = {}
    exec("from policyrun import *", namespace)
    assert namespace["InputError"] is policyrun.InputError


def test_the_summary_says_one_row_and_one_error():
    from policyrun.batch import Summary
    assert Summary(rows=1, errors=1).line().startswith("1 row: 0 accepted, 0 refused, 0 undetermined, 1 error;")
    assert Summary(rows=2, errors=0).line().startswith("2 rows: 0 accepted, 0 refused, 0 undetermined, 0 errors;")


def test_verify_prints_a_missing_coverage_date_as_null():
    from policyrun.verify import _summary
    decision = {"accepted": True, "route": "mid_year", "waiting_months": None,
                "coverage": {"start": None, "end": "2025-12-31", "years": [2025]},
                "amount_due": {"total": "420"}}
    assert "coverage=null..2025-12-31 [2025] waiting_months=null" in _summary(decision)
    assert "coverage=null " in _summary(dict(decision, coverage=None))


def test_serve_help_has_no_stray_control_or_blank_lines():
    r = run("serve", "--help")
    text = r.stdout.decode()
    assert r.returncode == 0 and "\b" not in text
    assert all(line == "" or line.strip() for line in text.splitlines())
    assert "  Example:\n    policyrun serve --port 8080 --workers 2\n" in text
