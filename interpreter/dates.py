"""Date conventions CONV-1…CONV-8 as plain functions.

Every function here is total on valid dates: month arithmetic clamps to the month's last day
(CONV-2) and never overflows into the next month.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta


def day_n(start: date, d: date) -> int:
    """CONV-1: days from `start` to `d`; `start` itself is day 0."""
    return (d - start).days


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def add_months(d: date, k: int) -> date:
    """CONV-2: keep the day of month, clamped to the last day of the target month."""
    months = d.month - 1 + k
    year, month = d.year + months // 12, months % 12 + 1   # floor division: right for k < 0 too
    day = d.day
    if day <= 28:   # every month has the day: the common case, without a calendar lookup
        return date(year, month, day)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def first_of_next_month(d: date) -> date:
    """CONV-5 (次月): the 1st of the month after `d`."""
    return add_months(date(d.year, d.month, 1), 1)


def years_between(start: date, d: date) -> int:
    """Whole years completed from `start` to `d` (age on `d` for a birth date `start`)."""
    years = d.year - start.year
    if (d.month, d.day) < (start.month, start.day):
        years -= 1
    return years


def year_start(year: int) -> date:
    return date(year, 1, 1)


def year_end(year: int) -> date:
    """CONV-7: coverage for a year ends on Dec 31."""
    return date(year, 12, 31)


def months_between(start: date, d: date) -> int:
    """Whole calendar months from `start` to `d` (the largest k with add_months(start, k) <= d)."""
    k = (d.year - start.year) * 12 + (d.month - start.month)
    if k > 0 and add_months(start, k) > d:
        k -= 1
    elif k < 0 and add_months(start, k) > d:
        k -= 1
    return k
