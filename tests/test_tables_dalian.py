"""Table tests for Dalian (Seed 003): DAL-1…DAL-9, DAL-gaps, CONV-4 and the four Dalian
ambiguities (A-DAL-1ST, A-DAL-EXC-OCT, A-DAL-NB-EDGE, A-DAL-PT-STUDENT).

Every expected value was derived by hand from shared/domain/rules.md and the contract
(shared/spec/scenario.md), never copied from the program's output. The case format (and the
comparison) is that of tests/test_tables.py; see its docstring.

Hand derivations used throughout:
- DAL-gaps: 385/295 are ASSUMED to be coverage year 2023's, and the policy answers only for 2023;
  every case buys 2023 (a 2024 route is "not answered", which makes `accepted` null).
- DAL-2/CONV-4: mid-year (January–September) coverage starts on the 1st of the month after
  add_months(payment, 2) (CONV-2 clamping); on the 1st of a month A-DAL-1ST decides.
  `waiting_months` is null: a local delay rule, not 38号, sets the start (contract).
- DAL-5/DAL-6: 「自缴费次月起」 = the 1st of the month after payment (CONV-5).
"""
from __future__ import annotations


import pytest

from test_tables import (check_case, check_case_ids, cov, options_no_case_changes, own_ambiguities, scenario,
                         scenarios_of)

D = "dalian"
ADULT = "1985-03-01"
CASES = []


def case(case_id, doc, check_readings=True, **expect):
    CASES.append(pytest.param(doc, expect, check_readings, id=case_id))


def mid_year(start, amount="385"):
    """An accepted mid-year purchase of 2023 starting on `start` (DAL-2)."""
    return {"accepted": True, "route": "mid_year", "waiting_months": None,
            "coverage.start": start, "coverage.end": "2023-12-31", "coverage.years": [2023],
            "coverage.by_year": {"2023": cov(start, "2023-12-31")},
            "amount_due.total": amount, "amount_due.by_year": {"2023": amount}}


# =============================================================================================
# DAL-2 / CONV-4: mid-year enrolment January–September, from 满2个月后的次月1日
# =============================================================================================

# rules.md's worked examples.
case("DAL-2-CONV-4-paid-2023-03-15-starts-2023-06-01",
     scenario(D, ADULT, paid="2023-03-15", years=[2023], resident_years=[2021]),
     channel="street_office", decided_by=["DAL-2", "DAL-1"], assumed_mentions="DAL-gaps",
     **mid_year("2023-06-01"))
case("DAL-2-CONV-4-CONV-2-paid-2023-07-31-starts-2023-10-01-not-11-01",
     scenario(D, ADULT, paid="2023-07-31", years=[2023]),
     **mid_year("2023-10-01"))
# Month end in February: 2023-02-28 + 2 months = 2023-04-28 → 2023-05-01.
case("DAL-2-CONV-4-paid-2023-02-28-month-end-starts-2023-05-01",
     scenario(D, ADULT, paid="2023-02-28", years=[2023]),
     **mid_year("2023-05-01"))
# Last day of the window (CONV-8: months 1–9 inclusive): 09-30 + 2 = 11-30 → 12-01.
case("DAL-2-CONV-8-paid-2023-09-30-last-day-starts-2023-12-01",
     scenario(D, ADULT, paid="2023-09-30", years=[2023]),
     **mid_year("2023-12-01"))
# The day after: October is outside the window; the current year cannot be bought.
case("DAL-2-CONV-8-paid-2023-10-01-refused",
     scenario(D, ADULT, paid="2023-10-01", years=[2023]),
     accepted=False, reasons=["DAL-2"], n_alternatives=0)
case("DAL-2-paid-2023-12-31-refused",
     scenario(D, ADULT, paid="2023-12-31", years=[2023]),
     accepted=False, reasons=["DAL-2"], n_alternatives=0)

# A-DAL-1ST on the first day of the window, 2023-01-01, and on 2023-09-01.
for paid, calendar, anniversary in (("2023-01-01", "2023-03-01", "2023-04-01"),
                                    ("2023-09-01", "2023-11-01", "2023-12-01")):
    case(f"DAL-2-CONV-4-A-DAL-1ST-calendar_months-paid-{paid}-starts-{calendar}",
         scenario(D, ADULT, paid=paid, years=[2023], readings={"A-DAL-1ST": "calendar_months"}),
         readings={"A-DAL-1ST": "calendar_months"}, **mid_year(calendar))
    case(f"DAL-2-CONV-4-A-DAL-1ST-anniversary-paid-{paid}-starts-{anniversary}",
         scenario(D, ADULT, paid=paid, years=[2023], readings={"A-DAL-1ST": "anniversary"}),
         readings={"A-DAL-1ST": "anniversary"}, **mid_year(anniversary))

# The pre-payment period's dates are in no source: a payment for next year cannot be recognised
# as made in it, so the request is neither accepted nor refused.
case("DAL-2-DAL-gaps-prepayment-paid-2022-11-15-for-2023-undetermined",
     scenario(D, ADULT, paid="2022-11-15", years=[2023]),
     accepted=None, undetermined=["accepted"])
case("DAL-2-prepayment-paid-2023-10-15-no-years-asked-undetermined",
     scenario(D, ADULT, paid="2023-10-15"),
     accepted=None, undetermined=["accepted"])
# …but a request for the current year does not depend on it.
case("DAL-2-paid-2023-05-10-no-years-asked-mid-year",
     scenario(D, ADULT, paid="2023-05-10"),
     **mid_year("2023-08-01"))

# =============================================================================================
# DAL-1: adult 385, minor and 大学生 295, the 2021 top-up of 30
# =============================================================================================
case("DAL-1-minor-pays-295",
     scenario(D, "2010-06-20", paid="2023-03-15", years=[2023]),
     **mid_year("2023-06-01", "295"))
# Age judged on the payment date (adult_age, ASSUMED 18): born 2005-04-10 is 17 on 2023-04-09
# and 18 on 2023-04-10. Either way 04-09/04-10 + 2 months = 06-09/06-10 → 2023-07-01.
case("DAL-1-age-17-on-payment-day-pays-295",
     scenario(D, "2005-04-10", paid="2023-04-09", years=[2023]),
     assumed_mentions="成年", **mid_year("2023-07-01", "295"))
case("DAL-1-age-18-on-payment-day-pays-385",
     scenario(D, "2005-04-10", paid="2023-04-10", years=[2023]),
     **mid_year("2023-07-01", "385"))
case("DAL-1-DAL-8-full-time-college-student-pays-295-through-the-university",
     scenario(D, "2003-09-01", paid="2023-03-15", years=[2023], education="college_full_time"),
     channel="university", **mid_year("2023-06-01", "295"))
# A-DAL-PT-STUDENT: an adult part-time college student; DAL-8 sends them to the street office.
for option, amount in (("student_rate", "295"), ("adult_rate", "385")):
    case(f"DAL-1-DAL-8-A-DAL-PT-STUDENT-{option}-part-time-student-pays-{amount}",
         scenario(D, "2000-01-01", paid="2023-04-18", years=[2023], education="college_part_time",
                  readings={"A-DAL-PT-STUDENT": option}),
         channel="street_office", readings={"A-DAL-PT-STUDENT": option},
         **mid_year("2023-07-01", amount))
# A minor part-time student pays the minor rate; the ambiguity is not consulted.
case("DAL-1-part-time-student-aged-17-pays-minor-rate",
     scenario(D, "2006-01-01", paid="2023-04-18", years=[2023], education="college_part_time",
              readings={"A-DAL-PT-STUDENT": "adult_rate"}),
     check_readings=False, **mid_year("2023-07-01", "295"))
# The +30 top-up for the 2021 increase is due with this year's payment.
case("DAL-1-unpaid-2021-topup-adds-30",
     scenario(D, ADULT, paid="2023-03-15", years=[2023], unpaid_2021_topup=True),
     **{**mid_year("2023-06-01"), "amount_due.total": "415",
        "amount_due.other": {"topup_2021": "30"}})
case("DAL-1-no-topup-owed-nothing-under-other",
     scenario(D, ADULT, paid="2023-03-15", years=[2023]),
     **{"amount_due.other": {}})

# =============================================================================================
# DAL-4: newborns enrolled and paid within 3 months of birth, covered from birth
# =============================================================================================
NEWBORN_2023_01_10 = {"accepted": True, "route": "newborn", "waiting_months": 0,
                      "coverage.start": "2023-01-10", "coverage.end": "2023-12-31",
                      "amount_due.total": "295", "amount_due.by_year": {"2023": "295"},
                      "channel": "street_office", "decided_by": ["DAL-4"]}
# Born 2023-01-10: the 3-month anniversary is 2023-04-10 (CONV-2).
case("DAL-4-paid-2023-04-09-inside-three-months-from-birth",
     scenario(D, "2023-01-10", paid="2023-04-09", years=[2023]),
     **NEWBORN_2023_01_10)
case("DAL-4-A-DAL-NB-EDGE-inclusive-paid-on-anniversary-2023-04-10-from-birth",
     scenario(D, "2023-01-10", paid="2023-04-10", years=[2023], readings={"A-DAL-NB-EDGE": "inclusive"}),
     readings={"A-DAL-NB-EDGE": "inclusive"}, **NEWBORN_2023_01_10)
# Past the window the newborn is a mid-year enrollee (DAL-2): 04-10 + 2 = 06-10 → 07-01.
case("DAL-4-DAL-2-A-DAL-NB-EDGE-exclusive-paid-on-anniversary-2023-04-10-mid-year",
     scenario(D, "2023-01-10", paid="2023-04-10", years=[2023], readings={"A-DAL-NB-EDGE": "exclusive"}),
     readings={"A-DAL-NB-EDGE": "exclusive"}, **mid_year("2023-07-01", "295"))
case("DAL-4-DAL-2-paid-2023-04-11-past-three-months-mid-year",
     scenario(D, "2023-01-10", paid="2023-04-11", years=[2023]),
     **mid_year("2023-07-01", "295"))
# Month ends: born 2023-05-31 → anniversary 2023-08-31; paid 09-01 is past it and on the 1st
# (A-DAL-1ST `calendar_months`: 2023-11-01).
case("DAL-4-born-2023-05-31-paid-2023-08-31-anniversary-from-birth",
     scenario(D, "2023-05-31", paid="2023-08-31", years=[2023]),
     accepted=True, route="newborn", **{"coverage.start": "2023-05-31"})
case("DAL-4-DAL-2-A-DAL-1ST-born-2023-05-31-paid-2023-09-01-mid-year",
     scenario(D, "2023-05-31", paid="2023-09-01", years=[2023]),
     readings={"A-DAL-1ST": "calendar_months"}, **mid_year("2023-11-01", "295"))
# Born 2023-08-31 → anniversary 2023-11-30 (clamped): inside; Dec 1 is past it and past
# September, so nothing is open.
case("DAL-4-CONV-2-born-2023-08-31-paid-2023-11-30-anniversary-from-birth",
     scenario(D, "2023-08-31", paid="2023-11-30", years=[2023]),
     accepted=True, route="newborn", **{"coverage.start": "2023-08-31", "amount_due.total": "295"})
case("DAL-4-DAL-2-born-2023-08-31-paid-2023-12-01-refused",
     scenario(D, "2023-08-31", paid="2023-12-01", years=[2023]),
     accepted=False, reasons=["DAL-4", "DAL-2"], n_alternatives=0)
# Leap day (CONV-2: 2023-11-30 + 3 months = 2024-02-29): paying for the birth year 2023.
case("DAL-4-CONV-2-A-DAL-NB-EDGE-inclusive-born-2023-11-30-paid-leap-day-2024-02-29",
     scenario(D, "2023-11-30", paid="2024-02-29", years=[2023], readings={"A-DAL-NB-EDGE": "inclusive"}),
     accepted=True, route="newborn",
     **{"coverage.start": "2023-11-30", "coverage.end": "2023-12-31", "amount_due.total": "295"})
# Exclusive: the newborn route is refused (DAL-4); the only other route would buy 2024, which
# is not the year asked (and which this policy does not answer, DAL-gaps): a plain refusal.
case("DAL-4-CONV-2-A-DAL-NB-EDGE-exclusive-born-2023-11-30-paid-leap-day-2024-02-29",
     scenario(D, "2023-11-30", paid="2024-02-29", years=[2023], readings={"A-DAL-NB-EDGE": "exclusive"}),
     accepted=False, reasons=["DAL-4"], n_alternatives=0)
# A newborn is not bound by January–September (DAL-2 limits those past 3 months).
case("DAL-4-born-2023-10-15-paid-2023-11-20-october-birth-from-birth",
     scenario(D, "2023-10-15", paid="2023-11-20", years=[2023]),
     accepted=True, route="newborn", **{"coverage.start": "2023-10-15"})

# =============================================================================================
# DAL-5 / DAL-6: new hukou and contract ended, from the 1st of the month after payment
# =============================================================================================
case("DAL-5-DAL-3-new-hukou-paid-2023-03-15-starts-2023-04-01",
     scenario(D, "1990-01-01", paid="2023-03-15", years=[2023], hukou_registered_on="2023-02-10"),
     accepted=True, route="new_hukou", waiting_months=None, channel="street_office",
     **{"coverage.start": "2023-04-01", "coverage.end": "2023-12-31", "amount_due.total": "385",
        "decided_by": ["DAL-5"]})
case("DAL-5-CONV-8-new-hukou-paid-2023-09-30-starts-2023-10-01",
     scenario(D, "1990-01-01", paid="2023-09-30", years=[2023], hukou_registered_on="2023-02-10"),
     accepted=True, route="new_hukou", **{"coverage.start": "2023-10-01"})
# Hukou registered the year before: not 「落户当年」 → an ordinary mid-year enrollee.
case("DAL-5-DAL-2-hukou-registered-2022-not-this-year-mid-year",
     scenario(D, "1990-01-01", paid="2023-03-15", years=[2023], hukou_registered_on="2022-12-20"),
     **mid_year("2023-06-01"))
# Insured before (the history is the only evidence): not 「未在其他地区参加医疗保险」.
case("DAL-5-DAL-2-new-hukou-but-insured-before-mid-year",
     scenario(D, "1990-01-01", paid="2023-03-15", years=[2023], hukou_registered_on="2023-02-10",
              resident_years=[2021]),
     **mid_year("2023-06-01"))
for rule, resident in (("DAL-5", {"hukou_registered_on": "2023-02-10"}),
                       ("DAL-6", {"labour_contract_ended_on": "2023-06-30"})):
    route = "new_hukou" if rule == "DAL-5" else "contract_ended"
    case(f"{rule}-A-DAL-EXC-OCT-exception_overrides-paid-2023-10-08-starts-2023-11-01",
         scenario(D, "1990-01-01", paid="2023-10-08", years=[2023],
                  readings={"A-DAL-EXC-OCT": "exception_overrides"}, **resident),
         accepted=True, route=route, waiting_months=None, readings={"A-DAL-EXC-OCT": "exception_overrides"},
         **{"coverage.start": "2023-11-01", "coverage.end": "2023-12-31", "amount_due.total": "385"})
    case(f"{rule}-DAL-2-A-DAL-EXC-OCT-window_applies-paid-2023-10-08-refused",
         scenario(D, "1990-01-01", paid="2023-10-08", years=[2023],
                  readings={"A-DAL-EXC-OCT": "window_applies"}, **resident),
         accepted=False, reasons=["DAL-2"], n_alternatives=0, readings={"A-DAL-EXC-OCT": "window_applies"})

case("DAL-6-contract-ended-2023-05-31-paid-2023-07-31-starts-2023-08-01",
     scenario(D, "1990-01-01", paid="2023-07-31", years=[2023], labour_contract_ended_on="2023-05-31",
              resident_years=[2020]),
     accepted=True, route="contract_ended", waiting_months=None,
     **{"coverage.start": "2023-08-01", "amount_due.total": "385", "decided_by": ["DAL-6"]})
case("DAL-6-DAL-2-contract-ended-2022-not-this-year-mid-year",
     scenario(D, "1990-01-01", paid="2023-07-31", years=[2023], labour_contract_ended_on="2022-12-31"),
     **mid_year("2023-10-01"))

# =============================================================================================
# DAL-7: 医疗救助 recipients, from the day registration completes; the fee is in no source
# =============================================================================================
case("DAL-7-medical-assistance-from-registration-day-fee-undetermined",
     scenario(D, "1970-01-01", registered="2023-05-20", paid="2023-05-18", years=[2023],
              statuses=["medical_assistance"]),
     accepted=True, route="medical_assistance", waiting_months=0, channel="street_office",
     **{"coverage.start": "2023-05-20", "coverage.end": "2023-12-31",
        "amount_due.total": None, "amount_due.by_year": {"2023": None},
        "undetermined": ["amount_due.total", "amount_due.by_year.2023"], "decided_by": ["DAL-7"]})
case("DAL-7-medical-assistance-paying-in-november-undetermined",
     scenario(D, "1970-01-01", paid="2023-11-18", years=[2023], statuses=["medical_assistance"]),
     accepted=None, undetermined=["accepted"])

# =============================================================================================
# DAL-8 / DAL-9: agents (asked without an application; ages on as_of)
# =============================================================================================
def agent(birth, as_of="2023-05-01", **resident):
    doc = scenario(D, birth, **resident)
    doc["as_of"] = as_of
    return doc


case("DAL-8-DAL-9-first-time-adult-registers-at-the-street-office",
     agent(ADULT), accepted=None, channel="street_office")
case("DAL-8-minor-not-in-school-street-office", agent("2019-01-01"), channel="street_office")
case("DAL-8-pupil-school", agent("2012-01-01", education="pupil"), channel="school")
case("DAL-8-full-time-college-student-university", agent("2003-01-01", education="college_full_time"),
     channel="university")
case("DAL-8-part-time-college-student-street-office", agent("2000-01-01", education="college_part_time"),
     channel="street_office")
case("DAL-8-martyr-survivor-minor-not-in-school-veterans-affairs",
     agent("2010-01-01", statuses=["martyr_survivor"]), channel="veterans_affairs")
case("DAL-8-martyr-survivor-minor-in-school-school",
     agent("2010-01-01", statuses=["martyr_survivor"], education="pupil"), channel="school")
# The survivor turns 18 on 2028-01-01: an adult then, so the street office.
case("DAL-8-martyr-survivor-aged-18-street-office",
     agent("2010-01-01", as_of="2028-01-01", statuses=["martyr_survivor"]), channel="street_office")
case("DAL-8-martyr-survivor-without-a-day-undetermined",
     scenario(D, "2010-01-01", statuses=["martyr_survivor"]), channel=None, undetermined=["channel"])
case("DAL-8-DAL-7-medical-assistance-pupil-two-agents-undetermined",
     agent("2012-01-01", statuses=["medical_assistance"], education="pupil"),
     channel=None, undetermined=["channel"])


# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc, expect, check_readings", CASES)
def test_table(doc, expect, check_readings):
    check_case(doc, expect, check_readings)


def test_every_own_ambiguity_option_changes_some_decision():
    # Catches: an option without a case, or one whose cases decide the same under every option.
    dull = options_no_case_changes(own_ambiguities(D), scenarios_of(CASES))
    assert set(own_ambiguities(D)) == {"A-DAL-1ST", "A-DAL-EXC-OCT", "A-DAL-NB-EDGE", "A-DAL-PT-STUDENT"}
    assert not dull, f"no case where these options change the decision: {dull}"


def test_case_ids_cite_rules_md_ids():
    # Catches: a case that cites no rule, or an ID that rules.md does not define.
    check_case_ids(D, CASES, {"DAL-gaps"})
