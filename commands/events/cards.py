"""How an event looks: the card posted to channels (kept live), and its detail.

Times are written as tokens (`bot.reply.stamp`), so Discord and Slack readers see
them in their own zone; the console shows the event's. A card never names who is
going: counts are for the channel, names are for `/event show`. It does name the
event's helpers, so everyone knows who at the door may check them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.mentions import mention
from bot.reply import Actions, Block, Button, File, Header, Note, Reply, Section, stamp
from commands.events.ical import calendar
from commands.events.lookup import Host
from commands.events.rsvp import Counts
from storage.models import ChapterEvent, EventStatus

CHECKIN_OPENS = timedelta(minutes=30)
CHECKIN_CLOSES = timedelta(hours=2)


def checkin_open(event: ChapterEvent, now: datetime) -> bool:
    return (
        event.status is EventStatus.SCHEDULED
        and event.starts_at - CHECKIN_OPENS <= now <= event.ends_at + CHECKIN_CLOSES
    )


def when(event: ChapterEvent) -> str:
    return f"{stamp(event.starts_at, event.timezone)} – {stamp(event.ends_at, event.timezone)}"


def where(event: ChapterEvent) -> str:
    if event.place:
        return event.place
    if event.online_url:
        return f"online: {event.online_url}"
    return "to be announced"


def _body(event: ChapterEvent, host: Host, helpers: Sequence[int]) -> str:
    lines = [
        f"*{event.kind.value.title()}* meeting · {host.name}",
        f"*When:* {when(event)}",
        f"*Where:* {where(event)}",
    ]
    if event.capacity:
        lines.append(f"*Places:* {event.capacity}")
    if helpers and event.status is EventStatus.SCHEDULED:
        lines.append(f"*Helpers:* {names(list(helpers))}")
    if event.rrule:
        lines.append("*Repeats:* part of a series; each date is answered on its own")
    if event.description:
        lines.append(event.description)
    return "\n".join(lines)


def buttons(event: ChapterEvent, now: datetime) -> Actions | None:
    row: list[Button] = []
    if event.status is EventStatus.SCHEDULED and now < event.rsvp_closes_at:
        row += [
            Button("Going", f"/event rsvp {event.id} going", "primary"),
            Button("Maybe", f"/event rsvp {event.id} maybe"),
            Button("Can't go", f"/event rsvp {event.id} no"),
        ]
    if checkin_open(event, now):
        row.append(Button("I'm here", f"/event checkin {event.id}", "primary"))
    return Actions(tuple(row)) if row else None


def event_card(
    event: ChapterEvent, host: Host, counts: Counts, now: datetime, helpers: Sequence[int] = ()
) -> Reply:
    """The event as its channels see it; `helpers` are named on it (see `helpers.helper_ids`)."""
    title = f"Event {event.id}: {event.title}"
    blocks: list[Block] = [Header(title), Section(_body(event, host, helpers))]
    if event.status is EventStatus.CANCELLED:
        reason = f": {event.cancel_reason}" if event.cancel_reason else ""
        blocks.append(Section(f"*Cancelled*{reason}"))
    else:
        blocks.append(Note(counts.line(event.capacity)))
        if now >= event.ends_at:
            blocks.append(Note("This event has ended."))
        elif now < event.rsvp_closes_at:
            blocks.append(
                Note(
                    f"RSVP by {stamp(event.rsvp_closes_at, event.timezone)} "
                    f"with the buttons or /event rsvp {event.id} going|maybe|no."
                )
            )
        actions = buttons(event, now)
        if actions is not None:
            blocks.append(actions)
    text = f"{title} · {when(event)} · {where(event)}"
    return Reply.public(text, *blocks)


def ics_file(event: ChapterEvent, host: Host, now: datetime) -> File:
    data = calendar([(event, host.name)], event.title)
    return File(f"event-{event.id}.ics", data.decode(), "text/calendar")


def confirmation(event: ChapterEvent, host: Host, now: datetime) -> Reply:
    line = (
        f"You're going to {event.title} (event {event.id}), {when(event)}, {where(event)}. "
        f"Can't make it after all? /event rsvp {event.id} no frees your place."
    )
    return Reply.private(line, Section(line), ics_file(event, host, now))


def names(ids: list[int]) -> str:
    return ", ".join(mention(i) for i in ids) if ids else "nobody yet"
