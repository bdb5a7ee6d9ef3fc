"""Table tests for Shenyang (Seed 001): SHY-1…SHY-9, SHY-gaps, A-SHY-ORPHAN, and the national
rules Shenyang inherits from 2025 (N-2…N-5, CONV-3).

Every expected value was derived by hand from shared/domain/rules.md and the contract
(shared/spec/scenario.md), never copied from the program's output. The case format (and the
comparison) is that of tests/test_tables.py; see its docstring.

Hand derivations used throughout:
- SHY-1/CONV-8: the concentrated period for coverage year Y is (Y−1)-09-01…(Y−1)-12-20 inclusive;
  paying in it buys Y from 1 January (CONV-3; no wait without a break year).
- SHY-2: the current year can be bought 01-01…12-20; from 2025 that is outside Y's concentrated
  period, so N-2's fixed 3 months apply from the payment date (CONV-3, A-WAIT-DAY `same_day`,
  CONV-2 clamping). Before 2025 the seed gives no start (SHY-gaps): `coverage.start` is undetermined.
- SHY-3: inside 09-01…12-20, the current year is sold only with the next one.
- SHY-gaps: S(Y) is in no source, so every amount is undetermined (null), never zero.
"""
from __future__ import annotations


import pytest

from test_tables import (_summary, check_case, check_case_ids, cov, no_amount, options_no_case_changes,
                         own_ambiguities, scenario, scenarios_of)

S = "shenyang"
ADULT = "1980-05-01"
CASES = []


def case(case_id, doc, check_readings=True, **expect):
    CASES.append(pytest.param(doc, expect, check_readings, id=case_id))


# =============================================================================================
# SHY-1: the concentrated period 9/1–12/20 (inclusive) buys next year from 1 January
# =============================================================================================

# First day: insured 2024 and 2025, so 2026 has no break year → no wait (N-2 only with a break).
case("SHY-1-CONV-8-paid-2025-09-01-first-day-buys-2026-from-jan-1",
     scenario(S, ADULT, paid="2025-09-01", years=[2026], resident_years=[2024, 2025]),
     accepted=True, route="concentrated", waiting_months=0,
     **{"coverage.start": "2026-01-01", "coverage.end": "2026-12-31", "coverage.years": [2026],
        "coverage.by_year": {"2026": cov("2026-01-01", "2026-12-31")},
        "decided_by": ["SHY-1"], "assumed_mentions": "SHY-gaps", **no_amount(2026)})

# Last day, Dec 20, is still inside (CONV-8).
case("SHY-1-CONV-8-paid-2025-12-20-last-day-buys-2026-from-jan-1",
     scenario(S, ADULT, paid="2025-12-20", years=[2026], resident_years=[2024, 2025]),
     accepted=True, route="concentrated", waiting_months=0,
     **{"coverage.start": "2026-01-01", "coverage.end": "2026-12-31", **no_amount(2026)})

# Dec 21 is outside the period, and after the mid-year window closes too (SHY-2): no route is
# open on that day at all.
case("SHY-1-SHY-2-CONV-8-paid-2025-12-21-refused-no-alternative",
     scenario(S, ADULT, paid="2025-12-21", years=[2026], resident_years=[2024, 2025]),
     accepted=False, reasons=["SHY-1", "SHY-2"], n_alternatives=0)
case("SHY-2-CONV-8-paid-2025-12-21-current-year-refused",
     scenario(S, ADULT, paid="2025-12-21", years=[2025], resident_years=[2024]),
     accepted=False, reasons=["SHY-2"], n_alternatives=0)

# Aug 31 is the day before the period: next year cannot be bought yet; the alternative is the
# current year mid-year: 2025-08-31 + 3 months = 2025-11-30 (CONV-2 clamps to the month end).
case("SHY-1-SHY-2-CONV-2-paid-2025-08-31-next-year-refused-mid-year-alternative",
     scenario(S, ADULT, paid="2025-08-31", years=[2026], resident_years=[2024]),
     accepted=False, reasons=["SHY-1"], n_alternatives=1,
     alternatives=[{"route": "mid_year", "coverage.years": [2025], "waiting_months": 3,
                    "coverage.start": "2025-11-30", "coverage.end": "2025-12-31"}])

# The seed's own era: the period that opened 2022-09-01 is quoted, not assumed.
case("SHY-1-paid-2022-09-01-buys-2023-from-jan-1-pre-2025-no-wait",
     scenario(S, ADULT, paid="2022-09-01", years=[2023], resident_years=[2022]),
     accepted=True, route="concentrated", waiting_months=0,
     **{"coverage.start": "2023-01-01", "coverage.end": "2023-12-31", **no_amount(2023)})

# Contract: empty coverage_years inside a concentrated period = the coming year.
case("SHY-1-empty-coverage-years-in-period-default-is-next-year",
     scenario(S, ADULT, paid="2025-10-10", resident_years=[2024, 2025]),
     accepted=True, route="concentrated", **{"coverage.years": [2026], "coverage.start": "2026-01-01"})

# Inherited N-2/N-3 inside the period: 2025, 2026 and 2027 uninsured are three break years
# (CONV-6), so 2028 bought in the period waits 3 + (3 − 1) = 5 months from 1 January under
# A-BREAK `minus_one` (→ 2028-06-01), 3 + 3 = 6 under `each_year` (→ 2028-07-01).
case("SHY-1-N-3-A-BREAK-minus_one-three-break-years-2028-06-01",
     scenario(S, ADULT, paid="2027-10-10", years=[2028], resident_years=[2024],
              readings={"A-BREAK": "minus_one"}),
     accepted=True, route="concentrated", waiting_months=5, **{"coverage.start": "2028-06-01"})
case("SHY-1-N-3-A-BREAK-each_year-three-break-years-2028-07-01",
     scenario(S, ADULT, paid="2027-10-10", years=[2028], resident_years=[2024],
              readings={"A-BREAK": "each_year"}),
     accepted=True, route="concentrated", waiting_months=6, **{"coverage.start": "2028-07-01"})

# =============================================================================================
# SHY-2: mid-year enrolment for the current year, 1/1–12/20, at the full annual standard
# =============================================================================================

# First day of the window: outside 2025's concentrated period → N-2: 2025-01-01 + 3 = 04-01.
case("SHY-2-N-2-paid-2025-01-01-first-day-three-month-wait",
     scenario(S, ADULT, paid="2025-01-01", years=[2025], resident_years=[2024]),
     accepted=True, route="mid_year", waiting_months=3,
     **{"coverage.start": "2025-04-01", "coverage.end": "2025-12-31", "decided_by": ["SHY-2", "N-2"],
        **no_amount(2025)})

# CONV-2 month ends: 2025-01-31 + 3 months = 2025-04-30 (rules.md's own example).
case("SHY-2-N-2-CONV-2-paid-2025-01-31-starts-2025-04-30",
     scenario(S, ADULT, paid="2025-01-31", years=[2025], resident_years=[2024]),
     accepted=True, route="mid_year", **{"coverage.start": "2025-04-30"})

# A leap day: 2028-02-29 + 3 months = 2028-05-29.
case("SHY-2-N-2-CONV-2-paid-leap-day-2028-02-29-starts-2028-05-29",
     scenario(S, ADULT, paid="2028-02-29", years=[2028], resident_years=[2026, 2027]),
     accepted=True, route="mid_year", waiting_months=3,
     **{"coverage.start": "2028-05-29", "coverage.end": "2028-12-31"})

# A-WAIT-DAY (inherited, CONV-3) on a Shenyang mid-year payment of 2025-03-15.
for option, start in (("same_day", "2025-06-15"), ("next_day", "2025-06-16"),
                      ("next_month_first", "2025-07-01")):
    case(f"SHY-2-CONV-3-A-WAIT-DAY-{option}-paid-2025-03-15-starts-{start}",
         scenario(S, ADULT, paid="2025-03-15", years=[2025], resident_years=[2024],
                  readings={"A-WAIT-DAY": option}),
         accepted=True, route="mid_year", waiting_months=3, **{"coverage.start": start})

# SHY-gaps: before 2025 the seed gives no start for mid-year coverage, and no amount.
case("SHY-2-SHY-gaps-paid-2024-03-15-start-and-amount-undetermined",
     scenario(S, ADULT, paid="2024-03-15", years=[2024], resident_years=[2023]),
     accepted=True, route="mid_year",
     **{"coverage.start": None, "coverage.end": "2024-12-31", "coverage.years": [2024],
        "amount_due.total": None, "amount_due.by_year": {"2024": None},
        "undetermined": ["coverage.start", "amount_due.total", "amount_due.by_year.2024"]})

# 38号 exempts newborns but names no window; Shenyang's seed has no newborn rule: a baby's start
# and wait are undetermined from 2025 (N-7 with no local rule), not guessed.
case("SHY-2-N-7-baby-paid-2025-06-01-start-and-wait-undetermined",
     scenario(S, "2025-03-01", paid="2025-06-01", years=[2025]),
     accepted=True, route="mid_year",
     **{"coverage.start": None, "waiting_months": None,
        "undetermined": ["coverage.start", "waiting_months"]})

# =============================================================================================
# SHY-3: inside 9/1–12/20 the current year is sold only together with the next year
# =============================================================================================

# Aug 31, the day before the period: the current year alone is fine.
case("SHY-3-SHY-2-paid-2025-08-31-current-year-alone-accepted",
     scenario(S, ADULT, paid="2025-08-31", years=[2025], resident_years=[2024]),
     accepted=True, route="mid_year", **{"coverage.years": [2025]})

# Sep 1: asking for 2025 alone is refused; the alternatives add 2026 (contract) — both years,
# 2025 from 2025-09-01 + 3 months = 2025-12-01 and 2026 from 1 January — or 2026 alone, where the
# uninsured 2025 is a break year: 3 months from 1 January (N-2, Qingdao's anchor) = 2026-04-01.
BOTH_FROM_SEP_1 = {"route": "mid_year", "coverage.years": [2025, 2026], "waiting_months": 3,
                   "coverage.start": "2025-12-01", "coverage.end": "2026-12-31",
                   "coverage.by_year": {"2025": cov("2025-12-01", "2025-12-31"),
                                        "2026": cov("2026-01-01", "2026-12-31")},
                   "decided_by": ["SHY-3"], **no_amount(2025, 2026)}
case("SHY-3-paid-2025-09-01-current-year-alone-refused-alternative-adds-2026",
     scenario(S, ADULT, paid="2025-09-01", years=[2025], resident_years=[2024]),
     accepted=False, reasons=["SHY-3"], n_alternatives=2,
     alternatives=[BOTH_FROM_SEP_1,
                   {"route": "concentrated", "coverage.years": [2026], "waiting_months": 3,
                    "coverage.start": "2026-04-01"}])
case("SHY-3-paid-2025-09-01-both-years-accepted",
     scenario(S, ADULT, paid="2025-09-01", years=[2025, 2026], resident_years=[2024]),
     accepted=True, **{k: v for k, v in BOTH_FROM_SEP_1.items()})

# Dec 20, the last day of both windows: the two-year purchase is still open.
case("SHY-3-CONV-8-paid-2025-12-20-both-years-accepted",
     scenario(S, ADULT, paid="2025-12-20", years=[2025, 2026], resident_years=[2024]),
     accepted=True, route="mid_year", **{"coverage.years": [2025, 2026], "decided_by": ["SHY-3"]})
case("SHY-3-CONV-8-paid-2025-12-20-current-year-alone-refused",
     scenario(S, ADULT, paid="2025-12-20", years=[2025], resident_years=[2024]),
     accepted=False, reasons=["SHY-3"],
     alternatives=[{"route": "mid_year", "coverage.years": [2025, 2026]}])

# The seed's own era (2022), before 38号: 2023 bought in the period starts 1 January; the 2022
# part's start is in no source, so the two-year purchase's start is undetermined.
case("SHY-3-SHY-gaps-paid-2022-10-10-current-year-alone-refused",
     scenario(S, ADULT, paid="2022-10-10", years=[2022], resident_years=[2021]),
     accepted=False, reasons=["SHY-3"],
     alternatives=[{"route": "mid_year", "coverage.years": [2022, 2023], "coverage.start": None},
                   {"route": "concentrated", "coverage.years": [2023], "coverage.start": "2023-01-01",
                    "waiting_months": 0}])

# =============================================================================================
# SHY-4: automatic renewal — pay in the period (self-service); unpaid renewals are deleted
# when it ends, then mid-year enrolment at the community
# =============================================================================================
case("SHY-4-CONV-8-renewal-paid-2025-12-20-self-service",
     scenario(S, "2021-06-15", paid="2025-12-20", years=[2026], resident_years=[2025], auto_renewed=True),
     accepted=True, route="renewal", channel="self_service", waiting_months=0,
     **{"coverage.start": "2026-01-01", "coverage.end": "2026-12-31", "decided_by": ["SHY-4"],
        **no_amount(2026)})
case("SHY-4-renewal-paid-2025-09-01-default-years-self-service",
     scenario(S, ADULT, paid="2025-09-01", resident_years=[2025], auto_renewed=True),
     accepted=True, route="renewal", channel="self_service", **{"coverage.years": [2026]})
case("SHY-4-renewal-unpaid-at-2025-12-21-deleted-refused",
     scenario(S, ADULT, paid="2025-12-21", years=[2026], resident_years=[2025], auto_renewed=True),
     accepted=False, reasons=["SHY-4", "SHY-2"], n_alternatives=0)
case("SHY-4-SHY-9-renewal-deleted-mid-year-2026-01-05-at-community",
     scenario(S, ADULT, paid="2026-01-05", years=[2026], resident_years=[2025], auto_renewed=True),
     accepted=True, route="mid_year", channel="community", waiting_months=3,
     **{"coverage.start": "2026-04-05"})
# Renewal is for local hukou only; a non-local resident takes the concentrated route.
case("SHY-4-SHY-9-non-local-with-renewal-flag-is-no-renewal",
     scenario(S, ADULT, paid="2025-10-10", years=[2026], resident_years=[2025], auto_renewed=True,
              hukou="non_local"),
     accepted=True, route="concentrated", channel="community")
# SHY-9's severely disabled go to the community even when renewed automatically.
case("SHY-4-SHY-9-severely-disabled-renewal-paid-at-community",
     scenario(S, ADULT, paid="2025-10-10", years=[2026], resident_years=[2025], auto_renewed=True,
              statuses=["severe_disability"]),
     accepted=True, route="renewal", channel="community")

# =============================================================================================
# SHY-5…SHY-9: who collects, asked without an application (no day needed)
# =============================================================================================
CHANNELS = [
    ("SHY-5-pupil-school", dict(education="pupil"), [2025], "school"),
    ("SHY-5-full-time-college-student-school", dict(education="college_full_time"), [2025], "school"),
    ("SHY-6-dibao-civil-affairs", dict(statuses=["dibao"]), [2025], "civil_affairs"),
    ("SHY-6-tekun-civil-affairs", dict(statuses=["tekun"]), [2025], "civil_affairs"),
    ("SHY-6-orphan-not-in-school-civil-affairs", dict(statuses=["orphan"]), [2025], "civil_affairs"),
    ("SHY-6-dibao-edge-civil-affairs", dict(statuses=["dibao_edge"]), [2025], "civil_affairs"),
    ("SHY-7-youfu-veterans-affairs", dict(statuses=["youfu"]), [2025], "veterans_affairs"),
    ("SHY-8-poverty-in-faku-county-poverty-alleviation",
     dict(statuses=["poverty_registered"], district="法库县"), [2025], "poverty_alleviation"),
    ("SHY-8-poverty-in-kangping-traditional-spelling-poverty-alleviation",
     dict(statuses=["poverty_registered"], district="康平縣"), [2025], "poverty_alleviation"),
    ("SHY-8-SHY-9-poverty-outside-the-four-places-community",
     dict(statuses=["poverty_registered"], district="和平区"), [2025], "community"),
    ("SHY-9-first-time-local-community", dict(), [], "community"),
    ("SHY-9-severely-disabled-community", dict(statuses=["severe_disability"]), [2025], "community"),
    ("SHY-9-non-local-hukou-community", dict(hukou="non_local"), [2025], "community"),
    ("SHY-9-SHY-5-first-time-pupil-collected-by-school", dict(education="pupil"), [], "school"),
    ("SHY-4-auto-renewed-self-service", dict(auto_renewed=True), [2025], "self_service"),
]
for case_id, resident, years, channel in CHANNELS:
    case(case_id, scenario(S, "2012-04-01", resident_years=years, **resident),
         accepted=None, route=None, channel=channel)

case("SHY-8-poverty-without-district-undetermined",
     scenario(S, ADULT, resident_years=[2025], statuses=["poverty_registered"]),
     channel=None, undetermined=["channel"])
case("SHY-5-part-time-college-student-undetermined",
     scenario(S, ADULT, resident_years=[2025], education="college_part_time"),
     channel=None, undetermined=["channel"])
case("SHY-6-SHY-7-dibao-and-youfu-no-order-undetermined",
     scenario(S, ADULT, resident_years=[2025], statuses=["dibao", "youfu"]),
     channel=None, undetermined=["channel"])

# A-SHY-ORPHAN: an orphan in school (and, as a person in the same two groups, a 低保 pupil).
for option, channel in (("school", "school"), ("civil_affairs", "civil_affairs")):
    case(f"SHY-5-SHY-6-A-SHY-ORPHAN-{option}-orphan-pupil",
         scenario(S, "2012-04-01", resident_years=[2025], education="pupil", statuses=["orphan"],
                  readings={"A-SHY-ORPHAN": option}),
         channel=channel, readings={"A-SHY-ORPHAN": option})
    case(f"SHY-5-SHY-6-A-SHY-ORPHAN-{option}-orphan-pupil-paying-in-the-period",
         scenario(S, "2012-04-01", paid="2025-10-10", years=[2026], resident_years=[2025],
                  education="pupil", statuses=["orphan"], readings={"A-SHY-ORPHAN": option}),
         accepted=True, route="concentrated", channel=channel)
    case(f"SHY-5-SHY-6-A-SHY-ORPHAN-{option}-dibao-pupil",
         scenario(S, "2012-04-01", resident_years=[2025], education="pupil", statuses=["dibao"],
                  readings={"A-SHY-ORPHAN": option}),
         channel=channel)


# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc, expect, check_readings", CASES)
def test_table(doc, expect, check_readings):
    check_case(doc, expect, check_readings)


def outcome(decision):
    """What a reading can change: test_tables' summary, plus the channel (A-SHY-ORPHAN)."""
    return _summary(decision), decision["channel"]


def test_every_own_ambiguity_option_changes_some_decision():
    # Catches: an option without a case, or one whose cases decide the same under every option.
    dull = options_no_case_changes(own_ambiguities(S), scenarios_of(CASES), outcome)
    assert own_ambiguities(S), "the Shenyang policy declares no ambiguity of its own"
    assert not dull, f"no case where these options change the decision: {dull}"


def test_case_ids_cite_rules_md_ids():
    # Catches: a case that cites no rule, or an ID that rules.md does not define.
    check_case_ids(S, CASES, {"SHY-gaps"})
