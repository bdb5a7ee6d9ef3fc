"""Seeded scenario generator for the benchmarks: Nanning adults, the baseline's domain."""
from __future__ import annotations

import random
from datetime import date, timedelta


def scenarios(n: int, seed: int = 20261123):
    rng = random.Random(seed)
    for i in range(n):
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 64))
        paid = date(2024, 9, 1) + timedelta(days=rng.randrange(0, 365 * 6))
        years = sorted(y for y in range(2019, paid.year + 1) if rng.random() < 0.6)
        app = {"paid_on": paid.isoformat(), "repair_years": rng.choice((0, 0, 0, 1, 2, 3, 5))}
        if rng.random() < 0.2:
            app["coverage_years"] = [paid.year + rng.choice((0, 1))]
        yield {"id": i, "jurisdiction": "nanning", "resident": {"birth_date": birth.isoformat()},
               "history": {"resident_years": years}, "application": app}
