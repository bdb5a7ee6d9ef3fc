"""`policyrun test`: the example blocks of policy files, their report formats and rule coverage."""
import json
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest

from conftest import ROOT, policyrun_command

BUNDLED_WITH_EXAMPLES = ["national", "harbin", "nanning", "tianjin", "shaanxi", "yangzhou", "shenzhen"]


def run(*args, cwd=ROOT):
    return subprocess.run(policyrun_command() + ["test", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


# ---- the bundled policies -------------------------------------------------------------------

def test_bundled_examples_all_pass():
    r = run()
    assert r.returncode == 0, r.stdout + r.stderr
    summary = r.stdout.strip().splitlines()[-1]
    passed = int(summary.split()[0])
    assert summary == f"{passed} passed, 0 failed" and passed >= 50


@pytest.mark.parametrize("name", BUNDLED_WITH_EXAMPLES)
def test_each_bundled_file_has_examples_covering_its_rules(name, tmp_path):
    out = tmp_path / "coverage.json"
    r = run(ROOT / "policies" / f"{name}.policy", "--coverage-json", out)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(out.read_text(encoding="utf-8"))["files"][0]
    assert report["examples"] >= 5
    # Every rule is exercised, except one that only cites its source (nothing can name it).
    assert set(report["rules"]["never"]) <= set(report["rules"]["cites_only"])
    assert report["options"]["never"] == []


# ---- a planted failure ----------------------------------------------------------------------

WRONG = """\
policy wrong extends national
  years 2023..2030

# Qingdao (rules.md N-3b): two break years, paid in the concentrated period: 3 + 1 = 4 months.
example "right: Qingdao 3+1" for N-2 {
  given {
    resident.birth_date: 1990-05-01
    history.resident_years: [2023, 2024]
    application.paid_on: 2026-10-15
    application.coverage_years: [2027]
  }
  expect {
    waiting_months: 4
    coverage.start: 2027-05-01
  }
}

example "planted: wrong wait and start" for N-2 {
  given {
    resident.birth_date: 1990-05-01
    history.resident_years: [2023, 2024]
    application.paid_on: 2026-10-15
    application.coverage_years: [2027]
  }
  expect {
    accepted: true
    waiting_months: 5
    coverage.start: 2027-06-01
    amount_due.total: 400
    decided_by.includes: [N-8]
  }
}
"""


@pytest.fixture
def wrong(tmp_path):
    path = tmp_path / "wrong.policy"
    path.write_text(WRONG, encoding="utf-8")
    return path


def test_planted_wrong_example_fails_with_file_line_and_diff(wrong, tmp_path):
    r = run("wrong.policy", cwd=tmp_path)
    assert r.returncode == 1
    planted = WRONG[WRONG.index('example "planted'):]
    start = line_of(WRONG, 'example "planted') - 1

    def head(expectation):   # each failure names the line of its `expect` field
        return f'wrong.policy:{start + line_of(planted, expectation)}: example "planted: wrong wait and start"'
    lines = r.stdout.splitlines()
    assert lines[0] == f"{head('waiting_months: 5')}: waiting_months expected 5, got 4"
    assert lines[1] == f'{head("coverage.start: 2027-06-01")}: coverage.start expected "2027-06-01", got "2027-05-01"'
    assert lines[2].startswith(f'{head("decided_by.includes: [N-8]")}: decided_by.includes expected ["N-8"], got [')
    assert lines[3:] == ["1 passed, 1 failed"]
    assert '"N-3"' in r.stdout.splitlines()[2]   # the actual list is shown


def test_junit_xml_counts_examples(wrong, tmp_path):
    report = tmp_path / "report.xml"
    r = run(wrong, "--junit-xml", report)
    assert r.returncode == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["right: Qingdao 3+1", "planted: wrong wait and start"]
    assert {c.get("classname") for c in cases} == {"wrong"}
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert "waiting_months expected 5, got 4" in failure.get("message")
    assert cases[1].get("line") == str(line_of(WRONG, 'example "planted'))


def test_invalid_policy_exits_1_with_diagnostics(tmp_path):
    (tmp_path / "broken.policy").write_text("policy broken extends national\nrule X-1 { }\n", encoding="utf-8")
    r = run(tmp_path / "broken.policy")
    assert r.returncode == 1
    assert "C016" in r.stderr and "broken.policy:2" in r.stderr
    assert r.stdout.strip().splitlines()[-1] == "0 passed, 0 failed"


def test_an_example_the_policy_cannot_run_is_a_failure(tmp_path):
    (tmp_path / "bad.policy").write_text(
        'policy bad extends national\nexample "unknown option" {\n  given {\n    resident.birth_date: 1990-01-01\n'
        '    readings.A-BREAK: sideways\n  }\n  expect { accepted: null }\n}\n', encoding="utf-8")
    r = run("bad.policy", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.splitlines()[0].startswith('bad.policy:2: example "unknown option": given readings.A-BREAK:')


# ---- coverage of a small policy written for the purpose ------------------------------------

TINY = """\
policy tiny
  years 2025..2026

source s "fixture source"

input birth_date: date = resident.birth_date
input paid_on: date? = application.paid_on

ambiguity A-ROUND "which wait" {
  down "none"
  up "one month"
}

rule T-1 "standard" {
  from s "one hundred"
  parameter standard "standard": money by year {
    2025..2026 = 100 from s "100"
  }
}

rule T-2 "adults pay double" {
  from s "double"
  def fee(y: int) =
    if years_between(birth_date, paid_on) >= 18 then standard[y] * 2
    else standard[y]
}

rule T-3 "first half year" {
  from s "first half"
  route buy {
    when true
    require paid_on.month <= 6 else T-3 "only in the first half year"
    years: [paid_on.year]
    amount: fee(year)
    waiting: match reading(A-ROUND) {
      down => 0
      up => 1
    }
  }
}

rule T-4 "cited only" {
  from s "nothing decides by this"
}

rule T-5 "second half year" {
  from s "second half"
  route late {
    when paid_on.month > 6
    offer by T-5 when paid_on.month <= 9 {
      years: [paid_on.year]
    }
    offer when paid_on.month > 9 {
      years: [paid_on.year + 1]
    }
  }
}

rule T-6 "never reached" {
  from s "a rule with a definition no example reaches"
  let unused = 1
}

# An adult in March: `buy` (its require holds), `fee` takes the adult arm, A-ROUND is consulted
# with its default. An adult in August: `buy`'s require fails, `late`'s first offer is granted.
example "adult in March" {
  given {
    resident.birth_date: 1990-01-01
    application.paid_on: 2025-03-01
  }
  expect {
    route: buy
    amount_due.total: 200
  }
}

example "adult in August" {
  given {
    resident.birth_date: 1990-01-01
    application.paid_on: 2025-08-01
    application.coverage_years: [2025]
  }
  expect {
    route: late
  }
}
"""


def test_coverage_json_names_exercised_and_unexercised(tmp_path):
    (tmp_path / "tiny.policy").write_text(TINY, encoding="utf-8")
    r = run("tiny.policy", "--coverage", "--coverage-json", "c.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["files"][0]
    assert (report["file"], report["policy"], report["examples"]) == ("tiny.policy", "tiny", 2)

    assert report["rules"] == {"declared": 6, "exercised": ["T-1", "T-2", "T-3", "T-5"],
                               "never": ["T-4", "T-6"], "cites_only": ["T-4"]}
    assert report["options"] == {
        "declared": 2,
        "exercised": [{"ambiguity": "A-ROUND", "option": "down", "default": True}],
        "never": [{"ambiguity": "A-ROUND", "option": "up", "default": False}]}

    def at(needle, label):
        return (line_of(TINY, needle), label)
    exercised = {(b["line"], b["branch"]) for b in report["branches"]["exercised"]}
    never = {(b["line"], b["branch"]) for b in report["branches"]["never"]}
    assert exercised == {
        at("if years_between", "if: then"),
        at("require paid_on", "require (else T-3): holds"),
        at("require paid_on", "require (else T-3): fails"),
        at("route buy", "route `buy`: granted"),
        at("down => 0", "match arm `down`"),
        at("offer by T-5", "offer by T-5: granted"),
    }
    assert never == {
        at("if years_between", "if: else"),
        at("up => 1", "match arm `up`"),
        at("offer when", "offer: granted"),
    }
    assert report["branches"]["declared"] == 9
    # The text table: one row per file, then the gaps.
    assert "tiny.policy         2    4/6      1/2       6/9" in r.stdout
    assert "rule T-4 (only cites its source" in r.stdout and "option A-ROUND=up" in r.stdout


def test_coverage_build_decides_exactly_as_the_normal_build():
    """Instrumenting a policy must not change a single decision."""
    from policyrun.check import check
    from policyrun.checkfiles import file_chain
    from policyrun.compile import compile_policy
    from policyrun.coverage import Collector
    from policyrun.evaluate import evaluate
    from policyrun.scenario import FIELD_TYPES, parse_scenario
    from policyrun.testing import scenario_data

    for name in BUNDLED_WITH_EXAMPLES:
        path = ROOT / "policies" / f"{name}.policy"
        checked = check(file_chain(path), FIELD_TYPES)
        plain, probed = compile_policy(checked), compile_policy(checked, coverage=Collector())
        for route in plain.routes:   # the normal build has no probe anywhere in its routes
            assert all(test.__name__ != "probed" for test, _, _ in route.requires)
            assert all(o.when is None or o.when.__name__ != "probed" for o in route.offers)
        for decl, _ in checked.examples:
            scenario = parse_scenario(scenario_data(decl.given, checked.name))
            assert evaluate(plain, scenario) == evaluate(probed, scenario), (name, decl.name)


# ---- comparing values -----------------------------------------------------------------------

def test_normalised_comparison():
    from policyrun.testing import compare, lookup, same
    from policyrun.dsl.ast import DataField

    assert same(780, "780") and same(Decimal("38.454"), "38.454") and same("780.00", "780")
    assert not same(780, "781") and not same(1, True) and not same(True, 1)
    assert same(date(2025, 4, 1), "2025-04-01") and not same(date(2025, 4, 1), "2025-04-02")
    assert same(("HRB-1", "N-2"), ["HRB-1", "N-2"]) and not same(("HRB-1",), ["HRB-1", "N-2"])
    assert same((), {}) and same(None, None) and not same(None, 0)
    decision = {"reasons": [{"rule": "HRB-1"}, {"rule": "N-2"}], "decided_by": ["HRB-1", "N-2"],
                "undetermined": [{"field": "coverage.start", "why": "…"}], "alternatives": [{"route": "mid_year"}]}
    assert lookup(decision, ("reasons", "rules")) == ["HRB-1", "N-2"]
    assert lookup(decision, ("reasons", 0, "rule")) == "HRB-1"
    assert lookup(decision, ("undetermined", "fields")) == ["coverage.start"]

    def fields(**kw):
        return tuple(DataField(tuple(k.split("__")), v) for k, v in kw.items())
    assert compare(fields(decided_by__includes=("N-2",), reasons__rules=("HRB-1", "N-2"),
                          alternatives__route=("mid_year",)), decision) == []
    bad = compare(fields(decided_by=("N-2",), decided_by__includes=("N-8",), route=None), decision)
    assert [m.path for m in bad] == ["decided_by", "decided_by.includes", "route"]
