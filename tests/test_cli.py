"""The command line as a user meets it: exit codes, one-line errors, options, help."""
import json
import subprocess

import pytest
from click.testing import CliRunner

import policyrun
from conftest import ROOT, policyrun_command
from policyrun.cli import main

DAY_91 = str(ROOT / "examples" / "harbin-newborn-day-91.json")


def run(*args, stdin=None):
    return subprocess.run(policyrun_command() + list(args), capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=60)


BAD = {
    "unknown-field": ('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02", "colour": "red"}}',
                      "resident.colour"),
    "wrong-type": ('{"jurisdiction": "harbin", "resident": {"birth_date": 20241002}}', "resident.birth_date"),
    "impossible-date": ('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-02-30"}}', "2024-02-30"),
    "unknown-jurisdiction": ('{"jurisdiction": "atlantis", "resident": {"birth_date": "2024-10-02"}}', "atlantis"),
    "unknown-reading-option": ('{"jurisdiction": "harbin", "resident": {"birth_date": "2024-10-02"}, '
                               '"readings": {"A-BREAK": "no_such_option"}}', "readings.A-BREAK"),
    "unknown-ambiguity": ('{"jurisdiction": "nanning", "resident": {"birth_date": "2024-10-02"}, '
                          '"readings": {"A-HRB-KEY": "payment_date"}}', "readings.A-HRB-KEY"),
    "unknown-parameter": ('{"jurisdiction": "national", "resident": {"birth_date": "2024-10-02"}, '
                          '"parameters": {"no.such": 1}}', "parameters.no.such"),
    "not-json": ("{not json", "invalid JSON"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_scenario_is_one_clear_line(name):
    text, must_mention = BAD[name]
    r = run("evaluate", "-", stdin=text)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert must_mention in lines[0]


def test_stdin_and_file_give_the_same_decision():
    from_file = run("evaluate", DAY_91)
    from_stdin = run("evaluate", "-", stdin=open(DAY_91, encoding="utf-8").read())
    assert from_file.returncode == from_stdin.returncode == 0
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout)


def test_reading_option_changes_the_decision():
    default = json.loads(run("evaluate", DAY_91).stdout)["alternatives"][0]
    chosen = json.loads(run("evaluate", DAY_91, "--reading", "A-WAIT-DAY=next_day").stdout)["alternatives"][0]
    assert default["coverage"]["start"] == "2025-04-01"
    assert chosen["coverage"]["start"] == "2025-04-02"
    assert chosen["readings"]["A-WAIT-DAY"] == "next_day"


def test_bad_reading_flag():
    r = run("evaluate", DAY_91, "--reading", "A-WAIT-DAY=someday")
    assert r.returncode == 1 and "--reading readings.A-WAIT-DAY" in r.stderr
    r = run("evaluate", DAY_91, "--reading", "nonsense")
    assert r.returncode == 2 and "ID=option" in r.stderr


def test_explain_adds_a_trace_of_rules():
    d = json.loads(run("evaluate", DAY_91, "--explain").stdout)
    rules = {step.get("rule") for step in d["trace"]}
    assert {"HRB-1", "N-2"} <= rules
    assert any("source" in step and step["source"]["quote"] for step in d["trace"])
    assert "trace" not in json.loads(run("evaluate", DAY_91).stdout)


def test_other_policy_directory(tmp_path):
    for name in ("national", "nanning"):
        (tmp_path / f"{name}.policy").write_text((ROOT / "policies" / f"{name}.policy").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    r = run("evaluate", str(ROOT / "examples" / "nanning-inside-concentrated.json"), "--policies", str(tmp_path))
    assert r.returncode == 0, r.stderr
    r = run("evaluate", DAY_91, "--policies", str(tmp_path))
    assert r.returncode == 1 and "unknown jurisdiction" in r.stderr


def test_broken_policy_directory_exits_1_with_diagnostics(tmp_path):
    (tmp_path / "national.policy").write_text("policy national\nlet x = \n", encoding="utf-8")
    r = run("evaluate", str(ROOT / "examples" / "national-first-time-no-application.json"), "--policies", str(tmp_path))
    assert r.returncode == 1 and "error[P003]" in r.stderr and "Traceback" not in r.stderr


def test_missing_scenario_file_is_a_usage_error():
    r = run("evaluate", "no/such/file.json")
    assert r.returncode == 2 and "Traceback" not in r.stderr


@pytest.mark.parametrize("command", [[], ["evaluate"], ["check"]])
def test_help_on_every_command(command):
    r = run(*command, "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout


def test_check_bundled_policies_is_clean():
    r = run("check", *[str(p) for p in sorted((ROOT / "policies").glob("*.policy"))])
    assert r.returncode == 0, r.stderr


def test_check_a_directory_checks_its_policy_files(tmp_path):
    r = run("check", str(ROOT / "policies"))
    count = len(list((ROOT / "policies").glob("*.policy")))
    assert r.returncode == 0 and f"checked {count} files: ok" in r.stderr, r.stderr
    r = run("check", str(tmp_path))   # no policy files there: a usage error, not "ok"
    assert r.returncode == 2 and "no .policy files" in r.stderr


# ---- paths that hold no policies, and policies that extend bundled ones ----------------------

@pytest.mark.parametrize("command", ["check", "test", "verify"])
def test_a_directory_without_policies_is_a_usage_error(command, tmp_path):
    # Catches a CI job pointed at a wrong path that passes with nothing checked (or the bundled set).
    r = CliRunner().invoke(main, [command, str(tmp_path)])
    assert r.exit_code == 2
    assert f"no .policy files in {tmp_path}" in r.output


@pytest.mark.parametrize("command", [["evaluate", str(ROOT / "examples" / "nanning-inside-concentrated.json")],
                                     ["serve", "--port", "0"]], ids=["evaluate", "serve"])
def test_a_policies_directory_without_policies_is_a_usage_error(command, tmp_path):
    # serve called it "cannot listen on 127.0.0.1:8080"
    r = CliRunner().invoke(main, command + ["--policies", str(tmp_path)])
    assert r.exit_code == 2 and "no .policy files in" in r.output


def test_a_policy_in_another_directory_may_extend_the_bundled_national(tmp_path):
    # As `check` and `test` find it: README's "in any folder, with --policies pointing there".
    (tmp_path / "demo.policy").write_text(
        'policy demo extends national\n  title "示范市"\n  years 2027..2027\n', encoding="utf-8")
    scenario = json.loads((ROOT / "examples" / "national-break-2-years-repaired.json").read_text(encoding="utf-8"))
    scenario["jurisdiction"] = "demo"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", str(path), "--policies", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["jurisdiction"] == "demo"


def test_api_misuse_is_a_clear_python_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no .policy files in"):
        policyrun.load(tmp_path)
    policies = policyrun.load()
    with pytest.raises(ValueError, match='unknown jurisdiction "atlantis"'):
        policies.ambiguities("atlantis")
    scenario = json.loads((ROOT / "examples" / "nanning-inside-concentrated.json").read_text(encoding="utf-8"))
    with pytest.raises(TypeError, match="readings must be a dict"):
        policies.evaluate(scenario, readings=["A-BREAK"])
    for empty_but_wrong in ([], "", 0):   # falsy, and still not a dict (they were ignored)
        with pytest.raises(TypeError, match="readings must be a dict"):
            policies.evaluate(scenario, readings=empty_but_wrong)
        with pytest.raises(TypeError, match="readings must be a dict"):
            list(policies.evaluate_iter([scenario], readings=empty_but_wrong))
    with pytest.raises(TypeError, match="both strings: got 1: 'x'"):   # not dict()'s "keywords must be strings"
        policies.evaluate(scenario, readings={1: "x"})


def test_a_python_date_object_is_named_as_such():
    import datetime
    from policyrun import ScenarioError
    doc = {"jurisdiction": "harbin", "resident": {"birth_date": datetime.date(2024, 10, 2)}}
    with pytest.raises(ScenarioError) as err:
        policyrun.load().evaluate(doc)
    assert (err.value.path, err.value.message) == (
        "resident.birth_date", 'expected a date YYYY-MM-DD (text), got a Python date object: write it "2024-10-02"')


def test_an_unknown_jurisdiction_is_quoted_short():
    # the message (a 422 body in the service) repeated a 500 KB value whole
    from policyrun import ScenarioError
    with pytest.raises(ScenarioError) as err:
        policyrun.load().evaluate({"jurisdiction": "张" * 100_000, "resident": {"birth_date": "2000-01-01"}})
    assert err.value.message.startswith('unknown jurisdiction "' + "张" * 57 + '..."; expected one of: dalian')
