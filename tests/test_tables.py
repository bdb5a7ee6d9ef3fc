"""Table tests: scenarios and expected decision fields as data, written by hand from
shared/domain/rules.md (worked examples, rules, CONV-1…CONV-9, the §6 ambiguity register) and
shared/spec/scenario.md (the decision contract).

Every expected value below was derived from rules.md, never copied from the program's output.
Each case compares only the fields it names:

    plain dotted paths   "accepted", "route", "waiting_months", "coverage.start",
                         "amount_due.total", "amount_due.by_year", "coverage.by_year", ...
                         (amounts are compared as exact decimals and must be JSON strings)
    "reasons"            rule IDs that must be among the refusal reasons
    "reasons_any"        at least one of these rule IDs is among the reasons
    "decided_by"         rule IDs that must be among `decided_by`
    "readings"           {ambiguity: option} that must be in the decision's `readings`
    "undetermined"       fields that must be listed under `undetermined` (and be null)
    "alternatives"       partial expectations; each must match some alternative
    "n_alternatives"     the number of alternatives
    "assumed_mentions"   a substring that some `assumed` entry (what or why) must contain

Beyond what a case names, every case checks that each reading the scenario sets explicitly is
reported in the decision's `readings` with that option (the contract: "every ambiguity
consulted, with the option used"); a case where the reading is legitimately not consulted says
`check_readings=False`.
"""
from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest

from decision_paths import MISSING, lookup
from policyrun import load

P = load()
JURISDICTIONS = ("national", "harbin", "nanning")
RULES_MD = Path(__file__).resolve().parents[2] / "shared" / "domain" / "rules.md"


# ---------------------------------------------------------------------------------------------
# building scenarios

def scenario(j, birth, *, paid=None, registered=None, years=(), resident_years=(), employee=(),
             repair=0, readings=None, zero_years=(), used_years=(), cap_years=(), parameters=None,
             covered_on=(), **resident):
    doc = {"jurisdiction": j, "resident": {"birth_date": birth, **resident}}
    if paid is not None or registered is not None:
        app = {"coverage_years": list(years)}
        if paid is not None:
            app["paid_on"] = paid
        if registered is not None:
            app["registered_on"] = registered
        if repair:
            app["repair_years"] = repair
        doc["application"] = app
    history = {}
    if resident_years:
        history["resident_years"] = list(resident_years)
    if employee:
        history["employee_months"] = [{"from": a, "to": b} for a, b in employee]
    if zero_years:
        history["zero_reimbursement_years"] = list(zero_years)
    if used_years:
        history["reward_used_years"] = list(used_years)
    if history:
        doc["history"] = history
    if readings:
        doc["readings"] = dict(readings)
    if cap_years:
        doc["cap_years"] = list(cap_years)
    if parameters:
        doc["parameters"] = dict(parameters)
    if covered_on:
        doc["covered_on"] = list(covered_on)
    return doc


CASES = []


def case(case_id, doc, check_readings=True, **expect):
    CASES.append(pytest.param(doc, expect, check_readings, id=case_id))


def cov(start, end):
    return {"start": start, "end": end}


def no_amount(*years):
    """S(Y) is in no source: the total and every year's amount are undetermined (null)."""
    fields = ["amount_due.total"] + [f"amount_due.by_year.{y}" for y in years]
    return {"amount_due.total": None, "amount_due.by_year": {str(y): None for y in years},
            "undetermined": fields}


FULL = {"2025": cov("2025-01-01", "2025-12-31")}
ADULT = "1985-03-01"

# =============================================================================================
# Harbin (Seed 000): HRB-1…HRB-8, HRB-gaps, A-HRB-2025Q4, A-HRB-KEY, A-HRB-RONGQUE
# =============================================================================================
H = "harbin"

# HRB-1/HRB-4: born 2024-10-02, day 90 = 2024-12-31 (CONV-1: birth is day 0). Registered and paid
# Sep–Dec 2024 → both years, 380 + 400 = 780, covered from birth to 2025-12-31.
case("HRB-1-HRB-4-day-90-2024-12-31-accepted-780",
     scenario(H, "2024-10-02", paid="2024-12-31", years=[2024, 2025]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "780", "amount_due.by_year": {"2024": "380", "2025": "400"},
        "amount_due.repair": "0",
        "coverage.start": "2024-10-02", "coverage.end": "2025-12-31", "coverage.years": [2024, 2025],
        "coverage.by_year": {"2024": cov("2024-10-02", "2024-12-31"), "2025": cov("2025-01-01", "2025-12-31")},
        "decided_by": ["HRB-1", "HRB-4"]})

# The contract's example: day 91 (2025-01-01) asking for the two-year newborn package is refused
# by HRB-1; the one alternative is general enrollment for 2025 (HRB-7), paid outside the 2025
# concentrated period: 400, 3 months' wait (N-2), 2025-04-01…2025-12-31.
CONTRACT_ALTERNATIVE = {
    "accepted": True, "route": "mid_year", "waiting_months": 3,
    "amount_due.total": "400", "amount_due.by_year": {"2025": "400"},
    "coverage.start": "2025-04-01", "coverage.end": "2025-12-31", "coverage.years": [2025],
    "decided_by": ["HRB-7", "N-2"]}
case("HRB-1-HRB-7-N-2-day-91-2025-01-01-refused-contract-alternative",
     scenario(H, "2024-10-02", paid="2025-01-01", years=[2024, 2025]),
     accepted=False, reasons=["HRB-1"], n_alternatives=1, alternatives=[CONTRACT_ALTERNATIVE])

# HRB-1 with a leap-day birth: born 2024-02-29 → day 90 = 2024-05-29 (rules.md). Registered in
# Jan–Aug 2024, so HRB-gaps (ASSUMED by analogy with HRB-6): 380 for 2024, birth to 2024-12-31.
case("HRB-1-HRB-gaps-born-2024-02-29-day-90-is-2024-05-29-accepted",
     scenario(H, "2024-02-29", paid="2024-05-29", years=[2024]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "380", "amount_due.by_year": {"2024": "380"},
        "coverage.start": "2024-02-29", "coverage.end": "2024-12-31"})

# Day 91 (2024-05-30) for the same child: no newborn route (HRB-1); HRB-7 makes the child an
# ordinary resident. 2024 is before 38号 (N-1) and Harbin's own mid-year start date is not in
# the seed (HRB-7 note), so the coverage start is undetermined; the 2024 standard is 380 (STD-2).
case("HRB-1-HRB-7-born-2024-02-29-day-91-not-from-birth-start-undetermined",
     scenario(H, "2024-02-29", paid="2024-05-30", years=[2024]),
     accepted=True, route="mid_year", undetermined=["coverage.start"],
     **{"coverage.start": None, "amount_due.by_year": {"2024": "380"}})

# HRB-2: registered on day 90 (2024-12-31) but paid on day 91 (2025-01-01) → refused: payment
# must also fall in days 0–90. Under the default A-HRB-KEY (registration_date) the failing rule
# is the payment rule HRB-2. The general 2025 route remains (as in the contract's example).
case("HRB-2-A-HRB-KEY-registration_date-registered-day-90-paid-day-91-refused",
     scenario(H, "2024-10-02", registered="2024-12-31", paid="2025-01-01", years=[2024, 2025],
              readings={"A-HRB-KEY": "registration_date"}),
     accepted=False, reasons=["HRB-2"], alternatives=[CONTRACT_ALTERNATIVE],
     readings={"A-HRB-KEY": "registration_date"})
case("HRB-2-A-HRB-KEY-payment_date-registered-day-90-paid-day-91-refused",
     scenario(H, "2024-10-02", registered="2024-12-31", paid="2025-01-01", years=[2024, 2025],
              readings={"A-HRB-KEY": "payment_date"}),
     accepted=False, reasons_any=["HRB-1", "HRB-2"], alternatives=[CONTRACT_ALTERNATIVE],
     readings={"A-HRB-KEY": "payment_date"})

# HRB-4: registered 2024-11-15 (day 44) → 780, birth to 2025-12-31.
case("HRB-4-registered-2024-11-15-pays-2024-and-2025-780",
     scenario(H, "2024-10-02", paid="2024-11-15", years=[2024, 2025]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "780", "amount_due.by_year": {"2024": "380", "2025": "400"},
        "coverage.start": "2024-10-02", "coverage.end": "2025-12-31", "decided_by": ["HRB-4"]})

# HRB-4: asking only for 2024 leaves out the compulsory 2025 → not accepted; the alternative
# adds 2025 (contract: "its alternative adds that year").
case("HRB-4-asking-only-2024-refused-alternative-adds-2025",
     scenario(H, "2024-10-02", paid="2024-11-15", years=[2024]),
     accepted=False, reasons=["HRB-4"],
     alternatives=[{"accepted": True, "route": "newborn", "coverage.years": [2024, 2025],
                    "amount_due.total": "780", "amount_due.by_year": {"2024": "380", "2025": "400"},
                    "coverage.start": "2024-10-02", "coverage.end": "2025-12-31"}])

# HRB-4: on day 90 (2024-12-31, also inside the general 2025 period) the newborn rules still make
# 2024 compulsory with 2025: asking for 2025 alone is refused, the alternative adds 2024.
case("HRB-4-day-90-asking-only-2025-refused-alternative-adds-2024",
     scenario(H, "2024-10-02", paid="2024-12-31", years=[2025]),
     accepted=False, reasons=["HRB-4"],
     alternatives=[{"coverage.years": [2024, 2025], "amount_due.total": "780",
                    "coverage.start": "2024-10-02"}])
# Contract: empty coverage_years = the default route's years plus any year the rules make
# compulsory with it → HRB-4's two years.
case("HRB-4-empty-coverage-years-default-is-both-years-780",
     scenario(H, "2024-10-02", paid="2024-11-15"),
     accepted=True, route="newborn",
     **{"coverage.years": [2024, 2025], "amount_due.total": "780", "coverage.start": "2024-10-02"})

# HRB-4 + CONV-8: the Sep 1 – Dec 31 window is inclusive; born 2024-07-15, registered 2024-09-01
# (day 48) → the two-year package from birth.
case("HRB-4-CONV-8-registered-2024-09-01-first-day-of-window",
     scenario(H, "2024-07-15", paid="2024-09-01", years=[2024, 2025]),
     accepted=True, route="newborn",
     **{"amount_due.total": "780", "coverage.start": "2024-07-15", "coverage.end": "2025-12-31"})

# HRB-gaps: a 2024 birth registered 2024-08-31 (day 82) → ASSUMED 380, birth to 2024-12-31.
case("HRB-gaps-CONV-8-registered-2024-08-31-pays-2024-only-380",
     scenario(H, "2024-06-10", paid="2024-08-31", years=[2024]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "380", "coverage.start": "2024-06-10", "coverage.end": "2024-12-31"})

# HRB-5: born 2024-12-01, registered 2025-01-10 (day 40): the family chooses 780 from birth…
case("HRB-5-2024-birth-registered-2025-two-years-780-from-birth",
     scenario(H, "2024-12-01", paid="2025-01-10", years=[2024, 2025]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "780", "amount_due.by_year": {"2024": "380", "2025": "400"},
        "coverage.start": "2024-12-01", "coverage.end": "2025-12-31",
        "coverage.by_year": {"2024": cov("2024-12-01", "2024-12-31"), **FULL},
        "decided_by": ["HRB-5"]})
# …or 400 from 2025-01-01.
case("HRB-5-2024-birth-registered-2025-current-year-400-from-2025-01-01",
     scenario(H, "2024-12-01", paid="2025-01-10", years=[2025]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "400", "amount_due.by_year": {"2025": "400"},
        "coverage.start": "2025-01-01", "coverage.end": "2025-12-31", "coverage.by_year": FULL,
        "decided_by": ["HRB-5"]})
# HRB-5's note: possible only for births on or after 2024-10-03, whose day 90 is 2025-01-01.
case("HRB-1-HRB-5-born-2024-10-03-day-90-is-2025-01-01-accepted",
     scenario(H, "2024-10-03", paid="2025-01-01", years=[2025]),
     accepted=True, route="newborn",
     **{"amount_due.total": "400", "coverage.start": "2025-01-01", "coverage.end": "2025-12-31"})

# HRB-6: a 2025 birth registered 2025-01-01…08-31 pays 400 and is covered from birth.
case("HRB-6-2025-birth-registered-2025-04-20-400-from-birth",
     scenario(H, "2025-03-10", paid="2025-04-20", years=[2025]),
     accepted=True, route="newborn", waiting_months=0,
     **{"amount_due.total": "400", "amount_due.by_year": {"2025": "400"},
        "coverage.start": "2025-03-10", "coverage.end": "2025-12-31", "decided_by": ["HRB-6"]})
case("HRB-6-CONV-8-registered-2025-08-31-last-day-of-window",
     scenario(H, "2025-06-15", paid="2025-08-31", years=[2025]),
     accepted=True, route="newborn",
     **{"amount_due.total": "400", "coverage.start": "2025-06-15", "coverage.end": "2025-12-31"})

# A-HRB-2025Q4: born 2025-08-20, registered 2025-10-10 (day 51).
Q4 = dict(paid="2025-10-10")
case("A-HRB-2025Q4-current_year_only-pays-2025-400-from-birth",
     scenario(H, "2025-08-20", years=[2025], readings={"A-HRB-2025Q4": "current_year_only"}, **Q4),
     accepted=True, route="newborn", waiting_months=0, readings={"A-HRB-2025Q4": "current_year_only"},
     **{"amount_due.total": "400", "amount_due.by_year": {"2025": "400"},
        "coverage.start": "2025-08-20", "coverage.end": "2025-12-31"})
# two_years: 2025 + 2026 like HRB-4; Harbin's 2026 standard is in no source → that amount and the
# total are null and listed in `undetermined` (never a guess).
case("A-HRB-2025Q4-two_years-2026-standard-undetermined",
     scenario(H, "2025-08-20", years=[2025, 2026], readings={"A-HRB-2025Q4": "two_years"}, **Q4),
     accepted=True, route="newborn", readings={"A-HRB-2025Q4": "two_years"},
     undetermined=["amount_due.by_year.2026", "amount_due.total"],
     **{"amount_due.total": None, "amount_due.by_year": {"2025": "400", "2026": None},
        "coverage.start": "2025-08-20", "coverage.end": "2026-12-31", "coverage.years": [2025, 2026]})
case("A-HRB-2025Q4-two_years-asking-only-2025-refused-alternative-adds-2026",
     scenario(H, "2025-08-20", years=[2025], readings={"A-HRB-2025Q4": "two_years"}, **Q4),
     accepted=False, readings={"A-HRB-2025Q4": "two_years"},
     alternatives=[{"coverage.years": [2025, 2026], "amount_due.total": None,
                    "amount_due.by_year": {"2025": "400", "2026": None}}])

# A-HRB-KEY changes the route: born 2024-10-15, registered 2024-12-20 (day 66), paid 2025-01-05
# (day 82). Keyed on registration: HRB-4 (registered Sep–Dec 2024) makes 2024 + 2025 compulsory,
# so asking for 2025 alone is refused. Keyed on payment: HRB-5 (registered in 2025) lets the
# family buy 2025 alone for 400 from 2025-01-01.
KEY = dict(registered="2024-12-20", paid="2025-01-05", years=[2025])
case("A-HRB-KEY-registration_date-HRB-4-asking-2025-only-refused",
     scenario(H, "2024-10-15", readings={"A-HRB-KEY": "registration_date"}, **KEY),
     accepted=False, reasons=["HRB-4"], readings={"A-HRB-KEY": "registration_date"},
     alternatives=[{"coverage.years": [2024, 2025], "amount_due.total": "780",
                    "coverage.start": "2024-10-15", "coverage.end": "2025-12-31"}])
case("A-HRB-KEY-payment_date-HRB-5-2025-only-400-accepted",
     scenario(H, "2024-10-15", readings={"A-HRB-KEY": "payment_date"}, **KEY),
     accepted=True, route="newborn", readings={"A-HRB-KEY": "payment_date"},
     **{"amount_due.total": "400", "coverage.start": "2025-01-01", "coverage.end": "2025-12-31",
        "decided_by": ["HRB-5"]})

# A-HRB-RONGQUE (HRB-8): registered on the birth certificate, HRB-4 package (780).
RQ = dict(paid="2024-11-01", years=[2024, 2025], registered_with="birth_certificate")
case("HRB-8-A-HRB-RONGQUE-from_birth-record-not-changed-covered-from-birth",
     scenario(H, "2024-10-02", readings={"A-HRB-RONGQUE": "from_birth"}, **RQ),
     accepted=True, readings={"A-HRB-RONGQUE": "from_birth"},
     **{"amount_due.total": "780", "coverage.start": "2024-10-02", "coverage.end": "2025-12-31",
        "decided_by": ["HRB-8"]})
case("HRB-8-A-HRB-RONGQUE-from_birth-record-changed-2024-12-05-still-from-birth",
     scenario(H, "2024-10-02", readings={"A-HRB-RONGQUE": "from_birth"},
              record_changed_on="2024-12-05", **RQ),
     accepted=True, readings={"A-HRB-RONGQUE": "from_birth"},
     **{"amount_due.total": "780", "coverage.start": "2024-10-02"})
# after_record_change without a change date: the start is unknown → null + undetermined.
case("HRB-8-A-HRB-RONGQUE-after_record_change-no-change-date-start-undetermined",
     scenario(H, "2024-10-02", readings={"A-HRB-RONGQUE": "after_record_change"}, **RQ),
     accepted=True, readings={"A-HRB-RONGQUE": "after_record_change"},
     undetermined=["coverage.start"],
     **{"amount_due.total": "780", "coverage.start": None, "coverage.end": "2025-12-31",
        "decided_by": ["HRB-8"]})
# after_record_change with the record changed on 2024-12-05: benefits from the change
# (「变更信息后方可按规定享受医保待遇」; read as from the day of the change).
case("HRB-8-A-HRB-RONGQUE-after_record_change-record-changed-2024-12-05",
     scenario(H, "2024-10-02", readings={"A-HRB-RONGQUE": "after_record_change"},
              record_changed_on="2024-12-05", **RQ),
     accepted=True, readings={"A-HRB-RONGQUE": "after_record_change"},
     **{"amount_due.total": "780", "coverage.start": "2024-12-05", "coverage.end": "2025-12-31",
        "coverage.by_year": {"2024": cov("2024-12-05", "2024-12-31"), **FULL}})

# A Harbin adult (HRB-7 → general rules). The 2025 concentrated period is ASSUMED 2024-09-01…
# 2024-12-31 (HRB-7 note). Inside it (continuously insured): 400 from 2025-01-01, no wait.
case("HRB-7-N-11-adult-paid-2024-11-15-inside-concentrated-no-wait",
     scenario(H, "1980-05-05", paid="2024-11-15", years=[2025], resident_years=[2024]),
     accepted=True, route="concentrated", waiting_months=0,
     **{"amount_due.total": "400", "coverage.start": "2025-01-01", "coverage.end": "2025-12-31"})
case("HRB-7-CONV-8-adult-paid-2024-09-01-inside-concentrated",
     scenario(H, "1980-05-05", paid="2024-09-01", years=[2025], resident_years=[2024]),
     accepted=True, route="concentrated", waiting_months=0, **{"coverage.start": "2025-01-01"})
# Outside it (paid 2025-02-10): N-2's fixed 3 months from the payment date (CONV-3, A-WAIT-DAY
# default same_day) → 2025-05-10.
case("HRB-7-N-2-adult-paid-2025-02-10-outside-concentrated-3-months",
     scenario(H, "1980-05-05", paid="2025-02-10", years=[2025], resident_years=[2024]),
     accepted=True, route="mid_year", waiting_months=3, readings={"A-WAIT-DAY": "same_day"},
     **{"amount_due.total": "400", "coverage.start": "2025-05-10", "coverage.end": "2025-12-31",
        "decided_by": ["N-2"]})

# The national ambiguities, inherited by Harbin (harbin extends national).
for option, start in (("same_day", "2025-06-15"), ("next_day", "2025-06-16"),
                      ("next_month_first", "2025-07-01")):
    case(f"HRB-7-N-2-A-WAIT-DAY-{option}-paid-2025-03-15",
         scenario(H, "1980-05-05", paid="2025-03-15", years=[2025], resident_years=[2024],
                  readings={"A-WAIT-DAY": option}),
         accepted=True, waiting_months=3, readings={"A-WAIT-DAY": option},
         **{"coverage.start": start, "amount_due.total": "400"})
# Qingdao's pattern in Harbin: 2025, 2026 not insured, paid in the 2027 concentrated period.
# Harbin's 2027 standard is in no source (HRB-4 parameter, Seed 000 gives 2024–2025 only).
for option, months, start in (("minus_one", 4, "2027-05-01"), ("each_year", 5, "2027-06-01")):
    case(f"HRB-7-N-3-A-BREAK-{option}-2-break-years-{months}-months",
         scenario(H, "1980-05-05", paid="2026-11-20", years=[2027], resident_years=[2024],
                  readings={"A-BREAK": option}),
         accepted=True, route="concentrated", waiting_months=months, readings={"A-BREAK": option},
         undetermined=["amount_due.by_year.2027"],
         **{"coverage.start": start, "coverage.end": "2027-12-31", "amount_due.by_year": {"2027": None}})
for option, months, start in (("break_counts", 4, "2027-05-01"), ("no_break", 0, "2027-01-01")):
    case(f"HRB-7-A-FIRST-TIME-{option}-never-insured-concentrated-2027",
         scenario(H, "1990-01-01", paid="2026-10-10", years=[2027],
                  readings={"A-FIRST-TIME": option, "A-BREAK": "minus_one"} if option == "break_counts"
                  else {"A-FIRST-TIME": option}),
         accepted=True, route="concentrated", waiting_months=months,
         readings={"A-FIRST-TIME": option}, **{"coverage.start": start})
# A repair year when nothing is broken (continuous adult, mid-year 2025, standard 400).
for option, repair, total in (("charge", "400", "800"), ("refuse", "0", "400")):
    case(f"HRB-7-N-4-A-REPAIR-SURPLUS-{option}-repair-with-no-break",
         scenario(H, "1980-05-05", paid="2025-03-01", years=[2025], resident_years=[2024], repair=1,
                  readings={"A-REPAIR-SURPLUS": option}),
         accepted=True, waiting_months=3, readings={"A-REPAIR-SURPLUS": option},
         **{"amount_due.repair": repair, "amount_due.total": total,
            "amount_due.by_year": {"2025": "400"}, "coverage.start": "2025-06-01"})

# =============================================================================================
# National (国办发〔2024〕38号): N-2…N-7, N-11, CONV-2/3/6/8/9
# =============================================================================================
N = "national"

# Concentrated period Sep 1 – Dec 31 of the previous year, inclusive at both ends (CONV-8).
for paid in ("2024-09-01", "2024-12-31"):
    case(f"N-11-CONV-8-paid-{paid}-inside-concentrated-2025-from-jan-1",
         scenario(N, ADULT, paid=paid, years=[2025], resident_years=[2024]),
         accepted=True, route="concentrated", waiting_months=0,
         **{"amount_due.total": "400", "amount_due.by_year": {"2025": "400"}, "amount_due.repair": "0",
            "coverage.start": "2025-01-01", "coverage.end": "2025-12-31", "coverage.by_year": FULL})
case("N-2-CONV-8-paid-2025-01-01-outside-concentrated-3-months",
     scenario(N, ADULT, paid="2025-01-01", years=[2025], resident_years=[2024]),
     accepted=True, route="mid_year", waiting_months=3,
     **{"amount_due.total": "400", "coverage.start": "2025-04-01", "coverage.end": "2025-12-31",
        "coverage.by_year": {"2025": cov("2025-04-01", "2025-12-31")}, "decided_by": ["N-2"]})
# 2024-08-31 is before the 2025 period opens: 2025 cannot be bought yet.
case("N-11-CONV-8-paid-2024-08-31-before-window-2025-refused",
     scenario(N, ADULT, paid="2024-08-31", years=[2025], resident_years=[2024]),
     accepted=False)
# The same boundary for 2027 (standard 400 ASSUMED, CONV-9).
case("N-11-CONV-8-CONV-9-paid-2026-12-31-inside-2027-standard-assumed",
     scenario(N, ADULT, paid="2026-12-31", years=[2027], resident_years=[2024, 2025, 2026]),
     accepted=True, route="concentrated", waiting_months=0, assumed_mentions="CONV-9",
     **{"amount_due.total": "400", "coverage.start": "2027-01-01"})
case("N-2-CONV-8-paid-2027-01-01-outside-2027-3-months",
     scenario(N, ADULT, paid="2027-01-01", years=[2027], resident_years=[2024, 2025, 2026]),
     accepted=True, route="mid_year", waiting_months=3, **{"coverage.start": "2027-04-01"})

# N-2: fixed 3 months outside the period for someone continuously insured.
case("N-2-fixed-3-months-outside-paid-2025-03-15",
     scenario(N, ADULT, paid="2025-03-15", years=[2025], resident_years=[2024]),
     accepted=True, route="mid_year", waiting_months=3,
     **{"coverage.start": "2025-06-15", "coverage.end": "2025-12-31", "amount_due.total": "400"})

# N-2 inside the period with a break: one break year (2026), paid in the 2027 period → the
# fixed 3 months still apply (或), counted from 1 January (Qingdao): 2027-04-01 under minus_one;
# each_year adds the first break year: 4 → 2027-05-01.
for option, months, start in (("minus_one", 3, "2027-04-01"), ("each_year", 4, "2027-05-01")):
    case(f"N-2-N-3-A-BREAK-{option}-1-break-year-inside-from-jan-1",
         scenario(N, ADULT, paid="2026-11-20", years=[2027], resident_years=[2024, 2025],
                  readings={"A-BREAK": option}),
         accepted=True, route="concentrated", waiting_months=months, readings={"A-BREAK": option},
         **{"coverage.start": start, "coverage.end": "2027-12-31"})

# N-3 / N-3b: Qingdao's example — 2025 and 2026 not insured, paid in the 2027 period.
QD = dict(paid="2026-11-20", years=[2027], resident_years=[2024])
case("N-3-N-3b-A-BREAK-minus_one-2-break-years-qingdao-4-months-2027-05-01",
     scenario(N, ADULT, readings={"A-BREAK": "minus_one"}, **QD),
     accepted=True, route="concentrated", waiting_months=4, readings={"A-BREAK": "minus_one"},
     **{"coverage.start": "2027-05-01", "coverage.end": "2027-12-31",
        "coverage.by_year": {"2027": cov("2027-05-01", "2027-12-31")},
        "amount_due.total": "400", "amount_due.repair": "0", "decided_by": ["N-3"]})
case("N-3-A-BREAK-each_year-2-break-years-5-months-2027-06-01",
     scenario(N, ADULT, readings={"A-BREAK": "each_year"}, **QD),
     accepted=True, route="concentrated", waiting_months=5, readings={"A-BREAK": "each_year"},
     **{"coverage.start": "2027-06-01", "amount_due.total": "400"})
# N-4: one repair year (Qingdao: 「修复后需等待3个月,自2027年4月1日享受待遇」), costing that year's
# standard (400).
case("N-3b-N-4-A-BREAK-minus_one-1-repair-year-qingdao-3-months-2027-04-01",
     scenario(N, ADULT, repair=1, readings={"A-BREAK": "minus_one"}, **QD),
     accepted=True, waiting_months=3, readings={"A-BREAK": "minus_one"},
     **{"coverage.start": "2027-04-01", "amount_due.repair": "400", "amount_due.total": "800",
        "amount_due.by_year": {"2027": "400"}, "decided_by": ["N-4"]})
case("N-4-A-BREAK-each_year-1-repair-year-4-months",
     scenario(N, ADULT, repair=1, readings={"A-BREAK": "each_year"}, **QD),
     accepted=True, waiting_months=4, readings={"A-BREAK": "each_year"},
     **{"coverage.start": "2027-05-01", "amount_due.repair": "400", "amount_due.total": "800"})
case("N-4-A-BREAK-each_year-2-repair-years-800-fixed-3-months-remain",
     scenario(N, ADULT, repair=2, readings={"A-BREAK": "each_year"}, **QD),
     accepted=True, waiting_months=3, readings={"A-BREAK": "each_year"},
     **{"coverage.start": "2027-04-01", "amount_due.repair": "800", "amount_due.total": "1200"})
# Outside the period with the same break: the wait runs from the payment date (CONV-3).
for option, months, start in (("minus_one", 4, "2027-07-15"), ("each_year", 5, "2027-08-15")):
    case(f"N-3-CONV-3-A-BREAK-{option}-2-break-years-mid-year-from-payment",
         scenario(N, ADULT, paid="2027-03-15", years=[2027], resident_years=[2024],
                  readings={"A-BREAK": option}),
         accepted=True, route="mid_year", waiting_months=months, readings={"A-BREAK": option},
         **{"coverage.start": start})

# CONV-2 inside CONV-3: 2027-05-31 + 4 months clamps to 2027-09-30 (overflow would give 10-01).
case("N-3-CONV-2-A-BREAK-minus_one-paid-2027-05-31-plus-4-months-clamps-to-2027-09-30",
     scenario(N, ADULT, paid="2027-05-31", years=[2027], resident_years=[2024],
              readings={"A-BREAK": "minus_one"}),
     accepted=True, waiting_months=4, **{"coverage.start": "2027-09-30"})

# A-REPAIR-SURPLUS: under minus_one the Qingdao break has 1 variable month; 2 repair years → one
# is surplus. charge: both charged (800); refuse: only the effective one (400). Accepted either way.
for option, repair, total in (("charge", "800", "1200"), ("refuse", "400", "800")):
    case(f"N-4-A-REPAIR-SURPLUS-{option}-2-repair-years-1-effective",
         scenario(N, ADULT, repair=2, readings={"A-BREAK": "minus_one", "A-REPAIR-SURPLUS": option}, **QD),
         accepted=True, waiting_months=3, readings={"A-REPAIR-SURPLUS": option},
         **{"coverage.start": "2027-04-01", "amount_due.repair": repair, "amount_due.total": total})
# Nothing to repair at all (continuous, inside): 2 repair years are all surplus.
for option, repair, total in (("charge", "800", "1200"), ("refuse", "0", "400")):
    case(f"N-4-A-REPAIR-SURPLUS-{option}-no-break-2-repair-years",
         scenario(N, ADULT, paid="2026-11-20", years=[2027], resident_years=[2024, 2025, 2026],
                  repair=2, readings={"A-REPAIR-SURPLUS": option}),
         accepted=True, waiting_months=0, readings={"A-REPAIR-SURPLUS": option},
         **{"coverage.start": "2027-01-01", "amount_due.repair": repair, "amount_due.total": total})

# N-5: a 4-year break (2025–2028), paid in the 2029 period.
B4 = dict(paid="2028-10-10", years=[2029], resident_years=[2024])
for option, months, start in (("minus_one", 6, "2029-07-01"), ("each_year", 7, "2029-08-01")):
    case(f"N-3-N-5-A-BREAK-{option}-4-break-years-unrepaired-{months}-months",
         scenario(N, ADULT, readings={"A-BREAK": option}, **B4),
         accepted=True, waiting_months=months, readings={"A-BREAK": option},
         **{"coverage.start": start, "amount_due.total": "400"})
# Repaired fully: not below 6 months (N-5), under either reading.
for option in ("minus_one", "each_year"):
    case(f"N-5-A-BREAK-{option}-4-break-years-fully-repaired-floor-6",
         scenario(N, ADULT, repair=4, readings={"A-BREAK": option}, **B4),
         accepted=True, waiting_months=6, readings={"A-BREAK": option},
         **{"coverage.start": "2029-07-01", "amount_due.repair": "1600", "amount_due.total": "2000"})
case("N-5-A-BREAK-each_year-4-break-years-1-repair-year-floor-6",
     scenario(N, ADULT, repair=1, readings={"A-BREAK": "each_year"}, **B4),
     accepted=True, waiting_months=6, **{"coverage.start": "2029-07-01", "amount_due.repair": "400"})
# Under minus_one the 4-year break is already at 6: no repair year can help; refuse charges none.
case("N-5-A-REPAIR-SURPLUS-refuse-4-break-years-minus_one-no-effective-repair",
     scenario(N, ADULT, repair=4, readings={"A-BREAK": "minus_one", "A-REPAIR-SURPLUS": "refuse"}, **B4),
     accepted=True, waiting_months=6, readings={"A-REPAIR-SURPLUS": "refuse"},
     **{"amount_due.repair": "0", "amount_due.total": "400"})
# each_year: 7 → 6, one effective repair year.
case("N-5-A-REPAIR-SURPLUS-refuse-4-break-years-each_year-1-effective",
     scenario(N, ADULT, repair=4, readings={"A-BREAK": "each_year", "A-REPAIR-SURPLUS": "refuse"}, **B4),
     accepted=True, waiting_months=6, readings={"A-REPAIR-SURPLUS": "refuse"},
     **{"amount_due.repair": "400", "amount_due.total": "800"})

# N-5 / §0.1: a 5-year break (2025–2029), paid in the 2030 period: unrepaired 7 or 8 (no cap).
B5 = dict(paid="2029-10-10", years=[2030], resident_years=[2024])
for option, months, start in (("minus_one", 7, "2030-08-01"), ("each_year", 8, "2030-09-01")):
    case(f"N-3-N-5-A-BREAK-{option}-5-break-years-unrepaired-{months}-months-no-cap",
         scenario(N, ADULT, readings={"A-BREAK": option}, **B5),
         accepted=True, waiting_months=months, readings={"A-BREAK": option},
         **{"coverage.start": start, "coverage.end": "2030-12-31"})
for option in ("minus_one", "each_year"):
    case(f"N-5-A-BREAK-{option}-5-break-years-fully-repaired-floor-6",
         scenario(N, ADULT, repair=5, readings={"A-BREAK": option}, **B5),
         accepted=True, waiting_months=6, readings={"A-BREAK": option},
         **{"coverage.start": "2030-07-01", "amount_due.repair": "2000", "amount_due.total": "2400"})
case("N-4-N-5-A-BREAK-each_year-5-break-years-1-repair-year-7-months",
     scenario(N, ADULT, repair=1, readings={"A-BREAK": "each_year"}, **B5),
     accepted=True, waiting_months=7, **{"coverage.start": "2030-08-01", "amount_due.repair": "400"})
for option, repair, total in (("minus_one", "400", "800"), ("each_year", "800", "1200")):
    case(f"N-5-A-REPAIR-SURPLUS-refuse-A-BREAK-{option}-5-break-years-5-repair-years",
         scenario(N, ADULT, repair=5, readings={"A-BREAK": option, "A-REPAIR-SURPLUS": "refuse"}, **B5),
         accepted=True, waiting_months=6, readings={"A-REPAIR-SURPLUS": "refuse"},
         **{"amount_due.repair": repair, "amount_due.total": total})

# N-5 applies to a *continuous* break of 4+ years (「连续断缴4年及以上的」). Breaks 2025–2026 and
# 2028–2029 around an insured 2027 are 4 break years but no continuous 4-year break, so full
# repair leaves only the fixed 3 months — whether the earlier break still counts for N-3 or not
# (either way every variable month is repaired), under either A-BREAK reading.
for option in ("minus_one", "each_year"):
    case(f"N-5-N-4-A-BREAK-{option}-non-continuous-4-break-years-repaired-no-floor",
         scenario(N, ADULT, paid="2029-10-10", years=[2030], resident_years=[2024, 2027], repair=4,
                  readings={"A-BREAK": option}),
         accepted=True, route="concentrated", waiting_months=3, **{"coverage.start": "2030-04-01"})

# N-4 (「断保期间和待遇等待期内发生的医疗费用不纳入医疗保险统筹基金支付」) and the contract's
# `covered_on`: in Qingdao's case (no repair) not covered during the wait, covered from
# 2027-05-01 to the end of the year.
case("N-3b-N-4-covered_on-qingdao-not-during-wait-covered-after",
     scenario(N, ADULT, readings={"A-BREAK": "minus_one"},
              covered_on=["2027-01-01", "2027-04-30", "2027-05-01", "2027-12-31"], **QD),
     **{"covered_on": {"2027-01-01": False, "2027-04-30": False, "2027-05-01": True, "2027-12-31": True}})
# …and not covered in a break year (2026: neither resident nor employee insurance; repair gives
# no retroactive coverage).
case("N-4-N-6-covered_on-break-year-2026-not-covered",
     scenario(N, ADULT, repair=1, readings={"A-BREAK": "minus_one"}, covered_on=["2026-06-01"], **QD),
     **{"covered_on": {"2026-06-01": False}})

# A-WAIT-DAY (CONV-2, CONV-3): payment 2025-01-31 outside the period, W = 3.
for option, start in (("same_day", "2025-04-30"), ("next_day", "2025-05-01"),
                      ("next_month_first", "2025-05-01")):
    case(f"N-2-CONV-2-A-WAIT-DAY-{option}-paid-2025-01-31",
         scenario(N, ADULT, paid="2025-01-31", years=[2025], resident_years=[2024],
                  readings={"A-WAIT-DAY": option}),
         accepted=True, route="mid_year", waiting_months=3, readings={"A-WAIT-DAY": option},
         **{"coverage.start": start, "coverage.end": "2025-12-31"})
# A payment date where all three options differ.
for option, start in (("same_day", "2025-06-15"), ("next_day", "2025-06-16"),
                      ("next_month_first", "2025-07-01")):
    case(f"N-2-A-WAIT-DAY-{option}-paid-2025-03-15",
         scenario(N, ADULT, paid="2025-03-15", years=[2025], resident_years=[2024],
                  readings={"A-WAIT-DAY": option}),
         accepted=True, waiting_months=3, readings={"A-WAIT-DAY": option}, **{"coverage.start": start})
# The default reading is reported when consulted.
case("N-2-A-WAIT-DAY-default-same_day-reported",
     scenario(N, ADULT, paid="2025-03-15", years=[2025], resident_years=[2024]),
     readings={"A-WAIT-DAY": "same_day"})

# A-FIRST-TIME: never insured, paying in the concentrated period for 2027.
case("N-6-A-FIRST-TIME-break_counts-never-insured-2027-minus_one-4-months",
     scenario(N, "1990-01-01", paid="2026-10-10", years=[2027],
              readings={"A-FIRST-TIME": "break_counts", "A-BREAK": "minus_one"}),
     accepted=True, route="concentrated", waiting_months=4, readings={"A-FIRST-TIME": "break_counts"},
     **{"coverage.start": "2027-05-01"})
case("N-6-A-FIRST-TIME-break_counts-never-insured-2027-each_year-5-months",
     scenario(N, "1990-01-01", paid="2026-10-10", years=[2027],
              readings={"A-FIRST-TIME": "break_counts", "A-BREAK": "each_year"}),
     accepted=True, waiting_months=5, **{"coverage.start": "2027-06-01"})
case("N-6-A-FIRST-TIME-no_break-never-insured-2027-no-wait",
     scenario(N, "1990-01-01", paid="2026-10-10", years=[2027], readings={"A-FIRST-TIME": "no_break"}),
     accepted=True, route="concentrated", waiting_months=0, readings={"A-FIRST-TIME": "no_break"},
     **{"coverage.start": "2027-01-01", "amount_due.total": "400"})
# Outside the concentrated period the register's question does not arise: CONV-6 counts 2025
# and 2026 as break years → 3 + 1 = 4 months from the payment date.
case("N-6-CONV-6-never-insured-mid-year-2027-break-years-count",
     scenario(N, "1990-01-01", paid="2027-03-15", years=[2027], readings={"A-BREAK": "minus_one"}),
     accepted=True, route="mid_year", waiting_months=4, **{"coverage.start": "2027-07-15"})

# CONV-6: a year with any employee insurance is not a break year.
case("N-6-CONV-6-employee-months-cover-2025-not-a-break-year",
     scenario(N, ADULT, paid="2026-11-01", years=[2027], resident_years=[2024, 2026],
              employee=[("2025-01", "2025-12")]),
     accepted=True, route="concentrated", waiting_months=0, **{"coverage.start": "2027-01-01"})
case("N-6-CONV-6-employee-months-part-of-2025-not-a-break-year",
     scenario(N, ADULT, paid="2026-11-01", years=[2027], resident_years=[2024, 2026],
              employee=[("2025-03", "2025-06")]),
     accepted=True, waiting_months=0, **{"coverage.start": "2027-01-01"})
case("N-6-CONV-6-without-employee-months-2025-is-a-break-year",
     scenario(N, ADULT, paid="2026-11-01", years=[2027], resident_years=[2024, 2026],
              readings={"A-BREAK": "minus_one"}),
     accepted=True, waiting_months=3, **{"coverage.start": "2027-04-01"})
case("N-6-CONV-6-employee-spanning-2025-2026-no-resident-years",
     scenario(N, ADULT, paid="2026-11-01", years=[2027], resident_years=[2024],
              employee=[("2024-07", "2026-02")]),
     accepted=True, waiting_months=0, **{"coverage.start": "2027-01-01"})

# Contract: empty coverage_years = the coming year inside a concentrated period, else the
# current year.
case("N-11-empty-coverage-years-inside-period-is-the-coming-year",
     scenario(N, ADULT, paid="2024-11-15", resident_years=[2024]),
     accepted=True, route="concentrated", waiting_months=0,
     **{"coverage.years": [2025], "coverage.start": "2025-01-01", "amount_due.total": "400"})
case("N-2-empty-coverage-years-outside-period-is-the-current-year",
     scenario(N, ADULT, paid="2025-03-15", resident_years=[2024]),
     accepted=True, route="mid_year", waiting_months=3,
     **{"coverage.years": [2025], "coverage.start": "2025-06-15"})

# Contract: `accepted` is null when the scenario has no application.
case("N-1-no-application-accepted-null",
     scenario(N, ADULT, resident_years=[2024, 2025]),
     accepted=None, route=None, **{"amount_due": None, "coverage": None})

# N-7: 38号 exempts newborns but gives no newborn window; `national` has no local rule, so the
# exemption — and the waiting months — are undetermined.
case("N-7-newborn-exemption-undetermined-waiting-months-null",
     scenario(N, "2025-03-01", paid="2025-04-15", years=[2025]),
     undetermined=["waiting_months"], waiting_months=None)

# =============================================================================================
# Nanning (Seed 004): NNG-1…NNG-4, A-NNG-3M
# =============================================================================================
G = "nanning"

for paid in ("2024-09-01", "2024-12-31"):
    case(f"NNG-2-CONV-8-paid-{paid}-inside-2025-period-400-from-2025-01-01",
         scenario(G, ADULT, paid=paid, years=[2025]),
         accepted=True, route="concentrated", waiting_months=0,
         **{"amount_due.total": "400", "amount_due.by_year": {"2025": "400"},
            "coverage.start": "2025-01-01", "coverage.end": "2025-12-31", "coverage.by_year": FULL,
            "decided_by": ["NNG-2"]})
case("NNG-3-paid-2025-01-01-outside-3-months-from-2025-04-01",
     scenario(G, ADULT, paid="2025-01-01", years=[2025]),
     accepted=True, route="mid_year", waiting_months=3,
     **{"amount_due.total": "400", "coverage.start": "2025-04-01", "coverage.end": "2025-12-31",
        "decided_by": ["NNG-3"]})

# A-NNG-3M: insured in 2024, paid 2025-06-10 — an interruption of more than 3 months inside 2025.
# national: no whole break year → only the fixed 3 months (2025-09-10). literal: the wait is
# longer by an unstated amount → waiting months and start undetermined (the amount is still 400).
NN = dict(paid="2025-06-10", years=[2025], resident_years=[2024])
case("NNG-3-A-NNG-3M-national-interruption-over-3-months-fixed-3",
     scenario(G, ADULT, readings={"A-NNG-3M": "national"}, **NN),
     accepted=True, route="mid_year", waiting_months=3, readings={"A-NNG-3M": "national"},
     **{"coverage.start": "2025-09-10", "amount_due.total": "400"})
case("NNG-3-A-NNG-3M-literal-interruption-over-3-months-undetermined",
     scenario(G, ADULT, readings={"A-NNG-3M": "literal"}, **NN),
     accepted=True, route="mid_year", waiting_months=None, readings={"A-NNG-3M": "literal"},
     undetermined=["waiting_months", "coverage.start"],
     **{"coverage.start": None, "coverage.end": "2025-12-31", "amount_due.total": "400"})
# An interruption of under 3 months (Jan 1 → Mar 15): the second sentence does not apply.
case("NNG-3-A-NNG-3M-literal-interruption-under-3-months-fixed-3",
     scenario(G, ADULT, paid="2025-03-15", years=[2025], resident_years=[2024],
              readings={"A-NNG-3M": "literal"}),
     check_readings=False, accepted=True, waiting_months=3, **{"coverage.start": "2025-06-15"})

# NNG-1: non-local hukou, nothing says whether they hold a residence permit → accepted is null,
# with an `undetermined` entry for `accepted`.
case("NNG-1-non-local-without-residence-permit-accepted-undetermined",
     scenario(G, ADULT, paid="2024-11-01", years=[2025], hukou="non_local"),
     accepted=None, undetermined=["accepted"])
case("NNG-1-non-local-with-residence-permit-decided-normally",
     scenario(G, ADULT, paid="2024-11-01", years=[2025], hukou="non_local", residence_permit_points=60),
     accepted=True, route="concentrated", waiting_months=0,
     **{"amount_due.total": "400", "coverage.start": "2025-01-01", "coverage.end": "2025-12-31"})

# N-7 in Nanning: Seed 004 has no newborn rule, so (as in `national`) the newborn exemption and
# the waiting months are undetermined.
case("N-7-NNG-3-nanning-newborn-exemption-undetermined",
     scenario(G, "2025-03-01", paid="2025-04-15", years=[2025]),
     undetermined=["waiting_months"], waiting_months=None)

# CONV-9: Nanning's 2026 standard is in no source → 400, listed under `assumed`.
case("NNG-4-CONV-9-2026-standard-400-assumed",
     scenario(G, ADULT, paid="2025-11-01", years=[2026], resident_years=[2025]),
     accepted=True, route="concentrated", waiting_months=0, assumed_mentions="CONV-9",
     **{"amount_due.total": "400", "amount_due.by_year": {"2026": "400"},
        "coverage.start": "2026-01-01", "coverage.end": "2026-12-31"})

# The national ambiguities, inherited by Nanning.
for option, months, start in (("minus_one", 4, "2027-05-01"), ("each_year", 5, "2027-06-01")):
    case(f"NNG-2-N-3-A-BREAK-{option}-2-break-years-inside-2027",
         scenario(G, ADULT, paid="2026-11-20", years=[2027], resident_years=[2024],
                  readings={"A-BREAK": option}),
         accepted=True, route="concentrated", waiting_months=months, readings={"A-BREAK": option},
         **{"coverage.start": start, "amount_due.total": "400"})
for option, start in (("same_day", "2025-06-15"), ("next_day", "2025-06-16"),
                      ("next_month_first", "2025-07-01")):
    case(f"NNG-3-A-WAIT-DAY-{option}-paid-2025-03-15",
         scenario(G, ADULT, paid="2025-03-15", years=[2025], resident_years=[2024],
                  readings={"A-WAIT-DAY": option}),
         accepted=True, waiting_months=3, readings={"A-WAIT-DAY": option}, **{"coverage.start": start})
for option, months, start in (("break_counts", 4, "2027-05-01"), ("no_break", 0, "2027-01-01")):
    case(f"NNG-2-A-FIRST-TIME-{option}-never-insured-concentrated-2027",
         scenario(G, "1990-01-01", paid="2026-10-10", years=[2027],
                  readings={"A-FIRST-TIME": option, "A-BREAK": "minus_one"} if option == "break_counts"
                  else {"A-FIRST-TIME": option}),
         accepted=True, route="concentrated", waiting_months=months,
         readings={"A-FIRST-TIME": option}, **{"coverage.start": start})
for option, repair, total in (("charge", "400", "800"), ("refuse", "0", "400")):
    case(f"NNG-3-N-4-A-REPAIR-SURPLUS-{option}-repair-with-no-break",
         scenario(G, ADULT, paid="2025-03-01", years=[2025], resident_years=[2024], repair=1,
                  readings={"A-REPAIR-SURPLUS": option}),
         accepted=True, waiting_months=3, readings={"A-REPAIR-SURPLUS": option},
         **{"amount_due.repair": repair, "amount_due.total": total, "coverage.start": "2025-06-01"})


# =============================================================================================
# N-8 (医保办发〔2021〕43号) and N-9 (38号 rewards): national rules every city inherits — the
# seeds of Harbin and Nanning say nothing of their own on either.
# =============================================================================================
for J in (N, H, G):
    # N-8: ≥ 2 consecutive insured years (employee 2023-01…2025-03 = 27 months), then a gap of
    # 1 month (April), paid in May → benefits from the payment month and the gap covered
    # retroactively: from 2025-04-01, no wait. The annual fee is ASSUMED in full (rules.md §4).
    case(f"N-8-{J}-switch-gap-1-month-retroactive-from-2025-04-01",
         scenario(J, "1980-05-05", paid="2025-05-10", years=[2025], employee=[("2023-01", "2025-03")]),
         accepted=True, route="switch", waiting_months=0,
         **{"coverage.start": "2025-04-01", "coverage.end": "2025-12-31", "amount_due.total": "400",
            "decided_by": ["N-8"]})
    # N-8 needs 2 consecutive years: 10 months of employee insurance is not enough → N-2's 3
    # months from the payment date.
    case(f"N-8-N-2-{J}-switch-after-10-months-only-fixed-3-months",
         scenario(J, "1980-05-05", paid="2025-05-10", years=[2025], employee=[("2024-06", "2025-03")]),
         accepted=True, route="mid_year", waiting_months=3, **{"coverage.start": "2025-08-10"})
    # A-SWITCH-3M: employee to 2025-03, gap April–June, paid in July (month 4).
    # months_before_payment: a 3-month gap → N-8 applies (from 2025-04-01);
    # payment_month_counts: a 4-month gap → no N-8 → N-2's 3 months from 2025-07-15.
    SW = dict(paid="2025-07-15", years=[2025], employee=[("2023-01", "2025-03")])
    case(f"N-8-{J}-A-SWITCH-3M-months_before_payment-gap-3-months-retroactive",
         scenario(J, "1980-05-05", readings={"A-SWITCH-3M": "months_before_payment"}, **SW),
         accepted=True, route="switch", waiting_months=0,
         readings={"A-SWITCH-3M": "months_before_payment"},
         **{"coverage.start": "2025-04-01", "coverage.end": "2025-12-31"})
    case(f"N-8-N-2-{J}-A-SWITCH-3M-payment_month_counts-gap-4-months-fixed-3",
         scenario(J, "1980-05-05", readings={"A-SWITCH-3M": "payment_month_counts"}, **SW),
         accepted=True, route="mid_year", waiting_months=3,
         readings={"A-SWITCH-3M": "payment_month_counts"}, **{"coverage.start": "2025-10-15"})

    # N-9: the 大病 cap. Parameters given explicitly (the original cap is local).
    CAP = {"critical_illness.original_cap": 100000, "critical_illness.reward_step": 1000}
    # A-REWARD-START: insured 2021–2025, cap for 2025. count_pre_2025: a 5-year run → 1 step
    # (「从第5年起每多参保1年就会提高…至少一千元」); from_2025: a 1-year run → no raise.
    for option, cap in (("count_pre_2025", "101000"), ("from_2025", "100000")):
        case(f"N-9-{J}-A-REWARD-START-{option}-5-years-2021-2025",
             scenario(J, "1980-05-05", resident_years=range(2021, 2026), cap_years=[2025],
                      parameters=CAP, readings={"A-REWARD-START": option}),
             readings={"A-REWARD-START": option}, **{"critical_illness_cap.2025": cap})
    # A-REWARD-BREAK: insured 2020–2025 (6 years → 2 steps earned by 2025), break in 2026,
    # insured again 2027 (run restarts, N-9(e)). kept (Langfang): 2000 survives; cleared: none.
    for option, cap in (("kept", "102000"), ("cleared", "100000")):
        case(f"N-9-{J}-A-REWARD-BREAK-{option}-after-break-2026",
             scenario(J, "1980-05-05", resident_years=[*range(2020, 2026), 2027], cap_years=[2027],
                      parameters=CAP, readings={"A-REWARD-START": "count_pre_2025", "A-REWARD-BREAK": option}),
             readings={"A-REWARD-BREAK": option}, **{"critical_illness_cap.2027": cap})

# N-9(b): a zero-reimbursement year raises next year's cap by a step.
case("N-9-zero-reimbursement-2025-raises-2026-cap",
     scenario(N, "1980-05-05", resident_years=[2024, 2025, 2026], zero_years=[2025], cap_years=[2026],
              parameters={"critical_illness.original_cap": 100000, "critical_illness.reward_step": 1000},
              readings={"A-REWARD-START": "from_2025"}),
     **{"critical_illness_cap.2026": "101000"})
# N-9(d): a 大病 claim that used the reward quota (2026) clears the zero-reimbursement quota
# accumulated before it (2025).
case("N-9-reward-used-2026-clears-zero-reimbursement-quota",
     scenario(N, "1980-05-05", resident_years=[2024, 2025, 2026, 2027], zero_years=[2025],
              used_years=[2026], cap_years=[2027],
              parameters={"critical_illness.original_cap": 100000, "critical_illness.reward_step": 1000},
              readings={"A-REWARD-START": "from_2025"}),
     **{"critical_illness_cap.2027": "100000"})
# N-9(c): the cumulative raise is at most 20% of the original cap: 11 continuous years
# (2015–2025) → 7 steps of 1000 = 7000, capped at 20% × 10000 = 2000.
case("N-9-cumulative-raise-capped-at-20-percent",
     scenario(N, "1980-05-05", resident_years=range(2015, 2026), cap_years=[2025],
              parameters={"critical_illness.original_cap": 10000, "critical_illness.reward_step": 1000},
              readings={"A-REWARD-START": "count_pre_2025"}),
     **{"critical_illness_cap.2025": "12000"})

# NNG-3 + CONV-6: employee insurance until 2025-05 (8 months, too short for N-8), resident
# insurance paid 2025-06-10. The interruption of payment is under one month, not "超过3个月", so
# even the literal reading of A-NNG-3M leaves only the fixed 3 months (reading 中断缴费 as any
# basic medical insurance, as CONV-6 does for break years).
case("NNG-3-CONV-6-A-NNG-3M-literal-employee-until-2025-05-no-long-interruption",
     scenario(G, "1980-05-05", paid="2025-06-10", years=[2025], employee=[("2024-10", "2025-05")],
              readings={"A-NNG-3M": "literal"}),
     check_readings=False, accepted=True, waiting_months=3, **{"coverage.start": "2025-09-10"})


# ---------------------------------------------------------------------------------------------
# comparing a decision with a case

def same_money(got, want):
    if want is None or got is None:
        return got is want
    return isinstance(got, str) and Decimal(got) == Decimal(want)


def field_ok(path, got, want):
    if path.startswith("amount_due"):
        if isinstance(want, dict):
            return isinstance(got, dict) and got.keys() == want.keys() and all(
                same_money(got[k], want[k]) for k in want)
        return same_money(got, want)
    return got == want and type(got) is type(want)


def mismatches(decision, expect):
    out = []
    rules = [r.get("rule") for r in decision.get("reasons") or []]
    undetermined = {u["field"] for u in decision.get("undetermined") or []}
    for key, want in expect.items():
        if key == "reasons":
            missing = set(want) - set(rules)
            if missing:
                out.append(f"reasons {rules} lack {sorted(missing)}")
        elif key == "reasons_any":
            if not set(want) & set(rules):
                out.append(f"reasons {rules} contain none of {want}")
        elif key == "decided_by":
            missing = [r for r in want if r not in decision.get("decided_by", [])]
            if missing:
                out.append(f"decided_by {decision.get('decided_by')} lacks {missing}")
        elif key == "readings":
            got = decision.get("readings") or {}
            for amb, option in want.items():
                if got.get(amb) != option:
                    out.append(f"readings[{amb}] is {got.get(amb)!r}, want {option!r}")
        elif key == "undetermined":
            for field in want:
                if field not in undetermined:
                    out.append(f"undetermined {sorted(undetermined)} lacks {field!r}")
                elif lookup(decision, field) not in (None, MISSING):
                    out.append(f"{field} is listed as undetermined but is {lookup(decision, field)!r}")
        elif key == "n_alternatives":
            if len(decision.get("alternatives", [])) != want:
                out.append(f"{len(decision.get('alternatives', []))} alternatives, want {want}")
        elif key == "alternatives":
            alts = decision.get("alternatives", [])
            for alt_expect in want:
                tries = [mismatches(alt, alt_expect) for alt in alts]
                if not any(not t for t in tries):
                    out.append(f"no alternative matches {alt_expect}: "
                               + ("; ".join(str(t) for t in tries) or "there are none"))
        elif key == "assumed_mentions":
            if not any(want in (a.get("what", "") + " " + a.get("why", ""))
                       for a in decision.get("assumed", [])):
                out.append(f"no `assumed` entry mentions {want!r}: {decision.get('assumed')}")
        else:
            got = lookup(decision, key)
            if got is MISSING or not field_ok(key, got, want):
                out.append(f"{key} is {'missing' if got is MISSING else repr(got)}, want {want!r}")
    return out


def check_case(doc, expect, check_readings):
    """Evaluate one table case and assert the fields it names (shared by every city's table)."""
    original = copy.deepcopy(doc)
    decision = P.evaluate(doc)
    assert doc == original, "evaluate() changed its input"
    problems = mismatches(decision, expect)
    if check_readings:
        for amb, option in (doc.get("readings") or {}).items():
            if (decision.get("readings") or {}).get(amb) != option:
                problems.append(f"the explicit reading {amb}={option} is not reported in "
                                f"`readings` {decision.get('readings')}")
    assert not problems, "\n".join(problems)


def check_case_ids(jurisdiction, cases, extra=frozenset()):
    """Every case ID is unique and cites a rule ID, CONV-n or ambiguity that rules.md defines
    (shared by every city's table)."""
    from test_completeness import spec_rule_ids
    if not RULES_MD.exists():
        pytest.skip(f"{RULES_MD} is absent: case IDs cannot be checked against the domain specification")
    text = RULES_MD.read_text(encoding="utf-8")
    defined = spec_rule_ids() | {f"CONV-{n}" for n in range(1, 11) if f"CONV-{n}" in text} | set(extra)
    known = set(P.policy(jurisdiction).checked.rules) | set(P.ambiguities(jurisdiction)) | defined
    ids = [p.id for p in cases]
    assert len(ids) == len(set(ids)), "duplicate case IDs"
    for case_id in ids:
        cited = {k for k in known if re.search(rf"(^|-){re.escape(k)}(-|$)", case_id)}
        assert cited, f"{case_id} cites no rule ID"
        unknown = {k for k in cited if k not in defined and k not in text}
        assert not unknown, f"{case_id} cites {sorted(unknown)}, which rules.md does not define"


@pytest.mark.parametrize("doc, expect, check_readings", CASES)
def test_table(doc, expect, check_readings):
    check_case(doc, expect, check_readings)


# ---------------------------------------------------------------------------------------------
# the table itself

def _summary(decision):
    """The outputs a reading can change."""
    return (decision["accepted"], decision["route"], decision["amount_due"], decision["coverage"],
            decision["waiting_months"], sorted(r["rule"] for r in decision["reasons"]),
            sorted(u["field"] for u in decision["undetermined"]),
            decision["critical_illness_cap"], decision["covered_on"],
            [_summary(a) for a in decision["alternatives"]])


def own_ambiguities(j):
    """The ambiguities a city's policy declares itself (not those it inherits from national)."""
    inherited = P.ambiguities("national")
    return {a: o for a, o in P.ambiguities(j).items() if a not in inherited}


def scenarios_of(cases):
    return [param.values[0] for param in cases]


def options_no_case_changes(ambiguities, docs, outcome=_summary, reported=False):
    """The `ID=option`s of `ambiguities` that no scenario of `docs` setting that option shows
    to matter: none decides differently (by `outcome`) under every other option. With
    `reported`, such a scenario's decision must also report the option in its `readings`.
    (The reading-coverage check of every city's table.)"""
    dull = []
    for amb, options in ambiguities.items():
        for option in options:
            chosen = [d for d in docs if (d.get("readings") or {}).get(amb) == option]
            if not any((not reported or P.evaluate(d)["readings"].get(amb) == option)
                       and all(outcome(P.evaluate(d)) != outcome(P.evaluate(d, readings={amb: other}))
                               for other in options if other != option) for d in chosen):
                dull.append(f"{amb}={option}")
    return dull


def _explicit(j):
    """(ambiguity, option) -> [scenario, …] of the table's cases in jurisdiction j."""
    out = {}
    for param in CASES:
        doc = param.values[0]
        if doc["jurisdiction"] == j:
            for amb, option in (doc.get("readings") or {}).items():
                out.setdefault((amb, option), []).append(doc)
    return out


@pytest.mark.parametrize("j", JURISDICTIONS)
def test_every_ambiguity_option_has_a_case(j):
    # Catches: an ambiguity (or an option) added to a policy without a table case for it.
    used = _explicit(j)
    missing = [f"{amb}={o}" for amb, options in P.ambiguities(j).items() for o in options
               if (amb, o) not in used]
    assert not missing, f"{j}: no table case sets {missing}"


@pytest.mark.parametrize("j", JURISDICTIONS)
def test_every_ambiguity_option_changes_some_decision(j):
    # Catches: a declared option the policy never really consults (both options give the same
    # decision on every case that names it), or a table whose cases cannot tell them apart.
    docs = [doc for doc in scenarios_of(CASES) if doc["jurisdiction"] == j]
    dull = options_no_case_changes(P.ambiguities(j), docs)
    assert not dull, f"{j}: no case where these options change the decision: {dull}"


def test_case_ids_cite_known_rule_ids():
    # Catches: a case that cites no rule, or cites an ID that rules.md does not define.
    if not RULES_MD.exists():
        pytest.skip(f"{RULES_MD} is absent: case IDs cannot be checked against the domain specification")
    text = RULES_MD.read_text(encoding="utf-8")
    known = set()
    for j in JURISDICTIONS:
        known |= set(P.policy(j).checked.rules) | set(P.ambiguities(j))
    known |= {f"CONV-{n}" for n in range(1, 11)} | {"HRB-gaps", "N-3b"}
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids)), "duplicate case IDs"
    for case_id in ids:
        cited = {k for k in known if re.search(rf"(^|-){re.escape(k)}(-|$)", case_id)}
        assert cited, f"{case_id} cites no known rule ID"
        for k in cited:
            assert k in text, f"{case_id} cites {k}, which rules.md does not mention"
