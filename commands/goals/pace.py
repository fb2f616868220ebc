"""Where a goal stands against a straight line from its baseline to its target.

Pure arithmetic, no database: `/goals`, `/goal show`, the digest and the chart all
read the same figures, and the edge cases (before the baseline, after the
deadline, a target below the baseline, a goal set on its own deadline) are tested
here once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from bot.formatting import number, quantity, whole

__all__ = ["number"]

ON_TRACK_SLACK = 0.5
"""How far from the line still counts as on track: goals count whole things, so
being half a thing off the fractional line is being on it."""

MILESTONES = (25, 50, 75, 100)
PAST_TARGET_STEP = 10
"""Past 100 %, every further 10 % is a milestone too (110, 120, …)."""


@dataclass(frozen=True)
class Line:
    """A goal's straight line: from (start, baseline) to (deadline, target)."""

    start: date
    baseline: float
    deadline: date
    target: float

    @property
    def rising(self) -> bool:
        """Most goals grow; a target below the baseline is a goal to shrink something."""
        return self.target >= self.baseline

    def expected(self, today: date) -> float:
        """The value the line expects by the end of `today`."""
        if today <= self.start:
            return self.target if self.deadline <= self.start else self.baseline
        if today >= self.deadline:
            return self.target
        elapsed = (today - self.start).days
        span = (self.deadline - self.start).days
        return self.baseline + (self.target - self.baseline) * elapsed / span

    def percent(self, value: float) -> float:
        """How far along: of the target for a growing goal (1,400 of 5,000 is 28 %),
        of the way down from the baseline for a shrinking one."""
        if self.rising:
            if self.target <= 0:
                return 100.0
            return 100.0 * value / self.target
        return 100.0 * (self.baseline - value) / (self.baseline - self.target)

    def reached(self, value: float) -> bool:
        return value >= self.target if self.rising else value <= self.target


@dataclass(frozen=True)
class Pace:
    expected: float
    verdict: str
    """`on track`, `ahead by X`, `behind: needs N a week`, `reached`, `missed by N`."""
    ahead: bool
    """On track, ahead or reached: what the chart and digest colour as good."""


def _weekly(amount: float) -> float:
    """A weekly rate to show: whole things when it is one or more, else one decimal."""
    if amount >= 1:
        return float(math.ceil(amount - 1e-9))
    return math.ceil(amount * 10 - 1e-9) / 10


def pace(line: Line, value: float, today: date, unit: str = "") -> Pace:
    counted = all(math.isclose(v, round(v)) for v in (value, line.target, line.baseline))
    """Things counted one by one (chapters, members): a lead is whole, never 0.6 chapters."""
    expected = line.expected(today)
    sign = 1 if line.rising else -1
    lead = sign * (value - expected)
    if line.reached(value):
        return Pace(expected, "reached", True)
    if today >= line.deadline:
        return Pace(expected, f"missed by {quantity(abs(line.target - value), unit)}", False)
    if lead >= ON_TRACK_SLACK:
        shown = whole(lead) if counted else lead
        return Pace(expected, f"ahead by {quantity(shown, unit)}", True)
    if lead > -ON_TRACK_SLACK:
        return Pace(expected, "on track", True)
    weeks_left = max((line.deadline - today).days, 1) / 7
    needed = abs(line.target - value) / weeks_left
    direction = "" if line.rising else "to drop by "
    return Pace(
        expected, f"behind: needs {direction}{quantity(_weekly(needed), unit)} a week", False
    )


def milestone(percent: float) -> int:
    """The highest milestone a goal at `percent` has passed (0 for none)."""
    if percent < MILESTONES[0]:
        return 0
    if percent < 100:
        return max(m for m in MILESTONES if m <= percent)
    return 100 + PAST_TARGET_STEP * math.floor((percent - 100) / PAST_TARGET_STEP + 1e-9)
