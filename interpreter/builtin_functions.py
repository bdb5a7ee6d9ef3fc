"""The built-in functions of the policy language (`max`, `months_of`, `run_of_months`, …), the
same for both backends (compile.py's closures and codegen.py's generated code). An undetermined
value among the arguments of a strict function makes its result undetermined; the checker has
already made sure of the argument types.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow
from fractions import Fraction

from . import dates, wording
from .values import Undetermined, Window

_U = Undetermined


def _is_und(v):
    return v.__class__ is _U


# `/` never rounds behind the policy's back: a quotient with no finite decimal form (400 / 3) is
# undetermined, since no source says how to round it, unless the policy writes `round(a / b, n)`.
_EXACT = Context(prec=100, traps=[Inexact, DivisionByZero, InvalidOperation, Overflow])
_ROUNDING = Context(prec=100, traps=[InvalidOperation, Overflow])   # where rounding is what was asked


def div(a, b):
    """`a / b`: exact decimal division, or undetermined when the quotient has no exact decimal form."""
    try:
        return _EXACT.divide(Decimal(a), Decimal(b))
    except Inexact:
        return Undetermined(wording.INEXACT(a=a, b=b))


def round_half_up(x, places):
    """`round(x, places)`: `x` to `places` decimals, a half rounded away from zero (四舍五入)."""
    if places < 0:
        raise ValueError("`round` takes 0 or more decimal places")
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_ROUNDING)


def is_rounded_quotient(call) -> bool:
    """`round(a / b, n)` (a Call node): compiled as round_quotient(a, b, n) by both backends."""
    return call.func == "round" and len(call.args) == 2 and getattr(call.args[0], "op", None) == "/"


def round_quotient(a, b, places):
    """`round(a / b, places)`: the exact quotient rounded, so that 400 / 3 gives 133.33."""
    if places < 0:
        raise ValueError("`round` takes 0 or more decimal places")
    if b == 0:
        raise ZeroDivisionError("division by zero")
    scaled = Fraction(Decimal(a)) / Fraction(Decimal(b)) * 10 ** places
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places, context=_ROUNDING)


def _minmax(pick):
    def fn(*args):
        values = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
        for v in values:
            if v.__class__ is _U:
                return v
        return pick(values)
    return fn


def _of_one(pick):
    """`max(x)` / `min(x)` with one argument, as `_minmax` has it (the largest or smallest item
    of a list, else x itself), without the variadic call: for generated code."""
    def fn(value):
        if not isinstance(value, tuple):
            return value
        for v in value:
            if v.__class__ is _U:
                return v
        return pick(value)
    return fn


max_of, min_of = _of_one(max), _of_one(min)


def _sum(values):
    total = 0
    for v in values:
        if v.__class__ is _U:
            return v
        total += v
    return total


def _overlaps_year(spans, year):
    for s in spans:
        if s.start <= (year, 12) and s.end >= (year, 1):
            return True
    return False


def _months_of(spans):
    """The first day of every month the spans cover, sorted, without repeats. Overlapping spans
    are merged first, so the work is bounded by the months covered, not by how often a scenario
    repeats a long span."""
    out = []
    last = None   # the last month written, as (year, month)
    for start, end in sorted((s.start, s.end) for s in spans):
        if last is not None:
            if end <= last:
                continue
            start = max(start, _next_month(last))
        month = start
        while month <= end:
            out.append(date(month[0], month[1], 1))
            month = _next_month(month)
        last = end
    return tuple(out)


def _next_month(month):
    y, m = month
    return (y + 1, 1) if m == 12 else (y, m + 1)


def _months_of_years(years):
    return tuple(date(y, m, 1) for y in sorted(set(years)) for m in range(1, 13))


def _run_of_months(months, d):
    """How many consecutive months of `months` end with the month of `d` (0 if d's month is absent)."""
    have, n, cur = set(months), 0, date(d.year, d.month, 1)
    while cur in have:
        n += 1
        cur = dates.add_months(cur, -1)
    return n


BUILTINS = {
    "date": date, "day_n": dates.day_n, "first_of_next_month": dates.first_of_next_month,
    "years_between": dates.years_between, "months_between": dates.months_between,
    "year_start": dates.year_start, "year_end": dates.year_end, "window": Window,
    "min": _minmax(min), "max": _minmax(max), "len": len, "sum": _sum,
    "any": lambda xs: any(xs), "all": lambda xs: all(xs), "overlaps_year": _overlaps_year,
    "months_of": _months_of, "months_of_years": _months_of_years, "run_of_months": _run_of_months,
    "first_of_month": lambda d: date(d.year, d.month, 1),
    "round": round_half_up,
    "is_null": lambda v: v is None, "is_undetermined": _is_und, "coalesce": lambda *vs: next((v for v in vs if v is not None), None),
}
