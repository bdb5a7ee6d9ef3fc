"""Batch rows read from cells (CSV, Parquet, pandas DataFrames): the id of a row found wrong
while its cells are read, null items in list cells, numbers in list and id columns, long CSV
cells and header columns without a name."""
import json
import subprocess

import pytest

from conftest import policyrun_command

BIRTH, PAID = "1980-05-01", "2024-12-31"


def run(*args, cwd, timeout=300):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def batch_records(tmp_path, name: str, text: str) -> list:
    """The records of the CSV or JSONL `text` evaluated by the command."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    r = run("evaluate", "--batch", name, "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]


def contract_error(policies, scenario) -> dict:
    """The error the contract gives for `scenario` as JSON."""
    from policyrun import ScenarioError
    with pytest.raises(ScenarioError) as caught:
        policies.evaluate(scenario)
    return {"path": caught.value.path, "message": caught.value.message}


def parquet_records(tmp_path, table) -> list:
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    import pyarrow.parquet as pq
    pq.write_table(table, tmp_path / "in.parquet")
    r = run("evaluate", "--batch", "in.parquet", "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]


def frame_records(df) -> list:
    """evaluate_dataframe's rows as (id, error path or None, error message or None, decision)."""
    from policyrun.batch import evaluate_dataframe
    out = evaluate_dataframe(df)
    return [(row["id"], row["error.path"] if isinstance(row["error.path"], str) else None,
             row["error.message"] if isinstance(row["error.message"], str) else None,
             json.loads(row["decision"]) if isinstance(row["decision"], str) else None)
            for _, row in out.iterrows()]


@pytest.fixture
def pd():
    return pytest.importorskip("pandas", reason="pandas is not installed (pip install 'policyrun[batch]')")


# --- 5. an error row keeps the id it was given ---------------------------------------------------

def test_a_csv_row_with_the_wrong_number_of_cells_keeps_an_id_in_the_first_column(tmp_path):
    records = batch_records(tmp_path, "in.csv", "id,jurisdiction,resident.birth_date,application.paid_on\n"
                                                f"ok,nanning,{BIRTH},{PAID}\n"
                                                "short,shenyang\n"
                                                f"long,nanning,{BIRTH},{PAID},extra\n"
                                                ",shenyang\n")
    assert [r["id"] for r in records] == ["ok", "short", "long", 4]
    assert records[1]["error"] == {"path": "$", "message": "the row has 2 cells; the header has 4 (line 3)"}
    assert records[2]["error"]["path"] == "$"


def test_an_id_after_a_row_with_the_wrong_number_of_cells_is_not_guessed(tmp_path):
    # a missing or extra cell before it may have moved it: the row number, not another cell
    records = batch_records(tmp_path, "in.csv", "jurisdiction,resident.birth_date,id\n"
                                                f"nanning,{BIRTH}\n"
                                                f"nanning,{BIRTH},x,y\n")
    assert [r["id"] for r in records] == [1, 2]


def test_csv_rows_with_a_bad_json_cell_or_a_field_given_twice_keep_their_id(tmp_path):
    records = batch_records(tmp_path, "in.csv", 'id,jurisdiction,resident,resident.hukou,application\n'
                                                f'r1,nanning,"{{""birth_date"": ""{BIRTH}"", ""hukou"": ""local""}}",non_local,\n'
                                                'r2,nanning,not json,,\n'
                                                f'7,nanning,"{{""birth_date"": ""{BIRTH}""}}",,"{{""paid_on"": 1"\n')
    assert [r["id"] for r in records] == ["r1", "r2", "7"]
    assert records[0]["error"] == {"path": "resident.hukou",
                                   "message": "given twice (as its own column and inside another)"}
    assert records[1]["error"]["path"] == "resident" and "invalid JSON" in records[1]["error"]["message"]
    assert records[2]["error"]["path"] == "application"


def test_a_parquet_row_with_a_time_of_day_keeps_its_id(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    import datetime
    table = pa.table({"id": ["a", "b", None],
                      "jurisdiction": ["nanning"] * 3,
                      "application.paid_on": pa.array([datetime.datetime(2024, 12, 31, 13, 5)] * 3,
                                                      type=pa.timestamp("us")),
                      "resident.birth_date": [BIRTH] * 3})
    records = parquet_records(tmp_path, table)
    assert [r["id"] for r in records] == ["a", "b", 3]
    assert all(r["error"]["path"] == "application.paid_on" for r in records)


def test_a_dataframe_row_with_a_time_of_day_keeps_its_id(pd):
    df = pd.DataFrame({"application.paid_on": pd.to_datetime(["2024-12-31 00:00", "2024-12-31 13:05"] * 2),
                       "id": ["a", "b", 7, 2.5], "jurisdiction": ["nanning"] * 4,
                       "resident.birth_date": [BIRTH] * 4})
    rows = frame_records(df)
    assert [row[0] for row in rows] == ["a", "b", "7", "4"]       # 2.5 cannot be an id: the row number
    assert [row[1] for row in rows] == [None, "application.paid_on", None, "application.paid_on"]


def test_a_jsonl_row_the_contract_cannot_decode_keeps_an_id_it_could_read(tmp_path):
    lines = ['{"id": "12", "jurisdiction": "nanning", "jurisdiction": "nanning"}',
             '{"id": "x", "application": {"repair_years": NaN}}',
             '{"id": 5, "resident": {"district": "\\ud800"}}',
             '{"id": "a", "id": "b", "jurisdiction": "nanning", "jurisdiction": "nanning"}',
             '{"id": "y", "oops"',
             '{"id": true, "x": NaN}',
             '{"resident": {"id": "inner"}, "x": NaN}']
    records = batch_records(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    assert [r["id"] for r in records] == ["12", "x", 5, 4, 5, 6, 7]
    assert all(set(r) == {"id", "error"} for r in records)
    assert records[0]["error"]["message"].startswith("invalid JSON")


def test_a_scenario_given_as_text_to_evaluate_iter_keeps_an_id_it_could_read(policies):
    records = list(policies.evaluate_iter(['{"id": "t", "jurisdiction": "x", "jurisdiction": "y"}']))
    assert records[0]["id"] == "t" and records[0]["error"]["path"] == "$"


# --- 6. a null item in a list cell is an error, as in JSON ------------------------------------------

def test_a_null_item_in_a_parquet_list_is_the_error_json_gives(tmp_path, policies):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    table = pa.table({"id": ["k1", "k2"], "jurisdiction": ["shenyang"] * 2, "resident.birth_date": [BIRTH] * 2,
                      "resident.statuses": [["dibao"], ["dibao", None]],
                      "history.resident_years": [[2024, None], [2024]],
                      "application.paid_on": ["2024-10-01"] * 2})
    records = parquet_records(tmp_path, table)
    base = {"jurisdiction": "shenyang", "application": {"paid_on": "2024-10-01"}}
    assert records[0]["error"] == contract_error(policies, dict(
        base, resident={"birth_date": BIRTH, "statuses": ["dibao"]}, history={"resident_years": [2024, None]}))
    assert records[0]["error"]["path"] == "history.resident_years[1]"
    assert records[1]["error"] == contract_error(policies, dict(
        base, resident={"birth_date": BIRTH, "statuses": ["dibao", None]}, history={"resident_years": [2024]}))
    assert records[1]["error"]["path"] == "resident.statuses[1]"


def test_a_null_item_in_a_dataframe_list_is_the_error_json_gives(pd, policies):
    import numpy as np
    df = pd.DataFrame({"jurisdiction": ["nanning"] * 3, "resident.birth_date": [BIRTH] * 3,
                       "history.resident_years": [[2021, None], np.array([2021.0, np.nan]), "[2021, null]"],
                       "application.paid_on": [PAID] * 3})
    expected = contract_error(policies, {"jurisdiction": "nanning", "resident": {"birth_date": BIRTH},
                                         "history": {"resident_years": [2021, None]},
                                         "application": {"paid_on": PAID}})
    assert expected["path"] == "history.resident_years[1]"
    assert [(path, message) for _, path, message, _ in frame_records(df)] == [tuple(expected.values())] * 3


def test_null_fields_of_a_struct_are_still_absent(tmp_path, policies):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    table = pa.table({"jurisdiction": ["nanning"], "resident": [{"birth_date": BIRTH, "district": None}],
                      "application.paid_on": [PAID]})
    records = parquet_records(tmp_path, table)
    assert records[0]["accepted"] is True


# --- 7. a number in a list column is read as its text would be -----------------------------------

C3 = ("id,jurisdiction,resident.birth_date,history.resident_years,application.paid_on,application.coverage_years\n"
      f"1,nanning,{BIRTH},2024,{PAID},2025\n"
      f"2,nanning,{BIRTH},,{PAID},\n"
      f"3,nanning,{BIRTH},2023,{PAID},2025\n")


def test_a_csv_read_by_pandas_gives_what_the_command_gives(tmp_path, pd):
    records = batch_records(tmp_path, "c3.csv", C3)
    df = pd.read_csv(tmp_path / "c3.csv")
    assert df["history.resident_years"].dtype == "float64" and df["application.coverage_years"].dtype == "float64"
    rows = frame_records(df)
    assert all("error" not in r for r in records)
    assert [decision for _, _, _, decision in rows] == [{k: v for k, v in r.items() if k != "id"} for r in records]
    assert [row_id for row_id, _, _, _ in rows] == ["1", "2", "3"]


def test_integer_numbers_in_list_columns_are_one_item_lists(pd, policies):
    import numpy as np
    df = pd.DataFrame({"jurisdiction": ["nanning"] * 2, "resident.birth_date": [BIRTH] * 2,
                       "history.resident_years": pd.array([2024, 2023], dtype="Int64"),
                       "application.paid_on": [PAID] * 2,
                       "application.coverage_years": np.array([2025, 2025], dtype="int16")})
    expected = policies.evaluate({"jurisdiction": "nanning", "resident": {"birth_date": BIRTH},
                                  "history": {"resident_years": [2024]},
                                  "application": {"paid_on": PAID, "coverage_years": [2025]}})
    rows = frame_records(df)
    assert rows[0] == ("1", None, None, expected)


def test_a_single_date_in_a_list_column_is_a_one_item_list(pd, policies):
    df = pd.DataFrame({"jurisdiction": ["nanning"], "resident.birth_date": [BIRTH],
                       "application.paid_on": [PAID], "covered_on": pd.to_datetime(["2025-02-01"])})
    expected = policies.evaluate({"jurisdiction": "nanning", "resident": {"birth_date": BIRTH},
                                  "application": {"paid_on": PAID}, "covered_on": ["2025-02-01"]})
    assert frame_records(df) == [("1", None, None, expected)]


def test_a_number_in_a_list_column_is_the_error_its_text_gives(tmp_path, pd):
    # as the CSV text cell "1800" or "2024.5" would be read
    text = ("jurisdiction,resident.birth_date,history.resident_years,covered_on,application.paid_on\n"
            f"nanning,{BIRTH},1800,,{PAID}\n"
            f"nanning,{BIRTH},,2025,{PAID}\n")
    records = batch_records(tmp_path, "in.csv", text)
    df = pd.DataFrame({"jurisdiction": ["nanning"] * 3, "resident.birth_date": [BIRTH] * 3,
                       "history.resident_years": [1800.0, None, 2024.5],
                       "covered_on": [None, 2025, None], "application.paid_on": [PAID] * 3})
    rows = frame_records(df)
    for record, (_, path, message, _) in zip(records, rows):
        assert (path, message) == (record["error"]["path"], record["error"]["message"])
    assert rows[0][1] == "history.resident_years[0]" and rows[1][1] == "covered_on[0]"
    assert rows[2][1].startswith("history.resident_years")     # a fraction is no year


# --- 8. an id column of whole-number floats -------------------------------------------------------

def test_an_id_column_of_whole_floats_gives_integer_ids(pd):
    df = pd.DataFrame({"id": [1.0, None, 12.0, 1.5], "jurisdiction": ["nanning"] * 4,
                       "resident.birth_date": [BIRTH] * 4, "application.paid_on": [PAID] * 4})
    assert df["id"].dtype == "float64"
    rows = frame_records(df)
    assert [row[0] for row in rows] == ["1", "2", "12", "4"]
    assert [row[1] for row in rows] == [None, None, None, "id"]
    assert rows[3][2] == "expected a string or an integer"


def test_a_whole_float_id_is_the_integer_id_in_json_output(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install 'policyrun[batch]')")
    table = pa.table({"id": [7.0, None], "jurisdiction": ["nanning"] * 2, "resident.birth_date": [BIRTH] * 2,
                      "application.paid_on": [PAID] * 2})
    assert [r["id"] for r in parquet_records(tmp_path, table)] == [7, 2]


# --- 10. long CSV cells --------------------------------------------------------------------------

def test_a_csv_cell_longer_than_the_csv_modules_default_limit_is_read(tmp_path):
    district = "村" * 300_000
    records = batch_records(tmp_path, "in.csv", "id,jurisdiction,resident.birth_date,resident.district,application.paid_on\n"
                                                f"a,nanning,{BIRTH},{district},{PAID}\n"
                                                f"b,nanning,{BIRTH},,{PAID}\n")
    assert [r["id"] for r in records] == ["a", "b"]
    assert "error" not in records[0] and records[0]["accepted"] is True


def test_a_quote_left_open_fails_the_file_with_a_clear_message(tmp_path):
    # the rest of the file becomes one cell: read up to a bound (16 MiB characters), not whole
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8") as f:
        f.write('id,jurisdiction,resident.district\n\n1,nanning,"open\n')
        line = "2,nanning,x\n"
        f.write(line * (17 * 2**20 // len(line)))
    r = run("evaluate", "--batch", "in.csv", "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert ("in.csv: line 3: a cell of the row that starts here is longer than 16,777,216 characters, "
            "the most a cell may hold (a quote left open?)") in r.stderr, r.stderr
    assert not (tmp_path / "out.jsonl").exists()


# --- 11. header columns without a name --------------------------------------------------------

def test_an_unnamed_empty_header_column_is_ignored(tmp_path):
    records = batch_records(tmp_path, "in.csv", "id,jurisdiction,resident.birth_date,application.paid_on,,\n"
                                                f"1,nanning,{BIRTH},{PAID},,\n"
                                                f"2,nanning,{BIRTH},{PAID},, \n")
    assert [r["id"] for r in records] == ["1", "2"]
    assert all(r["accepted"] is True for r in records)


def test_a_value_under_an_unnamed_column_is_a_row_error(tmp_path):
    records = batch_records(tmp_path, "in.csv", "id,jurisdiction,,resident.birth_date,application.paid_on\n"
                                                f"1,nanning,,{BIRTH},{PAID}\n"
                                                f"2,nanning,oops,{BIRTH},{PAID}\n")
    assert records[0]["accepted"] is True
    assert records[1] == {"id": "2", "error": {"path": "$", "message": (
        "cell 3 is not empty, but its column has no name in the header (line 3)")}}


def test_pandas_unnamed_empty_column_is_ignored_as_the_csv_reader_ignores_it(tmp_path):
    # pd.read_csv names a trailing empty header `Unnamed: 3`; the command ignores that column
    pd = pytest.importorskip("pandas")
    from policyrun import ColumnError, batch
    path = tmp_path / "trail.csv"
    path.write_text("id,jurisdiction,resident.birth_date,\na,harbin,2024-10-02,\n", encoding="utf-8")
    df = pd.read_csv(path)
    assert list(df.columns)[-1] == "Unnamed: 3"
    out = batch.evaluate_dataframe(df)
    assert (out["id"].tolist(), out["error.message"].isna().all()) == (["a"], True)
    df["Unnamed: 3"] = ["x"]   # with a value it is an unknown column, as in the file
    with pytest.raises(ColumnError, match='unknown column "Unnamed: 3"'):
        batch.evaluate_dataframe(df)
