"""`policyrun schema`: the JSON Schema of the scenarios a jurisdiction's policy accepts, derived
from the policy's declarations. Checked with the `jsonschema` library against the examples, against
broken scenarios (which the interpreter must refuse too), and against a policy that declares more."""
import copy
import json
import subprocess

import jsonschema   # the `test` extra
import pytest

from conftest import ROOT, policyrun_command

EXAMPLES = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "notices").glob("*.json"))


def _schema(policies, jurisdiction=None):
    from policyrun.schema import scenario_schema
    schema = scenario_schema(policies, jurisdiction)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _errors(schema, scenario):
    return list(jsonschema.Draft202012Validator(schema).iter_errors(scenario))


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_against_its_schema_and_the_union(policies, path):
    scenario = _load(path)
    assert _errors(_schema(policies, scenario["jurisdiction"]), scenario) == []
    assert _errors(_schema(policies), scenario) == []


def test_the_top_level_is_the_contracts():
    from policyrun.scenario import _TOP_KEYS, FIELD_TYPES
    import policyrun
    schema = _schema(policyrun.load(), "national")
    assert list(schema["properties"]) == list(_TOP_KEYS)
    sections = {p.split(".")[0] for p in FIELD_TYPES if "." in p}
    for section in sections:
        assert set(schema["properties"][section]["properties"]) == {
            p.split(".", 1)[1] for p in FIELD_TYPES if p.startswith(section + ".")}


BASE = {"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02"},
        "application": {"paid_on": "2025-01-01", "coverage_years": [2024, 2025]}}


def _with(path, value):
    scenario = copy.deepcopy(BASE)
    *heads, last = path.split(".")
    node = scenario
    for key in heads:
        node = node.setdefault(key, {})
    node[last] = value
    return scenario


WRONG = {
    "unknown-resident-field": _with("resident.colour", "red"),
    "unknown-top-field": _with("extra", 1),
    "unknown-month-span-field": _with("history.employee_months", [{"from": "2020-01", "to": "2020-05", "x": 1}]),
    "bad-date-pattern": _with("resident.birth_date", "2024/10/02"),
    "bad-month-in-date": _with("application.paid_on", "2025-13-01"),
    "bad-month-pattern": _with("history.employee_months", [{"from": "2020-1", "to": "2020-05"}]),
    "date-as-number": _with("resident.birth_date", 20241002),
    "unknown-reading-option": _with("readings", {"A-BREAK": "no_such_option"}),
    "unknown-ambiguity": _with("readings", {"A-NNG-3M": "national"}),   # Nanning's, not Harbin's
    "unknown-parameter": _with("parameters", {"no.such": 1}),
    "parameter-not-a-number": _with("parameters", {"critical_illness.original_cap": "lots"}),
    "year-as-string": _with("history.resident_years", ["2024"]),
    "repeated-year": _with("history.resident_years", [2024, 2024]),
    "negative-count": _with("application.repair_years", -1),
    "bool-as-string": _with("resident.auto_renewed", "yes"),
    "unknown-code": _with("resident.hukou", "elsewhere"),
    "unknown-status": _with("resident.statuses", ["rich"]),
    "application-without-dates": _with("application", {"coverage_years": [2025]}),
    "wrong-jurisdiction": _with("jurisdiction", "nanning"),
    "missing-birth-date": _with("resident", {"hukou": "local"}),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_scenarios_fail_the_schema_and_the_interpreter(policies, name):
    from policyrun import ScenarioError
    scenario = WRONG[name]
    assert _errors(_schema(policies, "harbin"), scenario), name
    if name != "wrong-jurisdiction":   # a valid Nanning scenario, just not Harbin's
        with pytest.raises(ScenarioError):
            policies.evaluate(scenario)


def test_the_union_schema_takes_any_jurisdictions_readings(policies):
    union = _schema(policies)
    assert set(union["properties"]["jurisdiction"]["enum"]) == set(policies.jurisdictions())
    readings = union["properties"]["readings"]["properties"]
    assert {"A-NNG-3M", "A-HRB-KEY", "A-BREAK"} <= set(readings)
    assert _errors(union, _with("readings", {"A-NNG-3M": "literal"})) == []
    assert _errors(union, _with("jurisdiction", "atlantis"))


def test_readings_and_parameters_are_the_policys(policies):
    schema = _schema(policies, "harbin")
    readings = schema["properties"]["readings"]["properties"]
    assert set(readings) == set(policies.ambiguities("harbin"))
    assert readings["A-BREAK"]["enum"] == policies.ambiguities("harbin")["A-BREAK"]
    params = schema["properties"]["parameters"]["properties"]
    assert "critical_illness.original_cap" in params and "standard" not in params   # keyed: not overridable
    assert _errors(schema, _with("parameters", {"critical_illness.original_cap": "250000.5"})) == []
    assert _errors(schema, _with("parameters", {"fixed_waiting_months": 2.5}))      # an int parameter


def test_fields_no_input_reads_are_allowed_and_marked(policies):
    schema = _schema(policies, "harbin")
    district = schema["properties"]["resident"]["properties"]["district"]
    assert "no input of this policy reads it" in district["description"]
    assert _errors(schema, _with("resident.district", "道里区")) == []
    birth = schema["properties"]["resident"]["properties"]["birth_date"]
    assert "input `birth_date`" in birth["description"]


TOY = '''policy toy extends national
  title "Toy pooling area"
  years 2025..2026

source toyseed "A toy source"

input tier: text? = application.tier

ambiguity A-TOY "a question only the toy policy asks" {
  first "the first reading"
  second "the second reading"
}

rule TOY-1 "toy rule" {
  from toyseed "a quote"
  parameter toy_rate "a toy rate": money = 12.5 from toyseed "a quote"
  let toy_choice = match reading(A-TOY) {
    first => 1
    second => 2
  }
}
'''


def test_the_schema_follows_the_policys_declarations(tmp_path):
    import policyrun
    (tmp_path / "national.policy").write_text((ROOT / "policies" / "national.policy").read_text(encoding="utf-8"),
                                              encoding="utf-8")
    (tmp_path / "toy.policy").write_text(TOY, encoding="utf-8")
    policies = policyrun.load(tmp_path)
    toy, national = _schema(policies, "toy"), _schema(policies, "national")
    assert toy["properties"]["jurisdiction"] == {"const": "toy"}
    readings = toy["properties"]["readings"]["properties"]
    assert readings["A-TOY"]["enum"] == ["first", "second"] and "A-TOY" not in national["properties"]["readings"]["properties"]
    assert "toy_rate" in toy["properties"]["parameters"]["properties"]
    tier = toy["properties"]["application"]["properties"]["tier"]
    assert "input `tier`" in tier["description"]
    assert "no input" in national["properties"]["application"]["properties"]["tier"]["description"]
    scenario = {"jurisdiction": "toy", "resident": {"birth_date": "1990-01-01"},
                "readings": {"A-TOY": "second"}, "parameters": {"toy_rate": 3}}
    assert _errors(toy, scenario) == []
    policies.scenario(scenario)   # the interpreter agrees
    assert _errors(toy, dict(scenario, readings={"A-TOY": "third"}))
    assert _errors(national, dict(scenario, jurisdiction="national"))   # national declares no A-TOY


def run(*args):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_schema_command():
    r = run("schema", "--jurisdiction", "nanning")
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["jurisdiction"] == {"const": "nanning"}
    assert _errors(schema, _load(ROOT / "examples" / "nanning-inside-concentrated.json")) == []
    everything = json.loads(run("schema").stdout)
    assert "enum" in everything["properties"]["jurisdiction"]
    r = run("schema", "--jurisdiction", "atlantis")
    assert r.returncode == 2 and "atlantis" in r.stderr and "Traceback" not in r.stderr


def test_schema_command_on_a_broken_policy_and_help(tmp_path):
    (tmp_path / "national.policy").write_text("policy national\nlet x = \n", encoding="utf-8")
    r = run("schema", "--policies", str(tmp_path))
    assert r.returncode == 1 and "error[P003]" in r.stderr and r.stdout == ""
    r = run("schema", "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout
