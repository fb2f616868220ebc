"""Events as iCalendar, built with the `icalendar` library.

One event (the file sent with an RSVP confirmation) or a feed of many (a chapter's,
a member's). Each entry keeps the event's UID, so a calendar that subscribed
updates it in place; SEQUENCE is bumped on every change and a cancelled event
stays in the feed as STATUS:CANCELLED, so subscribers see it go. Times are written
in the event's zone with its VTIMEZONE, and the first of a series carries its RRULE.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from icalendar import Calendar, Event, Timezone, vRecur

from storage.models import ChapterEvent, EventStatus

PRODID = "-//Chapterhouse//events//EN"


def _entry(event: ChapterEvent, host: str, recurring: bool) -> Event:
    zone = ZoneInfo(event.timezone)
    entry = Event()
    entry.add("uid", event.uid)
    entry.add("dtstamp", event.updated_at)  # no METHOD: DTSTAMP is the last change
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


def calendar(events: Iterable[tuple[ChapterEvent, str]], name: str, fold: bool = False) -> bytes:
    """The feed as `_render` writes it, from a cache while none of its events changed.

    Every change to an event bumps its SEQUENCE and `updated_at`, so those (with
    the status and host) tell a stale entry; building a calendar of hundreds of
    events takes the library a good part of a second, and subscribed calendars
    poll their feeds.
    """
    pairs = list(events)
    key = (
        name,
        fold,
        tuple((e.uid, e.sequence, e.updated_at, e.status, host) for e, host in pairs),
    )
    body = _RENDERED.get(key)
    if body is None:
        body = _RENDERED[key] = _render(pairs, name, fold)
    return body


_RENDERED: LRUCache[Hashable, bytes] = LRUCache(maxsize=256)


def _render(pairs: list[tuple[ChapterEvent, str]], name: str, fold: bool) -> bytes:
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
    for event, host in pairs:
        if fold and event.series_id is not None and event.series_id != event.id:
            later.append(event)
            continue
        entry = _entry(event, host, fold)
        if fold and event.series_id == event.id:
            masters[event.id] = entry
        cal.add_component(entry)
    for event in later:
        master = masters.get(event.series_id or 0)
        if master is None:  # the first date is out of the feed's range: show this one alone
            cal.add_component(_entry(event, "", False))
        elif event.status is EventStatus.CANCELLED:
            master.add("exdate", event.starts_at.astimezone(ZoneInfo(event.timezone)))
    for zone in sorted({event.timezone for event, _ in pairs}):
        cal.add_component(_vtimezone(zone))
    return cal.to_ical()


@functools.lru_cache(maxsize=64)
def _vtimezone(zone: str) -> Timezone:
    """A zone's VTIMEZONE; building one walks its transitions, so each is built once.

    Components are only read when a calendar is written, so one serves every calendar.
    """
    return Timezone.from_tzinfo(ZoneInfo(zone))
