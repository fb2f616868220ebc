"""Cadence arithmetic: meetings due by a day, pro rata over the calendar year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.cadence import cadence, due_by


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 1), 0),
        (date(2026, 4, 1), 0),  # 91/365 of 4 = 0.997: not yet a whole meeting
        (date(2026, 4, 2), 1),
        (date(2026, 7, 2), 2),  # 183/365 of 4 = 2.005
        (date(2026, 9, 30), 2),  # 273/365 of 4 = 2.99
        (date(2026, 10, 1), 3),
        (date(2026, 12, 31), 4),
    ],
)
def test_quarterly_cadence(today: date, expected: int) -> None:
    assert due_by(today, 4) == expected


def test_leap_year_has_366_days() -> None:
    assert due_by(date(2028, 6, 30), 4) == 1  # 182/366 of 4 = 1.99
    assert due_by(date(2028, 7, 1), 4) == 2  # 183/366 of 4 = 2.0 exactly
    assert due_by(date(2027, 7, 1), 4) == 1  # 182/365 of 4 = 1.99 in a common year


def test_chapter_activated_mid_year_owes_only_from_then() -> None:
    since = date(2026, 9, 1)
    assert due_by(date(2026, 8, 1), 4, since) == 0  # before activation
    assert due_by(date(2026, 12, 31), 4, since) == 1  # 122/365 of 4 = 1.34
    assert due_by(date(2027, 12, 31), 4, since) == 4  # a full year later: everything


def test_verdicts() -> None:
    assert cadence(1, 4, date(2026, 7, 2)).verdict == "behind by 1"
    assert cadence(3, 4, date(2026, 7, 2)).verdict == "on track"
    assert cadence(0, 0, date(2026, 7, 2)).verdict == "no target"


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 30)),
    st.integers(min_value=0, max_value=52),
)
def test_due_never_decreases_within_a_year_and_ends_at_target(day: date, per_year: int) -> None:
    later = day + timedelta(days=1)
    if later.year == day.year:
        assert due_by(day, per_year) <= due_by(later, per_year)
    assert 0 <= due_by(day, per_year) <= per_year
    assert due_by(date(day.year, 12, 31), per_year) == per_year


def test_summaries_read_naturally() -> None:
    from commands.cadence import cadence as make

    assert make(0, 4, date(2026, 6, 15), date(2026, 6, 15)).summary() == (
        "0 held; 1 due by September 14 — on track"
    )
    assert make(1, 4, date(2026, 12, 7), date(2026, 12, 7)).summary() == (
        "1 held; none due before next year"
    )
    assert make(1, 4, date(2026, 7, 2)).summary() == "1 held; 2 due by now — behind by 1"
    assert make(4, 4, date(2026, 7, 2)).summary() == "4 held; 4 due this year — done"
