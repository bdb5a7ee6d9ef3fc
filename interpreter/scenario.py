"""Parse and validate one scenario against the contract (shared/spec/scenario.md).

The contract's fields live in one table (path, type, default, allowed values); validation is
driven from it. Nothing here knows a pooling area or a rule: `jurisdiction`, `readings` and
`parameters` are only checked for shape. Every problem raises `ScenarioError` naming the JSON
path and the offending value; nothing is coerced or guessed.
"""
from __future__ import annotations

import datetime
import json
import math
import re
from decimal import Decimal

import attrs

from .scenario_quick import QUICK_CHECKS, Unusual


class ScenarioError(Exception):
    """A scenario that does not follow the contract; `path` is a JSON path, `$` the document."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@attrs.frozen
class MonthSpan:
    """One inclusive span of calendar months, each a `(year, month)` pair."""
    start: tuple[int, int]
    end: tuple[int, int]


@attrs.frozen(slots=False)   # built twice as fast as a slotted frozen class (no object.__setattr__)
class Scenario:
    jurisdiction: str
    values: dict
    has_application: bool
    readings: dict
    parameters: dict
    covered_on: tuple
    cap_years: tuple


_REQUIRED = object()  # no default: the field must be given
_ABSENT = object()    # no default here: resolved after the section is read

_STATUSES = ("dibao", "dibao_edge", "tekun", "orphan", "youfu", "severe_disability",
             "poverty_registered", "medical_assistance", "martyr_survivor", "student_loan")

# path, type name, default, allowed values (text fields and list[text] items)
_FIELDS = (
    ("as_of", "date?", None, ()),
    ("resident.birth_date", "date", _REQUIRED, ()),
    ("resident.district", "text?", None, ()),
    ("resident.hukou", "text", "local", ("local", "non_local")),
    ("resident.hukou_registered_on", "date?", None, ()),
    ("resident.registered_with", "text", "hukou", ("hukou", "birth_certificate")),
    ("resident.record_changed_on", "date?", None, ()),
    ("resident.education", "text", "none",
     ("none", "pupil", "college_full_time", "college_part_time")),
    ("resident.statuses", "list[text]", (), _STATUSES),
    ("resident.residence_permit_points", "int?", None, ()),
    ("resident.other_coverage", "list[text]", (), ("xinnonghe", "employee", "other")),
    ("resident.labour_contract_ended_on", "date?", None, ()),
    ("resident.auto_renewed", "bool", False, ()),
    ("resident.unpaid_2021_topup", "bool", False, ()),
    ("history.resident_years", "list[int]", (), ()),
    ("history.employee_months", "list[month_span]", (), ()),
    ("history.zero_reimbursement_years", "list[int]", (), ()),
    ("history.reward_used_years", "list[int]", (), ()),
    ("application.registered_on", "date", _ABSENT, ()),
    ("application.paid_on", "date?", _ABSENT, ()),
    ("application.coverage_years", "list[int]", (), ()),
    ("application.tier", "text?", None, ("low", "high")),
    ("application.repair_years", "int", 0, ()),
)

FIELD_TYPES: dict[str, str] = {path: kind for path, kind, _, _ in _FIELDS}
ENUMS: dict[str, tuple[str, ...]] = {path: allowed for path, _, _, allowed in _FIELDS if allowed}
_DEFAULTS = {path: default for path, _, default, _ in _FIELDS}

_TOP_KEYS = ("jurisdiction", "as_of", "resident", "history", "application", "readings",
             "parameters", "covered_on", "cap_years")
_TOP_KEY_SET = frozenset(_TOP_KEYS)
# The years a scenario may name (history, coverage years, months), and a policy's `years` span
# and table keys (check.py): wide enough for any resident, narrow enough that a loop over them
# stays small.
YEAR_BOUNDS = (1900, 2200)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


# --- messages ---------------------------------------------------------------------------

def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _show(value) -> str:
    """A short one-line rendering of any value, safe for huge or odd inputs."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(_clip(value), ensure_ascii=False)
    if isinstance(value, int):
        # str() of an int beyond ~4300 digits raises ValueError
        return _clip(str(value)) if value.bit_length() < 1000 else "a very large integer"
    if isinstance(value, (float, Decimal)):
        return _clip(str(value))
    return {list: "an array", dict: "an object"}.get(type(value), f"a {type(value).__name__}")


def _expected(path: str, what: str, value) -> ScenarioError:
    return ScenarioError(path, f"expected {what}, got {_show(value)}")


def _join(prefix: str, key) -> str:
    name = key if isinstance(key, str) and key and key.isprintable() else _show(key)
    return f"{prefix}.{_clip(name)}" if prefix else _clip(name)


# --- scalars: each takes (value, path, allowed values) ------------------------------------

def _date(value, path, _allowed=()):
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, datetime.date):   # from Python: the contract's dates are JSON text
        raise ScenarioError(path, f"expected a date YYYY-MM-DD (text), got a Python {type(value).__name__} "
                                  f"object: write it {json.dumps(value.isoformat())}")
    raise _expected(path, "a date YYYY-MM-DD", value)


def _month(value, path):
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match and 1 <= int(match[2]) <= 12 and YEAR_BOUNDS[0] <= int(match[1]) <= YEAR_BOUNDS[1]:
        return int(match[1]), int(match[2])
    raise _expected(path, "a month YYYY-MM (years 1900-2200)", value)


def _accept(test, what: str):
    """A parser that returns the value unchanged when `test` holds."""
    def parse(value, path, _allowed=()):
        if test(value):
            return value
        raise _expected(path, what, value)
    return parse


# `type(v) is int` keeps out bool (an int subclass) as well as floats and strings
_year = _accept(lambda v: type(v) is int and YEAR_BOUNDS[0] <= v <= YEAR_BOUNDS[1], "a year (an integer 1900-2200)")
_count = _accept(lambda v: type(v) is int and v >= 0, "an integer >= 0")
_bool = _accept(lambda v: isinstance(v, bool), "true or false")


def _text(value, path, allowed=()):
    if allowed and value not in allowed:
        raise _expected(path, "one of: " + ", ".join(allowed), value)
    if not isinstance(value, str):
        raise _expected(path, "a string", value)
    return value


def _money(value, path, _allowed=()):
    """An exact decimal from a JSON number or a decimal string."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    if type(value) is int:
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))  # the shortest decimal that reads back as this float
    if isinstance(value, Decimal) and value.is_finite():
        return value
    raise _expected(path, "a number or a decimal string", value)


def _month_span(value, path, _allowed=()):
    span = _object(value, path)
    _reject_unknown(span, ("from", "to"), path)
    start, end = (_month(_required(span, key, path), _join(path, key)) for key in ("from", "to"))
    if start > end:
        raise ScenarioError(path, f'expected "from" <= "to", got {_show(span["from"])} '
                                  f'after {_show(span["to"])}')
    return MonthSpan(start, end)


_SCALARS = {"date": _date, "int": _count, "bool": _bool, "text": _text, "money": _money,
            "month_span": _month_span}
_ITEMS = {"int": _year}  # every integer list in the contract is a list of years


# --- structure ----------------------------------------------------------------------------

def _object(value, path) -> dict:
    if isinstance(value, dict):
        return value
    raise _expected(path or "$", "an object", value)


def _reject_unknown(obj: dict, known, prefix: str) -> None:
    for key in obj:
        if key not in known:
            raise ScenarioError(_join(prefix, key),
                                "unknown field; expected one of: " + ", ".join(known))


def _required(obj: dict, key: str, prefix: str = ""):
    if key not in obj:
        raise ScenarioError(_join(prefix, key), "required field missing")
    return obj[key]


def _list(value, item_type: str, path: str, allowed=()) -> tuple:
    if not isinstance(value, list):
        raise _expected(path, "an array", value)
    if item_type == "int" and all(type(v) is int and YEAR_BOUNDS[0] <= v <= YEAR_BOUNDS[1] for v in value):
        if len(set(value)) == len(value):   # the common case: valid years, no repeats
            return tuple(value)
    parse = _ITEMS.get(item_type) or _SCALARS[item_type]
    items, seen = [], set()
    for index, raw in enumerate(value):
        item_path = f"{path}[{index}]"
        item = parse(raw, item_path, allowed)
        if item_type != "month_span":
            if item in seen:
                raise ScenarioError(item_path, f"duplicate value {_show(raw)}")
            seen.add(item)
        items.append(item)
    return tuple(items)


def _value(value, kind: str, path: str, allowed=()):
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    if kind.startswith("list["):
        return _list(value, kind[5:-1], path, allowed)
    return _SCALARS[kind](value, path, allowed)


def _section_table(name: str) -> tuple:
    """(key, path, type, allowed values, default) for each field of one section, computed once."""
    return tuple((path.split(".", 1)[1], path, FIELD_TYPES[path], ENUMS.get(path, ()), _DEFAULTS[path])
                 for path in FIELD_TYPES if path.startswith(name + "."))


def _section(name: str, raw, values: dict) -> None:
    """Read one object of the table (`resident`, `history`, `application`) into `values`, which
    already holds the section's defaults."""
    try:
        checks, required = _QUICK[name]
        if type(raw) is not dict or required and not raw.keys() >= required:
            raise Unusual
        for key, value in raw.items():
            path, check = checks[key]   # KeyError: an unknown field
            values[path] = check(value)
    except Exception:   # anything but plainly valid fields, whatever went wrong
        # raises the first problem in the table's order
        _section_in_order(name, _object(raw, name), values)


def _section_in_order(name: str, obj: dict, values: dict) -> None:
    """The section read field by field in the table's order: the error it raises first is the
    one reported, whatever the order of the keys in the document."""
    fields = _SECTIONS[name]
    if not obj.keys() <= _SECTION_KEYS[name]:
        _reject_unknown(obj, tuple(f[0] for f in fields), name)
    for key, path, kind, allowed, default in fields:
        if key in obj:
            values[path] = _value(obj[key], kind, path, allowed)
        elif default is _REQUIRED:
            raise ScenarioError(path, "required field missing")
        elif default is not _ABSENT:
            values[path] = default


def _parser(kind: str, allowed):
    """(value, path) -> value for one field type, chosen once (see `_value`)."""
    if kind.endswith("?"):
        inner = _parser(kind[:-1], allowed)
        return lambda value, path: None if value is None else inner(value, path)
    if kind.startswith("list["):
        item = kind[5:-1]
        return lambda value, path: _list(value, item, path, allowed)
    scalar = _SCALARS[kind]
    return lambda value, path: scalar(value, path, allowed)


# --- quick checks (scenario_quick.py) first; `_section_in_order` when one fails -----------------

def _quick(kind: str, path: str, allowed):
    """value -> value for one field, raising on anything but a plainly valid value."""
    factory = QUICK_CHECKS.get(kind.rstrip("?"))
    if factory:
        return factory(frozenset(allowed), kind.endswith("?"))
    parse = _parser(kind, allowed)   # the rarer kinds (month spans): the parser itself
    return lambda value: parse(value, path)


_SECTIONS = {name: _section_table(name) for name in ("resident", "history", "application")}
_SECTION_KEYS = {name: frozenset(f[0] for f in fields) for name, fields in _SECTIONS.items()}
# per section: {key: (path, quick check)}, the keys of the required fields
_QUICK = {name: ({key: (path, _quick(kind, path, allowed)) for key, path, kind, allowed, _ in fields},
                 frozenset(key for key, _, _, _, default in fields if default is _REQUIRED))
          for name, fields in _SECTIONS.items()}


def _initial_values(sections) -> dict:
    """The defaults of these sections, each key where reading a section puts it: a required
    field (a placeholder here) after the section's defaults."""
    values = {}
    for name in sections:
        fields = _SECTIONS[name]
        values.update((path, default) for _, path, _, _, default in fields
                      if default is not _REQUIRED and default is not _ABSENT)
        values.update((path, None) for _, path, _, _, default in fields if default is _REQUIRED)
    return values


# by whether there is an application; `resident` and `history` are always read
_INITIAL_VALUES = {False: _initial_values(("resident", "history")),
                   True: _initial_values(("resident", "history", "application"))}


def _application(raw, values: dict) -> None:
    _section("application", raw, values)
    registered = values.get("application.registered_on")
    paid = values.get("application.paid_on")
    if registered is None and paid is None:
        raise ScenarioError("application", "expected registered_on or paid_on (a date), got neither")
    # each date defaults to the other; an explicit null paid_on stays None
    values.setdefault("application.registered_on", paid)
    values.setdefault("application.paid_on", registered)
    born = values["resident.birth_date"]
    for field in ("paid_on", "registered_on"):
        when = values[f"application.{field}"]
        if when is not None and when < born and field in raw:   # a data error no rule could answer
            raise ScenarioError(f"application.{field}", f"{when.isoformat()} is before the resident's "
                                                        f"birth_date {born.isoformat()}")


def _string_map(value, path: str, parse) -> dict:
    result = {}
    for key, raw in _object(value, path).items():
        item_path = _join(path, key)
        if not isinstance(key, str):
            raise _expected(item_path, "a string key", key)
        result[key] = parse(raw, item_path, ())
    return result


def parse_scenario(data) -> Scenario:
    """Validate an already-decoded scenario; raises `ScenarioError`."""
    top = _object(data, "$")
    if not top.keys() <= _TOP_KEY_SET:
        _reject_unknown(top, _TOP_KEYS, "")
    jurisdiction = _required(top, "jurisdiction")
    if not isinstance(jurisdiction, str):
        raise _expected("jurisdiction", "a string", jurisdiction)
    application = top.get("application")
    values = _INITIAL_VALUES[application is not None].copy()
    _section("resident", _required(top, "resident"), values)
    if "history" in top:
        _section("history", top["history"], values)
    if application is not None:
        _application(application, values)
    as_of = top.get("as_of")
    values["as_of"] = (_AS_OF(as_of, "as_of") if as_of is not None
                       else values.get("application.registered_on"))
    # the optional parts, when absent, without a parse of their defaults
    readings = _string_map(top["readings"], "readings", _text) if "readings" in top else {}
    parameters = _string_map(top["parameters"], "parameters", _money) if "parameters" in top else {}
    covered_on = _DATES(top["covered_on"], "covered_on") if "covered_on" in top else ()
    cap_years = _YEARS(top["cap_years"], "cap_years") if "cap_years" in top else ()
    # positional: keyword arguments would cost as much again as the construction
    return Scenario(jurisdiction, values, application is not None, readings, parameters, covered_on,
                    cap_years)


_AS_OF = _parser(FIELD_TYPES["as_of"], ())
_DATES = _parser("list[date]", ())
_YEARS = _parser("list[int]", ())
