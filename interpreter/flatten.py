"""Flat rows (CSV, Parquet, DataFrames) <-> scenarios and decisions.

A scenario row names each contract field by its dotted path (`resident.birth_date`,
`application.paid_on`, `history.resident_years`); `readings.ID` and `parameters.NAME` carry one
map entry each (a parameter name may itself contain dots), and `readings` / `parameters` /
`resident` / `history` / `application` may also be one column holding a JSON object. `id` is the
row's id. Text cells are read by the contract type of their column:

- an empty cell is absent (the contract's default); `null` in a nullable date or number column is
  an explicit null;
- numbers are integer literals, booleans `true` / `false`;
- a list is JSON text (`[2023, 2024]`) or `;`-separated items (`2023;2024`); an employment span
  is `{"from": …, "to": …}` in JSON or `2019-01..2020-06`;
- `application` is present when any of its cells is.

Cells that are not text (Parquet, pandas) are taken as they are, with null and NaN cells absent
and dates as ISO text; but a null item inside a list stays null (the contract refuses it, as in
JSON), a whole-number float where an integer is expected is that integer (pandas turns an integer
column with a gap into floats), and a single number or date in a list column is read as its text
would be (`2024` as the cell `2024`: pandas reads a column of single years as numbers). A
malformed cell is left as it is, so the contract names its path and value.

A decision becomes one table row: a few columns to filter and sort on, and the whole decision as
JSON text so that nothing is lost (`TABLE_COLUMNS`).
"""
from __future__ import annotations

import datetime
import json
import math
import re

from .scenario import FIELD_TYPES, ScenarioError
from .scenario_json import decode_json

SECTIONS = ("resident", "history", "application")
MAPS = ("readings", "parameters")

# the contract fields that are not in scenario.FIELD_TYPES (which lists the sections' fields)
_TOP_FIELDS = {"jurisdiction": "text", "covered_on": "list[date]", "cap_years": "list[int]"}

TABLE_COLUMNS = ("id", "jurisdiction", "accepted", "route", "amount_due.total", "coverage.start",
                 "coverage.end", "waiting_months", "error.path", "error.message", "decision")
# the column types of TABLE_COLUMNS that are not text: Parquet and pandas keep them typed
TABLE_TYPES = {"accepted": "bool", "waiting_months": "int"}

_INTEGER = re.compile(r"-?[0-9]+")
_SPAN = re.compile(r"\s*([0-9]{4}-[0-9]{2})\s*\.\.\s*([0-9]{4}-[0-9]{2})\s*")
_ABSENT = object()


class ColumnError(ValueError):
    """A column no scenario field has: the whole table is wrong, not one row."""


def column_type(name: str) -> str | None:
    """The contract type a column holds, or None for an unknown column."""
    if name == "id":
        return "id"
    if name in FIELD_TYPES:
        return FIELD_TYPES[name]
    if name in _TOP_FIELDS:
        return _TOP_FIELDS[name]
    if name in SECTIONS or name in MAPS:
        return "object"
    head, dot, rest = name.partition(".")
    if dot and rest and head in MAPS:
        return "text" if head == "readings" else "money"
    return None


def check_columns(names) -> None:
    seen = set()
    for name in names:
        if not isinstance(name, str) or column_type(name) is None:
            known = ", ".join(["id", "jurisdiction", *FIELD_TYPES, "covered_on", "cap_years", "readings.ID",
                               "parameters.NAME"])
            raise ColumnError(f"unknown column {json.dumps(name, ensure_ascii=False)}; "
                              f"expected one of: {known}")
        if name in seen:
            raise ColumnError(f"column {json.dumps(name, ensure_ascii=False)} appears twice")
        seen.add(name)


# --- one cell -------------------------------------------------------------------------------

def _text_cell(text: str, kind: str, path: str):
    if text == "":
        return _ABSENT
    if kind.endswith("?"):
        if text == "null" and kind != "text?":
            return None
        kind = kind[:-1]
    if kind == "int":
        return int(text) if _INTEGER.fullmatch(text) else text
    if kind == "bool":
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind == "object" or (kind.startswith("list[") and text.lstrip().startswith("[")):
        try:
            return decode_json(text)
        except ScenarioError as err:
            raise ScenarioError(path, err.message) from None
    if kind.startswith("list["):
        item = kind[5:-1]
        return [_list_item(part.strip(), item) for part in text.split(";") if part.strip()]
    return text  # text, date, money: the contract reads them from text


def _list_item(text: str, kind: str):
    if kind == "int" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "month_span":
        match = _SPAN.fullmatch(text)
        if match:
            return {"from": match[1], "to": match[2]}
    return text


def _native(value, integral: bool = False):
    """A value from Parquet or pandas as plain data; _ABSENT for null, NaN and NaT."""
    if value is None:
        return _ABSENT
    if isinstance(value, float):
        if math.isnan(value):
            return _ABSENT
        # pandas turns an integer column with a gap into floats
        return int(value) if integral and value.is_integer() else value
    if isinstance(value, datetime.datetime):
        # pandas and Parquet timestamps hold dates as date-times: one at midnight is that date
        # (in its own time zone, if it has one)
        if value != value:   # NaT
            return _ABSENT
        if value.time() != datetime.time() or getattr(value, "nanosecond", 0):
            raise _TimeOfDay(value.isoformat(sep=" "))
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        # a struct has every field: a null one is absent
        items = {k: _native(v, integral) for k, v in value.items()}
        items = {k: v for k, v in items.items() if v is not _ABSENT}
        return items or _ABSENT
    if isinstance(value, (list, tuple)):
        # a null item is null, as in JSON (the contract refuses it): dropping it would guess
        return [None if v is _ABSENT else v for v in (_native(v, integral) for v in value)]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalars, arrays
        return _native(value.tolist(), integral)
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing markers
        return _ABSENT
    return value


def _cell(name: str, kind: str, value):
    if isinstance(value, str):
        return _text_cell(value, kind, name)
    try:
        value = _native(value, integral=kind.startswith("int") or kind in ("list[int]", "id"))
    except _TimeOfDay as err:
        raise ScenarioError(name, "expected a date YYYY-MM-DD, got a date and time with a time of day: "
                                  + err.args[0]) from None
    if kind.startswith("list[") and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return _one_item(value, kind, name)
    return value


def _one_item(value, kind: str, name: str):
    """A single number or date (ISO text by now) in a list column, read as the text cell holding
    it is (`2024` -> `[2024]`): pandas reads a CSV column of single years as numbers (floats if
    one is missing), and `parse_dates` makes single dates date-times. A number with a fraction
    is left as it is, for the contract to refuse."""
    if isinstance(value, float):
        if not value.is_integer():
            return value
        value = int(value)
    return _text_cell(str(value), kind, name)


class _TimeOfDay(ValueError):
    """A date-time not at midnight: it is not a date."""


# --- one row --------------------------------------------------------------------------------

def scenario_from_cells(cells: dict):
    """(id or None, scenario data) from one flat row; raises `ScenarioError` for a bad cell."""
    row_id, data = None, {}
    for name, raw in cells.items():
        kind = column_type(name)
        if kind is None:
            raise ScenarioError(name, "unknown column")
        value = _cell(name, kind, raw)
        if value is _ABSENT:
            continue
        if kind == "id":
            row_id = value
            continue
        head, dot, rest = name.partition(".")
        if not dot:
            if kind == "object" and isinstance(value, dict) and isinstance(data.get(head), dict):
                _merge(data[head], value, head)
            else:
                data[head] = value
        else:
            section = data.setdefault(head, {})
            if not isinstance(section, dict):
                raise ScenarioError(head, f"given both as column `{head}` and as `{name}`")
            _merge(section, {rest: value}, head)
    return row_id, data


def row_id_of(cells: dict):
    """The id of a row found wrong while its cells were read, read as scenario_from_cells reads
    it: None when the row has none or its own cell cannot be read."""
    if "id" not in cells:
        return None
    try:
        value = _cell("id", "id", cells["id"])
    except ScenarioError:
        return None
    return None if value is _ABSENT else value


def _merge(into: dict, more: dict, prefix: str) -> None:
    for key, value in more.items():
        if key in into:
            raise ScenarioError(f"{prefix}.{key}", "given twice (as its own column and inside another)")
        into[key] = value


# --- decisions as table rows -----------------------------------------------------------------

def table_row(record: dict) -> tuple:
    """One output record ({"id", **decision} or {"id", "error"}) as values of TABLE_COLUMNS.
    The id becomes text: one column holds ids given as text, as numbers and row numbers."""
    error = record.get("error")
    if error is not None:
        return (str(record["id"]), None, None, None, None, None, None, None,
                error["path"], error["message"], None)
    decision = {k: v for k, v in record.items() if k != "id"}
    amount, coverage = decision.get("amount_due") or {}, decision.get("coverage") or {}
    return (str(record["id"]), decision["jurisdiction"], decision["accepted"], decision["route"],
            amount.get("total"), coverage.get("start"), coverage.get("end"),
            decision["waiting_months"], None, None, json.dumps(decision, ensure_ascii=False))


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
