"""The events' scheduled work, and how their posts are drawn for the notifier.

- reminders the day before (going and maybe) and the hour before (going), with
  the organiser's day-before summary;
- waitlist offers that expire, passed on to the next in line;
- events that ended: credited as the chapter's meeting from the check-ins and
  guests, or, with none, the organiser asked for a headcount; a recap asked for,
  and attendees asked to rate it.

Each is claimed on its own row (`reminded_day_at`, `reminded_hour_at`,
`summary_sent_at`, `closed_at`; an offer by its status) by a conditional update,
so two ticks or two scheduler processes act once: each member gets each reminder
once per event. Reminders go through quiet hours and `/member nudges off`; one
that quiet hours would hold past the start is skipped rather than sent late.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.config import Settings
from bot.due import At, DueRun, Tick
from bot.notifier import Announcement, queue_direct
from bot.reply import Actions, Button, Header, Reply, Section, stamp
from commands.events.cards import event_card, names, when, where
from commands.events.credit import credit_meeting
from commands.events.helpers import helper_ids
from commands.events.lookup import channels_of, event_host
from commands.events.mirror import queue_mirror
from commands.events.rsvp import counts, lock, offer_next, subject
from commands.text import plural
from storage.claims import claim
from storage.models import (
    ChapterEvent,
    Delivery,
    DeliveryStatus,
    EventRsvp,
    EventStatus,
    RsvpStatus,
)

ANNOUNCE_AHEAD = timedelta(days=7)
DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
BATCH = 200

Row = TypeVar("Row", ChapterEvent, EventRsvp)


async def claimed(
    run: DueRun,
    query: Select[Row],
    still: tuple[ColumnElement[bool], ...],
    values: Mapping[str, Any],
    first: Callable[[Row], Awaitable[bool]] | None = None,
) -> AsyncIterator[Row]:
    """The due rows this run wins: a batch selected, each claimed by a conditional update.

    `still` says what must hold for a row to be unclaimed (its id is added);
    `values` is the claim written. A row another run claimed first is passed over,
    and a full batch asks the scheduler for another pass. `first`, when given, runs
    before the claim (taking the row's lock in a fixed order) and may skip the row.
    """
    rows = list(await run.session.scalars(query.limit(BATCH)))
    for row in rows:
        if first is not None and not await first(row):
            continue
        model = type(row)
        if await claim(run.session, model, model.id == row.id, *still, **values):
            yield row
    if len(rows) == BATCH:
        run.more = True


async def render_card(session: AsyncSession, ident: str, now: datetime) -> Reply | None:
    event = await session.get(ChapterEvent, int(ident))
    if event is None:
        return None
    host = await event_host(session, event)
    helpers = await helper_ids(session, event.id)
    return event_card(event, host, await counts(session, event.id), now, helpers)


async def announce_opened(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    card = await render_card(session, str(payload["event_id"]), now)
    if card is None:
        return None
    targets = tuple((platform, channel) for platform, channel in payload["targets"])
    return Announcement(card, targets=targets, subject=subject(payload["event_id"]))


async def announce_recap(
    session: AsyncSession, payload: Mapping[str, Any], now: datetime
) -> Announcement | None:
    event = await session.get(ChapterEvent, payload["event_id"])
    if event is None or not event.recap:
        return None
    targets = await channels_of(session, event)
    if not targets:
        return None
    host = await event_host(session, event)
    title = f"Recap: {event.title} ({host.name})"
    reply = Reply.public(f"{title}. {event.recap}", Header(title), Section(event.recap))
    return Announcement(reply, targets=tuple(targets))


def _unannounced(now: At, until: At) -> Select[ChapterEvent]:
    return select(ChapterEvent).where(
        ChapterEvent.status == EventStatus.SCHEDULED,
        ChapterEvent.announced_at.is_(None),
        ChapterEvent.starts_at > now,
        ChapterEvent.starts_at <= until,
    )


REMINDERS = (
    ("day", DAY, ChapterEvent.reminded_day_at),
    ("hour", HOUR, ChapterEvent.reminded_hour_at),
)
"""Each reminder: its name, how long before the start, and the column claiming it."""


def _unreminded(
    now: At, until: At, column: InstrumentedAttribute[datetime | None]
) -> Select[ChapterEvent]:
    return select(ChapterEvent).where(
        ChapterEvent.status == EventStatus.SCHEDULED,
        ChapterEvent.starts_at > now,
        ChapterEvent.starts_at <= until,
        column.is_(None),
    )


def _lapsed_offers(now: At) -> Select[EventRsvp]:
    return (
        select(EventRsvp)
        .join(ChapterEvent, ChapterEvent.id == EventRsvp.event_id)
        .where(
            EventRsvp.status == RsvpStatus.OFFERED,
            EventRsvp.offered_until <= now,
            ChapterEvent.status == EventStatus.SCHEDULED,  # a cancelled event offers nothing
        )
    )


def _ended(now: At) -> Select[ChapterEvent]:
    return select(ChapterEvent).where(
        ChapterEvent.status == EventStatus.SCHEDULED,
        ChapterEvent.ends_at <= now,
        ChapterEvent.closed_at.is_(None),
    )


def announcements_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_unannounced(tick.at(), tick.at(ANNOUNCE_AHEAD)))


def reminders_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return or_(
        *(exists(_unreminded(tick.at(), tick.at(ahead), column)) for _, ahead, column in REMINDERS)
    )


def offers_lapsed(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_lapsed_offers(tick.at()))


def ends_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_ended(tick.at()))


async def announce_series(run: DueRun) -> None:
    """Post the card of each later date of a series a week before it (once each)."""
    query = _unannounced(run.now, run.now + ANNOUNCE_AHEAD).order_by(
        ChapterEvent.starts_at, ChapterEvent.id
    )
    unannounced = (ChapterEvent.announced_at.is_(None),)
    async for event in claimed(run, query, unannounced, {"announced_at": run.now}):
        targets = await channels_of(run.session, event) or []
        run.uow.record("event.opened", event_id=event.id, targets=[list(t) for t in targets])
        await queue_mirror(run.uow, event, (await event_host(run.session, event)).name, targets)
        run.note(
            f"announce event {event.id} ({event.title}) → {plural(len(targets), 'channel')}: "
            f"it starts {stamp(event.starts_at, event.timezone)}"
        )


async def _answered(session: AsyncSession, event_id: int, *statuses: RsvpStatus) -> list[int]:
    return list(
        await session.scalars(
            select(EventRsvp.member_id)
            .where(EventRsvp.event_id == event_id, EventRsvp.status.in_(statuses))
            .order_by(EventRsvp.queued_at, EventRsvp.id)
        )
    )


async def _remind(
    run: DueRun, event: ChapterEvent, label: str, statuses: tuple[RsvpStatus, ...]
) -> int:
    ids = await _answered(run.session, event.id, *statuses)
    keys = {m: f"event:{event.id}:remind:{label}:member:{m}" for m in ids}
    host = await event_host(run.session, event)
    soon = "tomorrow" if label == "day" else "in an hour"
    line = f"Reminder: {event.title} is {soon}, {when(event)}, {where(event)}."
    helpers = await helper_ids(run.session, event.id)
    card = event_card(event, host, await counts(run.session, event.id), run.now, helpers)
    reply = Reply.private(line, Section(line), *card.blocks[1:])
    sent = await queue_direct(run.uow, reply, keys, settings=run.settings, nudge=True)
    if sent:
        await run.session.flush()
        # Quiet hours would hold some until morning: past the start, a reminder is noise.
        late = await run.session.execute(
            update(Delivery)
            .where(
                Delivery.key.in_(list(keys.values())),
                Delivery.not_before.is_not(None),
                Delivery.not_before >= event.starts_at,
            )
            .values(status=DeliveryStatus.SKIPPED, error="quiet hours last past the start")
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        sent -= len(late.all())
    return sent


async def _summary(run: DueRun, event: ChapterEvent) -> bool:
    host = await event_host(run.session, event)
    leader = host.leader() or event.creator_id
    if leader is None:
        return False
    going = await _answered(run.session, event.id, RsvpStatus.GOING)
    maybe = await _answered(run.session, event.id, RsvpStatus.MAYBE)
    line_up = await _answered(run.session, event.id, RsvpStatus.OFFERED, RsvpStatus.WAITLIST)
    title = f"Tomorrow: {event.title} (event {event.id})"
    body = (
        f"{when(event)}, {where(event)}\n"
        f"*Going ({len(going)}):* {names(going)}\n"
        f"*Maybe ({len(maybe)}):* {names(maybe)}\n"
        f"*Waitlist ({len(line_up)}):* {names(line_up)}"
    )
    reply = Reply.private(
        f"{title}: {len(going)} going, {len(maybe)} maybe", Header(title), Section(body)
    )
    key = f"event:{event.id}:summary:member:{leader}"
    return bool(await queue_direct(run.uow, reply, {leader: key}, settings=run.settings))


async def remind(run: DueRun) -> None:
    """The day-before and hour-before reminders, and the organiser's summary."""
    for (label, ahead, column), statuses in zip(
        REMINDERS, ((RsvpStatus.GOING, RsvpStatus.MAYBE), (RsvpStatus.GOING,)), strict=True
    ):
        query = _unreminded(run.now, run.now + ahead, column).order_by(
            ChapterEvent.starts_at, ChapterEvent.id
        )
        unsent = (column.is_(None),)
        async for event in claimed(run, query, unsent, {column.key: run.now}):
            sent = await _remind(run, event, label, statuses)
            run.note(
                f"remind event {event.id} ({label} before) → {plural(sent, 'member')} "
                f"by direct message: it starts {stamp(event.starts_at, event.timezone)}"
            )
            if (
                label == "day"
                and await claim(
                    run.session,
                    ChapterEvent,
                    ChapterEvent.id == event.id,
                    ChapterEvent.summary_sent_at.is_(None),
                    summary_sent_at=run.now,
                )
                and await _summary(run, event)
            ):
                run.note(f"send event {event.id}'s day-before summary → its organiser")


async def expire_offers(run: DueRun) -> None:
    """Offers not taken in time go to the next in line."""
    query = _lapsed_offers(run.now).order_by(EventRsvp.offered_until, EventRsvp.id)
    locked: dict[int, ChapterEvent] = {}

    async def lock_event(row: EventRsvp) -> bool:
        event = await lock(run.session, row.event_id)
        if event is not None:
            locked[row.id] = event
        return event is not None

    unanswered = (EventRsvp.status == RsvpStatus.OFFERED, EventRsvp.offered_until <= run.now)
    async for row in claimed(
        run,
        query,
        unanswered,
        {"status": RsvpStatus.NO, "offered_until": None},
        first=lock_event,
    ):
        event = locked[row.id]
        line = (
            f"The place offered to you at {event.title} (event {event.id}) was not taken "
            "in time, so it went to the next in line."
        )
        key = f"event:{event.id}:offer-expired:{row.member_id}:{run.now.isoformat()}"
        await queue_direct(run.uow, Reply.private(line), {row.member_id: key})
        offered = await offer_next(run.uow, event)
        run.uow.touch(subject(event.id))
        run.note(
            f"event {event.id}: an offer expired → passed to "
            f"{plural(len(offered), 'member')} next in line"
        )


async def close_ended(run: DueRun) -> None:
    """Credit ended events from their check-ins; ask for a headcount, a recap, ratings."""
    query = _ended(run.now).order_by(ChapterEvent.ends_at, ChapterEvent.id)
    open_ = (ChapterEvent.closed_at.is_(None),)
    async for event in claimed(run, query, open_, {"closed_at": run.now}):
        event.closed_at = run.now
        tally = await counts(run.session, event.id)
        attendance = tally.checked_in + event.guests
        host = await event_host(run.session, event)
        leader = host.leader() or event.creator_id
        asks: list[str] = []
        if attendance:
            outcome = await credit_meeting(run.uow, event, attendance, None)
            run.note(f"event {event.id} ended: {outcome}")
        elif event.chapter_id is not None:
            asks.append(
                f"Nobody checked in, so nothing is credited yet. How many came? "
                f"/event credit {event.id} N, or /event credit {event.id} --not-held."
            )
            run.note(
                f"event {event.id} ended with no check-ins → ask its organiser for a headcount"
            )
        asks.append(
            f"Share a three-line recap with the chapter: /event recap {event.id} "
            '"what happened" "what we decided" "what is next"'
        )
        if leader is not None:
            title = f"{event.title} (event {event.id}) has ended"
            reply = Reply.private(title, Header(title), Section("\n".join(asks)))
            key = f"event:{event.id}:ended:member:{leader}"
            await queue_direct(run.uow, reply, {leader: key}, settings=run.settings)
        attendees = list(
            await run.session.scalars(
                select(EventRsvp.member_id).where(
                    EventRsvp.event_id == event.id, EventRsvp.checked_in_at.is_not(None)
                )
            )
        )
        question = f"How was {event.title}? Rate it 1 (poor) to 5 (great)."
        rate = Actions(
            tuple(Button(str(n), f"/event feedback {event.id} {n}") for n in range(1, 6))
        )
        keys = {m: f"event:{event.id}:feedback:member:{m}" for m in attendees}
        asked = await queue_direct(
            run.uow,
            Reply.private(question, Section(question), rate),
            keys,
            settings=run.settings,
            nudge=True,
        )
        if asked:
            run.note(f"event {event.id}: ask {plural(asked, 'attendee')} to rate it")
        run.uow.touch(subject(event.id))
