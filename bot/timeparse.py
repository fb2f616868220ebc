"""Durations (`90m 48h 3d 2w`), dates (ISO, today, weekday names) and points in time.

The arithmetic is the libraries': pytimeparse2 reads durations, dateutil steps
between weekdays. This module only fixes the grammar and the error wording.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from pytimeparse2 import parse as parse_seconds

from bot.errors import BadArgument

DURATION_HINT = "a duration like 90m, 48h, 3d or 2w"
DATE_HINT = "a date like 2026-03-14, today, yesterday, or a weekday name such as tuesday"
WHEN_HINT = "a duration like 48h or 3d, or a date/time like 2026-03-14 or 2026-03-14T18:00"

_WEEKDAYS = {
    "monday": MO,
    "mon": MO,
    "tuesday": TU,
    "tue": TU,
    "tues": TU,
    "wednesday": WE,
    "wed": WE,
    "thursday": TH,
    "thu": TH,
    "thurs": TH,
    "friday": FR,
    "fri": FR,
    "saturday": SA,
    "sat": SA,
    "sunday": SU,
    "sun": SU,
}
_HAS_UNIT = re.compile(r"^\s*\d+(\.\d+)?\s*[a-zA-Z]")
MAX_DURATION = timedelta(days=5 * 366)


def parse_duration(text: str, what: str = "duration") -> timedelta:
    raw = text.strip()
    seconds = parse_seconds(raw) if _HAS_UNIT.match(raw) else None
    if seconds is None or isinstance(seconds, timedelta) or seconds <= 0:
        raise BadArgument(f"{what} expects {DURATION_HINT}, got {text!r}.")
    if seconds > MAX_DURATION.total_seconds():
        raise BadArgument(f"{what} is too long ({text!r}); at most 5 years.")
    return timedelta(seconds=float(seconds))


def parse_date(text: str, today: date, *, past: bool = False, what: str = "date") -> date:
    """A calendar date. A bare weekday is the next one, or with `past` the last one.

    A bare weekday may be today. `last tuesday` is strictly before today and
    `next tuesday` strictly after it: said on a Tuesday, they mean a week away.
    """
    raw = text.strip().lower()
    words = raw.split()
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - timedelta(days=1)
    if raw == "tomorrow":
        return today + timedelta(days=1)
    if len(words) in (1, 2) and words[-1] in _WEEKDAYS:
        day = _WEEKDAYS[words[-1]]
        if len(words) == 1:
            return today + relativedelta(weekday=day(-1 if past else +1))
        if words[0] == "last":
            return today + relativedelta(days=-1, weekday=day(-1))
        if words[0] == "next":
            return today + relativedelta(days=+1, weekday=day(+1))
        if words[0] == "this":
            return today + relativedelta(weekday=day(+1))
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise BadArgument(f"{what} expects {DATE_HINT}, got {text!r}.")


def parse_when(text: str, now: datetime, tz: ZoneInfo, what: str = "time") -> datetime:
    """A point in time: now + a duration, or a local date (end of day) or date/time.

    A moment that exists in one zone but not in UTC (0001-01-01T00:00+14:00) or
    that leaves the calendar when moved is refused, not an OverflowError.
    """
    try:
        return _parse_when(text, now, tz, what)
    except OverflowError:
        raise BadArgument(f"{what} is out of range, got {text!r}.") from None


def _parse_when(text: str, now: datetime, tz: ZoneInfo, what: str) -> datetime:
    raw = text.strip()
    if _HAS_UNIT.match(raw) and not re.match(r"^\d{4}-", raw):
        return now + parse_duration(raw, what)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is not None and ("T" in raw or " " in raw):
        local = moment if moment.tzinfo else moment.replace(tzinfo=tz)
        return local.astimezone(now.tzinfo)
    try:
        day = parse_date(raw, now.astimezone(tz).date(), what=what)
    except BadArgument:
        raise BadArgument(f"{what} expects {WHEN_HINT}, got {text!r}.") from None
    return datetime.combine(day, time(23, 59), tzinfo=tz).astimezone(now.tzinfo)
