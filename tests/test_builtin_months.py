"""`months_of` merges overlapping spans: the months of any spans, sorted, once each."""
from datetime import date

from hypothesis import given, strategies as st

from policyrun.builtin_functions import BUILTINS
from policyrun.scenario import MonthSpan

months = st.tuples(st.integers(2018, 2022), st.integers(1, 12))
spans = st.lists(st.tuples(months, months).map(lambda p: MonthSpan(min(p), max(p))), max_size=6)


def covered(spans):
    """Every month of every span, month by month (the definition, without merging)."""
    out = set()
    for s in spans:
        y, m = s.start
        while (y, m) <= s.end:
            out.add(date(y, m, 1))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(sorted(out))


@given(spans)
def test_months_of_is_every_month_covered_once_in_order(spans):
    assert BUILTINS["months_of"](spans) == covered(spans)


def test_a_span_repeated_many_times_is_expanded_once():
    # 20,000 copies of a 301-year span: merged first, so this is 3,612 months, not 72 million
    span = MonthSpan((1900, 1), (2200, 12))
    got = BUILTINS["months_of"]([span] * 20_000)
    assert (len(got), got[0], got[-1]) == (3612, date(1900, 1, 1), date(2200, 12, 1))
