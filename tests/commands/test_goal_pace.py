"""Pace arithmetic at its edges: before the baseline, after the deadline, shrinking
goals, a goal set on its own deadline, and milestones past 100 %."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.goals.pace import Line, milestone, number, pace

YEAR = Line(date(2026, 1, 1), 3, date(2026, 12, 31), 20)


def test_expected_is_a_straight_line_from_baseline_to_target() -> None:
    assert YEAR.expected(date(2026, 1, 1)) == 3
    assert YEAR.expected(date(2026, 12, 31)) == 20
    halfway = date(2026, 1, 1) + timedelta(days=182)
    assert YEAR.expected(halfway) == pytest.approx(3 + 17 * 182 / 364)


def test_on_track_ahead_and_behind() -> None:
    halfway = date(2026, 1, 1) + timedelta(days=182)  # expects 11.5
    assert pace(YEAR, 11.5, halfway).verdict == "on track"
    assert pace(YEAR, 11.8, halfway).verdict == "on track"  # within half a chapter
    assert pace(YEAR, 11.1, halfway).verdict == "on track"
    assert pace(YEAR, 14, halfway, "chapters").verdict == "ahead by 3 chapters"
    behind = pace(YEAR, 6, halfway, "chapters")
    # 14 to go in 182 days (26 weeks): 0.54 a week, shown rounded up.
    assert behind.verdict == "behind: needs 0.6 chapters a week"
    assert not behind.ahead


def test_behind_with_whole_things_a_week() -> None:
    line = Line(date(2026, 1, 1), 750, date(2026, 12, 31), 5000)
    verdict = pace(line, 1400, date(2026, 10, 1), "members").verdict
    # 3,600 to go in 91 days = 13 weeks: 277 a week.
    assert verdict == "behind: needs 277 members a week"


def test_before_the_baseline_expects_the_baseline() -> None:
    line = Line(date(2026, 6, 1), 10, date(2026, 12, 31), 20)
    assert line.expected(date(2026, 1, 1)) == 10
    assert pace(line, 10, date(2026, 1, 1)).verdict == "on track"


def test_after_the_deadline_it_is_reached_or_missed() -> None:
    later = date(2027, 2, 1)
    assert YEAR.expected(later) == 20
    assert pace(YEAR, 20, later).verdict == "reached"
    assert pace(YEAR, 17, later, "chapters").verdict == "missed by 3 chapters"
    assert not pace(YEAR, 17, later).ahead


def test_target_below_baseline_is_a_goal_to_shrink() -> None:
    line = Line(date(2026, 1, 1), 10, date(2026, 12, 31), 2)
    assert not line.rising
    mid = date(2026, 7, 2)  # 182 days: expects 10 - 8 * 182/364 = 6
    assert pace(line, 6, mid).verdict == "on track"
    assert pace(line, 4, mid).verdict == "ahead by 2"
    assert pace(line, 9, mid, "dormant chapters").verdict.startswith("behind: needs to drop by")
    assert line.percent(10) == 0
    assert line.percent(6) == 50
    assert pace(line, 2, mid).verdict == "reached"


def test_a_goal_set_on_its_deadline_has_zero_days() -> None:
    day = date(2026, 5, 5)
    line = Line(day, 4, day, 10)
    assert line.expected(day) == 10
    assert line.expected(day - timedelta(days=3)) == 10
    assert pace(line, 4, day).verdict == "missed by 6"
    assert pace(line, 10, day).verdict == "reached"


def test_zero_target() -> None:
    line = Line(date(2026, 1, 1), 0, date(2026, 12, 31), 0)
    assert line.percent(0) == 100
    assert pace(line, 0, date(2026, 3, 1)).verdict == "reached"


@pytest.mark.parametrize(
    ("percent", "passed"),
    [
        (0, 0),
        (24.9, 0),
        (25, 25),
        (49, 25),
        (50, 50),
        (99.9, 75),
        (100, 100),
        (109, 100),
        (110, 110),
        (137, 130),
        (250, 250),
    ],
)
def test_milestones(percent: float, passed: int) -> None:
    assert milestone(percent) == passed


@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(1, 800), st.integers(-50, 900))
def test_expected_stays_between_baseline_and_target(
    baseline: int, target: int, span: int, offset: int
) -> None:
    start = date(2026, 1, 1)
    line = Line(start, baseline, start + timedelta(days=span), target)
    expected = line.expected(start + timedelta(days=offset))
    assert min(baseline, target) <= expected <= max(baseline, target)


def test_numbers_read_naturally() -> None:
    assert number(5000) == "5,000"
    assert number(12.5) == "12.5"
    assert number(3.0) == "3"


def test_counted_leads_are_whole_and_agree_in_number() -> None:
    halfway = date(2026, 1, 1) + timedelta(days=182)  # expects 11.5
    assert pace(YEAR, 12, halfway, "chapters").verdict == "ahead by 1 chapter"
    assert pace(YEAR, 13, halfway, "chapters").verdict == "ahead by 2 chapters"
    # A goal of amounts, not counts, keeps its decimal.
    money = Line(date(2026, 1, 1), 0.5, date(2026, 12, 31), 20.5)
    assert pace(money, 12.7, halfway, "kEUR").verdict == "ahead by 2.2 kEUR"
    short = Line(date(2026, 1, 1), 0, date(2026, 1, 29), 4)
    assert pace(short, 0, date(2026, 1, 22), "chapters").verdict == (
        "behind: needs 4 chapters a week"
    )
    slow = Line(date(2026, 1, 1), 0, date(2026, 12, 31), 30)
    assert pace(slow, 4, halfway, "chapters").verdict == "behind: needs 1 chapter a week"
