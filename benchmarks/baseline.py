"""A hand-written Python implementation of the Nanning decisions (national 38号 rules plus
NNG-1…NNG-4, default readings), the baseline every benchmark figure is a ratio to.

It covers what the benchmark scenarios exercise: local adults without employee insurance paying
for coverage years 2025–2030, with any resident-years history and repair years. It returns the
fields the equivalence check compares (see `FIELDS`), in the decision's JSON form.
"""
from __future__ import annotations

import calendar
from datetime import date

FIELDS = ("accepted", "route", "years", "total", "by_year", "repair", "waiting_months", "start", "end")
FIRST, LAST = 2025, 2030          # the coverage years nanning.policy answers for
STANDARD = 400                    # 2025 (Seed 004) and 2026–2030 (CONV-9, assumed)


def add_months(d: date, k: int) -> date:
    index = d.year * 12 + d.month - 1 + k
    y, m0 = divmod(index, 12)
    return date(y, m0 + 1, min(d.day, calendar.monthrange(y, m0 + 1)[1]))


def decide(s: dict) -> dict:
    """The baseline decision for one scenario dict (contract shape)."""
    birth = date.fromisoformat(s["resident"]["birth_date"])
    history = set((s.get("history") or {}).get("resident_years") or ())
    app = s["application"]
    paid = date.fromisoformat(app.get("paid_on") or app["registered_on"])
    repair = app.get("repair_years", 0)
    asked = sorted(set(app.get("coverage_years") or ()))
    if any(not FIRST <= y <= LAST for y in asked):   # years the policy does not answer for
        return _undetermined()
    offers = []
    if date(paid.year, 9, 1) <= paid <= date(paid.year, 12, 31):      # NNG-2 / N-11
        offers.append(("concentrated", paid.year + 1, True))
    offers.append(("mid_year", paid.year, False))                       # N-2
    for route, year, inside in offers:
        if asked and asked != [year]:
            continue
        if not FIRST <= year <= LAST:
            return _undetermined()
        return _offer(route, year, inside, birth, history, paid, repair)
    return {"accepted": False, "route": None, "years": None, "total": None, "by_year": None,
            "repair": None, "waiting_months": None, "start": None, "end": None}


def _offer(route, y, inside, birth, history, paid, repair):
    first = max(FIRST, birth.year)
    breaks = [b for b in range(first, y) if b not in history]
    fixed = 3 if (not inside or breaks) else 0
    if breaks:
        variable = len(breaks) - 1                                       # A-BREAK minus_one
        unrepaired = fixed + variable
        repaired = fixed + max(0, variable - min(repair, len(breaks)))
        wait = max(repaired, min(unrepaired, 6)) if repair and _longest_run(breaks) >= 4 else repaired
    else:
        wait = fixed
    start = add_months(date(y, 1, 1) if inside else paid, wait) if (inside or wait) else paid
    end = date(y, 12, 31)
    repair_due = repair * STANDARD                                     # A-REPAIR-SURPLUS charge
    return {"accepted": True, "route": route, "years": [y], "total": str(STANDARD + repair_due),
            "by_year": {str(y): str(STANDARD)}, "repair": str(repair_due), "waiting_months": wait,
            "start": start.isoformat() if start <= end else None, "end": end.isoformat()}


def _longest_run(years):
    best = run = 0
    previous = None
    for y in years:
        run = run + 1 if previous == y - 1 else 1
        best, previous = max(best, run), y
    return best


def _undetermined():
    return {"accepted": None, "route": None, "years": None, "total": None, "by_year": None,
            "repair": None, "waiting_months": None, "start": None, "end": None}


def project(decision: dict) -> dict:
    """The same fields, read from a policyrun decision."""
    if not decision["accepted"]:
        return {"accepted": decision["accepted"], "route": None, "years": None, "total": None,
                "by_year": None, "repair": None, "waiting_months": None, "start": None, "end": None}
    amount, cov = decision["amount_due"], decision["coverage"]
    return {"accepted": True, "route": decision["route"], "years": cov["years"], "total": amount["total"],
            "by_year": amount["by_year"], "repair": amount["repair"],
            "waiting_months": decision["waiting_months"], "start": cov["start"], "end": cov["end"]}
