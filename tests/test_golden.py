"""Golden diagnostics: each tests/golden/<slug>.policy is a bad policy, and <slug>.txt holds the
exact diagnostics `policyrun check` prints for it, rendered and joined by a blank line.

After an intended change of wording or layout, regenerate and read the diff:

    POLICYRUN_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from policyrun.checkfiles import check_file
from policyrun.dsl.diagnostics import render

from golden_files import assert_golden

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
POLICIES = sorted(GOLDEN.glob("*.policy"))

# Every parse code and the check codes a policy author meets most: each must keep a golden file.
COVERED_CODES = {"P001", "P002", "P003", "P004", "P005", "C001", "C002", "C003", "C004", "C005",
                 "C006", "C007", "C008", "C009", "C011", "C012", "C013", "C016", "C020"}


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    # Paths in diagnostics are shown relative to the working directory.
    monkeypatch.chdir(REPO)


def rendered(policy: Path) -> str:
    """What the golden .txt holds: the rendered diagnostics, a blank line between two."""
    # Parents from the checkout's policies/, so that their paths read the same with any install.
    diagnostics = check_file(policy.relative_to(REPO), Path("policies"))
    return "\n\n".join(render(d) for d in diagnostics) + "\n"


def policyrun(*args) -> subprocess.CompletedProcess:
    """Run the installed console script, as a user would."""
    script = Path(sys.executable).with_name("policyrun")
    assert script.exists(), f"the console script is not installed next to {sys.executable}"
    return subprocess.run([str(script), *args], cwd=REPO, capture_output=True, text=True,
                          encoding="utf-8", check=False)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.stem)
def test_golden_diagnostics(policy):
    got = rendered(policy)
    # Catches a golden policy that became valid: it would no longer test any diagnostic.
    assert got.strip(), f"{policy.name} has no diagnostics; a golden policy must be bad"
    assert_golden(got, policy.with_suffix(".txt"))


def test_every_golden_output_has_its_policy():
    # Catches a .txt left behind after its policy was renamed or deleted.
    orphans = [t.name for t in GOLDEN.glob("*.txt") if not t.with_suffix(".policy").exists()]
    assert orphans == []


def test_golden_files_cover_the_main_codes():
    # Catches the loss of the only golden file for a code.
    shown = set()
    for expected in GOLDEN.glob("*.txt"):
        shown |= set(re.findall(r"^error\[(\w+)\]", expected.read_text(encoding="utf-8"), re.M))
    assert COVERED_CODES - shown == set()


def _columns(text: str) -> int:
    # An independent count of terminal columns for this test's text: CJK and full-width are two.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("slug, token", [("wide-characters", "（"), ("chinese-names", "等侍月数")])
def test_carets_sit_under_the_token_after_chinese_text(slug, token):
    # Catches carets placed by character count: they would land left of the token.
    lines = rendered(GOLDEN / f"{slug}.policy").splitlines()
    source_at = next(i for i, line in enumerate(lines) if token in line and " | " in line)
    source_line, caret_line = lines[source_at], lines[source_at + 1]
    code = source_line.split(" | ", 1)[1]
    margin = len(source_line) - len(code)   # "4 | " and "  | " are equally wide
    carets = caret_line[margin:]
    assert carets.strip() == "^" * _columns(token)
    assert len(carets) - len(carets.lstrip()) == _columns(code[:code.index(token)])


def test_several_mistakes_are_all_reported_in_order():
    # Catches a parser that stops at the first error, or an unsorted list of diagnostics.
    for slug, codes in [("several-parse-errors", ["P004", "P001", "P001", "P004", "P005"]),
                        ("several-check-errors", ["C001", "C016", "C009"])]:
        diagnostics = check_file((GOLDEN / f"{slug}.policy").relative_to(REPO), Path("policies"))
        assert [d.code for d in diagnostics] == codes
        starts = [d.span.start for d in diagnostics]
        assert starts == sorted(starts)


# ---- the command line prints the same thing


def test_cli_check_prints_the_golden_diagnostics_and_exits_1():
    policy = GOLDEN / "several-check-errors.policy"
    result = policyrun("check", "--policies", "policies", str(policy.relative_to(REPO)))
    assert result.returncode == 1
    expected = policy.with_suffix(".txt").read_text(encoding="utf-8")
    assert result.stderr == expected + "\nchecked 1 file: 3 errors\n"
    assert result.stdout == ""


def test_cli_check_accepts_the_bundled_policies():
    bundled = sorted(str(p.relative_to(REPO)) for p in (REPO / "policies").glob("*.policy"))
    assert len(bundled) >= 3
    result = policyrun("check", *bundled)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"checked {len(bundled)} files: ok\n"


def test_cli_check_json_gives_code_and_position():
    result = policyrun("check", "--format", "json", "tests/golden/chinese-names.policy")
    assert result.returncode == 1
    [diagnostic] = json.loads(result.stdout)
    assert diagnostic["code"] == "C001"
    assert diagnostic["file"] == "tests/golden/chinese-names.policy"
    # Columns count characters (not terminal columns): `等侍月数` is the 24th character of line 5.
    assert (diagnostic["line"], diagnostic["column"]) == (5, 24)
    assert (diagnostic["end_line"], diagnostic["end_column"]) == (5, 28)
    assert diagnostic["message"] == "unknown name `等侍月数`"
