"""The generated-code backend (codegen.py) against the closure backend (compile.py): the same
decision, field for field, and the same `--explain` trace, on generated scenarios for every
bundled jurisdiction."""
import random
from datetime import date, timedelta

import pytest

import policyrun
from policyrun import ScenarioError
from policyrun.evaluate import evaluate

P = policyrun.load()


def scenario(rng, jurisdiction):
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 77))
    paid = date(2022, 1, 1) + timedelta(days=rng.randrange(0, 365 * 9))
    if birth.year >= 2022 and rng.random() < 0.5:   # newborn routes
        paid = birth + timedelta(days=rng.randrange(0, 200))
    app = {"paid_on": paid.isoformat(), "repair_years": rng.choice([0, 0, 1, 3, 5])}
    if rng.random() < 0.3:
        app["coverage_years"] = [paid.year + rng.choice([0, 1])]
    if rng.random() < 0.2:
        app["tier"] = rng.choice(["low", "high"])
    doc = {"jurisdiction": jurisdiction,
           "resident": {"birth_date": birth.isoformat(), "hukou": rng.choice(["local", "local", "non_local"]),
                        "education": rng.choice(["none", "none", "pupil", "college_full_time", "college_part_time"]),
                        "statuses": rng.sample(["dibao", "tekun", "orphan", "youfu", "medical_assistance"],
                                               rng.choice([0, 0, 0, 1]))},
           "history": {"resident_years": sorted(rng.sample(range(2018, 2031), rng.randrange(0, 8))),
                       "zero_reimbursement_years": sorted(rng.sample(range(2023, 2030), rng.randrange(0, 3)))},
           "application": app, "cap_years": [paid.year], "covered_on": [paid.isoformat()],
           "readings": {a: rng.choice(o) for a, o in P.ambiguities(jurisdiction).items() if rng.random() < 0.5}}
    if rng.random() < 0.2:
        end = paid.replace(day=1) - timedelta(days=rng.choice([1, 40, 80, 120]))
        doc["history"]["employee_months"] = [{"from": "2021-01", "to": f"{end.year}-{end.month:02d}"}]
    return doc


def valid_scenarios(seed, jurisdiction, n):
    """The valid ones of `n` generated scenarios, validated."""
    rng = random.Random(seed)
    for _ in range(n):
        try:
            yield P.scenario(scenario(rng, jurisdiction))
        except ScenarioError:
            continue


def outcome(policy, scenario, explain=False):
    try:
        return evaluate(policy, scenario, explain=explain)
    except policyrun.EvaluationError as err:
        return ("error", err.code, err.message)


@pytest.mark.parametrize("jurisdiction", P.jurisdictions())
def test_generated_code_decides_like_the_closures(jurisdiction):
    # Catches any construct whose generated Python differs from the closure semantics
    # (undetermined propagation, three-valued and/or, memo keys, provenance order, errors).
    closures, generated = P.policy(jurisdiction), P._loader.generated(jurisdiction)
    compared = 0
    for s in valid_scenarios(jurisdiction, jurisdiction, 400):
        assert outcome(generated, s) == outcome(closures, s), s
        compared += 1
    assert compared > 300


@pytest.mark.parametrize("jurisdiction", P.jurisdictions())
def test_generated_code_traces_like_the_closures(jurisdiction):
    # `--explain` runs on the generated code: the same trace, step for step, as the closures.
    closures, generated = P.policy(jurisdiction), P._loader.generated(jurisdiction)
    traced = 0
    for s in valid_scenarios("trace " + jurisdiction, jurisdiction, 100):
        got, expected = outcome(generated, s, explain=True), outcome(closures, s, explain=True)
        assert got == expected, s
        traced += isinstance(got, dict) and len(got["trace"]) > 0
    assert traced > 50
