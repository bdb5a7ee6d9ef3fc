"""An override keeps the shape of what it overrides (C026): the definitions that use it are the
overridden policy's, unchanged. Before, changing a parameter's type or keys, or a def's
parameters, showed up as errors in national.policy (or not at all), never where the author wrote it."""
from policyrun.checkfiles import check_file
from test_check_tables import HEADER, POLICIES, errors   # a temporary policy extending national


def test_a_parameter_keeps_its_type(tmp_path):
    found = errors(tmp_path, """rule T-1 "等待期" overrides N-2 {
  from n "等待期3个月"
  parameter fixed_waiting_months "固定待遇等待期(月)": money = 3 from n "3个月"
}
""")
    assert [(d.code, d.source.path.endswith("t.policy")) for d in found] == [("C026", True)]
    assert "`fixed_waiting_months` overrides `int` (rule `N-2`, " in found[0].message
    assert found[0].message.endswith("with `money`")


def test_a_parameter_keeps_its_keys(tmp_path):
    found = errors(tmp_path, """rule T-1 "等待期" overrides N-2 {
  from n "等待期按年度"
  parameter fixed_waiting_months "固定待遇等待期(月)": int by year {
    2025 = 4 from n "2025年4个月"
  }
}
""")
    assert [d.code for d in found] == ["C026"]
    assert "keyed by nothing" in found[0].message and "one keyed by `year`" in found[0].message


def test_a_def_keeps_its_parameters(tmp_path):
    found = errors(tmp_path, """rule T-1 "等待期" overrides N-2 {
  from n "等待期4个月"
  def fixed_wait(y: int) = 4
}
""")
    assert [d.code for d in found] == ["C026"]
    assert "`fixed_wait(int, bool)`" in found[0].message and "`fixed_wait(int)`" in found[0].message


def test_an_override_of_the_same_shape_is_fine(tmp_path):
    assert errors(tmp_path, """rule T-1 "等待期" overrides N-2 {
  from n "等待期4个月"
  parameter fixed_waiting_months "固定待遇等待期(月)": int = 4 from n "4个月"
  def fixed_wait(y: int, inside: bool) = super(y, inside) + 1
}
""") == []


def test_years_beyond_an_inherited_table_say_where_to_give_the_values(tmp_path):
    # The table is national's, the years are this policy's: the help says to override it here.
    path = tmp_path / "t.policy"
    path.write_text(HEADER.replace("years 2025..2026", "years 2025..2032"), encoding="utf-8")
    found = [d for d in check_file(path, POLICIES) if d.code == "C004" and "`standard`" in d.message]
    assert len(found) == 1 and "coverage years `2031`, `2032` in `t`" in found[0].message
    assert "rule <ID> overrides STD-1 { parameter standard … }" in found[0].help
