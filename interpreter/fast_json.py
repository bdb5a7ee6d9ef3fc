"""A batch row's JSON, decoded quickly: `decode_row(text)` gives what `scenario_json.decode_json`
gives (numbers with a fraction as `Decimal`, an error for a duplicate key, NaN or a lone
surrogate), calling the JSON scanner directly on the common case and `decode_json` for the rest.
`decode_line(line)` does the same for a line of a JSONL file, which must be UTF-8 as a whole.
"""
from __future__ import annotations

import json
import threading
from decimal import Decimal

from .formats import utf8_error_detail
from .scenario_json import decode_json


class NotUtf8(Exception):
    """A line of a JSONL file is not UTF-8: the whole input is wrong, not one row (raised where
    the row is decoded, maybe in a worker process, and reported by the reader, which knows the
    file: formats.JsonlRows.not_utf8). `row`: the row number; `column`: the 1-based byte in the
    line; `detail`: what is wrong there."""

    def __init__(self, row: int, column: int, detail: str):
        super().__init__(row, column, detail)   # the arguments, to be pickled back to the parent
        self.row, self.column, self.detail = row, column, detail

    def __str__(self):
        return f"row {self.row}, byte {self.column}: not UTF-8 ({self.detail})"


class _Invalid(ValueError):
    """Raised inside the fast decoder: let scenario_json.decode_json say what is wrong."""


def _no_constant(_name):
    raise _Invalid            # NaN, Infinity


def _fast_decoder():
    """A function: JSON text -> what scenario_json.decode_json makes of it, when that is quick to
    know; else it raises ValueError (or RecursionError). The scanner is called directly
    (JSONDecoder.decode adds two regular-expression matches and calls).

    Duplicate keys without a Python call per key/value pair: the scanner keeps the last value of
    a repeated key, so the decoded objects then hold fewer keys than the text has. Every key in
    JSON text is followed by one `:` outside strings, and `:` appears nowhere else outside
    strings, so `text.count(":") >= keys in the text >= keys decoded`: when the count equals the
    keys decoded, no key was repeated. (A `:` inside a string only sends the row to the slow
    path.)"""
    keys = 0

    def count_keys(obj: dict) -> dict:
        nonlocal keys
        keys += len(obj)
        return obj

    scan = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant,
                            object_hook=count_keys).scan_once

    def decode(text: str):
        nonlocal keys
        text = text.strip(" \t\n\r")           # JSON's whitespace, no other
        keys = 0
        try:
            data, end = scan(text, 0)
        except StopIteration:                     # no JSON value at the start
            raise _Invalid from None
        if end != len(text) or keys != text.count(":") or "\\u" in text:
            raise _Invalid                        # more after the value, maybe a repeated key or a lone surrogate
        return data
    return decode


class _PerThread(threading.local):
    """A fast decoder for each thread (a Dask worker runs tasks in threads): its key count is
    the state of one decoding at a time."""

    def __init__(self):
        self.decode = _fast_decoder()


_FAST = _PerThread()


def decode_row(payload):
    """scenario_json.decode_json for one row, faster on the common case (see _fast_decoder).
    Whatever this fast path cannot take (bad JSON, a duplicate key, NaN, not UTF-8, a byte-order
    mark) goes to decode_json, which accepts exactly what it accepts and words the error."""
    try:
        return _FAST.decode(payload if isinstance(payload, str) else payload.decode("utf-8"))
    except (ValueError, RecursionError):      # _Invalid, JSONDecodeError, UnicodeDecodeError
        return decode_json(payload)


def decode_line(number: int, line: bytes):
    """decode_row for row `number`, a line of a JSONL file: bytes that are not UTF-8 raise
    NotUtf8 rather than make the row an error record."""
    try:
        return _FAST.decode(line.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise NotUtf8(number, err.start + 1, utf8_error_detail(line, err)) from None
    except (ValueError, RecursionError):      # _Invalid, JSONDecodeError
        return decode_json(line)
