"""Seeded random scenarios for batch tests and benchmarks: national, Harbin and Nanning residents
of all ages (newborns often), with histories, payment dates 2024-2027 and readings; a few rows
are deliberately invalid (`invalid=` the share of them).

    python tests/generated_scenarios.py 100000 > rows.jsonl      # JSONL on stdout
"""
from __future__ import annotations

import datetime
import json
import random
import sys

JURISDICTIONS = ("national", "harbin", "nanning")
READINGS = {
    "national": {"A-BREAK": ["minus_one", "each_year"], "A-WAIT-DAY": ["same_day", "next_day", "next_month_first"],
                 "A-REPAIR-SURPLUS": ["charge", "refuse"], "A-FIRST-TIME": ["break_counts", "no_break"]},
    "harbin": {"A-HRB-KEY": ["registration_date", "payment_date"],
               "A-HRB-2025Q4": ["current_year_only", "two_years"]},
    "nanning": {"A-NNG-3M": ["national", "literal"]},
}
BROKEN = (
    ("resident", "birth_date", "2024-02-30"),        # no such day
    ("resident", "colour", "red"),                   # unknown field
    ("application", "coverage_years", "2025"),       # not a list
    ("resident", "hukou", "elsewhere"),              # not an allowed value
)


def _day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def scenario(rng: random.Random, index: int, invalid: float = 0.0) -> dict:
    jurisdiction = rng.choice(JURISDICTIONS)
    paid = _day(rng, datetime.date(2024, 1, 1), datetime.date(2027, 12, 31))
    if rng.random() < 0.35:   # a newborn: the 0-90-day windows are the interesting part
        birth = paid - datetime.timedelta(days=rng.randrange(0, 400))
    else:
        birth = _day(rng, datetime.date(1940, 1, 1), paid)
    s: dict = {"jurisdiction": jurisdiction, "resident": {"birth_date": birth.isoformat()}}
    if rng.random() < 0.3:
        s["id"] = f"r{index:06d}"
    if rng.random() < 0.6:
        first = rng.randrange(2016, paid.year + 1)
        years = [y for y in range(first, paid.year) if y >= birth.year and rng.random() < 0.75]
        if years:
            s["history"] = {"resident_years": years}
    if rng.random() < 0.9:
        app: dict = {"paid_on": paid.isoformat()}
        if rng.random() < 0.5:
            app["coverage_years"] = rng.choice([[paid.year], [paid.year + 1], [paid.year, paid.year + 1]])
        if rng.random() < 0.15:
            app["repair_years"] = rng.randrange(0, 3)
        if rng.random() < 0.1:
            app["registered_on"] = (paid - datetime.timedelta(days=rng.randrange(0, 30))).isoformat()
        s["application"] = app
    else:
        s["as_of"] = paid.isoformat()
    if jurisdiction == "harbin" and rng.random() < 0.1:
        s["resident"]["registered_with"] = "birth_certificate"
    if rng.random() < 0.3:
        options = dict(READINGS["national"], **READINGS.get(jurisdiction, {}))
        chosen = rng.sample(sorted(options), rng.randrange(1, 3))
        s["readings"] = {amb: rng.choice(options[amb]) for amb in chosen}
    if rng.random() < 0.1:
        s["covered_on"] = [_day(rng, datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)).isoformat()]
    if rng.random() < invalid:
        section, key, value = rng.choice(BROKEN)
        s.setdefault(section, {"paid_on": paid.isoformat()})[key] = value
    return s


def generate(n: int, seed: int = 6, invalid: float = 0.02):
    """n scenarios, the same ones for the same seed."""
    rng = random.Random(seed)
    for index in range(1, n + 1):
        yield scenario(rng, index, invalid)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    out = sys.stdout
    for s in generate(count, seed):
        out.write(json.dumps(s, ensure_ascii=False) + "\n")
