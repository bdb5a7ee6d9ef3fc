"""`policyrun verify`: the invariants of the bundled policies hold on generated scenarios, and a
false invariant is found with a minimal counterexample that really breaks it."""
import json
import shutil
from pathlib import Path
import subprocess
import sys

import pytest
from click.testing import CliRunner

import policyrun
from conftest import ROOT, policyrun_command
from policyrun.cli import main
from policyrun.evaluate import check_invariants
from policyrun.verify import input_fields, load_file, scenarios, verify_policy

SEVEN = ("national", "harbin", "nanning", "tianjin", "shaanxi", "yangzhou", "shenzhen")
FALSE_INVARIANT = """
invariant "waiting months are never more than 3" {
  when decision.accepted == true and not is_null(decision.waiting_months)
  holds decision.waiting_months <= 3
}
"""


def run(*args, cwd=ROOT):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=600)


def counterexample(stdout: str) -> dict:
    """The JSON object printed after `counterexample:`."""
    start = stdout.index("counterexample:\n") + len("counterexample:\n")
    doc, _ = json.JSONDecoder().raw_decode(stdout[start:])
    return doc


@pytest.fixture
def planted(tmp_path):
    """A copy of national.policy with an invariant that is false (a 2-year break waits 4)."""
    path = tmp_path / "national.policy"
    shutil.copy(ROOT / "policies" / "national.policy", path)
    with path.open("a", encoding="utf-8") as f:
        f.write(FALSE_INVARIANT)
    return path


def test_the_bundled_invariants_hold():
    r = run("verify", "--examples", "40")
    assert r.returncode == 0, r.stdout + r.stderr
    # Keyed by file name: the bundled policies' path depends on how policyrun is installed.
    lines = {Path(line.split(":", 1)[0]).name: line for line in r.stdout.splitlines()}
    total = 0
    for name in SEVEN:
        line = lines[f"{name}.policy"]
        # Catches a file whose invariants were lost, or that verify skipped.
        assert line.endswith("40 examples: ok"), line
        total += int(line.split(": ", 1)[1].split()[0])
    assert total >= 10


def test_a_planted_violation_is_found_with_a_counterexample_that_breaks_it(planted, tmp_path):
    r = run("verify", str(planted), "--examples", "200")
    assert r.returncode == 1, r.stdout + r.stderr
    assert 'invariant violated: "waiting months are never more than 3"' in r.stdout
    assert f"{planted.name}:{planted.read_text(encoding='utf-8').count(chr(10)) - 3}:1" in r.stdout
    doc = counterexample(r.stdout)
    # Evaluated independently, through the public API, the scenario really breaks it.
    policies = policyrun.load(tmp_path)
    decision = policies.evaluate(doc)
    assert decision["accepted"] is True and decision["waiting_months"] > 3
    compiled = policies.policy("national")
    broken = check_invariants(compiled, policies.scenario(doc), decision)
    assert [decl.name for decl, _ in broken] == ["waiting months are never more than 3"]


def test_the_counterexample_is_shrunk(planted):
    # Catches printing the first failing scenario instead of hypothesis's minimal one: the
    # minimal one names no reading and no history beyond what a break needs.
    report = verify_policy(load_file(planted), 200)
    doc = report.violation.scenario
    assert "readings" not in doc
    assert set(doc) <= {"jurisdiction", "resident", "application", "history"}
    assert set(doc["application"]) <= {"registered_on", "paid_on"}


def test_verification_is_deterministic(planted):
    first = verify_policy(load_file(planted), 100)
    again = verify_policy(load_file(planted), 100)
    assert first.violation.scenario == again.violation.scenario
    assert first.tried == again.tried


def test_scenarios_are_drawn_from_the_input_declarations():
    from hypothesis import HealthCheck, given, settings

    national, tianjin = load_file(ROOT / "policies" / "national.policy"), load_file(ROOT / "policies" / "tianjin.policy")
    assert "application.tier" in input_fields(tianjin) and "application.tier" not in input_fields(national)
    seen = {"national": set(), "tianjin": set()}

    for policy in (national, tianjin):
        allowed = set(input_fields(policy)) | {"application.coverage_years"}

        @settings(max_examples=60, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(scenarios(policy))
        def each(doc):
            paths = {f"{section}.{key}" for section in ("resident", "history", "application")
                     for key in doc.get(section, {})}
            assert paths <= allowed
            assert set(doc.get("readings", {})) <= set(policy.checked.ambiguities)
            seen[policy.name] |= paths
        each()
    # Only Tianjin declares the tier, and its scenarios do use it.
    assert "application.tier" in seen["tianjin"] and "application.tier" not in seen["national"]


def test_a_policy_without_invariants_is_not_searched(tmp_path):
    path = tmp_path / "national.policy"
    text = (ROOT / "policies" / "national.policy").read_text(encoding="utf-8")
    path.write_text(text.split("# ---- invariants")[0], encoding="utf-8")
    r = run("verify", str(path))
    assert r.returncode == 0
    assert r.stdout.strip().endswith("0 invariants, nothing to verify")


def test_without_hypothesis_verify_says_what_to_install(planted, monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)   # `import hypothesis` now fails
    result = CliRunner().invoke(main, ["verify", str(planted)])
    assert result.exit_code == 2
    assert "pip install 'policyrun[test]'" in result.output


def test_an_invalid_policy_is_reported_and_fails(tmp_path):
    path = tmp_path / "national.policy"
    path.write_text("policy national\ninvariant \"x\" { holds nonexistent > 0 }\n", encoding="utf-8")
    r = run("verify", str(path))
    assert r.returncode == 1
    assert "unknown name `nonexistent`" in r.stderr
