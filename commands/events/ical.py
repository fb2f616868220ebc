"""Events as iCalendar, built with the `icalendar` library.

One event (the file sent with an RSVP confirmation) or a feed of many (a chapter's,
a member's). Each entry keeps the event's UID, so a calendar that subscribed
updates it in place; SEQUENCE is bumped on every change and a cancelled event
stays in the feed as STATUS:CANCELLED, so subscribers see it go. Times are written
in the event's zone with its VTIMEZONE, and the first of a series carries its RRULE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from storage.models import ChapterEvent, EventStatus

PRODID = "-//Chapterhouse//events//EN"


def _entry(event: ChapterEvent, now: datetime, host: str, recurring: bool) -> Event:
    zone = ZoneInfo(event.timezone)
    entry = Event()
    entry.add("uid", event.uid)
    entry.add("dtstamp", now)
    entry.add("summary", event.title)
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("sequence", event.sequence)
    entry.add("last-modified", event.updated_at)
    entry.add("created", event.created_at)
    entry.add("categories", [event.kind.value])
    entry.add("organizer", "mailto:events@chapterhouse.invalid", parameters={"cn": host})
    if event.place:
        entry.add("location", event.place)
    elif event.online_url:
        entry.add("location", event.online_url)
        entry.add("url", event.online_url)
    description = [event.description or "", f"Held by {host}. RSVP: /event rsvp {event.id}"]
    entry.add("description", "\n\n".join(d for d in description if d))
    cancelled = event.status is EventStatus.CANCELLED
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if recurring and event.rrule and event.series_id == event.id:
        entry.add("rrule", vRecur.from_ical(event.rrule))
    return entry


def calendar(
    events: Iterable[tuple[ChapterEvent, str]], now: datetime, name: str, fold: bool = False
) -> bytes:
    """A VCALENDAR of (event, host name) pairs, with one VTIMEZONE per zone used.

    With `fold`, a series is one entry with its RRULE (the first occurrence's UID)
    and its cancelled dates as EXDATE, so a calendar does not show each date twice;
    without it (a member's own feed, who may go to some dates only) each occurrence
    is an entry of its own.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    masters: dict[int, Event] = {}
    later: list[ChapterEvent] = []
    for event, host in events:
        if fold and event.series_id is not None and event.series_id != event.id:
            later.append(event)
            continue
        entry = _entry(event, now, host, fold)
        if fold and event.series_id == event.id:
            masters[event.id] = entry
        cal.add_component(entry)
    for event in later:
        master = masters.get(event.series_id or 0)
        if master is None:  # the first date is out of the feed's range: show this one alone
            cal.add_component(_entry(event, now, "", False))
        elif event.status is EventStatus.CANCELLED:
            master.add("exdate", event.starts_at.astimezone(ZoneInfo(event.timezone)))
    cal.add_missing_timezones()
    return cal.to_ical()
