"""One row of a batch: `RowEvaluator` turns `(number, payload)` into `(status, result)` — the
decision with the row's id first, or an error record — for every executor (this process, a pool
of processes, a Dask worker: batch.py, distributed.py). `Options` is what a worker needs for it.
"""
from __future__ import annotations

import json

import attrs

from .dsl.diagnostics import Diagnostic
from .fast_json import decode_line, decode_row
from .flatten import row_id_of, scenario_from_cells, table_row
from .outputs import json_bytes
from .scenario import Scenario, ScenarioError
from .values import EvaluationError


@attrs.frozen
class Options:
    """Everything a worker needs to evaluate rows, small enough to send with every task."""
    policy_dir: str | None = None      # None: the bundled policies of the worker's own install
    readings: tuple = ()               # (ambiguity ID, option) pairs for rows that declare it
    explain: bool = False
    # payloads: "object" (dict, JSON text, Scenario), "lines" (a JSONL file's lines: bytes that
    # must be UTF-8, else NotUtf8 fails the whole input) or "cells" (flat dicts, see flatten.py)
    rows: str = "object"
    output: str = "record"             # results: "record" (dict), "json" (JSON line, UTF-8), "table"



class RowEvaluator:
    """Turns `(number, payload)` into `(status, result)`; status is accepted, refused,
    undetermined or errors (the Summary field it counts in)."""

    def __init__(self, policies, options: Options):
        self.policies = policies
        self.options = options
        self._readings = dict(options.readings)
        self._by_jurisdiction: dict = {}
        # chosen once, not tested on every row
        self._decode = {"cells": self._decode_cells, "lines": self._decode_line,
                        "object": self._decode_object}[options.rows]
        self._given_id = {"cells": _cells_id, "lines": _json_id, "object": _object_id}[options.rows]
        self._output = _OUTPUTS[options.output]

    def __call__(self, job) -> tuple:
        return self.chunk([job])[0]

    def chunk(self, jobs: list) -> list:
        """[(status, result)] for a list of jobs, phase by phase: every row decoded, then every
        row evaluated, then every result encoded. Row by row, each phase would find the CPU's
        caches filled with the other phases' code and data; this way the work around the
        evaluation costs about a quarter less. (Rows are independent, and each phase takes them
        in order.)"""
        decoded = [self._decoded(job) for job in jobs]
        records = [self._evaluated(row_id, data) for row_id, data in decoded]
        output = self._output
        return [(status, output(record)) for status, record in records]

    def _decoded(self, job) -> tuple:
        """(row id, data), or (row id, _Unreadable) for a row that cannot be a scenario: the id
        given, if it can be read on its own, else the row number."""
        number, payload = job
        try:
            return self._decode(number, payload)
        except ScenarioError as err:
            row_id = self._given_id(payload)
            return (row_id if _is_id(row_id) else number), _Unreadable(err)

    def _evaluated(self, row_id, data) -> tuple:
        """(status, record): `{"id": …, **decision}`, or an error record."""
        if data.__class__ is _Unreadable:
            return "errors", _error_record(row_id, data.error.path, data.error.message)
        try:
            decision = self.policies.evaluate(
                data, readings=self._readings_for(data) if self._readings else None,
                explain=self.options.explain)
        except ScenarioError as err:
            return "errors", _error_record(row_id, err.path, err.message)
        except EvaluationError as err:
            where = Diagnostic(err.code, "", err.source, err.span).location()
            return "errors", _error_record(
                row_id, "$", f"the policy failed on this scenario: {err.message} ({where})")
        accepted = decision.get("accepted")
        status = "undetermined" if accepted is None else "accepted" if accepted else "refused"
        return status, {"id": row_id, **decision}

    @staticmethod
    def _decode_cells(number, payload):
        if isinstance(payload, tuple):                # the reader found the row malformed
            _, path, message, _ = payload
            raise ScenarioError(path, message)
        row_id, data = scenario_from_cells(payload)
        return _with_id(number, row_id, data)

    @staticmethod
    def _decode_line(number, line: bytes):
        data = decode_line(number, line)
        if data.__class__ is not dict:
            return number, data                       # the contract says what is wrong with it
        return _with_id(number, data.pop("id", None), data)   # a dict of our own: no copy

    @staticmethod
    def _decode_object(number, payload):
        if isinstance(payload, (bytes, str, bytearray)):
            data = decode_row(payload)
            if data.__class__ is not dict:
                return number, data                   # the contract says what is wrong with it
            return _with_id(number, data.pop("id", None), data)   # a dict of our own: no copy
        if isinstance(payload, Scenario):
            return number, payload
        if not isinstance(payload, dict):
            return number, payload
        return _with_id(number, payload.get("id"), {k: v for k, v in payload.items() if k != "id"})

    def _readings_for(self, data):
        """The batch-wide readings this row's jurisdiction declares: one batch may mix
        jurisdictions, and one city's ambiguity means nothing to another's rows."""
        jurisdiction = data.jurisdiction if isinstance(data, Scenario) else (
            data.get("jurisdiction") if isinstance(data, dict) else None)
        if not isinstance(jurisdiction, str) or jurisdiction not in self.policies.jurisdictions():
            return None                               # evaluate() reports the jurisdiction
        if jurisdiction not in self._by_jurisdiction:
            declared = self.policies.ambiguities(jurisdiction)
            self._by_jurisdiction[jurisdiction] = {
                k: v for k, v in self._readings.items() if k in declared} or None
        return self._by_jurisdiction[jurisdiction]


def _with_id(number, row_id, data):
    """(the row's id, its scenario): the `id` given, else the row number."""
    if row_id is None or row_id == "":
        return number, data
    if isinstance(row_id, bool) or not isinstance(row_id, (str, int)):
        raise ScenarioError("id", "expected a string or an integer")
    return row_id, data


# --- the id of a row that cannot be decoded: only on that row, never for a good one ----------

def _is_id(row_id) -> bool:
    """Whether `row_id` is an id _with_id takes (not absent, not empty)."""
    if isinstance(row_id, bool) or not isinstance(row_id, (str, int)) or row_id == "":
        return False
    return not isinstance(row_id, str) or _is_text(row_id)


def _is_text(text: str) -> bool:
    """Whether `text` is Unicode text, with no lone surrogate (JSON's `\\ud800`): an id that
    could not be written out."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cells_id(payload):
    """A flat row's `id` cell; the reader gives the cells it could read of a malformed row."""
    return row_id_of(payload[3] if isinstance(payload, tuple) else payload)


class _Pairs(list):
    """A JSON object's (key, value) pairs, as read by _json_id."""


def _json_id(text):
    """The top-level `id` of JSON text the contract refused (a duplicate key, NaN, a lone
    surrogate, a bad id), read leniently; None when the text is not a JSON object or has no
    single `id`."""
    try:
        pairs = json.loads(text, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return None
    if not isinstance(pairs, _Pairs):
        return None
    ids = [value for key, value in pairs if key == "id"]
    return ids[0] if len(ids) == 1 else None


def _object_id(payload):
    """The id of a scenario given to the Python API (a dict, JSON text or a Scenario)."""
    if isinstance(payload, (bytes, str, bytearray)):
        return _json_id(payload)
    return payload.get("id") if isinstance(payload, dict) else None


class _Unreadable:
    """In place of the data of a row found not to be a scenario while decoding it."""
    __slots__ = ("error",)

    def __init__(self, error: ScenarioError):
        self.error = error


_OUTPUTS = {"json": json_bytes, "table": table_row, "record": lambda record: record}


def _error_record(row_id, path: str, message: str) -> dict:
    return {"id": row_id, "error": {"path": path, "message": message}}
