"""Quick checks for scenario validation (scenario.py): one-argument checks that accept only
plainly valid values and return what scenario.py's parsers would."""
from __future__ import annotations

import datetime

# A section is first read with these checks, which accept only plainly valid values (exact str,
# int and list types, no duplicates). Anything else raises `Unusual`, and scenario.py reads the
# section again in the table's order, which words the first error (or accepts an unusual but
# valid value, such as a str subclass).


class Unusual(Exception):
    """Not a plainly valid value: read the section again, carefully."""


_fromisoformat = datetime.date.fromisoformat


# Each factory takes the allowed values (a frozenset, maybe empty) and whether null is allowed.

def _quick_date(_allowed, optional: bool):
    def check(value):
        # the shape test makes fromisoformat as strict as scenario.py's `_DATE`: since Python
        # 3.11 it also reads week dates ("2024-W01-1") and ignores what follows "YYYYMMDD"
        if type(value) is str and len(value) == 10 and value[4] == "-" == value[7]:
            return _fromisoformat(value)   # checks the digits and the day
        if value is None and optional:
            return None
        raise Unusual
    return check


def _quick_count(_allowed, optional: bool):
    def check(value):
        if type(value) is int and value >= 0 or value is None and optional:
            return value
        raise Unusual
    return check


def _quick_bool(_allowed, optional: bool):
    def check(value):
        if type(value) is bool or value is None and optional:
            return value
        raise Unusual
    return check


def _quick_text(allowed: frozenset, optional: bool):
    def check(value):
        if type(value) is str and (value in allowed or not allowed) or value is None and optional:
            return value
        raise Unusual
    return check


def _quick_texts(allowed: frozenset, optional: bool):
    def check(value):
        if type(value) is list:
            for item in value:
                if type(item) is not str or not (item in allowed or not allowed):
                    raise Unusual
            if len(value) < 2 or len(set(value)) == len(value):
                return tuple(value)
        if value is None and optional:
            return None
        raise Unusual
    return check


def _quick_years(_allowed, optional: bool):
    def check(value):
        # increasing years, as they are mostly written, are distinct without a set; years in
        # any other order take the careful path
        if type(value) is list:
            previous = 1899
            for year in value:
                if type(year) is not int or not previous < year <= 2200:
                    raise Unusual
                previous = year
            return tuple(value)
        if value is None and optional:
            return None
        raise Unusual
    return check


# every integer list in the contract is a list of years (as scenario.py's `_ITEMS`)
QUICK_CHECKS = {"date": _quick_date, "int": _quick_count, "bool": _quick_bool, "text": _quick_text,
                "list[text]": _quick_texts, "list[int]": _quick_years}
