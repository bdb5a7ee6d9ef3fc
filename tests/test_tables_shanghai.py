"""Table tests for Shanghai (Seeds 002 and 004): SHA-1…SHA-9, the ambiguities A-SH-NB, A-SH-LATE,
A-SH-AMT, A-SH-AGE, A-SH-18 and A-SH-OCT1, and the national rules Shanghai inherits (N-2, N-3).

Every expected value was derived by hand from shared/domain/rules.md and the contract
(shared/spec/scenario.md), never copied from the program's output. The case format and the
comparison are those of tests/test_tables.py (see its docstring).

Hand derivations used throughout:
- The application date is `registered_on` (「申报参保」, 「办理」); the cases give no separate
  payment date, so `paid_on` defaults to it (the contract).
- SHA-3/SHA-4, CONV-2, CONV-8: a Shanghai-hukou baby registered no later than birth + 3 months
  (A-SH-NB `three_months`; `two_months`: + 2 months), the last day included, month arithmetic
  clamped to the month end, is covered from the birth date to Dec 31, waiting 0.
- SHA-2 (A-SH-LATE `from_month_4`): a child (少儿: under 18 or in school) applying outside the
  yearly period and the newborn window is covered from the 1st of the 4th month, the application
  month being the 1st (applied in March → June 1), in the coverage year of that month; the contract
  makes `waiting_months` null (a local rule, not 38号, sets the start). `after_month_4` (SHA-1(4)):
  accepted only after month 4, no start date in the seed → `coverage.start` undetermined.
- SHA-5, CONV-8: the yearly period for coverage year Y runs from (Y−1)-10-01 to (Y−1)-12-20
  inclusive; under A-SH-OCT1 `first_working_day` it opens on the first working day after the
  National Day holiday of Y−1 (2023: Oct 7, a make-up Saturday; 2024: Oct 8; 2025: Oct 9 — the
  State Council notices; later years unknown). Inside it, next year is bought from Jan 1, with
  38号's waits from 2025 (N-2: a break year → 3 months).
- SHA-9 (Seed 004, coverage year 2025): 70+ 655; 60–69 825; over 18 and under 60 995; pupils,
  infants (minors) and 大学生 355. Other years: undetermined, except the old section's children's
  fee before 2025 (A-SH-AMT: 100 or 50, labelled assumed).
- SHA-7: 低保/特困/优抚/重残 children and college students with state loans pay 0.
"""
from __future__ import annotations

import re

import pytest

from conftest import ROOT, SHARED
from test_tables import (P, check_case, check_case_ids, cov, no_amount, options_no_case_changes,
                         own_ambiguities, scenario, scenarios_of)

S = "shanghai"
SEEDS = SHARED / "seeds"
POLICY_FILE = ROOT / "policies" / "shanghai.policy"
CASES = []

CHILD = "2020-05-05"      # a Shanghai-hukou child not in school (age 4–5 in 2024–2025)
ADULT = "1980-03-10"
FULL = {"2025": cov("2025-01-01", "2025-12-31")}


def case(case_id, doc, check_readings=True, **expect):
    CASES.append(pytest.param(doc, expect, check_readings, id=case_id))


def sh(birth, registered=None, *, as_of=None, **kw):
    """A Shanghai scenario; the application date is the registration date (no payment date)."""
    doc = scenario(S, birth, registered=registered, **kw)
    if as_of is not None:
        doc["as_of"] = as_of
    return doc


# =============================================================================================
# SHA-3 / SHA-4 / A-SH-NB: the newborn window (CONV-2 clamping, CONV-8 inclusive), from birth
# =============================================================================================

# Born 2025-03-31: + 3 months = 2025-06-30 (June has 30 days, CONV-2); + 2 months = 2025-05-31.
NB = "2025-03-31"
case("SHA-3-SHA-4-A-SH-NB-three_months-last-day-2025-06-30-covered-from-birth",
     sh(NB, "2025-06-30", readings={"A-SH-NB": "three_months"}),
     accepted=True, route="newborn", waiting_months=0, channel="street_office",
     readings={"A-SH-NB": "three_months"},
     **{"amount_due.total": "355", "amount_due.by_year": {"2025": "355"},
        "coverage.start": "2025-03-31", "coverage.end": "2025-12-31", "coverage.years": [2025],
        "coverage.by_year": {"2025": cov("2025-03-31", "2025-12-31")}, "decided_by": ["SHA-3", "SHA-4"]})
# The day after the 3-month window: a late application (SHA-2): July is month 1 → October 1.
case("SHA-3-SHA-2-CONV-8-day-after-2025-07-01-late-from-2025-10-01",
     sh(NB, "2025-07-01"),
     accepted=True, route="late_payment", waiting_months=None,
     **{"amount_due.total": "355", "coverage.start": "2025-10-01", "coverage.end": "2025-12-31",
        "coverage.years": [2025], "decided_by": ["SHA-2"]})
# Under `two_months` the last day is 2025-05-31 (no reading is needed up to there)…
case("SHA-1-A-SH-NB-two_months-last-day-2025-05-31-covered-from-birth",
     sh(NB, "2025-05-31", readings={"A-SH-NB": "two_months"}), check_readings=False,
     accepted=True, route="newborn", waiting_months=0,
     **{"coverage.start": "2025-03-31", "amount_due.total": "355"})
# … and 2025-06-01 is late under `two_months` (June is month 1 → September 1) while it is still
# inside the 3-month window under `three_months`.
case("SHA-1-SHA-2-A-SH-NB-two_months-day-after-2025-06-01-late-from-2025-09-01",
     sh(NB, "2025-06-01", readings={"A-SH-NB": "two_months"}),
     accepted=True, route="late_payment", waiting_months=None,
     readings={"A-SH-NB": "two_months", "A-SH-LATE": "from_month_4"},
     **{"coverage.start": "2025-09-01", "coverage.years": [2025], "amount_due.total": "355"})
case("SHA-3-A-SH-NB-three_months-2025-06-01-covered-from-birth",
     sh(NB, "2025-06-01", readings={"A-SH-NB": "three_months"}),
     accepted=True, route="newborn", waiting_months=0, readings={"A-SH-NB": "three_months"},
     **{"coverage.start": "2025-03-31", "coverage.years": [2025]})

# CONV-2 across the year end: born 2024-11-30 → + 3 months = 2025-02-28 (clamped), the last day.
# Registered in the year after birth: the birth year back to the birth date (SHA-4) and, ASSUMED
# (rules.md is silent), the current year with it: 2024 at the old section's 100 (A-SH-AMT
# `total_100`, its era assumed) + 2025 at 355 = 455, from 2024-11-30 to 2025-12-31.
case("SHA-4-CONV-2-born-2024-11-30-registered-2025-02-28-last-day-two-years-assumed",
     sh("2024-11-30", "2025-02-28"),
     accepted=True, route="newborn", waiting_months=0,
     readings={"A-SH-NB": "three_months", "A-SH-AMT": "total_100"}, assumed_mentions="HRB-5",
     **{"amount_due.total": "455", "amount_due.by_year": {"2024": "100", "2025": "355"},
        "coverage.start": "2024-11-30", "coverage.end": "2025-12-31", "coverage.years": [2024, 2025],
        "coverage.by_year": {"2024": cov("2024-11-30", "2024-12-31"), "2025": FULL["2025"]}})
case("SHA-4-CONV-2-born-2024-11-30-registered-2025-02-28-birth-year-only",
     sh("2024-11-30", "2025-02-28", years=[2024]),
     accepted=True, route="newborn",
     **{"amount_due.total": "100", "coverage.start": "2024-11-30", "coverage.end": "2024-12-31"})
# 2025-03-01 is past the window: late, March = month 1 → June 1.
case("SHA-3-SHA-2-CONV-2-born-2024-11-30-registered-2025-03-01-late-from-2025-06-01",
     sh("2024-11-30", "2025-03-01"),
     accepted=True, route="late_payment", waiting_months=None,
     **{"coverage.start": "2025-06-01", "coverage.years": [2025], "amount_due.total": "355"})

# A-SH-NB with a refusal: born 2024-09-20 (+2 months 11-20, +3 months 12-20), registered
# 2024-12-10 asking for 2024. `two_months`: past the window (SHA-1); 12-10 is inside the 2025
# yearly period, so no late route; the only alternative is 2025 from Jan 1 (SHA-5).
case("SHA-1-A-SH-NB-two_months-registered-2024-12-10-birth-year-refused",
     sh("2024-09-20", "2024-12-10", years=[2024], readings={"A-SH-NB": "two_months"}),
     accepted=False, reasons=["SHA-1"], n_alternatives=1, readings={"A-SH-NB": "two_months"},
     alternatives=[{"route": "concentrated", "coverage.years": [2025], "coverage.start": "2025-01-01",
                    "waiting_months": 0, "amount_due.total": "355"}])
case("SHA-3-SHA-4-A-SH-NB-three_months-registered-2024-12-10-birth-year-100",
     sh("2024-09-20", "2024-12-10", years=[2024], readings={"A-SH-NB": "three_months"}),
     accepted=True, route="newborn", readings={"A-SH-NB": "three_months"},
     **{"amount_due.total": "100", "coverage.start": "2024-09-20", "coverage.end": "2024-12-31"})

# SHA-4 + SHA-5: registered inside the yearly period for 2025, the baby's next year is bought with
# the birth year: 100 + 355, from birth to 2025-12-31.
case("SHA-4-SHA-5-born-2024-09-20-registered-2024-11-15-birth-year-and-next",
     sh("2024-09-20", "2024-11-15", years=[2024, 2025]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.by_year": {"2024": "100", "2025": "355"}, "amount_due.total": "455",
        "coverage.start": "2024-09-20", "coverage.end": "2025-12-31", "decided_by": ["SHA-4", "SHA-5"]})

# SHA-3 needs Shanghai hukou. A non-local baby (parent with 130 points) inside the window is not a
# late applicant either (SHA-2 speaks of those who missed it): no source sets the start.
case("SHA-3-SHA-6-non-local-newborn-in-window-start-undetermined",
     sh("2025-03-10", "2025-04-10", years=[2025], hukou="non_local", residence_permit_points=130),
     accepted=True, route="late_payment", undetermined=["coverage.start"],
     **{"coverage.years": [2025], "amount_due.total": "355"})
# With 100 points neither route is open.
case("SHA-3-SHA-6-non-local-newborn-100-points-refused",
     sh("2025-03-10", "2025-04-10", years=[2025], hukou="non_local", residence_permit_points=100),
     accepted=False, reasons=["SHA-3", "SHA-6"], n_alternatives=0)

# =============================================================================================
# SHA-2 / SHA-1(4) / A-SH-LATE: children applying after the set times
# =============================================================================================
case("SHA-2-A-SH-LATE-from_month_4-applied-2025-03-15-from-2025-06-01",
     sh(CHILD, "2025-03-15", resident_years=[2024], readings={"A-SH-LATE": "from_month_4"}),
     accepted=True, route="late_payment", waiting_months=None, channel="street_office",
     readings={"A-SH-LATE": "from_month_4"}, assumed_mentions="full annual fee",
     **{"amount_due.total": "355", "amount_due.by_year": {"2025": "355"},
        "coverage.start": "2025-06-01", "coverage.end": "2025-12-31", "coverage.years": [2025],
        "decided_by": ["SHA-2"]})
case("SHA-1-A-SH-LATE-after_month_4-applied-2025-03-15-start-undetermined",
     sh(CHILD, "2025-03-15", resident_years=[2024], readings={"A-SH-LATE": "after_month_4"}),
     accepted=True, route="late_payment", waiting_months=None, readings={"A-SH-LATE": "after_month_4"},
     undetermined=["coverage.start"],
     **{"coverage.years": [2025], "coverage.end": "2025-12-31", "decided_by": ["SHA-1"]})
# September: month 4 is December (from_month_4: 2025-12-01); accepted only after month 4 means
# January 2026 at the earliest (after_month_4: coverage year 2026, whose standard is unknown).
case("SHA-2-A-SH-LATE-from_month_4-applied-2025-09-15-from-2025-12-01",
     sh(CHILD, "2025-09-15", resident_years=[2024], readings={"A-SH-LATE": "from_month_4"}),
     accepted=True, route="late_payment", **{"coverage.start": "2025-12-01", "coverage.years": [2025]})
case("SHA-1-A-SH-LATE-after_month_4-applied-2025-09-15-coverage-year-2026",
     sh(CHILD, "2025-09-15", resident_years=[2024], readings={"A-SH-LATE": "after_month_4"}),
     accepted=True, route="late_payment", **{"coverage.years": [2026], "coverage.start": None},
     **no_amount(2026))
# SHA-2 excludes applications through a school (学校申请除外): a pupil's late start is unknown.
case("SHA-2-SHA-8-pupil-late-start-undetermined-channel-school",
     sh("2015-03-10", "2025-03-15", education="pupil"),
     accepted=True, route="late_payment", channel="school", undetermined=["coverage.start"],
     **{"amount_due.total": "355"})
# From 2025 a child's late start is still Shanghai's own 4th month, not 38号 (the contract:
# `waiting_months` null), even after a break year (2025 uninsured).
case("SHA-2-N-2-child-2026-03-15-after-break-year-local-rule-waiting-null",
     sh(CHILD, "2026-03-15", resident_years=[2024]),
     accepted=True, route="late_payment", waiting_months=None,
     **{"coverage.start": "2026-06-01", "coverage.years": [2026]}, **no_amount(2026))
# An adult outside the period is no 少儿: 38号's mid-year route, 3 months from the application
# (N-2, CONV-3 same_day): 2025-03-11 → 2025-06-11, at the adult standard 995.
case("SHA-2-N-2-adult-2025-03-11-mid-year-3-months",
     sh(ADULT, "2025-03-11", resident_years=[2024]),
     accepted=True, route="mid_year", waiting_months=3, decided_by=["N-2", "SHA-9"],
     **{"coverage.start": "2025-06-11", "amount_due.total": "995"})
# Before 2025 no source sets an adult's mid-year start, nor Shanghai's 2024 adult standard.
case("SHA-2-N-2-SHA-9-adult-2024-03-11-start-and-amount-undetermined",
     sh(ADULT, "2024-03-11"),
     accepted=True, route="mid_year", **no_amount(2024),
     **{"coverage.start": None, "coverage.years": [2024]})

# =============================================================================================
# SHA-5 / A-SH-OCT1: 10月1日(节假日顺延)–12月20日 for next year
# =============================================================================================
# 2024: holiday Oct 1–7, first working day Oct 8.
case("SHA-5-A-SH-OCT1-first_working_day-child-2024-10-07-outside-late-from-2025-01-01",
     sh(CHILD, "2024-10-07", years=[2025], readings={"A-SH-OCT1": "first_working_day"}),
     accepted=True, route="late_payment", waiting_months=None,
     readings={"A-SH-OCT1": "first_working_day"},
     **{"coverage.start": "2025-01-01", "coverage.years": [2025], "amount_due.total": "355"})
case("SHA-5-A-SH-OCT1-from_oct_1-child-2024-10-07-inside-from-2025-01-01",
     sh(CHILD, "2024-10-07", years=[2025], readings={"A-SH-OCT1": "from_oct_1"}),
     accepted=True, route="concentrated", waiting_months=0, readings={"A-SH-OCT1": "from_oct_1"},
     **{"coverage.start": "2025-01-01", "coverage.by_year": FULL, "amount_due.total": "355",
        "decided_by": ["SHA-5"]})
case("SHA-5-A-SH-OCT1-child-2024-10-08-first-working-day-inside",
     sh(CHILD, "2024-10-08", years=[2025], readings={"A-SH-OCT1": "first_working_day"}),
     check_readings=False, accepted=True, route="concentrated", waiting_months=0,
     **{"coverage.start": "2025-01-01"})
case("SHA-5-A-SH-OCT1-from_oct_1-child-2024-10-01-first-day-inside",
     sh(CHILD, "2024-10-01", years=[2025], readings={"A-SH-OCT1": "from_oct_1"}),
     accepted=True, route="concentrated", **{"coverage.start": "2025-01-01"})
# An adult on 2024-10-07 asking for 2025: under first_working_day no route sells 2025 that day;
# the only alternative is the current year (N-2 mid-year, before 2025: start and amount unknown).
case("SHA-5-A-SH-OCT1-first_working_day-adult-2024-10-07-next-year-refused",
     sh(ADULT, "2024-10-07", years=[2025], readings={"A-SH-OCT1": "first_working_day"}),
     accepted=False, n_alternatives=1, readings={"A-SH-OCT1": "first_working_day"},
     alternatives=[{"route": "mid_year", "coverage.years": [2024]}])
case("SHA-5-A-SH-OCT1-from_oct_1-adult-2024-10-07-accepted-995",
     sh(ADULT, "2024-10-07", years=[2025], readings={"A-SH-OCT1": "from_oct_1"}),
     accepted=True, route="concentrated", **{"amount_due.total": "995", "coverage.start": "2025-01-01"})
# 2023: holiday Sep 29–Oct 6; Oct 7 (Saturday) is a make-up working day → the 2024 period opens.
case("SHA-5-A-SH-OCT1-first_working_day-child-2023-10-06-late-old-fee",
     sh(CHILD, "2023-10-06", years=[2024]),
     accepted=True, route="late_payment", readings={"A-SH-OCT1": "first_working_day", "A-SH-AMT": "total_100"},
     **{"coverage.start": "2024-01-01", "amount_due.total": "100"})
case("SHA-5-A-SH-AMT-child-2023-10-07-inside-old-fee-assumed-era",
     sh(CHILD, "2023-10-07", years=[2024]),
     accepted=True, route="concentrated", waiting_months=0, assumed_mentions="era",
     **{"coverage.start": "2024-01-01", "amount_due.total": "100"})
# 2025: holiday Oct 1–8 → the 2026 period opens Oct 9.
case("SHA-5-A-SH-OCT1-first_working_day-child-2025-10-08-outside",
     sh(CHILD, "2025-10-08", years=[2026], resident_years=[2024, 2025]),
     accepted=True, route="late_payment", readings={"A-SH-OCT1": "first_working_day"},
     **{"coverage.start": "2026-01-01"}, **no_amount(2026))
case("SHA-5-child-2025-10-09-first-working-day-inside-2026-no-standard",
     sh(CHILD, "2025-10-09", years=[2026], resident_years=[2024, 2025]),
     accepted=True, route="concentrated", waiting_months=0,
     **{"coverage.start": "2026-01-01"}, **no_amount(2026))
# 2027: no holiday notice among the sources. Oct 5 is undecidable under first_working_day,
# open under from_oct_1; Nov 15 is open either way (the holiday has always ended by Oct 8: assumed).
case("SHA-5-A-SH-OCT1-first_working_day-2027-10-05-holiday-unknown-undetermined",
     sh(CHILD, "2027-10-05", years=[2028], resident_years=[2024, 2025, 2026, 2027],
        readings={"A-SH-OCT1": "first_working_day"}),
     accepted=None, readings={"A-SH-OCT1": "first_working_day"}, undetermined=["accepted"])
case("SHA-5-A-SH-OCT1-from_oct_1-2027-10-05-inside",
     sh(CHILD, "2027-10-05", years=[2028], resident_years=[2024, 2025, 2026, 2027],
        readings={"A-SH-OCT1": "from_oct_1"}),
     accepted=True, route="concentrated", **{"coverage.start": "2028-01-01"}, **no_amount(2028))
case("SHA-5-2027-11-15-inside-assumed-latest-opening",
     sh(CHILD, "2027-11-15", years=[2028], resident_years=[2024, 2025, 2026, 2027]),
     accepted=True, route="concentrated", assumed_mentions="latest_first_working_day",
     **{"coverage.start": "2028-01-01"})
# Dec 20 is the last day (CONV-8); Dec 21 is a late application: December = month 1 → March 1.
case("SHA-5-CONV-8-child-2024-12-20-last-day-inside",
     sh(CHILD, "2024-12-20", years=[2025]),
     accepted=True, route="concentrated", waiting_months=0, **{"coverage.start": "2025-01-01"})
case("SHA-5-SHA-2-CONV-8-child-2024-12-21-late-from-2025-03-01",
     sh(CHILD, "2024-12-21", years=[2025]),
     accepted=True, route="late_payment", waiting_months=None,
     **{"coverage.start": "2025-03-01", "coverage.years": [2025], "amount_due.total": "355"})
# An adult on Dec 21 cannot buy next year: only the current year (mid-year) remains.
case("SHA-5-CONV-8-adult-2024-12-21-next-year-refused",
     sh(ADULT, "2024-12-21", years=[2025]),
     accepted=False, n_alternatives=1, alternatives=[{"route": "mid_year", "coverage.years": [2024]}])
# 38号 still applies inside the period (N-2): 2025 uninsured is a break year → 3 months fixed,
# + A-BREAK minus_one 0 → 2026-04-01 (the 2026 standard is unknown).
case("SHA-5-N-2-N-3-child-break-2025-period-for-2026-waits-3-months",
     sh(CHILD, "2025-11-15", years=[2026], resident_years=[2024]),
     accepted=True, route="concentrated", waiting_months=3, readings={"A-BREAK": "minus_one"},
     **{"coverage.start": "2026-04-01"}, **no_amount(2026))

# =============================================================================================
# SHA-6: non-local children — parent's points ≥ 120 (「达到」 inclusive) and no other coverage
# =============================================================================================
NL = dict(hukou="non_local")
case("SHA-6-non-local-child-119-points-refused",
     sh(CHILD, "2024-11-15", years=[2025], residence_permit_points=119, **NL),
     accepted=False, reasons=["SHA-6"], n_alternatives=0)
case("SHA-6-non-local-child-120-points-accepted",
     sh(CHILD, "2024-11-15", years=[2025], residence_permit_points=120, **NL),
     accepted=True, route="concentrated", waiting_months=0, channel="street_office",
     **{"coverage.start": "2025-01-01", "amount_due.total": "355", "decided_by": ["SHA-6"]})
case("SHA-6-non-local-child-150-points-with-xinnonghe-refused",
     sh(CHILD, "2024-11-15", years=[2025], residence_permit_points=150, other_coverage=["xinnonghe"], **NL),
     accepted=False, reasons=["SHA-6"])
case("SHA-6-non-local-child-150-points-with-employee-coverage-refused",
     sh(CHILD, "2024-11-15", years=[2025], residence_permit_points=150, other_coverage=["employee"], **NL),
     accepted=False, reasons=["SHA-6"])
case("SHA-6-non-local-child-points-not-given-undetermined",
     sh(CHILD, "2024-11-15", years=[2025], **NL),
     accepted=None, undetermined=["accepted"])
case("SHA-6-SHA-2-non-local-child-120-points-late-from-2025-06-01",
     sh(CHILD, "2025-03-15", years=[2025], residence_permit_points=120, **NL),
     accepted=True, route="late_payment", **{"coverage.start": "2025-06-01"})
case("SHA-6-non-local-adult-undetermined",
     sh(ADULT, "2024-11-15", years=[2025], residence_permit_points=150, **NL),
     accepted=None, undetermined=["accepted"])

# =============================================================================================
# SHA-7 / A-SH-AMT: the old section's fee and the zero-contribution groups
# =============================================================================================
case("SHA-3-SHA-7-A-SH-AMT-total_100-newborn-2024-pays-100",
     sh("2024-03-10", "2024-04-20", readings={"A-SH-AMT": "total_100"}),
     accepted=True, route="newborn", readings={"A-SH-AMT": "total_100"}, assumed_mentions="era",
     **{"amount_due.total": "100", "amount_due.by_year": {"2024": "100"},
        "coverage.start": "2024-03-10", "coverage.end": "2024-12-31", "decided_by": ["SHA-7"]})
case("SHA-3-SHA-7-A-SH-AMT-individual_50-newborn-2024-pays-50",
     sh("2024-03-10", "2024-04-20", readings={"A-SH-AMT": "individual_50"}),
     accepted=True, route="newborn", readings={"A-SH-AMT": "individual_50"},
     **{"amount_due.total": "50", "amount_due.by_year": {"2024": "50"}, "amount_due.other": {}})
case("SHA-7-A-SH-AMT-individual_50-child-late-2024-pays-50",
     sh(CHILD, "2024-03-15", readings={"A-SH-AMT": "individual_50"}),
     accepted=True, route="late_payment", readings={"A-SH-AMT": "individual_50"},
     **{"amount_due.total": "50", "coverage.start": "2024-06-01"})
ZERO = dict(resident_years=[2024], years=[2025])
case("SHA-7-SHA-8-dibao-pupil-2025-pays-0-through-school",
     sh("2015-06-01", "2024-11-15", education="pupil", statuses=["dibao"], **ZERO),
     accepted=True, route="concentrated", channel="school",
     **{"amount_due.total": "0", "amount_due.by_year": {"2025": "0"}})
case("SHA-7-tekun-child-2024-pays-0-no-old-fee",
     sh(CHILD, "2024-03-15", statuses=["tekun"]),
     accepted=True, route="late_payment", **{"amount_due.total": "0", "coverage.start": "2024-06-01"})
case("SHA-7-youfu-child-2025-pays-0",
     sh(CHILD, "2024-11-15", statuses=["youfu"], **ZERO), accepted=True, **{"amount_due.total": "0"})
case("SHA-7-severe-disability-child-2025-pays-0",
     sh(CHILD, "2024-11-15", statuses=["severe_disability"], **ZERO), accepted=True, **{"amount_due.total": "0"})
case("SHA-7-student-loan-college-student-pays-0",
     sh("2004-06-01", "2024-11-15", education="college_full_time", statuses=["student_loan"], **ZERO),
     accepted=True, route="concentrated", **{"amount_due.total": "0"})
# Not in SHA-7's groups: a 低保 adult (no Shanghai amount in any source) and a 低保 college
# student without a loan.
case("SHA-7-dibao-adult-amount-undetermined",
     sh(ADULT, "2024-11-15", statuses=["dibao"], **ZERO), accepted=True, **no_amount(2025))
case("SHA-7-dibao-college-student-without-loan-undetermined",
     sh("2004-06-01", "2024-11-15", education="college_full_time", statuses=["dibao"], **ZERO),
     accepted=True, **no_amount(2025))
case("SHA-7-student-loan-without-college-pays-adult-995",
     sh(ADULT, "2024-11-15", statuses=["student_loan"], **ZERO), accepted=True, **{"amount_due.total": "995"})

# =============================================================================================
# SHA-9 / A-SH-AGE / A-SH-18: the 2025 tiers
# =============================================================================================
for birth, education, amount, what in (
        ("1980-03-10", "none", "995", "adult-45"),
        ("1960-03-10", "none", "825", "age-65"),
        ("1950-03-10", "none", "655", "age-75"),
        ("1955-01-01", "none", "655", "70th-birthday-on-jan-1"),
        ("2015-03-10", "pupil", "355", "pupil"),
        ("2005-03-10", "college_full_time", "355", "college-full-time"),
        ("2023-03-10", "none", "355", "infant")):
    case(f"SHA-9-2025-tier-{what}-pays-{amount}",
         sh(birth, "2024-11-15", education=education, **ZERO),
         accepted=True, route="concentrated", **{"amount_due.total": amount, "amount_due.by_year": {"2025": amount}})
case("SHA-9-college-part-time-tier-undetermined",
     sh("2005-03-10", "2024-11-15", education="college_part_time", **ZERO), accepted=True, **no_amount(2025))
case("SHA-9-adult-2026-no-standard-undetermined",
     sh(ADULT, "2025-11-15", years=[2026], resident_years=[2024, 2025]),
     accepted=True, route="concentrated", waiting_months=0, **no_amount(2026))

# A 70th birthday during 2025 (born 1955-06-15): 69 on Jan 1 (825) or 70 reached in 2025 (655).
for option, amount in (("age_on_jan_1", "825"), ("age_reached_in_year", "655")):
    case(f"SHA-9-A-SH-AGE-{option}-70th-birthday-2025-06-15-pays-{amount}",
         sh("1955-06-15", "2024-11-15", readings={"A-SH-AGE": option}, **ZERO),
         accepted=True, readings={"A-SH-AGE": option}, **{"amount_due.total": amount})
# A 60th birthday during 2025: 59 (995) or 60 (825).
for option, amount in (("age_on_jan_1", "995"), ("age_reached_in_year", "825")):
    case(f"SHA-9-A-SH-AGE-{option}-60th-birthday-2025-06-15-pays-{amount}",
         sh("1965-06-15", "2024-11-15", readings={"A-SH-AGE": option}, **ZERO),
         accepted=True, readings={"A-SH-AGE": option}, **{"amount_due.total": amount})

# Exactly 18 on 1 January 2025 (born 2006-06-01, A-SH-AGE age_on_jan_1): `adult` 995; `strict`:
# 「超过18周岁」 excludes 18, and an 18-year-old not in school is in no listed tier.
case("SHA-9-A-SH-18-adult-exactly-18-pays-995",
     sh("2006-06-01", "2024-11-15", readings={"A-SH-18": "adult"}, **ZERO),
     accepted=True, readings={"A-SH-18": "adult", "A-SH-AGE": "age_on_jan_1"}, **{"amount_due.total": "995"})
case("SHA-9-A-SH-18-strict-exactly-18-amount-undetermined",
     sh("2006-06-01", "2024-11-15", readings={"A-SH-18": "strict"}, **ZERO),
     accepted=True, readings={"A-SH-18": "strict"}, **no_amount(2025))
# The same person reaches 19 in 2025: under age_reached_in_year an adult either way.
case("SHA-9-A-SH-AGE-age_reached_in_year-A-SH-18-strict-reaches-19-pays-995",
     sh("2006-06-01", "2024-11-15", readings={"A-SH-AGE": "age_reached_in_year", "A-SH-18": "strict"}, **ZERO),
     check_readings=False, accepted=True, readings={"A-SH-AGE": "age_reached_in_year"},
     **{"amount_due.total": "995"})
# Born 2007-06-01: 17 on Jan 1 2025 (355), 18 reached in 2025 (then A-SH-18 decides).
case("SHA-9-A-SH-AGE-age_on_jan_1-born-2007-is-17-pays-355",
     sh("2007-06-01", "2024-11-15", readings={"A-SH-AGE": "age_on_jan_1"}, **ZERO),
     accepted=True, readings={"A-SH-AGE": "age_on_jan_1"}, **{"amount_due.total": "355"})
case("SHA-9-A-SH-AGE-age_reached_in_year-A-SH-18-strict-born-2007-reaches-18-undetermined",
     sh("2007-06-01", "2024-11-15", readings={"A-SH-AGE": "age_reached_in_year", "A-SH-18": "strict"}, **ZERO),
     accepted=True, **no_amount(2025))
case("SHA-9-A-SH-18-adult-pupil-aged-18-pays-pupil-355",
     sh("2006-06-01", "2024-11-15", education="pupil", readings={"A-SH-18": "adult"}, **ZERO),
     check_readings=False, accepted=True, **{"amount_due.total": "355"})

# =============================================================================================
# SHA-8: who registers (no application: the day asked is `as_of`)
# =============================================================================================
case("SHA-8-pupil-no-application-school", sh("2015-03-10", education="pupil"), channel="school", accepted=None)
case("SHA-8-child-not-in-school-street-office", sh("2015-03-10", as_of="2025-01-01"), channel="street_office")
case("SHA-8-child-without-as-of-undetermined", sh("2015-03-10"), channel=None, undetermined=["channel"])
case("SHA-8-adult-undetermined", sh(ADULT, as_of="2025-01-01"), channel=None, undetermined=["channel"])
case("SHA-8-college-student-undetermined", sh("2005-03-10", as_of="2025-01-01", education="college_full_time"),
     channel=None, undetermined=["channel"])
case("SHA-8-SHA-3-newborn-street-office", sh("2025-01-15", "2025-02-10"),
     accepted=True, route="newborn", channel="street_office",
     **{"coverage.start": "2025-01-15", "amount_due.total": "355"})


# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc, expect, check_readings", CASES)
def test_table(doc, expect, check_readings):
    check_case(doc, expect, check_readings)


def test_the_shanghai_ambiguities_are_the_registered_ones():
    assert own_ambiguities(S) == {
        "A-SH-NB": ["three_months", "two_months"],
        "A-SH-LATE": ["from_month_4", "after_month_4"],
        "A-SH-AMT": ["total_100", "individual_50"],
        "A-SH-AGE": ["age_on_jan_1", "age_reached_in_year"],
        "A-SH-18": ["adult", "strict"],
        "A-SH-OCT1": ["first_working_day", "from_oct_1"],
    }


def test_every_own_ambiguity_option_changes_some_decision():
    # Catches: an option without a case, or one whose cases decide the same under every option;
    # the case must also report the option in `readings`.
    dull = options_no_case_changes(own_ambiguities(S), scenarios_of(CASES), reported=True)
    assert not dull, f"no case where these options change the decision: {dull}"


def test_every_rule_id_sha_1_to_9_is_encoded():
    assert {f"SHA-{n}" for n in range(1, 10)} <= set(P.policy(S).checked.rules)


def test_every_seed_quote_in_the_policy_is_verbatim():
    """Every `from SOURCE "quote"` whose source is a seed file is found byte-for-byte in it."""
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is absent: seed quotes cannot be checked")
    text = POLICY_FILE.read_text(encoding="utf-8")
    seeds = {}
    for name, body in re.findall(r'^source (\w+) "[^"]*"((?:\n  .*)*)', text, re.M):
        found = re.search(r'seed "([^"]+)"', body)
        if found:
            seeds[name] = (SEEDS / found[1]).read_text(encoding="utf-8")
    assert set(seeds) == {"seed002", "seed004"}
    quotes = [(s, q) for s, q in re.findall(r'\bfrom (\w+) "((?:[^"\\]|\\.)*)"', text) if s in seeds]
    assert len(quotes) >= 20
    for source, quote in quotes:
        assert quote in seeds[source], f"{source} quote not verbatim: {quote!r}"


def test_case_ids_cite_rules_md_ids():
    # Catches: a case that cites no rule, or an ID that rules.md does not define.
    check_case_ids(S, CASES)
