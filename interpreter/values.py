"""Run-time values of the policy language that Python has no type for."""
from __future__ import annotations

from datetime import date

from .dates import add_days, add_months


class Undetermined:
    """A value no source decides. It flows through every operation and surfaces as `null`
    in the decision, with its reason under `undetermined`."""
    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __eq__(self, other):
        return isinstance(other, Undetermined) and other.reason == self.reason

    def __hash__(self):
        return hash(("undetermined", self.reason))

    def __repr__(self):
        return f"undetermined({self.reason!r})"


class Window:
    """An inclusive date range (CONV-8)."""
    __slots__ = ("start", "end")

    def __init__(self, start: date, end: date):
        self.start, self.end = start, end

    def __contains__(self, d) -> bool:
        return self.start <= d <= self.end

    def __eq__(self, other):
        return isinstance(other, Window) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self):
        return hash((self.start, self.end))

    def __repr__(self):
        return f"{self.start.isoformat()} .. {self.end.isoformat()}"


class Duration:
    __slots__ = ("unit", "n")

    def __init__(self, unit: str, n: int):
        self.unit, self.n = unit, n

    def __repr__(self):
        return f"{self.n} {self.unit}"

    # `d + 3 months` in generated code: a date does not know durations, so Python asks us.
    def __radd__(self, d):
        return add_months(d, self.n) if self.unit == "months" else add_days(d, self.n)

    def __rsub__(self, d):
        return add_months(d, -self.n) if self.unit == "months" else add_days(d, -self.n)


class EvaluationError(Exception):
    """A policy that fails at run time (a bug in the policy, not in the scenario)."""

    def __init__(self, code: str, message: str, span=None, source=None):
        super().__init__(message)
        self.code, self.message, self.span, self.source = code, message, span, source


class DecisionView:
    """A decision (its JSON dict) as a value in invariants: `decision.coverage.start` is a date,
    `decision.amount_due.total` a Decimal, `decision.amount_due.by_year[2025]` works."""
    __slots__ = ("_data",)

    def __init__(self, data):
        self._data = data

    def __getattr__(self, name):
        try:
            return _view(name, self._data[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key):
        return _view(str(key), self._data[str(key)] if isinstance(self._data, dict) else self._data[key])

    def __eq__(self, other):
        return isinstance(other, DecisionView) and other._data == self._data

    __hash__ = None

    def __repr__(self):
        return f"DecisionView({self._data!r})"


def _view(name, value):
    from datetime import date
    from decimal import Decimal
    if isinstance(value, dict):
        return DecisionView(value)
    if isinstance(value, list):
        return tuple(_view(name, v) for v in value)
    if isinstance(value, str):
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return date.fromisoformat(value)
            except ValueError:
                return value
        if value and (value[0].isdigit() or value[0] == "-"):
            try:
                return Decimal(value)
            except ArithmeticError:
                return value
    return value
