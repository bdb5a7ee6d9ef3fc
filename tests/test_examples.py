"""Every scenario in examples/ through the CLI, compared with its expected decision.

The expected decisions were checked by hand against shared/domain/rules.md (see
examples/README.md). POLICYRUN_REGEN_EXAMPLES=1 rewrites them; review the diff before committing.
"""
import json
import os
import subprocess

import pytest

from conftest import ROOT, policyrun_command

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def test_there_are_enough_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_decision(path):
    run = subprocess.run(policyrun_command() + ["evaluate", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    decision = json.loads(run.stdout)
    expected_path = ROOT / "examples" / "expected" / path.name
    if os.environ.get("POLICYRUN_REGEN_EXAMPLES"):
        expected_path.write_text(run.stdout, encoding="utf-8")
    assert decision == json.loads(expected_path.read_text(encoding="utf-8"))


def test_day_91_example_matches_the_contract(policies):
    """The contract's worked example, stated field by field (scenario.md, 'a rejected request')."""
    d = json.loads((ROOT / "examples" / "expected" / "harbin-newborn-day-91.json").read_text(encoding="utf-8"))
    assert d["accepted"] is False
    assert [r["rule"] for r in d["reasons"]][0] == "HRB-1"
    [alt] = d["alternatives"]
    assert (alt["coverage"]["start"], alt["coverage"]["end"]) == ("2025-04-01", "2025-12-31")
    assert alt["amount_due"]["total"] == "400" and alt["waiting_months"] == 3
    assert alt["decided_by"][:2] == ["HRB-7", "N-2"]
