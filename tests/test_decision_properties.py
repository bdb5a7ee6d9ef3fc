"""Hypothesis properties of decisions for `national`, `harbin` and `nanning`.

Scenarios are generated valid by the contract (shared/spec/scenario.md): birth dates 1940–2026,
history years 2018–2030, employee month spans, application dates 2023–2030, coverage years empty
or a small set, 0–6 repair years, readings drawn from each policy's declared options. Each
property says in a comment which bug it would catch.
"""
from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decision_paths import MISSING, lookup
from policyrun import load

P = load()
JURISDICTIONS = ("national", "harbin", "nanning")
AMBIGUITIES = {j: P.ambiguities(j) for j in JURISDICTIONS}
RULES = {j: set(P.policy(j).checked.rules) for j in JURISDICTIONS}
DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")

SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------------------------
# generating scenarios

@st.composite
def month_spans(draw):
    year, month = draw(st.integers(2018, 2030)), draw(st.integers(1, 12))
    end = year * 12 + month - 1 + draw(st.integers(0, 40))
    return {"from": f"{year:04d}-{month:02d}", "to": f"{end // 12:04d}-{end % 12 + 1:02d}"}


@st.composite
def readings_for(draw, j):
    out = {}
    for amb, options in AMBIGUITIES[j].items():
        if draw(st.booleans()):
            out[amb] = draw(st.sampled_from(options))
    return out


@st.composite
def scenarios(draw, jurisdictions=JURISDICTIONS):
    j = draw(st.sampled_from(jurisdictions))
    registered = draw(st.dates(date(2023, 1, 1), date(2030, 12, 31)))
    latest_birth = min(registered, date(2026, 12, 31))
    if draw(st.booleans()):   # a newborn or infant: the newborn rules (HRB-1…HRB-8, N-7)
        birth = max(latest_birth - timedelta(days=draw(st.integers(0, 400))), date(1940, 1, 1))
    else:
        birth = draw(st.dates(date(1940, 1, 1), latest_birth))
    # payment a little before or after registration, never before birth, inside 2023–2030
    paid = registered + timedelta(days=draw(st.integers(-30, 120)))
    paid = min(max(paid, birth, date(2023, 1, 1)), date(2030, 12, 31))
    near = [paid.year - 1, paid.year, paid.year + 1]
    application = {"coverage_years": draw(st.one_of(
        st.just([]),
        st.lists(st.sampled_from(near), min_size=1, max_size=2, unique=True),
        st.lists(st.integers(2023, 2031), min_size=1, max_size=3, unique=True)))}
    dates_given = draw(st.sampled_from(("both", "paid", "registered")))
    if dates_given in ("both", "registered"):
        application["registered_on"] = registered.isoformat()
    if dates_given in ("both", "paid"):
        application["paid_on"] = paid.isoformat()
    repair = draw(st.integers(0, 6))
    if repair or draw(st.booleans()):
        application["repair_years"] = repair

    resident = {"birth_date": birth.isoformat(),
                "hukou": draw(st.sampled_from(("local", "non_local"))),
                "registered_with": draw(st.sampled_from(("hukou", "birth_certificate")))}
    points = draw(st.one_of(st.none(), st.integers(0, 200)))
    if points is not None:
        resident["residence_permit_points"] = points
    if draw(st.booleans()):
        resident["record_changed_on"] = (birth + timedelta(days=draw(st.integers(0, 400)))).isoformat()

    history = {"resident_years": draw(st.lists(st.integers(2018, 2030), max_size=8, unique=True)),
               "employee_months": draw(st.lists(month_spans(), max_size=2)),
               "zero_reimbursement_years": draw(st.lists(st.integers(2018, 2030), max_size=3, unique=True)),
               "reward_used_years": draw(st.lists(st.integers(2018, 2030), max_size=2, unique=True))}
    doc = {"jurisdiction": j, "resident": resident, "history": history,
           "readings": draw(readings_for(j)),
           "covered_on": [d.isoformat() for d in draw(st.lists(
               st.dates(date(2023, 1, 1), date(2031, 12, 31)), max_size=2, unique=True))],
           "cap_years": draw(st.lists(st.integers(2023, 2031), max_size=2, unique=True))}
    if draw(st.integers(0, 9)) < 9:   # mostly with an application, sometimes without
        doc["application"] = application
    return doc


@st.composite
def harbin_newborns(draw):
    """Focused on Harbin's newborn rules (HRB-1…HRB-8, the A-HRB-* readings): births 2024–2025,
    registration and payment around day 90, coverage years around the birth year."""
    birth = draw(st.dates(date(2024, 1, 1), date(2025, 12, 31)))
    registered = birth + timedelta(days=draw(st.integers(0, 120)))
    paid = max(birth, registered + timedelta(days=draw(st.integers(-10, 30))))
    resident = {"birth_date": birth.isoformat(),
                "registered_with": draw(st.sampled_from(("hukou", "birth_certificate")))}
    if draw(st.booleans()):
        resident["record_changed_on"] = (birth + timedelta(days=draw(st.integers(0, 200)))).isoformat()
    years = draw(st.one_of(st.just([]), st.lists(st.sampled_from([birth.year, birth.year + 1]),
                                                 min_size=1, max_size=2, unique=True)))
    return {"jurisdiction": "harbin", "resident": resident,
            "application": {"registered_on": registered.isoformat(), "paid_on": paid.isoformat(),
                            "coverage_years": years, "repair_years": draw(st.integers(0, 2))},
            "readings": draw(readings_for("harbin")),
            "covered_on": [d.isoformat() for d in draw(st.lists(
                st.dates(birth, birth + timedelta(days=800)), max_size=2, unique=True))]}


def any_scenario():
    return st.one_of(scenarios(), harbin_newborns())


# ---------------------------------------------------------------------------------------------
# helpers

def each_decision(decision):
    """The decision and each of its alternatives (which have the same shape)."""
    yield decision
    yield from decision["alternatives"]


def undetermined_fields(decision):
    return {u["field"] for u in decision["undetermined"]}


# ---------------------------------------------------------------------------------------------
# (a) never raises, (b) deterministic

@SETTINGS
@given(any_scenario(), any_scenario())
def test_evaluate_never_raises_and_is_deterministic(doc, other):
    # (a) Catches: any crash (KeyError, TypeError on an undetermined value, date overflow,
    # a year outside a parameter table) on a valid scenario; such a scenario must give a decision.
    # (b) Catches: state leaking between evaluations (a cached trail, mutated defaults, readings
    # of one scenario bleeding into the next), and evaluation mutating the caller's dict.
    original = copy.deepcopy(doc)
    first = P.evaluate(doc)
    assert doc == original, "evaluate() changed its input"
    P.evaluate(other)
    second = P.evaluate(copy.deepcopy(doc))
    assert first == second


# ---------------------------------------------------------------------------------------------
# (c) coverage dates

@SETTINGS
@given(any_scenario())
def test_coverage_dates_are_ordered_and_inside_their_years(doc):
    # Catches: a wait that pushes the start past the end without saying so, a by_year entry that
    # spills into the next year (overflow month arithmetic), years and by_year disagreeing, and
    # an end that is not 31 December of the last year bought (CONV-7).
    for d in each_decision(P.evaluate(doc)):
        cov = d["coverage"]
        if cov is None:
            continue
        years = cov["years"]
        assert years == sorted(set(years))
        assert set(cov["by_year"]) == {str(y) for y in years}
        start, end = cov["start"], cov["end"]
        if years and start is not None:
            assert date(years[0], 1, 1) <= date.fromisoformat(start) <= date(years[-1], 12, 31)
        if years and end is not None:
            assert date.fromisoformat(end) == date(years[-1], 12, 31)
        if start is not None and end is not None:
            assert start <= end
        for y, span in cov["by_year"].items():
            s, e = span["start"], span["end"]
            if s is not None and e is not None:
                assert f"{y}-01-01" <= s <= e <= f"{y}-12-31"


# ---------------------------------------------------------------------------------------------
# (d) money

@SETTINGS
@given(any_scenario())
def test_amounts_are_exact_nonnegative_decimals_that_add_up(doc):
    # Catches: floats or numbers in the JSON (CONV-10), negative amounts (a repair credit, a
    # subtraction gone wrong), exponent notation ("4E+2"), and a total that forgets the repair
    # or another part.
    for d in each_decision(P.evaluate(doc)):
        due = d["amount_due"]
        if due is None:
            continue
        parts = [due["total"], due["repair"], *due["by_year"].values(), *due["other"].values()]
        for value in parts:
            assert value is None or (isinstance(value, str) and DECIMAL.fullmatch(value)), value
        if all(v is not None for v in parts):
            total = Decimal(due["total"])
            assert total == (sum(Decimal(v) for v in due["by_year"].values()) + Decimal(due["repair"])
                             + sum((Decimal(v) for v in due["other"].values()), Decimal(0)))
        # a total cannot be known while a part of it is not
        if any(v is None for v in parts[1:]):
            assert due["total"] is None
    for cap in P.evaluate(doc)["critical_illness_cap"].values():
        assert cap is None or (isinstance(cap, str) and DECIMAL.fullmatch(cap)), cap


# ---------------------------------------------------------------------------------------------
# (e) provenance, and the accepted / reasons / alternatives contract

@SETTINGS
@given(any_scenario())
def test_decided_by_and_reasons_name_rules_of_the_policy(doc):
    # Catches: an accepted decision with no provenance; a rule ID that is misspelt, belongs to
    # another city, or is an ambiguity ID rather than a rule; a refusal without a reason; an
    # accepted decision that still lists alternatives; a refused decision whose alternatives are
    # not themselves lawful routes.
    j = doc["jurisdiction"]
    decision = P.evaluate(doc)
    for d in each_decision(decision):
        for rule in d["decided_by"] + [r["rule"] for r in d["reasons"]]:
            assert rule in RULES[j], f"{rule} is not a rule of {j}"
        if d["accepted"] is True:
            assert d["decided_by"], "an accepted decision names no rule"
            assert d["reasons"] == []
    if decision["accepted"] is True:
        assert decision["alternatives"] == []
    if decision["accepted"] is False:
        assert decision["reasons"], "a refusal gives no reason"
    for alt in decision["alternatives"]:
        assert alt["accepted"] is True and alt["alternatives"] == []
    if "application" in doc and decision["accepted"] is None:
        assert "accepted" in undetermined_fields(decision)
    if "application" not in doc:
        assert decision["accepted"] is None


# ---------------------------------------------------------------------------------------------
# (f) readings

@SETTINGS
@given(any_scenario())
def test_readings_are_declared_options_and_honour_the_scenario(doc):
    # Catches: an ambiguity reported that the policy does not declare (a typo, a stale ID), an
    # option that is not one of its declared options, and the default being reported (or used)
    # when the scenario chose another option.
    j = doc["jurisdiction"]
    asked = doc.get("readings", {})
    for d in each_decision(P.evaluate(doc)):
        for amb, option in d["readings"].items():
            assert amb in AMBIGUITIES[j], f"{amb} is not an ambiguity of {j}"
            assert option in AMBIGUITIES[j][amb]
            if amb in asked:
                assert option == asked[amb]


# ---------------------------------------------------------------------------------------------
# undetermined ⇔ null

@SETTINGS
@given(any_scenario())
def test_undetermined_fields_are_null_and_null_outputs_are_explained(doc):
    # Catches: a guessed value next to an `undetermined` entry (the contract: "That field is null
    # in the decision"), and the reverse — an output silently null with no reason given. For these
    # three policies no local delay rule replaces 38号, so a null waiting_months needs a reason too.
    for d in each_decision(P.evaluate(doc)):
        listed = undetermined_fields(d)
        for field in listed:
            assert lookup(d, field) in (None, MISSING), f"{field} is undetermined but has a value"
        if d["accepted"] is not True:
            continue
        due, cov = d["amount_due"], d["coverage"]
        paths = ["waiting_months"]
        if due is not None:
            paths += ["amount_due.total", "amount_due.repair"]
            paths += [f"amount_due.by_year.{y}" for y in due["by_year"]]
        if cov is not None:
            paths += ["coverage.start", "coverage.end"]
        for path in paths:
            if lookup(d, path) is None:
                assert path in listed, f"{path} is null without an `undetermined` entry"


# ---------------------------------------------------------------------------------------------
# (g) national waiting-period monotonicity (N-3, N-4, N-5)

def national(paid, year, absent, repair, readings, birth):
    present = [y for y in range(2025, year) if y not in absent]
    return {"jurisdiction": "national", "resident": {"birth_date": birth.isoformat()},
            # insured in 2023–2024, so never a first-time enrollee (A-FIRST-TIME's no_break makes a
            # never-insured person wait less than one with a single break: not a monotonicity bug)
            "history": {"resident_years": [2023, 2024, *present]},
            "application": {"paid_on": paid.isoformat(), "coverage_years": [year], "repair_years": repair},
            "readings": readings}


@st.composite
def break_setups(draw):
    year = draw(st.integers(2026, 2030))
    inside = draw(st.booleans())
    paid = draw(st.dates(date(year - 1, 9, 1), date(year - 1, 12, 31)) if inside
                else st.dates(date(year, 1, 1), date(year, 8, 31)))
    candidates = list(range(2025, year))
    small = draw(st.sets(st.sampled_from(candidates)))
    big = small | draw(st.sets(st.sampled_from(candidates)))
    repairs = sorted(draw(st.lists(st.integers(0, 6), min_size=2, max_size=2)))
    readings = {amb: draw(st.sampled_from(options)) for amb, options in AMBIGUITIES["national"].items()}
    birth = draw(st.dates(date(1950, 1, 1), date(2000, 12, 31)))
    return paid, year, small, big, repairs, readings, birth


def wait(paid, year, absent, repair, readings, birth):
    d = P.evaluate(national(paid, year, absent, repair, readings, birth))
    assert d["accepted"] is True, d["reasons"]
    assert d["waiting_months"] is not None, d["undetermined"]
    return d["waiting_months"]


@SETTINGS
@given(break_setups())
def test_waiting_never_decreases_as_break_years_grow(setup):
    # Catches: N-3 counting break years wrongly (e.g. counting insured years, or only the first
    # break), A-BREAK's minus_one going negative, or the N-5 floor applied so that a longer break
    # waits less than a shorter one.
    paid, year, small, big, repairs, readings, birth = setup
    for repair in repairs:
        assert wait(paid, year, small, repair, readings, birth) <= wait(paid, year, big, repair, readings, birth)


@SETTINGS
@given(break_setups())
def test_waiting_never_increases_as_repair_years_grow(setup):
    # Catches: repair years added to the wait instead of subtracted, repair reaching into the
    # fixed 3 months, or the N-5 floor raising a wait above what it was unrepaired
    # (「修复后…不少于6个月」 is a floor on repair, never an increase).
    paid, year, small, big, (fewer, more), readings, birth = setup
    for absent in (small, big):
        assert wait(paid, year, absent, fewer, readings, birth) >= wait(paid, year, absent, more, readings, birth)


@SETTINGS
@given(st.integers(2029, 2030).flatmap(lambda year: st.tuples(
           st.just(year), st.integers(4, year - 2025), st.booleans(), st.integers(1, 6),
           st.fixed_dictionaries({amb: st.sampled_from(o) for amb, o in AMBIGUITIES["national"].items()}),
           st.dates(date(1950, 1, 1), date(2000, 12, 31)),
           st.dates(date(year - 1, 9, 1), date(year - 1, 12, 31)),
           st.dates(date(year, 1, 1), date(year, 8, 31)))))
def test_repair_of_a_continuous_break_of_4_years_or_more_leaves_at_least_6_months(setup):
    # Catches: repair removing the N-5 floor (e.g. the floor applied only without repair, or a
    # "cap of 6" misreading that lowers a repaired wait below 6: rules.md §0.1), or the fixed
    # 3 months being repaired away.
    year, length, inside, repair, readings, birth, paid_inside, paid_outside = setup
    absent = set(range(year - length, year))          # a continuous break ending the year before
    paid = paid_inside if inside else paid_outside
    assert wait(paid, year, absent, repair, readings, birth) >= 6
