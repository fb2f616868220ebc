"""/event: create, list, show, edit, cancel, rsvp, interested, checkin, credit, recap, feedback."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.declarations import Arg, MemberRef, Opt
from bot.errors import BadArgument, Conflict, NotFound, UserError
from bot.identity import resolve
from bot.mentions import mention
from bot.notifier import queue_direct
from bot.permissions import Access, Given, Owner, Role
from bot.registry import MAX_CHOICES, Router
from bot.reply import Block, Fields, Header, Note, Reply, Section, stamp
from commands.events import due, feeds
from commands.events.cards import (
    checkin_open,
    confirmation,
    event_card,
    names,
    when,
    where,
)
from commands.events.credit import credit_meeting
from commands.events.helpers import door_keepers, helper_ids, refuse_outsider, tell_helper
from commands.events.lookup import (
    Host,
    channels_of,
    chosen_host,
    event_host,
    event_keepers,
    find_event,
    host_leaders,
    parse_host,
)
from commands.events.mirror import not_mirrored, queue_mirror
from commands.events.rsvp import (
    HOLDS_PLACE,
    Answer,
    answer_many,
    counts,
    lock,
    offer_next,
    place_held,
    refuse_closed,
    subject,
)
from commands.events.schedule import occurrences, read_when, repeat_rule, span
from commands.text import plural
from storage.models import (
    ChapterEvent,
    EventHelper,
    EventRsvp,
    EventStatus,
    MeetingKind,
    RsvpStatus,
)

router = Router("events")
router.owner("event_host")(host_leaders)
router.owner("event")(event_keepers)
router.owner("event_door")(door_keepers)
router.due("events.announce", probe=due.announcements_due)(due.announce_series)
router.due("events.remind", probe=due.reminders_due)(due.remind)
router.due("events.offers", probe=due.offers_lapsed)(due.expire_offers)
router.due("events.close", probe=due.ends_due)(due.close_ended)
router.live_post("event")(due.render_card)
router.announcer("event.opened")(due.announce_opened)
router.announcer("event.recap")(due.announce_recap)

MAX_TITLE = 200
MAX_PLACE = 300
MAX_URL = 500
MAX_DESCRIPTION = 2000
MAX_CAPACITY = 100_000
LIST_LIMIT = 15
LIVE_MENTIONS = re.compile(r"@(everyone|here|channel)\b|<!(channel|here|everyone)", re.IGNORECASE)

HOSTS = Access(
    frozenset({Role.HQ}),
    Owner(
        "event_host",
        "chapter",
        "president",
        wording="the chapter's president (--workgroup: its lead; --society: HQ only)",
        also=("society", "workgroup"),
    ),
)
KEEPERS = Access(
    frozenset({Role.HQ}),
    Owner("event", "event_id", "organiser", wording="the event's organiser or its president"),
)
CHECK_IN_OTHERS = Given(
    ("members", "guests"),
    Access(
        frozenset({Role.HQ}),
        Owner(
            "event_door",
            "event_id",
            "organiser or helper",
            wording="the event's organiser, its president, one of its helpers",
        ),
    ),
    "check others in to event {event_id}",
    hint="check yourself in with /event checkin {event_id}",
)
"""Checking in others (named, or guests by count) is the door's work: the event's
keepers and the helpers they name. Checking oneself in is anyone's."""
EventId = Annotated[int, Arg("the event's number, as shown on it", complete="events", metavar="ID")]


@router.completer("events")
async def complete_events(session: AsyncSession, typed: str) -> list[str]:
    """Coming events, soonest first, by number."""
    rows = await session.scalars(
        select(ChapterEvent.id)
        .where(ChapterEvent.status == EventStatus.SCHEDULED)
        .order_by(ChapterEvent.starts_at.desc())
        .limit(200)
    )
    return [str(i) for i in rows if str(i).startswith(typed.strip())][:MAX_CHOICES]


def _clean_title(title: str) -> str:
    clean = " ".join(title.split())
    if not clean:
        raise BadArgument('TITLE is empty; give the event a name in quotes, e.g. "Summer picnic".')
    if len(clean) > MAX_TITLE:
        raise BadArgument(f"TITLE is {len(clean)} characters; keep it to {MAX_TITLE}.")
    _no_live_mentions(clean, "TITLE")
    return clean


def _no_live_mentions(text: str, what: str) -> None:
    found = LIVE_MENTIONS.search(text)
    if found:
        raise BadArgument(
            f"{what} contains {found.group()!r}, which would notify everyone; take it out."
        )


def _clean_text(text: str | None, limit: int, what: str) -> str | None:
    if text is None:
        return None
    clean = " ".join(text.split())
    if not clean or len(clean) > limit:
        raise BadArgument(f"{what} must be 1–{limit} characters; got {len(clean)}.")
    _no_live_mentions(clean, what)
    return clean


def _clean_url(url: str | None) -> str | None:
    if url is None:
        return None
    clean = url.strip()
    if clean.lower() != "discord" and not re.match(r"^https?://\S+$", clean):
        raise BadArgument(f"--online expects a link such as https://meet.example/abc; got {url!r}.")
    if len(clean) > MAX_URL:
        raise BadArgument(f"--online is {len(clean)} characters; keep it to {MAX_URL}.")
    return clean


def _capacity(capacity: int | None, going: int = 0) -> int | None:
    if capacity is None:
        return None
    if capacity < 1:
        raise BadArgument(f"--capacity must be at least 1; got {capacity}.")
    if capacity > MAX_CAPACITY:
        raise BadArgument(f"--capacity is at most {MAX_CAPACITY}; got {capacity}.")
    if capacity < going:
        raise BadArgument(
            f"--capacity {capacity} is below the {going} already going; give at least {going}."
        )
    return capacity


def _zone(context: Context, host: Host) -> ZoneInfo:
    return ZoneInfo(host.chapter.timezone) if host.chapter else context.tz


def _rsvp_closes(text: str | None, start: datetime, now: datetime, zone: ZoneInfo) -> datetime:
    if text is None:
        return start
    closes = read_when(text, now, zone, "--rsvp-closes")
    if closes <= now:
        raise BadArgument("--rsvp-closes is in the past; give a time between now and the start.")
    if closes > start:
        raise BadArgument(
            "--rsvp-closes is after the start; RSVPs close at the start at the latest."
        )
    return closes


@router.command(
    "event",
    "create",
    access=HOSTS,
    examples=[
        '/event create Boston social 2026-07-02T18:30 "Summer picnic" --place "Boston Common"',
        '/event create Boston working 2026-07-09T18:00 "Ethics of AI" --capacity 30 --duration 2h',
        '/event create Boston working 2026-07-07T18:00 "Study night" --repeat weekly --count 6',
        '/event create working 2026-10-01T09:00 "Conference" --society --ends 2026-10-03T17:00',
        '/event create working 2026-07-15T17:00 "Kick-off" --workgroup Mentoring '
        "--online https://meet.example/m",
    ],
)
async def event_create(
    context: Context,
    chapter: Annotated[
        str | None,
        Arg(
            "the chapter holding it (left out with --society or --workgroup)",
            complete="chapters",
            metavar="CHAPTER",
            spare=True,
        ),
    ] = None,
    *,
    kind: Annotated[Literal["working", "social"], Arg("working meeting or social event")],
    when_: Annotated[
        str, Arg("when it starts, in the chapter's time zone: 2026-07-02T18:30", metavar="WHEN")
    ],
    title: Annotated[str, Arg("what it is called, in quotes")],
    society: Annotated[
        bool, Opt("HQ: a society-wide event, announced in every bound channel")
    ] = False,
    workgroup: Annotated[
        str | None,
        Opt(
            "a workgroup's event (its lead); not counted in a chapter's cadence",
            metavar="NAME",
            complete="workgroups",
        ),
    ] = None,
    ends: Annotated[
        str | None, Opt("when it ends (default: 2 hours after)", metavar="WHEN")
    ] = None,
    duration: Annotated[
        timedelta | None, Opt("how long it lasts: 90m, 2h", metavar="LENGTH")
    ] = None,
    place: Annotated[str | None, Opt("where it is held", metavar="TEXT")] = None,
    online: Annotated[str | None, Opt("the link to join online", metavar="URL")] = None,
    capacity: Annotated[
        int | None, Opt("places; past it, members join a waitlist", metavar="N")
    ] = None,
    rsvp_closes: Annotated[
        str | None, Opt("when RSVPs close (default: the start)", metavar="WHEN")
    ] = None,
    offer_hours: Annotated[
        int | None, Opt("hours a freed place is held for the next in line (24)", metavar="N")
    ] = None,
    repeat: Annotated[
        str | None,
        Opt("weekly, monthly, quarterly, every 2nd tuesday…", metavar="RULE"),
    ] = None,
    until: Annotated[str | None, Opt("with --repeat: the last day", metavar="DATE")] = None,
    count: Annotated[int | None, Opt("with --repeat: how many times", metavar="N")] = None,
    description: Annotated[str | None, Opt("what to expect", metavar="TEXT")] = None,
) -> Reply:
    """Plan an event: announced in the chapter's channels, with RSVPs, reminders and check-in.

    When it ends it is logged as the chapter's meeting, so it counts toward the
    yearly cadence with no second entry. A chapter's president plans its events;
    HQ plans society-wide ones with --society (no CHAPTER; every bound channel),
    a workgroup's lead the workgroup's with --workgroup NAME (not counted in cadence).
    """
    found = await chosen_host(context.session, chapter, society, workgroup)
    zone = _zone(context, found)
    now = context.now
    start = read_when(when_, now, zone, "WHEN")
    end = read_when(ends, now, zone, "--ends") if ends is not None else None
    times = span(start, end, duration, now)
    clean_title = _clean_title(title)
    if place is not None and online is not None:
        raise BadArgument("Give --place or --online, not both.")
    clean_place = _clean_text(place, MAX_PLACE, "--place")
    link = _clean_url(online)
    places = _capacity(capacity)
    closes = _rsvp_closes(rsvp_closes, times.starts_at, now, zone)
    hours = 24 if offer_hours is None else offer_hours
    if not 1 <= hours <= 168:
        raise BadArgument(f"--offer-hours must be between 1 and 168; got {hours}.")
    about = _clean_text(description, MAX_DESCRIPTION, "--description")
    rule: str | None = None
    starts = [times.starts_at]
    if repeat is not None:
        last = read_when(until, now, zone, "--until") if until is not None else None
        rule, starts = occurrences(
            repeat_rule(repeat, times.starts_at, zone), times.starts_at, zone, last, count
        )
    elif until is not None or count is not None:
        raise BadArgument("--until and --count go with --repeat; add --repeat weekly, say.")
    length = times.ends_at - times.starts_at
    closes_before = times.starts_at - closes
    created: list[ChapterEvent] = []
    for begin in starts:
        event = ChapterEvent(
            uid=f"{secrets.token_hex(16)}@chapterhouse",
            title=clean_title,
            kind=MeetingKind(kind),
            status=EventStatus.SCHEDULED,
            chapter_id=found.chapter.id if found.chapter else None,
            workgroup_id=found.workgroup.id if found.workgroup else None,
            timezone=zone.key,
            starts_at=begin,
            ends_at=begin + length,
            place=clean_place,
            online_url=link,
            capacity=places,
            rsvp_closes_at=begin - closes_before,
            offer_hours=hours,
            description=about,
            rrule=rule,
            creator_id=context.member.id,
            created_at=now,
            updated_at=now,
        )
        context.session.add(event)
        created.append(event)
    await context.session.flush()
    if rule is not None:
        for event in created:
            event.series_id = created[0].id
    first = created[0]
    first.announced_at = now  # the later dates of a series are announced a week ahead
    targets = await channels_of(context.session, first)
    if targets is None:
        targets = (
            [(context.place.platform, context.place.channel_id)] if context.place.channel_id else []
        )
    context.uow.record("event.opened", event_id=first.id, targets=[list(t) for t in targets])
    await queue_mirror(context.uow, first, found.name, targets)
    card = event_card(first, found, await counts(context.session, first.id), now)
    posted = (
        f"Announced in {plural(len(targets), 'channel')}."
        if targets
        else f"No channel is bound to {found.name}, so it was announced nowhere; "
        f"members answer with /event rsvp {first.id} going."
    )
    series = ""
    if len(created) > 1:
        series = f" It repeats: events {first.id}–{created[-1].id}, each answered on its own."
    line = f"Event {first.id} is planned for {found.name}: {clean_title}, {when(first)}.{series}"
    return Reply.private(f"{line} {posted}", Section(line), *card.blocks, Note(posted))


def _visible(context: Context) -> Any:
    """Events a member is shown in lists: their chapter's, the society's, workgroups'."""
    member = context.member
    if context.has(Role.MODERATOR):
        return True
    return or_(
        ChapterEvent.chapter_id.is_(None),
        ChapterEvent.chapter_id == member.chapter_id,
        ChapterEvent.creator_id == member.id,
    )


@router.command("event", "list", examples=["/event list", "/event list Boston --past"])
async def event_list(
    context: Context,
    chapter: Annotated[
        str | None, Arg("only this chapter's events", complete="chapters", metavar="CHAPTER")
    ] = None,
    past: Annotated[bool, Opt("events that have ended, newest first")] = False,
) -> Reply:
    """List coming events (yours and the society's), soonest first, with their counts."""
    query = select(ChapterEvent).limit(LIST_LIMIT)
    if past:
        query = query.where(ChapterEvent.ends_at <= context.now).order_by(
            ChapterEvent.starts_at.desc()
        )
    else:
        query = query.where(
            ChapterEvent.ends_at > context.now, ChapterEvent.status == EventStatus.SCHEDULED
        ).order_by(ChapterEvent.starts_at, ChapterEvent.id)
    if chapter is not None:
        found = await parse_host(context.session, chapter)
        if found.chapter is not None:
            query = query.where(ChapterEvent.chapter_id == found.chapter.id)
        elif found.workgroup is not None:
            query = query.where(ChapterEvent.workgroup_id == found.workgroup.id)
        else:
            query = query.where(
                ChapterEvent.chapter_id.is_(None), ChapterEvent.workgroup_id.is_(None)
            )
    else:
        query = query.where(_visible(context))
    events = list(await context.session.scalars(query))
    if not events:
        none = "No past events." if past else "No coming events."
        return Reply.private(f"{none} A chapter's president plans one with /event create.")
    lines = []
    for event in events:
        host = await event_host(context.session, event)
        tally = await counts(context.session, event.id)
        state = " · cancelled" if event.status is EventStatus.CANCELLED else ""
        lines.append(
            f"*{event.id}* {event.title} — {host.name}, "
            f"{stamp(event.starts_at, event.timezone)} · {tally.line(event.capacity)}{state}"
        )
    title = "Past events" if past else "Coming events"
    return Reply.private(
        f"{title}: " + "; ".join(str(e.id) for e in events),
        Header(title),
        Section("\n".join(lines)),
        Note("See one with /event show ID; answer with /event rsvp ID going|maybe|no."),
    )


async def _ids(session: AsyncSession, event_id: int, *statuses: RsvpStatus) -> list[int]:
    return list(
        await session.scalars(
            select(EventRsvp.member_id)
            .where(EventRsvp.event_id == event_id, EventRsvp.status.in_(statuses))
            .order_by(EventRsvp.queued_at, EventRsvp.id)
        )
    )


@router.command("event", "show", examples=["/event show 3"])
async def event_show(context: Context, event_id: EventId) -> Reply:
    """Show an event: when, where, counts and who is going; its organiser sees the waitlist too."""
    event = await find_event(context.session, event_id)
    host = await event_host(context.session, event)
    tally = await counts(context.session, event.id)
    helpers = await helper_ids(context.session, event.id)
    card = event_card(event, host, tally, context.now, helpers)
    blocks: list[Block] = list(card.blocks)
    going = await _ids(context.session, event.id, RsvpStatus.GOING)
    pairs: list[tuple[str, str]] = [("Going", names(going))]
    keeper = context.has(Role.HQ) or context.member.id in await event_keepers(context, event.id)
    if keeper:
        line = await _ids(context.session, event.id, RsvpStatus.OFFERED, RsvpStatus.WAITLIST)
        pairs.append(("Waitlist", names(line)))
        if not helpers:  # named ones are on the card, for everyone
            pairs.append(("Helpers", f"none yet (/event helper {event.id} @member names one)"))
        if context.now >= event.starts_at:
            absent = list(
                await context.session.scalars(
                    select(EventRsvp.member_id).where(
                        EventRsvp.event_id == event.id,
                        EventRsvp.status == RsvpStatus.GOING,
                        EventRsvp.checked_in_at.is_(None),
                    )
                )
            )
            pairs.append(("No-shows", names(absent)))
            pairs.append(("Checked in", f"{tally.checked_in} + {event.guests} guests"))
        scores = (
            await context.session.execute(
                select(func.avg(EventRsvp.feedback), func.count(EventRsvp.feedback)).where(
                    EventRsvp.event_id == event.id
                )
            )
        ).one()
        if scores[1]:
            pairs.append(
                ("Feedback", f"{float(scores[0]):.1f} of 5 from {plural(scores[1], 'answer')}")
            )
    if event.meeting_id is not None:
        pairs.append(("Credited", "logged as the chapter's meeting"))
    elif event.not_held:
        pairs.append(("Credited", "marked not held"))
    if event.recap:
        pairs.append(("Recap", event.recap))
    blocks.insert(2, Fields(tuple(pairs)))
    blocks += [Note(line) for line in await not_mirrored(context.session, event.id)]
    return Reply.private(card.text, *blocks)


async def _tell_rsvps(
    context: Context, event: ChapterEvent, line: str, label: str, with_card: bool = True
) -> int:
    """A direct message to everyone who answered going, maybe or is in line."""
    ids = await _ids(
        context.session,
        event.id,
        RsvpStatus.GOING,
        RsvpStatus.MAYBE,
        RsvpStatus.WAITLIST,
        RsvpStatus.OFFERED,
    )
    keys = {m: f"event:{event.id}:{label}:member:{m}" for m in ids}
    blocks: list[Block] = [Section(line)]
    if with_card:
        host = await event_host(context.session, event)
        blocks += list(
            event_card(
                event,
                host,
                await counts(context.session, event.id),
                context.now,
                await helper_ids(context.session, event.id),
            ).blocks
        )
    return await queue_direct(context.uow, Reply.private(line, *blocks), keys)


def _refuse_over(event: ChapterEvent, now: datetime, doing: str) -> None:
    if event.status is EventStatus.CANCELLED:
        raise Conflict(f"Event {event.id} was cancelled; it cannot be {doing}.")
    if now >= event.ends_at:
        raise Conflict(f"Event {event.id} has ended; it cannot be {doing}.")


@router.command(
    "event",
    "edit",
    access=KEEPERS,
    examples=[
        "/event edit 3 --when 2026-07-02T19:00",
        '/event edit 3 --place "Room 4" --capacity 40',
    ],
)
async def event_edit(
    context: Context,
    event_id: EventId,
    title: Annotated[str | None, Opt("a new title", metavar="TEXT")] = None,
    when_: Annotated[str | None, Opt("a new start (the length is kept)", metavar="WHEN")] = None,
    ends: Annotated[str | None, Opt("a new end", metavar="WHEN")] = None,
    duration: Annotated[timedelta | None, Opt("a new length", metavar="LENGTH")] = None,
    place: Annotated[str | None, Opt("a new place", metavar="TEXT")] = None,
    online: Annotated[str | None, Opt("a new link", metavar="URL")] = None,
    capacity: Annotated[int | None, Opt("a new number of places", metavar="N")] = None,
    rsvp_closes: Annotated[str | None, Opt("when RSVPs close", metavar="WHEN")] = None,
    description: Annotated[str | None, Opt("a new description", metavar="TEXT")] = None,
) -> Reply:
    """Change an event; those who answered hear of a new time or place by direct message."""
    event = await lock(context.session, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}. /event list shows the coming events.")
    _refuse_over(event, context.now, "edited")
    given = (title, when_, ends, duration, place, online, capacity, rsvp_closes, description)
    if all(v is None for v in given):
        raise BadArgument("Say what to change, e.g. /event edit 3 --when 2026-07-02T19:00.")
    zone = ZoneInfo(event.timezone)
    now = context.now
    start = read_when(when_, now, zone, "--when") if when_ is not None else event.starts_at
    if ends is not None:
        end: datetime | None = read_when(ends, now, zone, "--ends")
    elif duration is None:
        end = start + (event.ends_at - event.starts_at)
    else:
        end = None
    moved = start != event.starts_at or (end is not None and end != event.ends_at) or duration
    times = span(start, end, duration, now) if moved else None
    if place is not None and online is not None:
        raise BadArgument("Give --place or --online, not both.")
    new_place = _clean_text(place, MAX_PLACE, "--place")
    new_link = _clean_url(online)
    going = await place_held(context.session, event.id)
    new_capacity = _capacity(capacity, going)
    changes: list[str] = []
    if title is not None:
        event.title = _clean_title(title)
        changes.append("title")
    if times is not None:
        shift = times.starts_at - event.starts_at
        event.starts_at, event.ends_at = times.starts_at, times.ends_at
        if rsvp_closes is None:
            event.rsvp_closes_at = min(event.rsvp_closes_at + shift, event.starts_at)
        event.reminded_day_at = event.reminded_hour_at = event.summary_sent_at = None
        changes.append("time")
    if rsvp_closes is not None:
        event.rsvp_closes_at = _rsvp_closes(rsvp_closes, event.starts_at, now, zone)
        changes.append("RSVP deadline")
    if new_place is not None or new_link is not None:
        event.place, event.online_url = new_place, new_link
        changes.append("place")
    if capacity is not None:
        event.capacity = new_capacity
        changes.append("capacity")
    if description is not None:
        event.description = _clean_text(description, MAX_DESCRIPTION, "--description")
        changes.append("description")
    event.sequence += 1
    event.updated_at = now
    await context.session.flush()
    offered = await offer_next(context.uow, event)
    told = 0
    if "time" in changes or "place" in changes:
        line = f"Event {event.id}, {event.title}, has changed: now {when(event)}, {where(event)}."
        told = await _tell_rsvps(context, event, line, f"change{event.sequence}")
    context.uow.touch(subject(event.id))
    await queue_mirror(context.uow, event, (await event_host(context.session, event)).name)
    parts = [f"Event {event.id} updated ({', '.join(changes)})."]
    if told:
        parts.append(f"Told {plural(told, 'member')} who answered.")
    if offered:
        parts.append(f"Offered {plural(len(offered), 'freed place')} to the waitlist.")
    return Reply.private(" ".join(parts))


@router.command(
    "event",
    "cancel",
    access=KEEPERS,
    confirm=True,
    examples=['/event cancel 3 --reason "The venue flooded"'],
)
async def event_cancel(
    context: Context,
    event_id: EventId,
    reason: Annotated[str | None, Opt("why, told to those who answered", metavar="TEXT")] = None,
) -> Reply:
    """Cancel an event: its card says so, those who answered are told, calendars drop it."""
    event = await lock(context.session, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}. /event list shows the coming events.")
    _refuse_over(event, context.now, "cancelled")
    why = _clean_text(reason, 300, "--reason")
    event.status, event.cancelled_at, event.cancel_reason = (
        EventStatus.CANCELLED,
        context.now,
        why,
    )
    event.sequence += 1
    event.updated_at = context.now
    line = (
        f"Event {event.id}, {event.title} ({stamp(event.starts_at, event.timezone)}), is cancelled"
        + (f": {why}" if why else ".")
    )
    told = await _tell_rsvps(context, event, line, "cancelled", with_card=False)
    context.uow.touch(subject(event.id))
    await queue_mirror(context.uow, event, (await event_host(context.session, event)).name)
    return Reply.private(f"Cancelled event {event.id}; told {plural(told, 'member')} who answered.")


@router.command(
    "event",
    "rsvp",
    examples=["/event rsvp 3 going", "/event rsvp 3 maybe", "/event rsvp 3 no"],
)
async def event_rsvp(
    context: Context,
    event_id: EventId,
    choice: Annotated[Literal["going", "maybe", "no"], Arg("your answer")],
) -> Reply:
    """Answer an event: going, maybe or no. Past its capacity, going joins the waitlist.

    You may change your answer until RSVPs close. Going gets you a calendar file by
    direct message and the reminders the day and the hour before.
    """
    return (await rsvp_requests([(context, {"event_id": event_id, "choice": choice})]))[0]


def _rsvp_reply(event: ChapterEvent, choice: str, result: Answer) -> Reply:
    at = f"{event.title} (event {event.id}, {stamp(event.starts_at, event.timezone)})"
    if result.status is result.was and result.status is not RsvpStatus.WAITLIST:
        return Reply.private(f"You had already answered {choice} to {at}; nothing changed.")
    if result.status is RsvpStatus.GOING:
        return Reply.private(
            f"You're going to {at}. A calendar file is on its way by direct message."
        )
    if result.status is RsvpStatus.WAITLIST:
        return Reply.private(
            f"{at} is full ({plural(event.capacity or 0, 'place')}); "
            f"you are number {result.position} on the waitlist. "
            "If a place frees up, you will be offered it by direct message."
        )
    if result.status is RsvpStatus.MAYBE:
        return Reply.private(f"Noted: maybe for {at}. You will get a reminder the day before.")
    freed = " Your place goes to the next on the waitlist." if result.was in HOLDS_PLACE else ""
    return Reply.private(f"Noted: you can't go to {at}.{freed}")


async def rsvp_requests(items: list[tuple[Context, dict[str, Any]]]) -> list[Reply]:
    """A burst of answers in one transaction, each event's in the order they arrived.

    An event announced to a society's channels is answered in a burst; one commit
    and a few set-based statements for many answers keep up with it. A refusal
    (no such event, RSVPs closed) is decided before anything is written, so it
    leaves the other answers to commit.
    """
    replies: dict[int, Reply] = {}
    by_event: dict[int, list[int]] = {}
    for index, (_, args) in enumerate(items):
        by_event.setdefault(int(args["event_id"]), []).append(index)
    for event_id, indexes in by_event.items():
        context = items[indexes[0]][0]
        event = await lock(context.session, event_id)
        try:
            if event is None:
                raise NotFound(f"No event {event_id}. /event list shows the coming events.")
            refuse_closed(event, context.now)
        except UserError as error:
            replies.update({i: Reply.error(str(error)) for i in indexes})
            continue
        assert event is not None
        asked = [(items[i][0].member.id, RsvpStatus(items[i][1]["choice"])) for i in indexes]
        results = await answer_many(context.uow, event, asked)
        newly = {
            member: f"event:{event.id}:confirm:{member}:{context.now.isoformat()}"
            for (member, _), result in zip(asked, results, strict=True)
            if result.status is RsvpStatus.GOING and result.was is not RsvpStatus.GOING
        }
        if newly:
            host = await event_host(context.session, event)
            await queue_direct(context.uow, confirmation(event, host, context.now), newly)
        for index, result in zip(indexes, results, strict=True):
            replies[index] = _rsvp_reply(event, str(items[index][1]["choice"]), result)
    return [replies[index] for index in range(len(items))]


router.batch("event", "rsvp")(rsvp_requests)


@router.command("event", "interested", examples=["/event interested 3 yes"])
async def event_interested(
    context: Context,
    event_id: EventId,
    interested: Annotated[Literal["yes", "no"], Arg("interested, or no longer")],
) -> Reply:
    """Interested, as Discord's own event list says it: a maybe, unless you answered already.

    Marking the event "Interested" on Discord runs this; un-marking it takes a
    maybe back (an answer of going or no is yours and stays).
    """
    event = await find_event(context.session, event_id)
    row = await context.session.scalar(
        select(EventRsvp).where(
            EventRsvp.event_id == event.id, EventRsvp.member_id == context.member.id
        )
    )
    if interested == "yes":
        if row is None or row.status is RsvpStatus.NO:
            return await event_rsvp(context, event_id, "maybe")
        return Reply.private(
            f"You already answered {row.status.value} to {event.title}; nothing changed."
        )
    if row is None or row.status is not RsvpStatus.MAYBE:
        return Reply.private(f"You had no maybe for {event.title}; nothing changed.")
    refuse_closed(event, context.now)
    await context.session.delete(row)
    context.uow.touch(subject(event.id))
    return Reply.private(f"Your maybe for {event.title} is taken back.")


async def _check_in(context: Context, event: ChapterEvent, member_id: int, by: int) -> bool:
    """Check one member in; False if they already were."""
    row = await context.session.scalar(
        select(EventRsvp).where(EventRsvp.event_id == event.id, EventRsvp.member_id == member_id)
    )
    if row is not None and row.checked_in_at is not None:
        return False
    if row is None:
        row = EventRsvp(
            event_id=event.id, member_id=member_id, status=RsvpStatus.GOING, answered_at=context.now
        )
        context.session.add(row)
    row.checked_in_at, row.checked_in_by = context.now, by
    await context.session.flush()
    return True


def _refuse_outside_window(event: ChapterEvent, now: datetime) -> None:
    if event.status is EventStatus.CANCELLED:
        raise Conflict(f"Event {event.id} was cancelled; there is nothing to check in to.")
    if not checkin_open(event, now):
        opens = stamp(event.starts_at - timedelta(minutes=30), event.timezone)
        closes = stamp(event.ends_at + timedelta(hours=2), event.timezone)
        raise Conflict(f"Check-in for event {event.id} is open from {opens} to {closes}.")


@router.command(
    "event",
    "checkin",
    given=[CHECK_IN_OTHERS],
    examples=[
        "/event checkin 3",
        "/event checkin 3 @grace @frank",
        "/event checkin 3 --guests 4",
    ],
)
async def event_checkin(
    context: Context,
    event_id: EventId,
    members: Annotated[
        tuple[MemberRef, ...], Arg("organiser or helper: members to check in for them")
    ] = (),
    guests: Annotated[
        int | None,
        Opt("organiser or helper: guests without an account, added to the count", metavar="N"),
    ] = None,
) -> Reply:
    """Say you're here: from 30 minutes before the start to 2 hours after the end.

    The event's organiser (its president or lead, or whoever planned it) and the
    helpers they name with /event helper check others in by naming them, and count
    guests without an account with --guests.
    """
    if not members and guests is None:
        event = await find_event(context.session, event_id)
        _refuse_outside_window(event, context.now)
        if not await _check_in(context, event, context.member.id, context.member.id):
            raise Conflict(f"You are already checked in to event {event.id}.")
        context.uow.touch(subject(event.id))
        return Reply.private(f"Checked in to {event.title}. Welcome!")
    return await _check_in_others(context, event_id, members, guests)


async def _check_in_others(
    context: Context, event_id: int, members: tuple[MemberRef, ...], guests: int | None
) -> Reply:
    """The door's check-in for others: the dispatcher has checked who may
    (`CHECK_IN_OTHERS`) and audits it."""
    event = await lock(context.session, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}. /event list shows the coming events.")
    _refuse_outside_window(event, context.now)
    if guests is not None and not 1 <= guests <= 10_000:
        raise BadArgument(f"--guests must be between 1 and 10000; got {guests}.")
    named = [await resolve(context.uow, ref) for ref in dict.fromkeys(members)]
    admitted, already = [], []
    for member in named:
        if await _check_in(context, event, member.id, context.member.id):
            admitted.append(member.id)
        else:
            already.append(member.id)
    if already and not admitted and not guests:
        who = ", ".join(m.name for m in named)  # a refusal is plain text: names, not mentions
        raise Conflict(
            f"{who} {'is' if len(named) == 1 else 'are'} already checked in "
            f"to event {event.id}; nothing changed."
        )
    if guests:
        event.guests += guests
    context.uow.touch(subject(event.id))
    parts = []
    if admitted:
        parts.append(f"Checked in {names(admitted)}.")
    if already:
        parts.append(f"Already checked in: {names(already)}.")
    if guests:
        parts.append(f"Added {plural(guests, 'guest')} ({event.guests} in all).")
    return Reply.private(" ".join(parts))


@router.command(
    "event",
    "helper",
    access=KEEPERS,
    examples=["/event helper 3 @alice", "/event helper 3 @alice --remove"],
)
async def event_helper(
    context: Context,
    event_id: EventId,
    member: Annotated[MemberRef, Arg("the member who will check others in at this event")],
    remove: Annotated[bool, Opt("stop them being a helper for this event")] = False,
) -> Reply:
    """Name a helper who may check members in and count guests at this event only."""
    event = await lock(context.session, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}. /event list shows the coming events.")
    person = await resolve(context.uow, member)
    current = await context.session.get(EventHelper, (event.id, person.id))
    if remove:
        if current is None:
            raise Conflict(
                f"{person.name} is not a helper for event {event.id}; "
                f"/event show {event.id} lists its helpers."
            )
        await context.session.delete(current)
        context.uow.touch(subject(event.id))
        told = await tell_helper(context, event, person.id, named=False)
        return Reply.private(
            f"{mention(person.id)} is no longer a helper for {event.title}." + _told(told)
        )
    if event.status is EventStatus.CANCELLED:
        raise Conflict(f"Event {event.id} was cancelled; it needs no helpers.")
    if current is not None:
        raise Conflict(f"{person.name} is already a helper for event {event.id}; nothing changed.")
    if person.id in await event_keepers(context, event.id):
        raise Conflict(
            f"{person.name} already checks members in to event {event.id} as its organiser."
        )
    await refuse_outsider(context.session, event, await event_host(context.session, event), person)
    context.session.add(
        EventHelper(
            event_id=event.id, member_id=person.id, added_by=context.member.id, added_at=context.now
        )
    )
    context.uow.touch(subject(event.id))
    told = await tell_helper(context, event, person.id, named=True)
    return Reply.private(
        f"{mention(person.id)} is now a helper for {event.title}: they may check members in "
        f"(/event checkin {event.id} @member) and count guests there." + _told(told)
    )


def _told(told: bool) -> str:
    if told:
        return " They were told by direct message."
    return " They have no chat account to be told on; let them know yourself."


@router.command(
    "event",
    "credit",
    access=KEEPERS,
    examples=["/event credit 3 18", "/event credit 3 --not-held"],
)
async def event_credit(
    context: Context,
    event_id: EventId,
    attendance: Annotated[int | None, Arg("how many came", metavar="N")] = None,
    not_held: Annotated[bool, Opt("it did not take place: nothing is credited")] = False,
) -> Reply:
    """Confirm an ended event's headcount (logging the meeting), or mark it not held."""
    event = await lock(context.session, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}. /event list shows the coming events.")
    if event.status is EventStatus.CANCELLED:
        raise Conflict(f"Event {event.id} was cancelled; there is nothing to credit.")
    if context.now < event.ends_at:
        raise Conflict(f"Event {event.id} has not ended yet; credit it once it has.")
    if event.meeting_id is not None or event.not_held:
        raise Conflict(f"Event {event.id} is already settled; see /event show {event.id}.")
    if not_held == (attendance is not None):
        raise BadArgument("Give the headcount (/event credit ID 18) or --not-held, one of them.")
    if not_held:
        event.not_held = True
        event.closed_at = event.closed_at or context.now
        return Reply.private(f"Event {event.id} is marked not held; nothing was credited.")
    assert attendance is not None
    if not 0 < attendance <= 100_000:
        raise BadArgument(
            f"N must be between 1 and 100000; got {attendance}. Use --not-held for none."
        )
    event.closed_at = event.closed_at or context.now
    outcome = await credit_meeting(context.uow, event, attendance, context.member.id)
    return Reply.private(outcome)


@router.command(
    "event",
    "recap",
    access=KEEPERS,
    examples=['/event recap 3 "Talked AI ethics" "Draft a position" "Vote in July"'],
)
async def event_recap(
    context: Context,
    event_id: EventId,
    happened: Annotated[str, Arg("what happened", metavar="HAPPENED")],
    decided: Annotated[str, Arg("what we decided", metavar="DECIDED")],
    next_: Annotated[str, Arg("what is next", metavar="NEXT")],
) -> Reply:
    """Post a three-line recap of an ended event to its chapter's channels."""
    event = await find_event(context.session, event_id)
    if context.now < event.starts_at or event.status is EventStatus.CANCELLED:
        raise Conflict(f"Event {event.id} has not taken place; a recap comes after.")
    lines = [
        _clean_text(happened, 300, "HAPPENED"),
        _clean_text(decided, 300, "DECIDED"),
        _clean_text(next_, 300, "NEXT"),
    ]
    event.recap = "\n".join(
        f"{label}: {text}"
        for label, text in zip(("What happened", "Decided", "Next"), lines, strict=True)
    )
    targets = await channels_of(context.session, event) or []
    context.uow.record("event.recap", event_id=event.id)
    return Reply.private(f"Recap of event {event.id} posted to {plural(len(targets), 'channel')}.")


@router.command(
    "event", "feedback", examples=["/event feedback 3 5", '/event feedback 3 4 "Too short"']
)
async def event_feedback(
    context: Context,
    event_id: EventId,
    score: Annotated[Literal["1", "2", "3", "4", "5"], Arg("1 (poor) to 5 (great)")],
    comment: Annotated[str | None, Arg("anything to add", metavar="COMMENT")] = None,
) -> Reply:
    """Rate an event you checked in to; the organiser sees the average."""
    event = await find_event(context.session, event_id)
    row = await context.session.scalar(
        select(EventRsvp).where(
            EventRsvp.event_id == event.id, EventRsvp.member_id == context.member.id
        )
    )
    if row is None or row.checked_in_at is None:
        raise Conflict(f"Only members checked in to event {event.id} may rate it.")
    row.feedback = int(score)
    row.comment = _clean_text(comment, 500, "COMMENT")
    return Reply.private(f"Thanks: {score} of 5 for {event.title}.")


@router.command("event", "calendar", examples=["/event calendar", "/event calendar --reset"])
async def event_calendar(
    context: Context,
    reset: Annotated[bool, Opt("make new links; the old ones stop working")] = False,
) -> Reply:
    """Your calendar links: your chapter's events, and the events you are going to.

    Subscribe to them in any calendar app; changes and cancellations show up there.
    The links are secret: anyone who has one sees that calendar. --reset replaces them.
    """
    chapter, personal, _ = await feeds.links(
        context.session, context.settings, context.member, context.now, reset
    )
    base = feeds.base_url(context.settings)
    pairs = (
        ("Chapter and society events", f"{base}/calendar/{chapter}.ics"),
        ("Events you are going to", f"{base}/calendar/{personal}.ics"),
    )
    said = "New calendar links" if reset else "Your calendar links"
    note = "The old links no longer work." if reset else "Keep them to yourself."
    return Reply.private(
        f"{said}: " + " ; ".join(f"{label}: {url}" for label, url in pairs),
        Header(said),
        Fields(pairs),
        Note(f"Subscribe in your calendar app. {note}"),
    )


@router.home(order=25)
async def home_events(context: Context) -> list[Block]:
    """The member's next events: what they are going to, and what their chapter plans."""
    member = context.member
    events = list(
        await context.session.scalars(
            select(ChapterEvent)
            .where(
                ChapterEvent.status == EventStatus.SCHEDULED,
                ChapterEvent.ends_at > context.now,
                or_(
                    ChapterEvent.chapter_id == member.chapter_id,
                    ChapterEvent.chapter_id.is_(None) & ChapterEvent.workgroup_id.is_(None),
                ),
            )
            .order_by(ChapterEvent.starts_at, ChapterEvent.id)
            .limit(5)
        )
    )
    if not events:
        return [Header("Coming events"), Section("Nothing planned yet for your chapter.")]
    answers = dict(
        (
            await context.session.execute(
                select(EventRsvp.event_id, EventRsvp.status).where(
                    EventRsvp.member_id == member.id,
                    EventRsvp.event_id.in_([e.id for e in events]),
                )
            )
        ).all()
    )
    lines = []
    for event in events:
        mine = answers.get(event.id)
        mark = f"you: {mine.value}" if mine is not None else "*not answered*"
        lines.append(
            f"*{event.id}* {event.title} — {stamp(event.starts_at, event.timezone)} · {mark}"
        )
    return [
        Header("Coming events"),
        Section("\n".join(lines)),
        Note("Answer with /event rsvp ID going|maybe|no; /event calendar for your calendar."),
    ]
