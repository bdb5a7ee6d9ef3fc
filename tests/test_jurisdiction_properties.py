"""Properties every bundled jurisdiction keeps (issue 4), over hypothesis-generated scenarios."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyrun
from policyrun import ScenarioError

P = policyrun.load()
JURISDICTIONS = P.jurisdictions()
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def scenarios(draw, jurisdiction):
    birth = draw(st.dates(date(1940, 1, 1), date(2026, 6, 30)))
    paid = draw(st.one_of(st.dates(date(2022, 1, 1), date(2031, 12, 31)),
                          st.dates(birth, birth + timedelta(days=150))))
    app = {"paid_on": paid.isoformat(), "repair_years": draw(st.sampled_from([0, 0, 1, 4]))}
    if draw(st.booleans()):
        app["coverage_years"] = sorted(draw(st.sets(st.sampled_from([paid.year, paid.year + 1]), min_size=1)))
    if draw(st.booleans()):
        app["registered_on"] = (paid - timedelta(days=draw(st.integers(0, 40)))).isoformat()
    app["tier"] = draw(st.sampled_from([None, "low", "high"]))
    resident = {"birth_date": birth.isoformat(),
                "hukou": draw(st.sampled_from(["local", "local", "non_local"])),
                "education": draw(st.sampled_from(["none", "pupil", "college_full_time", "college_part_time"])),
                "statuses": sorted(draw(st.sets(st.sampled_from(["dibao", "tekun", "orphan", "youfu",
                                                                  "severe_disability", "medical_assistance",
                                                                  "martyr_survivor", "student_loan"]), max_size=2))),
                "residence_permit_points": draw(st.sampled_from([None, 90, 119, 120, 150])),
                "other_coverage": sorted(draw(st.sets(st.sampled_from(["xinnonghe", "employee"]), max_size=1))),
                "auto_renewed": draw(st.booleans()),
                "unpaid_2021_topup": draw(st.booleans()),
                "registered_with": draw(st.sampled_from(["hukou", "hukou", "birth_certificate"]))}
    history = {"resident_years": sorted(draw(st.sets(st.integers(2018, 2031), max_size=8)))}
    readings = {a: draw(st.sampled_from(o)) for a, o in P.ambiguities(jurisdiction).items() if draw(st.booleans())}
    return {"jurisdiction": jurisdiction, "resident": resident, "history": history, "application": app,
            "readings": readings, "covered_on": [paid.isoformat()], "cap_years": [paid.year]}


def decide(doc):
    try:
        return P.evaluate(doc)
    except ScenarioError:
        return None


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_valid_scenarios_never_raise(jurisdiction):
    # Catches a policy that fails at run time (E0xx) on a lawful scenario: a null used as a date,
    # a match without the arm for some value, two routes granting the same years differently.
    @SETTINGS
    @given(scenarios(jurisdiction))
    def run(doc):
        decide(doc)
    run()


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_a_refusal_lists_the_route_that_is_open(jurisdiction):
    # Catches a refusal that hides a lawful route: when the same payment without a request for
    # particular years is accepted, the refusal must offer that decision as an alternative.
    @SETTINGS
    @given(scenarios(jurisdiction))
    def run(doc):
        if not doc["application"].get("coverage_years"):
            return
        refused = decide(doc)
        if refused is None or refused["accepted"] is not False:
            return
        open_doc = {**doc, "application": {k: v for k, v in doc["application"].items() if k != "coverage_years"}}
        default = decide(open_doc)
        if default and default["accepted"] is True:
            years = [a["coverage"]["years"] for a in refused["alternatives"]]
            assert default["coverage"]["years"] in years, (refused["reasons"], years)
    run()


# Inclusive windows (CONV-8), first and last day, from rules.md; the payment is for the years the
# window sells. A payment on the last day must be treated like one on the first day.
WINDOWS = {
    "national": ("2024-09-01", "2024-12-31", {}),
    "harbin": ("2024-09-01", "2024-12-31", {}),
    "nanning": ("2024-09-01", "2024-12-31", {}),
    "tianjin": ("2024-10-08", "2024-12-31", {"tier": "low"}),
    "shaanxi": ("2025-01-01", "2025-03-31", {}),
    "yangzhou": ("2025-01-01", "2025-08-31", {}),
    "shenzhen": ("2025-01-01", "2025-12-31", {}),
    "shenyang": ("2024-09-01", "2024-12-20", {}),
    "dalian": ("2023-01-01", "2023-09-30", {}),
}
SAME = ("accepted", "route", "waiting_months", "channel")


@pytest.mark.parametrize("jurisdiction", sorted(WINDOWS))
def test_last_day_of_a_window_is_like_the_first(jurisdiction):
    # Catches an exclusive end (12-20 read as "before 12-20") or an off-by-one window start.
    first, last, extra = WINDOWS[jurisdiction]

    @SETTINGS
    @given(st.dates(date(1950, 1, 1), date(1990, 12, 31)), st.sets(st.integers(2018, 2024), max_size=6))
    def run(birth, years):
        def at(day):
            doc = {"jurisdiction": jurisdiction, "resident": {"birth_date": birth.isoformat()},
                   "history": {"resident_years": sorted(years)}, "application": {"paid_on": day, **extra}}
            return P.evaluate(doc)
        a, b = at(first), at(last)
        assert {k: a[k] for k in SAME} == {k: b[k] for k in SAME}
        assert (a["amount_due"] or {}).get("by_year") == (b["amount_due"] or {}).get("by_year")
        assert (a["coverage"] or {}).get("years") == (b["coverage"] or {}).get("years")
        assert a["accepted"] is not False
    run()
