"""Update periods: which week, fortnight, month or quarter an update reports on, and
when each falls due.

A period is due on the first working day after it ends (a Monday for a week that
ended on Sunday, 1 February for January, or the next Monday when that is a
weekend), at `DUE_HOUR` in the lead's own zone. A reminder follows `REMIND_AFTER`
later, and an update still missing then shows as overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

CadenceName = Literal["weekly", "fortnightly", "monthly", "quarterly"]
CADENCES: tuple[str, ...] = get_args(CadenceName)
DEFAULT_CADENCE = "monthly"
DUE_HOUR = time(9, 0)
REMIND_AFTER = timedelta(days=3)
FORTNIGHT_EPOCH = date(2001, 1, 1)
"""A Monday: fortnights start every 14 days from it."""


@dataclass(frozen=True)
class Period:
    cadence: str
    label: str
    """`2027-W02`, `2027-F01`, `2027-01`, `2027-Q1`: stored with the update."""
    start: date
    end: date
    """The first day after the period."""

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def due_on(self) -> date:
        return working_day(self.end)

    def due_at(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.due_on, DUE_HOUR, zone)

    @property
    def quarter_end(self) -> bool:
        """A monthly period closing a quarter: HQ's report for it is the longer one."""
        return self.cadence == "monthly" and self.start.month % 3 == 0

    def describe(self) -> str:
        if self.cadence == "monthly":
            return f"{self.start:%B %Y}"
        if self.cadence == "quarterly":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        last = self.end - timedelta(days=1)
        return f"{self.start.day} {self.start:%b} – {last.day} {last:%b %Y}"


def working_day(day: date) -> date:
    """The day itself, or the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def period_of(cadence: str, day: date) -> Period:
    """The period of `cadence` that `day` falls in."""
    match cadence:
        case "weekly":
            start = day - timedelta(days=day.weekday())
            year, week, _ = start.isocalendar()
            return Period(cadence, f"{year}-W{week:02}", start, start + timedelta(days=7))
        case "fortnightly":
            # Counted from a fixed Monday, so fortnights never overlap across years.
            start = FORTNIGHT_EPOCH + timedelta(days=(day - FORTNIGHT_EPOCH).days // 14 * 14)
            year, week, _ = start.isocalendar()
            return Period(cadence, f"{year}-F{(week + 1) // 2:02}", start, start + timedelta(14))
        case "monthly":
            start = day.replace(day=1)
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return Period(cadence, f"{start:%Y-%m}", start, end)
        case "quarterly":
            first = (day.month - 1) // 3 * 3 + 1
            start = date(day.year, first, 1)
            end = date(day.year + (first + 3 > 12), (first + 2) % 12 + 1, 1)
            return Period(cadence, f"{day.year}-Q{(first - 1) // 3 + 1}", start, end)
    raise ValueError(f"unknown cadence {cadence!r}")


def previous(period: Period) -> Period:
    return period_of(period.cadence, period.start - timedelta(days=1))


def month(label: str) -> Period:
    """The monthly period a `YYYY-MM` label names (`chapterhouse report --month`)."""
    year, dash, number = label.strip().partition("-")
    if not dash or len(year) != 4 or not year.isdigit() or not number.isdigit():
        raise ValueError(f"not a YYYY-MM month: {label!r}")
    return period_of("monthly", date(int(year), int(number), 1))


def quarter(label: str) -> Period:
    """The quarterly period a `YYYY-Qn` label names (`chapterhouse report --quarter`)."""
    year, dash, number = label.strip().upper().partition("-Q")
    if not dash or len(year) != 4 or not year.isdigit() or number not in ("1", "2", "3", "4"):
        raise ValueError(f"not a YYYY-Qn quarter: {label!r}")
    return period_of("quarterly", date(int(year), int(number) * 3 - 2, 1))


def society_period(period: Period) -> Period:
    """The period HQ's report covers: a month that closes a quarter is reported on as
    the whole quarter (the longer report), instead of a monthly one that month."""
    return period_of("quarterly", period.start) if period.quarter_end else period


def last_due(cadence: str, now: datetime, zone: ZoneInfo) -> Period:
    """The most recent period already due at `now` in `zone`."""
    today = now.astimezone(zone).date()
    candidate = previous(period_of(cadence, today))
    while candidate.due_at(zone) > now:
        candidate = previous(candidate)
    return candidate
