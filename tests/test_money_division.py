"""Money stays exact: `/` never rounds behind the policy's back, and `round(a / b, n)` rounds the
exact quotient half away from zero (四舍五入), the same in both backends."""
import shutil
from decimal import Decimal

import pytest

import policyrun
from conftest import ROOT
from policyrun.builtin_functions import div, round_half_up, round_quotient
from policyrun.values import Undetermined

POLICY = """
policy prorated extends national
  title "按月折算(测试)"
  years 2025..2025

source n "测试通知"

rule P-1 "年中参保按月折算" overrides N-2 {
  from n "年中参保的,按剩余月份折算缴费"
  route mid_year {
    let y = paid.year
    when general_rules_apply and not switching
    years: [y]
    start: benefits_start(y, false)
    waiting: wait(y, false)
    amount: AMOUNT
  }
}
"""
SCENARIO = {"jurisdiction": "prorated", "resident": {"birth_date": "1990-03-03", "hukou": "local"},
            "history": {"resident_years": [2024]},
            "application": {"paid_on": "2025-06-10", "coverage_years": [2025]}}


def decide(tmp_path, amount, fast):
    shutil.copy(ROOT / "policies" / "national.policy", tmp_path / "national.policy")
    (tmp_path / "prorated.policy").write_text(POLICY.replace("AMOUNT", amount), encoding="utf-8")
    return policyrun.load(tmp_path, fast=fast).evaluate(SCENARIO)


@pytest.mark.parametrize("fast", [True, False], ids=["generated", "closures"])
def test_a_quotient_without_an_exact_decimal_is_undetermined(tmp_path, fast):
    d = decide(tmp_path, "standard[year] * (12 - paid.month + 1) / 12", fast)   # 400 × 7 / 12
    assert d["amount_due"]["total"] is None
    why = [u["why"] for u in d["undetermined"] if u["field"] == "amount_due.total"]
    assert why and "2800 / 12 has no exact decimal value" in why[0] and "round(" in why[0]


@pytest.mark.parametrize("fast", [True, False], ids=["generated", "closures"])
def test_round_of_a_quotient_rounds_the_exact_value(tmp_path, fast):
    d = decide(tmp_path, "round(standard[year] * (12 - paid.month + 1) / 12, 2)", fast)
    assert d["amount_due"]["total"] == "233.33"
    assert d["amount_due"]["by_year"] == {"2025": "233.33"}


@pytest.mark.parametrize("fast", [True, False], ids=["generated", "closures"])
def test_an_exact_quotient_needs_no_rounding(tmp_path, fast):
    assert decide(tmp_path, "standard[year] / 8", fast)["amount_due"]["total"] == "50"


def test_division_and_rounding_by_hand():
    assert div(400, 8) == Decimal(50) and div(Decimal("38.454"), 2) == Decimal("19.227")
    assert isinstance(div(400, 3), Undetermined)
    assert round_quotient(400, 3, 2) == Decimal("133.33")
    assert round_quotient(2, 3, 2) == Decimal("0.67")
    assert round_quotient(1, 8, 2) == Decimal("0.13")        # 0.125: a half goes up
    assert round_quotient(-5, 2, 0) == Decimal(-3)           # and away from zero
    assert round_half_up(Decimal("2.345"), 2) == Decimal("2.35")
    assert round_half_up(400, 2) == Decimal(400)
    with pytest.raises(ValueError):
        round_quotient(1, 3, -1)


@pytest.mark.parametrize("fast", [True, False], ids=["generated", "closures"])
def test_rounding_a_division_by_zero_is_an_evaluation_error(tmp_path, fast):
    with pytest.raises(policyrun.EvaluationError, match="division by zero"):
        decide(tmp_path, "round(standard[year] / 0, 2)", fast)
