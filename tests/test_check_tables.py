"""What check() rejects in parameter tables, spans and citations that would otherwise pass
silently: rows whose meaning depends on their order (C025), a span whose start is after its end
(C018), a year outside 1900..2200 (C027), a `from` without a quote (C016). Each policy is written to a temporary file and checked
as `policyrun check` does, extending the bundled national policy."""
from pathlib import Path

import pytest

from policyrun.checkfiles import check_file
from policyrun.dsl.diagnostics import display_width, render

POLICIES = Path(__file__).resolve().parents[1] / "policies"

HEADER = """policy t extends national
  title "测试"
  years 2025..2026

source n "示范市通知"

"""


def errors(tmp_path, body: str) -> list:
    path = tmp_path / "t.policy"
    path.write_text(HEADER + body, encoding="utf-8")
    return [d for d in check_file(path, POLICIES) if d.severity == "error"]


def standard(*rows: str) -> str:
    """A rule overriding national's contribution standard with these table rows."""
    lines = "\n".join(f"    {row}" for row in rows)
    return f"""rule K-1 "标准" overrides STD-1 {{
  from n "每人每年430元"
  parameter standard "个人缴费标准(元/年)": money by year {{
{lines}
  }}
}}
"""


def by_category(*rows: str) -> str:
    """A new table keyed by year and category."""
    lines = "\n".join(f"    {row}" for row in rows)
    return f"""rule K-2 "分类标准" {{
  from n "分类"
  parameter extra "附加": money by year, category {{
{lines}
  }}
}}
"""


def line_of(d) -> int:
    return d.source.position(d.span.start)[0]


def summary(ds) -> list:
    return [(d.code, line_of(d), d.message) for d in ds]


# The first row of a table is on line 10 of the file (HEADER + the rule's first three lines).
FIRST = 10


# ---- rows whose meaning depends on their order (C025)

def test_a_range_after_star_is_never_used(tmp_path):
    ds = errors(tmp_path, standard('* = 400 assumed "其余年度"', '2025..2026 = 430 from n "430元"'))
    assert summary(ds) == [("C025", FIRST + 1, "key `2025..2026` of `standard` is never used: "
                                                f"`*` on line {FIRST} comes first and wins")]
    assert "make `*` the last row" in ds[0].help


def test_an_exact_year_after_star_is_reported_too(tmp_path):
    # The exact year would win, but `*` reads as "every other year": it must be written last.
    ds = errors(tmp_path, standard('* = 400 assumed "其余年度"', '2025 = 430 from n "430元"'))
    assert summary(ds) == [("C025", FIRST + 1, f"key `2025` of `standard` comes after `*` on line {FIRST}")]


def test_two_stars(tmp_path):
    ds = errors(tmp_path, standard('* = 400 assumed "其余"', '* = 430 assumed "其余"'))
    assert [d.code for d in ds] == ["C025"] and "never used" in ds[0].message


def test_the_same_exact_year_twice(tmp_path):
    ds = errors(tmp_path, standard('2025 = 450 from n "450元"', '2025 = 470 from n "470元"',
                                   '2026 = 420 from n "420元"'))
    assert summary(ds) == [("C025", FIRST + 1, "key `2025` of `standard` is given twice: "
                                                f"line {FIRST} gives it first and wins")]


def test_a_range_inside_an_earlier_range_is_never_used(tmp_path):
    ds = errors(tmp_path, standard('2025..2026 = 400 from n "400元"', '2025..2025 = 430 from n "430元"'))
    assert summary(ds) == [("C025", FIRST + 1, "key `2025..2025` of `standard` is never used: "
                                                f"`2025..2026` on line {FIRST} comes first and wins")]
    assert "an exact year" in ds[0].help


def test_partly_overlapping_ranges_name_the_years_the_earlier_wins(tmp_path):
    ds = errors(tmp_path, standard('2024..2025 = 400 from n "400元"', '2025..2030 = 430 from n "430元"'))
    assert summary(ds) == [("C025", FIRST + 1, "key `2025..2030` of `standard` overlaps `2024..2025` "
                                                f"on line {FIRST}, which comes first and wins for 2025")]


def test_one_report_per_row(tmp_path):
    ds = errors(tmp_path, standard('* = 1 assumed "x"', '2025..2026 = 2 assumed "x"', '2026..2027 = 3 assumed "x"'))
    assert [line_of(d) for d in ds] == [FIRST + 1, FIRST + 2]


@pytest.mark.parametrize("rows", [
    # what the README describes and the bundled policies use: an exact year wins over a range or
    # `*`, in either order; `*` last; ranges that share no year
    ['2025 = 430 from n "430元"', '*  = 400 assumed "其余"'],
    ['2025..2030 = 400 assumed "其余"', '2025 = 430 from n "430元"'],
    ['2025 = 430 from n "430元"', '2024..2026 = 400 assumed "其余"', '*  = 1 assumed "其余"'],
    ['2023..2024 = 1 assumed "x"', '2025 = 2 assumed "x"', '2026..2030 = 3 assumed "x"'],
])
def test_tables_whose_order_does_not_matter_pass(tmp_path, rows):
    assert errors(tmp_path, standard(*rows)) == []


def test_a_table_by_year_and_category_is_checked_per_category(tmp_path):
    clean = by_category('2025..2026 adult = 1 assumed "x"', '2025..2026 child = 2 assumed "x"',
                        '* adult = 3 assumed "x"', '2025 child = 4 assumed "x"', '* child = 5 assumed "x"')
    assert errors(tmp_path, clean) == []
    ds = errors(tmp_path, by_category('2025..2026 adult = 1 assumed "x"', '2025..2026 child = 2 assumed "x"',
                                      '2026 adult = 3 assumed "x"', '2026..2030 child = 4 assumed "x"'))
    assert summary(ds) == [("C025", FIRST + 3, "key `2026..2030 child` of `extra` overlaps `2025..2026` "
                                                f"on line {FIRST + 1}, which comes first and wins for 2026")]


def test_the_diagnostic_points_at_the_later_row(tmp_path):
    ds = errors(tmp_path, standard('2025 = 450 from n "450元"', '2025 = 470 from n "470元"',
                                   '2026 = 420 from n "420元"'))
    assert render(ds[0]).splitlines()[2:5] == [
        "   |",
        f"{FIRST + 1} |     2025 = 470 from n \"470元\"",
        "   |     " + "^" * display_width('2025 = 470 from n "470元"'),   # 元 takes two columns
    ]


# ---- key parts of the wrong kind (C017): the lookup would crash on a name first, or never
# match a year or `*` after it

def test_a_name_where_the_year_goes(tmp_path):
    ds = errors(tmp_path, standard('abc = 1 assumed "x"', '2025..2026 = 430 from n "430元"'))
    assert summary(ds) == [("C017", FIRST, "`standard` is keyed by `year` first: `abc` is not a year")]


def test_a_year_or_star_where_a_name_goes(tmp_path):
    ds = errors(tmp_path, by_category('2025..2026 adult = 1 assumed "x"', '2025..2026 * = 2 assumed "x"',
                                      '2025..2026 2025 = 3 assumed "x"'))
    assert summary(ds) == [("C017", FIRST + 1, "`extra` is keyed by `category` here: `*` is not a name"),
                           ("C017", FIRST + 2, "`extra` is keyed by `category` here: `2025` is not a name")]


def test_a_table_by_category_alone_is_told_how_to_write_it(tmp_path):
    body = """rule K-3 "分档" {
  from n "分档"
  parameter extra "附加": money by tier {
    low = 1 assumed "x"
  }
}
"""
    ds = errors(tmp_path, body)
    assert summary(ds) == [("C017", FIRST, "`extra` is keyed by `tier` first: `low` is not a year")]
    assert ds[0].help == "a table's first key is the year: write `by year, tier` and `* low = …` for a value that holds in every year"
    fixed = body.replace("by tier", "by year, tier").replace("    low =", "    * low =")
    assert errors(tmp_path, fixed) == []


# ---- years outside 1900..2200 (C027): they made `check` list or walk every year of the span

def test_a_key_year_outside_the_bounds(tmp_path):
    ds = errors(tmp_path, standard('2025..999999999 = 420 from n "420元"', '1066 = 1 assumed "x"'))
    assert summary(ds) == [
        ("C027", FIRST, "a year outside 1900..2200, the years policyrun handles: the key `2025..999999999`"),
        ("C027", FIRST + 1, "a year outside 1900..2200, the years policyrun handles: the key `1066`")]


def test_a_year_span_outside_the_bounds(tmp_path):
    path = tmp_path / "t.policy"
    path.write_text(HEADER.replace("2025..2026", "2025..99999999"), encoding="utf-8")
    ds = [d for d in check_file(path, POLICIES) if d.severity == "error"]
    # one error, not a C004 listing 99,997,975 missing years
    assert [(d.code, d.message) for d in ds] == [
        ("C027", "a year outside 1900..2200, the years policyrun handles: the span `2025..99999999`")]


# ---- spans whose start is after their end (C018)

def test_a_reversed_key_range(tmp_path):
    ds = errors(tmp_path, standard('2025..2026 = 420 from n "420元"', '2026..2025 = 1 assumed "x"'))
    assert summary(ds) == [("C018", FIRST + 1, "the year span `2026..2025` is empty")]
    assert ds[0].help == "write it `2025..2026` (FIRST..LAST)"
    assert render(ds[0]).splitlines()[4] == "   |     ^^^^^^^^^^"   # the key, not the whole row


def test_a_reversed_window_and_a_reversed_range_of_literals(tmp_path):
    body = """rule W-1 "集中期" overrides N-11 {
  from n "集中参保期为9月1日至12月31日"
  parameter concentrated "集中参保期": window by year {
    * = 2024-12-31 .. 2024-09-01 from n "9月1日至12月31日"
  }
}
rule W-2 "等待期" {
  from n "x"
  let yrs = 2026 .. 2025
  let ok = paid in 2025-02-28 .. 2025-03-01 and 2025 in 2025 .. 2025
}
"""
    ds = errors(tmp_path, body)
    assert summary(ds) == [("C018", FIRST, "the window `2024-12-31 .. 2024-09-01` is empty"),
                           ("C018", FIRST + 5, "the range `2026 .. 2025` is empty")]
    assert ds[0].help == "write it `2024-09-01 .. 2024-12-31` (start .. end)"


def test_a_span_with_a_computed_end_is_not_judged(tmp_path):
    body = """rule W-1 "集中期" overrides N-11 {
  from n "集中参保期"
  parameter concentrated "集中参保期": window by year {
    * = date(year, 12, 31) .. date(year, 9, 1) assumed "x"
  }
}
"""
    assert [d.code for d in errors(tmp_path, body)] == []


# ---- citations without a quote (C016)

def test_a_citation_needs_a_quote(tmp_path):
    body = """rule C-1 "标准" overrides STD-1 {
  from n
  parameter standard "个人缴费标准(元/年)": money by year {
    * = 420 from n
  }
}
rule C-2 "等待期" overrides N-2 {
  from n ""
  parameter fixed_waiting_months "固定待遇等待期(月)": int = 4 from n "\u3000 "
}
"""
    ds = errors(tmp_path, body)
    assert summary(ds) == [
        ("C016", 8, "this citation of `n` has no quote"),
        ("C016", FIRST, "this citation of `n` has no quote"),
        ("C016", 14, "this citation of `n` has a blank quote"),
        ("C016", 15, "this citation of `n` has a blank quote"),
    ]
    assert ds[0].help == 'quote the words of the source it rests on: `from n "<exact quote>"`'
    # The carets are under the `from` clause, counted in columns past the wide characters.
    text = ds[3].source.line_text(15)
    clause = text.index("from n")
    assert render(ds[3]).splitlines()[4] == \
        "   | " + " " * display_width(text[:clause]) + "^" * display_width(text[clause:])


def test_an_unknown_source_without_a_quote_gets_both_errors(tmp_path):
    assert [d.code for d in errors(tmp_path, standard('* = 420 from m'))] == ["C009", "C016"]


def test_a_value_written_with_assume_carries_its_own_provenance(tmp_path):
    # `assume(value, "why")` puts the assumption in the decision, as `assumed "why"` does (C013 said
    # it had no provenance).
    assert errors(tmp_path, standard('2025 = assume(430, "the 2024 standard is assumed to continue")',
                                     '2026 = 430 assumed "the same"')) == []
