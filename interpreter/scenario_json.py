"""A scenario as JSON text: decoded as the contract reads it (exact decimals, no duplicate keys,
no NaN, no lone surrogates), then validated by scenario.parse_scenario."""
from __future__ import annotations

import json
from decimal import Decimal

from .scenario import Scenario, ScenarioError, _clip, _expected, _join, _show, parse_scenario


class _BadJSON(ValueError):
    pass


def _pairs(pairs: list) -> dict:
    obj = {}
    for key, value in pairs:
        if key in obj:  # json.loads alone would silently keep the last one
            raise _BadJSON("duplicate key " + _show(key))
        obj[key] = value
    return obj


def _no_constant(name: str):
    raise _BadJSON(f"not a JSON number: {name}")


def decode_json(text):
    """JSON text -> data, as the contract reads it: numbers with a fraction become `Decimal`,
    a duplicate key or NaN is an error. Raises `ScenarioError` at `$`."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise _expected("$", "JSON text", text)
    try:
        if isinstance(text, (bytes, bytearray)):
            # UTF-8 only, as the contract's files and the service's bodies (json.loads would
            # also take UTF-16 and UTF-32); a byte-order mark first is allowed
            text = bytes(text).decode("utf-8-sig")
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant,
                          object_pairs_hook=_pairs)
        if "\\u" in text:
            _reject_lone_surrogates(data, "$")
        return data
    except json.JSONDecodeError as err:
        where, why = f" at line {err.lineno} column {err.colno}", err.msg
        if why.endswith(" at"):   # "Unterminated string starting at": the place completes it
            where, why = "", f"{why} line {err.lineno} column {err.colno}"
    except _BadJSON as err:
        where, why = "", str(err)
    except UnicodeDecodeError as err:
        where, why = "", f"not UTF-8 text (byte {err.start + 1}: {err.reason})"
    except (ValueError, RecursionError) as err:  # huge integers, bad encodings, deep nesting
        where, why = "", _clip(str(err), 120)
    raise ScenarioError("$", f"invalid JSON{where}: {why[:1].lower()}{why[1:]}")


def _reject_lone_surrogates(value, path: str) -> None:
    """JSON's `\\ud800` escapes can make strings that are not Unicode text (half of a pair): no
    decision could be written with them, so they are an error at their path."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ScenarioError(path, "expected Unicode text, got a lone surrogate (a \\u escape "
                                      f"of half a UTF-16 pair): {ascii(value)[:60]}") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_lone_surrogates(key, path)
            _reject_lone_surrogates(item, _join(path, key) if path != "$" else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_lone_surrogates(item, f"{path}[{index}]")


def parse_scenario_json(text) -> Scenario:
    """Decode JSON text (numbers with a fraction become `Decimal`) and validate it."""
    return parse_scenario(decode_json(text))
