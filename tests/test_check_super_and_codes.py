"""The checker on `super` and on text codes.

`super` has the type of what it stands for: in a `let` that overrides a `let`, the overridden
value; in a `def` that overrides a `def`, `super(…)` is checked as a call of the overridden def
(argument count C008, argument types C007, its result type). Used otherwise it is a C001.

C024: a text literal tested against an input whose codes the scenario contract lists
(`hukou == "x"`, `"x" in statuses`, `hukou in ["x"]`, a `match` arm) must be one of them.

Each policy is written to a temporary file that extends the bundled `national` and checked as
`policyrun check` does; the tests assert code, message, the text under the caret and the help.
"""
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, policyrun_command
from policyrun.checkfiles import check_file
from policyrun.scenario import ENUMS

HEADER = """policy mine extends national
  title "t"
  years 2025..2025

source n "示范市通知"

"""


def check(tmp_path: Path, body: str) -> list:
    """The errors `policyrun check` finds in a policy made of HEADER and `body`."""
    path = tmp_path / "mine.policy"
    path.write_text(HEADER + body, encoding="utf-8")
    return [d for d in check_file(path) if d.severity == "error"]


def found(diagnostics) -> list:
    """(code, message, the text under the caret) of each diagnostic."""
    return [(d.code, d.message, d.source.text[d.span.start:d.span.end]) for d in diagnostics]


def overriding(rule: str, body: str, rule_id="X-1") -> str:
    return f'rule {rule_id} "t" overrides {rule} {{\n  from n "q"\n  {body}\n}}\n'


# ---- `super` in a let: the overridden let's type (national's `exempt` is a bool)

def test_super_in_a_let_has_the_overridden_lets_type(tmp_path):
    assert check(tmp_path, overriding("N-7", "let exempt = super or false")) == []


def test_an_attribute_of_super_is_checked_on_the_overridden_type(tmp_path):
    diags = check(tmp_path, overriding("N-7", "let exempt = super.nonsense_field"))
    assert found(diags) == [("C007", "`bool` has no attribute `nonsense_field`", "super.nonsense_field")]


def test_arithmetic_on_super_is_checked_on_the_overridden_type(tmp_path):
    diags = check(tmp_path, overriding("N-7", 'let general_rules_apply = super + 1 > 0 and hukou == "local"'))
    assert found(diags) == [("C007", "cannot apply `+` to `bool` and `int`", "super + 1")]


def test_a_let_using_super_must_still_have_a_fitting_type(tmp_path):
    # the type inferred through `super` flows on: here an int where a bool is expected
    body = overriding("N-2", "def fixed_wait(y: int, inside: bool) = super(y, inside)") + \
        overriding("N-7", "let general_rules_apply = fixed_wait(2025, true) and true", "X-2")
    assert found(check(tmp_path, body)) == [("C007", "expected `bool`, found `int`", "fixed_wait(2025, true)")]


# ---- `super(…)` in a def: a call of the overridden def

def test_a_call_of_super_with_the_overridden_signature_is_clean(tmp_path):
    assert check(tmp_path, overriding("N-2", "def fixed_wait(y: int, inside: bool) = super(y, inside) + 1")) == []


def test_a_call_of_super_with_too_few_arguments(tmp_path):
    diags = check(tmp_path, overriding("N-2", "def fixed_wait(y: int, inside: bool) = super(y) + 1"))
    assert found(diags) == [("C008", "`super` takes 2 argument(s), 1 given", "super(y)")]
    assert diags[0].help == "`super` calls the overridden `fixed_wait(y: int, inside: bool)`"


def test_a_call_of_super_with_an_argument_of_the_wrong_type(tmp_path):
    diags = check(tmp_path, overriding("N-2", "def fixed_wait(y: int, inside: bool) = super(y, 1)"))
    assert found(diags) == [("C007", "expected `bool`, found `int`", "1")]


def test_the_result_of_super_has_the_overridden_defs_type(tmp_path):
    body = overriding("N-2", "def fixed_wait(y: int, inside: bool) = if super(y, inside) then 1 else 0")
    diags = check(tmp_path, body)
    assert found(diags) == [("C007", "expected `bool`, found `int`", "super(y, inside)")]


# ---- `super` where it stands for nothing, or used the wrong way

def test_a_bare_super_in_a_def(tmp_path):
    diags = check(tmp_path, overriding("N-2", "def fixed_wait(y: int, inside: bool) = super + 1"))
    assert found(diags) == [("C001", "`super` is only a value in a `let`; in `def fixed_wait` it must be called",
                             "super")]
    assert diags[0].help == "call the overridden definition: `super(y, inside)`"


def test_a_call_of_super_in_a_let(tmp_path):
    diags = check(tmp_path, overriding("N-7", "let exempt = super(1)"))
    assert found(diags) == [("C001", "`super` is only callable in a `def`; in `let exempt` it is a value",
                             "super(1)")]
    assert diags[0].help == "use the overridden value as `super`, without arguments"


@pytest.mark.parametrize("body", [
    overriding("N-7", "let mine = super"),                                   # a new name: nothing overridden
    'rule X-1 "t" {\n  from n "q"\n  let exempt2 = super(1)\n}\n',           # a rule that overrides nothing
    overriding("N-2", "def mine(y: int) = super(y)"),
], ids=["new-let", "no-overrides", "new-def"])
def test_super_where_nothing_is_overridden(tmp_path, body):
    diags = check(tmp_path, body)
    assert [(d.code, d.message) for d in diags] == \
        [("C001", "`super` is only available in a definition that overrides another")]
    assert "overrides" in diags[0].help


# ---- C024: text codes against the contract's lists

def test_a_comparison_with_a_code_the_contract_does_not_list(tmp_path):
    diags = check(tmp_path, overriding("N-7", 'let general_rules_apply = hukou == "本地"'))
    assert found(diags) == [("C024", '`"本地"` is not a code of `hukou`', '"本地"')]
    assert diags[0].help == "the scenario contract's codes for `resident.hukou`: " + ", ".join(ENUMS["resident.hukou"])


def test_membership_in_a_list_input_with_a_code_it_never_holds(tmp_path):
    diags = check(tmp_path, overriding("N-7", 'let general_rules_apply = "低保" in statuses'))
    assert found(diags) == [("C024", '`"低保"` is not a code of `statuses`', '"低保"')]
    assert diags[0].help.endswith(", ".join(ENUMS["resident.statuses"]))


def test_a_close_code_is_suggested(tmp_path):
    diags = check(tmp_path, overriding("N-7", 'let general_rules_apply = "dibo" in statuses'))
    assert diags[0].help.startswith("did you mean `dibao`? ")


@pytest.mark.parametrize("expr, literal", [
    ('"nonlocal" != hukou', '"nonlocal"'),                       # the literal on the left
    ('hukou in ["local", "nonlocal"]', '"nonlocal"'),            # an input in a list of literals
    ('"x" not in statuses', '"x"'),
    ('hukou == "local" and education == "college"', '"college"'),
], ids=["reversed", "in-list", "not-in", "other-input"])
def test_every_form_of_test_is_checked(tmp_path, expr, literal):
    diags = check(tmp_path, overriding("N-7", f"let general_rules_apply = {expr}"))
    assert [(d.code, d.source.text[d.span.start:d.span.end]) for d in diags] == [("C024", literal)]


def test_a_let_that_names_the_input_carries_its_codes(tmp_path):
    body = overriding("N-7", 'let general_rules_apply = h == "本地"') + \
        'rule X-2 "t" {\n  from n "q"\n  let h = hukou\n}\n'
    assert [d.code for d in check(tmp_path, body)] == ["C024"]


def test_a_match_arm_on_a_coded_input(tmp_path):
    body = overriding("N-7", 'let general_rules_apply = match hukou {\n    "local" => true\n'
                             '    "本地" => true\n    _ => false\n  }')
    assert found(check(tmp_path, body)) == [("C024", '`"本地"` is not a code of `hukou`', '"本地"')]


@pytest.mark.parametrize("expr", [
    'hukou == "local" or "dibao" in statuses',      # codes the contract lists
    'hukou != "non_local" and not ("tekun" not in statuses)',
    'registered_with == "hukou"',
    'hukou == null or hukou == hukou',                # no text literal
])
def test_listed_codes_are_clean(tmp_path, expr):
    assert check(tmp_path, overriding("N-7", f"let general_rules_apply = {expr}")) == []


def test_a_parameter_of_the_same_name_shadows_the_input(tmp_path):
    body = 'rule X-2 "t" {\n  from n "q"\n  def f(hukou: text) = hukou == "本地"\n}\n'
    assert check(tmp_path, body) == []


def test_a_text_without_a_listed_code_is_free(tmp_path):
    # `district` is text with no closed list in the contract
    body = 'input district: text? = resident.district\n' + \
        overriding("N-7", 'let general_rules_apply = district == "任何区"')
    assert check(tmp_path, body) == []


# ---- through the CLI: diagnostics, never a traceback

def test_the_cli_reports_both_kinds_without_a_traceback(tmp_path):
    path = tmp_path / "mine.policy"
    path.write_text(HEADER + overriding("N-7", 'let exempt = super.nonsense_field\n'
                                                '  let general_rules_apply = hukou == "本地"'), encoding="utf-8")
    result = subprocess.run(policyrun_command() + ["check", str(path)], cwd=ROOT, capture_output=True,
                            text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "error[C007]: `bool` has no attribute `nonsense_field`" in output
    assert 'error[C024]: `"本地"` is not a code of `hukou`' in output
    assert "mine.policy:9:16" in output
