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


# A keyed parameter's entry that reads only its keys is computed once per policy and kept
# across evaluations (codegen_runtime.Keyed.known); one that reads the scenario must not be.
KEYED = """\
policy keyed extends national
  years 2025..2030

source seed004 "首次缴纳城乡居民医疗保险怎么交(南宁)"
  seed "004_ef3ce06d3a4f1cd1.txt"
  published 2025-03-28

rule KEY-1 "a standard that reads the scenario after 2025" overrides STD-1 {
  from seed004 "一档:400元/年"
  parameter standard "个人缴费标准(元/年)": money by year {
    2025       = 400 from seed004 "一档:400元/年"
    2026..2030 = 400 + repair_years
      assumed "a test: the standard reads the scenario"
  }
}
"""


def test_a_parameter_entry_that_reads_the_scenario_is_computed_per_evaluation(tmp_path):
    (tmp_path / "national.policy").write_text(P.chain("national")[0][1].text, encoding="utf-8")
    (tmp_path / "keyed.policy").write_text(KEYED, encoding="utf-8")
    policies = policyrun.load(tmp_path)
    for repair in (0, 2, 0, 5):
        doc = {"jurisdiction": "keyed", "resident": {"birth_date": "1990-01-01"},
               "history": {"resident_years": [2024, 2025]},
               "application": {"paid_on": "2025-10-01", "coverage_years": [2026], "repair_years": repair}}
        decision = policies.evaluate(doc)
        assert decision["amount_due"]["by_year"] == {"2026": str(400 + repair)}, repair
        assert "standard[2026]" in [a["what"] for a in decision["assumed"]]
        doc["application"]["coverage_years"] = [2025]
        doc["application"]["paid_on"] = "2024-10-01"
        assert policies.evaluate(doc)["amount_due"]["by_year"] == {"2025": "400"}
