"""The decision's JSON form (the contract in shared/spec/scenario.md): exact money, ISO dates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .values import Duration, Undetermined, Window

DECISION_KEYS = ("jurisdiction", "accepted", "route", "reasons", "amount_due", "coverage",
                 "waiting_months", "channel", "covered_on", "critical_illness_cap", "decided_by",
                 "readings", "assumed", "undetermined", "alternatives")


def money(value) -> str:
    """An exact decimal string without exponent or trailing zeros: 780, 38.454."""
    if value.__class__ is int:
        return str(value)
    d = Decimal(value)
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def to_json(value):
    """A run-time value as JSON data (used for traces; decisions format their own fields)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Undetermined):
        return {"undetermined": value.reason}
    if isinstance(value, Window):
        return {"start": value.start.isoformat(), "end": value.end.isoformat()}
    if isinstance(value, Duration):
        return f"{value.n} {value.unit}"
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return repr(value)


def empty(jurisdiction: str) -> dict:
    """A decision with every contract field present and nothing decided yet."""
    return {"jurisdiction": jurisdiction, "accepted": None, "route": None, "reasons": [],
            "amount_due": None, "coverage": None, "waiting_months": None, "channel": None,
            "covered_on": {}, "critical_illness_cap": {}, "decided_by": [], "readings": {},
            "assumed": [], "undetermined": [], "alternatives": []}
