"""Durations, dates and points in time, as members type them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadArgument
from bot.timeparse import MAX_DURATION, parse_date, parse_duration, parse_when
from tests.support import START

PROPERTY = settings(max_examples=300, derandomize=True, database=None, deadline=None)
MONDAY = date(2026, 6, 15)
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SHORT = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thurs": 3, "fri": 4, "sat": 5}
SHORT["sun"] = 6
DATE_HINT = "a date like 2026-03-14, today, yesterday, or a weekday name such as tuesday"
WHEN_HINT = "a duration like 48h or 3d, or a date/time like 2026-03-14 or 2026-03-14T18:00"


def refused(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(BadArgument) as raised:
        call(*args, **kwargs)
    message = str(raised.value)
    assert len(message.splitlines()) == 1, repr(message)
    return message


# --- durations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "length"),
    [
        ("90m", timedelta(minutes=90)),
        ("48h", timedelta(hours=48)),
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        ("1.5h", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1w2d", timedelta(days=9)),
        ("45s", timedelta(seconds=45)),
        (" 3d ", timedelta(days=3)),
        ("3 days", timedelta(days=3)),
        ("2 weeks", timedelta(weeks=2)),
        ("1830d", MAX_DURATION),  # five years of 366 days is the ceiling, inclusive
    ],
)
def test_durations(typed: str, length: timedelta) -> None:
    assert parse_duration(typed) == length


@pytest.mark.parametrize(
    "typed", ["", "90", "0m", "0d", "-3d", "soon", "3x", "h", "d3", "1,5h", "1e400s", "∞d"]
)
def test_bad_durations_say_what_would_be_right(typed: str) -> None:
    assert refused(parse_duration, typed, what="--for") == (
        f"--for expects a duration like 90m, 48h, 3d or 2w, got {typed!r}."
    )


@pytest.mark.parametrize("typed", ["1831d", "6y", "300w", "9" * 30 + "d"])
def test_durations_past_five_years_are_too_long(typed: str) -> None:
    message = refused(parse_duration, typed)
    assert message in (
        f"duration is too long ({typed!r}); at most 5 years.",
        # A number too big for the library to read at all is just not a duration.
        f"duration expects a duration like 90m, 48h, 3d or 2w, got {typed!r}.",
    )
    if typed != "9" * 30 + "d":
        assert "too long" in message


@PROPERTY
@given(
    amount=st.integers(1, 260),
    unit=st.sampled_from([("m", "minutes"), ("h", "hours"), ("d", "days"), ("w", "weeks")]),
    upper=st.booleans(),
)
def test_every_whole_amount_of_each_unit(amount: int, unit: tuple[str, str], upper: bool) -> None:
    letter, name = unit
    typed = f"{amount}{letter.upper() if upper else letter}"
    assert parse_duration(typed) == timedelta(**{name: amount})


@PROPERTY
@given(text=st.text(max_size=20))
def test_any_text_is_a_positive_duration_or_a_one_line_refusal(text: str) -> None:
    try:
        length = parse_duration(text)
    except BadArgument as error:
        assert len(str(error).splitlines()) == 1
    else:
        assert timedelta(0) < length <= MAX_DURATION


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("today", MONDAY),
        ("TODAY", MONDAY),
        (" today ", MONDAY),
        ("yesterday", date(2026, 6, 14)),
        ("tomorrow", date(2026, 6, 16)),
        ("2026-03-14", date(2026, 3, 14)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_named_and_iso_dates(typed: str, day: date) -> None:
    assert parse_date(typed, MONDAY) == day
    assert parse_date(typed, MONDAY, past=True) == day


@pytest.mark.parametrize(
    ("typed", "future", "past"),
    [
        # Today is a Monday: a bare "monday" is today, whichever way we look.
        ("monday", date(2026, 6, 15), date(2026, 6, 15)),
        ("tuesday", date(2026, 6, 16), date(2026, 6, 9)),
        ("Tuesday", date(2026, 6, 16), date(2026, 6, 9)),
        ("tue", date(2026, 6, 16), date(2026, 6, 9)),
        ("tues", date(2026, 6, 16), date(2026, 6, 9)),
        ("sunday", date(2026, 6, 21), date(2026, 6, 14)),
        ("sat", date(2026, 6, 20), date(2026, 6, 13)),
    ],
)
def test_bare_weekday_is_the_next_or_with_past_the_most_recent(
    typed: str, future: date, past: date
) -> None:
    assert parse_date(typed, MONDAY) == future
    assert parse_date(typed, MONDAY, past=True) == past


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        # Said on a Monday, "last monday" is a week ago and "next monday" a week ahead.
        ("last monday", date(2026, 6, 8)),
        ("next monday", date(2026, 6, 22)),
        ("this monday", date(2026, 6, 15)),
        ("last tuesday", date(2026, 6, 9)),
        ("next tuesday", date(2026, 6, 16)),
        ("last sunday", date(2026, 6, 14)),
        ("Last  Friday", date(2026, 6, 12)),
        ("this friday", date(2026, 6, 19)),
    ],
)
def test_last_next_and_this_weekday(typed: str, day: date) -> None:
    assert parse_date(typed, MONDAY) == day
    assert parse_date(typed, MONDAY, past=True) == day


@pytest.mark.parametrize(
    "typed",
    ["", "someday", "2026-02-30", "2026-13-01", "14/03/2026", "last", "tuesdays", "the tuesday"],
)
def test_bad_dates_say_what_would_be_right(typed: str) -> None:
    assert refused(parse_date, typed, MONDAY, what="DATE") == (
        f"DATE expects {DATE_HINT}, got {typed!r}."
    )


@PROPERTY
@given(day=st.dates())
def test_every_iso_date_reads_back(day: date) -> None:
    assert parse_date(day.isoformat(), MONDAY) == day


@PROPERTY
@given(
    today=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    weekday=st.sampled_from(WEEKDAYS + list(SHORT)),
)
def test_weekday_arithmetic_from_any_day(today: date, weekday: str) -> None:
    number = WEEKDAYS.index(weekday) if weekday in WEEKDAYS else SHORT[weekday]

    def offset(typed: str, past: bool = False) -> int:
        found = parse_date(typed, today, past=past)
        assert found.weekday() == number, typed
        return (found - today).days

    assert 0 <= offset(weekday) <= 6
    assert -6 <= offset(weekday, past=True) <= 0
    assert 0 <= offset(f"this {weekday}") <= 6
    assert -7 <= offset(f"last {weekday}") <= -1
    assert 1 <= offset(f"next {weekday}") <= 7


# --- points in time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "moment"),
    [
        ("48h", START + timedelta(hours=48)),
        ("90m", START + timedelta(minutes=90)),
        ("2w", START + timedelta(weeks=2)),
        # A date is the end of that day in the society's zone.
        ("2026-06-20", datetime(2026, 6, 20, 23, 59, tzinfo=NEW_YORK)),
        ("today", datetime(2026, 6, 15, 23, 59, tzinfo=NEW_YORK)),
        ("tomorrow", datetime(2026, 6, 16, 23, 59, tzinfo=NEW_YORK)),
        ("friday", datetime(2026, 6, 19, 23, 59, tzinfo=NEW_YORK)),
        # A date and time without an offset is local; with one, it is taken as given.
        ("2026-06-20T18:00", datetime(2026, 6, 20, 22, 0, tzinfo=UTC)),
        ("2026-06-20 18:00", datetime(2026, 6, 20, 22, 0, tzinfo=UTC)),
        ("2026-12-20T18:00", datetime(2026, 12, 20, 23, 0, tzinfo=UTC)),  # winter: UTC-5
        ("2026-06-20T18:00+02:00", datetime(2026, 6, 20, 16, 0, tzinfo=UTC)),
        ("2026-06-20T18:00Z", datetime(2026, 6, 20, 18, 0, tzinfo=UTC)),
    ],
)
def test_points_in_time(typed: str, moment: datetime) -> None:
    found = parse_when(typed, START, NEW_YORK)
    assert found == moment
    assert found.utcoffset() == timedelta(0), "answers come back in the clock's zone"


def test_today_in_a_zone_already_on_tomorrow() -> None:
    # 16:00 UTC on Monday is 04:00 on Tuesday in Auckland.
    assert parse_when("today", START, AUCKLAND) == datetime(2026, 6, 16, 23, 59, tzinfo=AUCKLAND)


@pytest.mark.parametrize("typed", ["someday", "", "18:00", "2026-02-30", "14/03/2026"])
def test_bad_points_in_time_say_both_forms(typed: str) -> None:
    assert refused(parse_when, typed, START, NEW_YORK, what="--until") == (
        f"--until expects {WHEN_HINT}, got {typed!r}."
    )


def test_a_point_in_time_that_looks_like_a_bad_duration_is_refused_as_one() -> None:
    message = refused(parse_when, "3x", START, NEW_YORK, what="--until")
    assert message == "--until expects a duration like 90m, 48h, 3d or 2w, got '3x'."


@PROPERTY
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_iso_date_is_the_end_of_that_local_day(day: date) -> None:
    found = parse_when(day.isoformat(), START, AUCKLAND).astimezone(AUCKLAND)
    assert (found.date(), found.hour, found.minute) == (day, 23, 59)


@PROPERTY
@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2999, 12, 31),
        timezones=st.sampled_from([UTC, NEW_YORK, AUCKLAND, ZoneInfo("Asia/Kolkata")]),
    )
)
def test_every_datetime_with_an_offset_is_that_instant(moment: datetime) -> None:
    typed = moment.isoformat(timespec="minutes")
    expected = moment.replace(second=0, microsecond=0).astimezone(UTC)
    # Compared in UTC: Python never calls an ambiguous local time equal to another zone's.
    assert parse_when(typed, START, NEW_YORK) == expected
