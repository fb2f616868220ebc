"""When an event happens: times typed in the host's zone, checked, and repeated.

Times are read by the date/time parser every command uses (`bot.timeparse`), in
the zone of the chapter holding the event, so "2026-11-05T18:00" is 18:00 there
whatever the season. A repeating event is an RFC 5545 rule (python-dateutil's
`rrule`) over local wall-clock times, so a weekly 18:00 stays 18:00 across a
change of the clocks; each occurrence becomes an event of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, rrule, rrulestr

from bot.errors import BadArgument
from bot.timeparse import parse_when

LONGEST = timedelta(days=7)
DEFAULT_LENGTH = timedelta(hours=2)
MOST_OCCURRENCES = 52
REPEAT_HINT = (
    "weekly, every 2 weeks, monthly, quarterly, or every 2nd tuesday (of the month), "
    "with --until DATE or --count N"
)
_DAYS = {"monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH, "friday": FR}
_DAYS |= {"saturday": SA, "sunday": SU}
_DAYS |= {name[:3]: day for name, day in list(_DAYS.items())}
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3}
_ORDINALS |= {"4th": 4, "fourth": 4, "last": -1}


@dataclass(frozen=True)
class Span:
    starts_at: datetime
    ends_at: datetime


def read_when(text: str, now: datetime, zone: ZoneInfo, what: str) -> datetime:
    return parse_when(text, now, zone, what)


def span(start: datetime, ends: datetime | None, duration: timedelta | None, now: datetime) -> Span:
    """The event's start and end, refused with the reason if they cannot be."""
    if ends is not None and duration is not None:
        raise BadArgument("Give --ends or --duration, not both.")
    end = ends if ends is not None else start + (duration or DEFAULT_LENGTH)
    if start <= now:
        raise BadArgument("WHEN is in the past; give a future start such as 2026-09-14T18:30.")
    if end <= start:
        raise BadArgument("The end is before the start; give --ends after WHEN, or --duration.")
    if end - start > LONGEST:
        raise BadArgument("An event lasts at most 7 days; give an earlier --ends or --duration.")
    return Span(start, end)


def repeat_rule(text: str, first: datetime, zone: ZoneInfo) -> str:
    """The RRULE (without DTSTART) that a readable repeat means, or a one-line refusal."""
    words = text.lower().replace(",", " ").split()
    local = first.astimezone(zone)
    match words:
        case ["weekly"] | ["every", "week"]:
            return "FREQ=WEEKLY"
        case ["every", n, "weeks"] if n.isdigit() and 1 <= int(n) <= 8:
            return f"FREQ=WEEKLY;INTERVAL={int(n)}"
        case ["monthly"] | ["every", "month"]:
            return "FREQ=MONTHLY"
        case ["quarterly"] | ["every", "quarter"]:
            return "FREQ=MONTHLY;INTERVAL=3"
        case ["every", nth, day, *rest] if (
            nth in _ORDINALS
            and day in _DAYS
            and rest
            in (
                [],
                ["of", "the", "month"],
            )
        ):
            return f"FREQ=MONTHLY;BYDAY={_ORDINALS[nth]}{str(_DAYS[day])[:2]}"
        case ["every", day] if day in _DAYS:
            if local.weekday() != _DAYS[day].weekday:
                raise BadArgument(
                    f"--repeat every {day} does not fall on WHEN's day "
                    f"({local:%A}); start on a {day}."
                )
            return "FREQ=WEEKLY"
    raise BadArgument(f"--repeat {text!r} is not a rule I know; use {REPEAT_HINT}.")


def occurrences(
    rule: str,
    first: datetime,
    zone: ZoneInfo,
    until: datetime | None,
    count: int | None,
) -> tuple[str, list[datetime]]:
    """(the full RRULE, each start as an aware UTC-comparable datetime), within bounds.

    Local wall-clock times are stepped, then placed in the zone, so occurrences
    keep their hour across daylight-saving changes.
    """
    if until is None and count is None:
        raise BadArgument("--repeat needs an end: --until DATE or --count N.")
    if until is not None and count is not None:
        raise BadArgument("Give --until or --count, not both.")
    full = rule
    if count is not None:
        if count < 1:
            raise BadArgument(f"--count must be at least 1; got {count}.")
        full += f";COUNT={min(count, MOST_OCCURRENCES + 1)}"
    local = first.astimezone(zone).replace(tzinfo=None)
    if until is not None:
        full += f";UNTIL={until.astimezone(zone).replace(tzinfo=None):%Y%m%dT%H%M%S}"
    rules = rrulestr(full, dtstart=local)
    assert isinstance(rules, rrule)
    starts = []
    for step in rules:
        starts.append(step.replace(tzinfo=zone))
        if len(starts) > MOST_OCCURRENCES:
            break
    if not starts:
        raise BadArgument("That --repeat yields no occurrence; give a later --until.")
    if len(starts) > MOST_OCCURRENCES or (count is not None and count > MOST_OCCURRENCES):
        raise BadArgument(
            f"That --repeat yields more than {MOST_OCCURRENCES} occurrences; "
            "give an earlier --until or a smaller --count."
        )
    return full, starts
