"""Meeting cadence, pro rata: how many meetings a chapter should have held by a day.

A chapter owes `per_year` meetings of each kind per calendar year, accruing evenly
over the year from the later of 1 January and the day it became active.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Cadence:
    held: int
    due: int
    per_year: int

    @property
    def behind(self) -> int:
        return max(0, self.due - self.held)

    @property
    def verdict(self) -> str:
        if self.per_year == 0:
            return "no target"
        if self.behind:
            return f"behind by {self.behind}"
        return "on track"


def days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def due_by(today: date, per_year: int, since: date | None = None) -> int:
    """Meetings due by the end of `today` (whole meetings, rounded down)."""
    start = date(today.year, 1, 1)
    if since is not None and since > start:
        start = since
    if today < start or per_year <= 0:
        return 0
    elapsed = (today - start).days + 1
    return min(per_year, math.floor(per_year * elapsed / days_in_year(today.year) + 1e-9))


def cadence(held: int, per_year: int, today: date, since: date | None = None) -> Cadence:
    return Cadence(held=held, due=due_by(today, per_year, since), per_year=per_year)
