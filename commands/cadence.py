"""Meeting cadence, pro rata: how many meetings a chapter should have held by a day.

A chapter owes `per_year` meetings of each kind per calendar year, accruing evenly
over the year from the later of 1 January and the day it became active.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Cadence:
    held: int
    due: int
    per_year: int
    today: date | None = None
    since: date | None = None
    incubating: bool = False
    """Not yet activated: it owes no meetings until it is."""

    @property
    def owed_this_year(self) -> int:
        """Meetings owed by 31 December: fewer than `per_year` for a chapter activated late."""
        if self.today is None:
            return self.per_year
        if self.incubating:
            return 0
        return due_by(date(self.today.year, 12, 31), self.per_year, self.since)

    @property
    def next_due(self) -> tuple[int, date] | None:
        """The next count that falls due this year, and the day it does, if any."""
        if self.today is None or self.held >= self.owed_this_year:
            return None
        wanted = max(self.held, self.due) + 1
        day = self.today
        end = date(self.today.year, 12, 31)
        while day < end and due_by(day, self.per_year, self.since) < wanted:
            day += timedelta(days=1)
        return wanted, day

    def summary(self) -> str:
        """How the year stands, as people say it: `0 held; 1 due by March 31`."""
        if self.per_year == 0:
            return f"{self.held} held; no target"
        if self.incubating:
            return f"{self.held} held; none due until it is active"
        if self.behind:
            return f"{self.held} held; {self.due} due by now — behind by {self.behind}"
        upcoming = self.next_due
        if upcoming is None and self.owed_this_year == 0:
            return f"{self.held} held; none due before next year"
        if upcoming is None:
            owed = self.owed_this_year
            return f"{self.held} held; {owed} due this year — done"
        count, day = upcoming
        return f"{self.held} held; {count} due by {day:%B} {day.day} — on track"

    @property
    def behind(self) -> int:
        return max(0, self.due - self.held)

    @property
    def verdict(self) -> str:
        if self.per_year == 0:
            return "no target"
        if self.incubating:
            return "not active yet"
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


def cadence(
    held: int, per_year: int, today: date, since: date | None = None, incubating: bool = False
) -> Cadence:
    due = 0 if incubating else due_by(today, per_year, since)
    return Cadence(
        held=held, due=due, per_year=per_year, today=today, since=since, incubating=incubating
    )
