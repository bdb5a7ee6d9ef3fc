"""Lint warnings of `policyrun check` (W001…W005). Each tests/golden_lint/<slug>.policy is a valid
policy with one kind of mistake, and <slug>.txt holds the exact warnings `check` prints for it.

After an intended change of wording or layout, regenerate and read the diff:

    POLICYRUN_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_lint.py
"""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, policyrun_command
from policyrun.checkfiles import check_file
from policyrun.dsl.diagnostics import render

from golden_files import assert_golden

GOLDEN = ROOT / "tests" / "golden_lint"
POLICIES = sorted(GOLDEN.glob("*.policy"))
CODES = {"W001", "W002", "W003", "W004", "W005"}

# The warnings the bundled policies give, as (code, file, message): none. A new one is either a
# true finding, to fix in the policy (or, if it must stay, to list here), or a lint false positive.
BUNDLED_WARNINGS = []


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)   # paths in diagnostics are relative to the working directory


def run(*args):
    return subprocess.run(policyrun_command() + list(args), cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def rendered(policy: Path) -> str:
    return "\n\n".join(render(d) for d in check_file(policy.relative_to(ROOT))) + "\n"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.stem)
def test_golden_warnings(policy):
    diagnostics = check_file(policy.relative_to(ROOT))
    # A lint golden is a valid policy: warnings only, at least one.
    assert diagnostics and {d.severity for d in diagnostics} == {"warning"}
    got = rendered(policy)
    assert_golden(got, policy.with_suffix(".txt"))


def test_every_warning_code_has_a_golden_file():
    shown = set()
    for expected in GOLDEN.glob("*.txt"):
        shown |= set(re.findall(r"^warning\[(W\d+)\]", expected.read_text(encoding="utf-8"), re.M))
    assert shown == CODES


def test_every_golden_output_has_its_policy():
    assert [t.name for t in GOLDEN.glob("*.txt") if not t.with_suffix(".policy").exists()] == []


def test_the_bundled_policies_give_only_the_known_warnings():
    found = []
    for path in sorted((ROOT / "policies").glob("*.policy")):
        for d in check_file(path.relative_to(ROOT)):
            found.append((d.code, d.source.path, d.message))
    assert found == BUNDLED_WARNINGS


def test_warnings_do_not_change_the_exit_code():
    r = run("check", "tests/golden_lint/unused-input-and-parameter.policy")
    assert r.returncode == 0
    assert r.stderr.startswith("warning[W001]: input `hukou` is never used")
    assert r.stderr.splitlines()[-1] == "checked 1 file: ok, 2 warnings"


def test_json_output_includes_warnings_with_their_severity():
    r = run("check", "--format", "json", "tests/golden_lint/dead-rule.policy")
    assert r.returncode == 0
    [d] = json.loads(r.stdout)
    assert (d["code"], d["severity"], d["line"], d["column"]) == ("W002", "warning", 18, 1)
    assert d["file"] == "tests/golden_lint/dead-rule.policy"


def test_an_input_used_only_by_an_extending_policy_is_not_unused(tmp_path):
    # Checked among the bundled policies, national's inputs for the cities are used; alone in a
    # directory, the ones national itself never reads are reported.
    assert [d for d in check_file(Path("policies/national.policy"))] == []
    alone = tmp_path / "national.policy"
    shutil.copy(ROOT / "policies" / "national.policy", alone)
    unused = {d.message.split("`")[1] for d in check_file(alone) if d.code == "W001"}
    assert {"hukou", "education", "registered_with"} <= unused
    assert "birth_date" not in unused and "paid_on" not in unused


def test_a_city_is_not_warned_about_what_national_declares(tmp_path):
    # harbin uses none of national's `statuses` or `education`: not harbin's to report.
    assert check_file(Path("policies/harbin.policy")) == []
