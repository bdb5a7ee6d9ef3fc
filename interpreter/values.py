"""Run-time values of the policy language that Python has no type for."""
from __future__ import annotations

from datetime import date


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


class EvaluationError(Exception):
    """A policy that fails at run time (a bug in the policy, not in the scenario)."""

    def __init__(self, code: str, message: str, span=None, source=None):
        super().__init__(message)
        self.code, self.message, self.span, self.source = code, message, span, source
