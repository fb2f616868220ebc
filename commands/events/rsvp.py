"""Answers, capacity and the waitlist.

Every change to an event's answers runs with the event row locked (`FOR UPDATE`
on PostgreSQL; SQLite has one writer at a time), so a burst of "going" cannot
push an event past its capacity: the first `capacity` go, the rest wait in line
in the order they arrived. A place that frees goes to the first in line as an
offer, by direct message, for `offer_hours`; it holds the place until it is taken,
passed on or expires (see `due.expire_offers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Conflict
from bot.notifier import queue_direct
from bot.reply import Actions, Button, Reply, Section, stamp
from storage.models import ChapterEvent, EventRsvp, EventStatus, RsvpStatus
from storage.uow import UnitOfWork

HOLDS_PLACE = (RsvpStatus.GOING, RsvpStatus.OFFERED)


def subject(event_id: int) -> str:
    return f"event:{event_id}"


@dataclass(frozen=True)
class Counts:
    going: int = 0
    maybe: int = 0
    no: int = 0
    waitlist: int = 0
    offered: int = 0
    checked_in: int = 0

    def line(self, capacity: int | None) -> str:
        going = f"{self.going} going" + (f" of {capacity}" if capacity else "")
        parts = [going, f"{self.maybe} maybe", f"{self.no} can't go"]
        if self.waitlist or self.offered:
            parts.append(f"{self.waitlist + self.offered} on the waitlist")
        return " · ".join(parts)


async def counts(session: AsyncSession, event_id: int) -> Counts:
    rows = await session.execute(
        select(EventRsvp.status, func.count())
        .where(EventRsvp.event_id == event_id)
        .group_by(EventRsvp.status)
    )
    by = {status: n for status, n in rows}
    checked = await session.scalar(
        select(func.count())
        .select_from(EventRsvp)
        .where(EventRsvp.event_id == event_id, EventRsvp.checked_in_at.is_not(None))
    )
    return Counts(
        by.get(RsvpStatus.GOING, 0),
        by.get(RsvpStatus.MAYBE, 0),
        by.get(RsvpStatus.NO, 0),
        by.get(RsvpStatus.WAITLIST, 0),
        by.get(RsvpStatus.OFFERED, 0),
        int(checked or 0),
    )


async def lock(session: AsyncSession, event_id: int) -> ChapterEvent | None:
    """The event, locked against other writers to its answers until commit."""
    return await session.scalar(
        select(ChapterEvent).where(ChapterEvent.id == event_id).with_for_update()
    )


async def place_held(session: AsyncSession, event_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(EventRsvp)
            .where(EventRsvp.event_id == event_id, EventRsvp.status.in_(HOLDS_PLACE))
        )
        or 0
    )


async def waiting_line(session: AsyncSession, event_id: int) -> list[EventRsvp]:
    return list(
        await session.scalars(
            select(EventRsvp)
            .where(EventRsvp.event_id == event_id, EventRsvp.status == RsvpStatus.WAITLIST)
            .order_by(EventRsvp.queued_at, EventRsvp.id)
        )
    )


def refuse_closed(event: ChapterEvent, now: datetime) -> None:
    if event.status is EventStatus.CANCELLED:
        raise Conflict(f"Event {event.id} was cancelled; there is nothing to answer.")
    if now >= event.rsvp_closes_at:
        raise Conflict(
            f"RSVPs for event {event.id} closed {stamp(event.rsvp_closes_at, event.timezone)}; "
            "ask its organiser if you need a place."
        )


@dataclass(frozen=True)
class Answer:
    status: RsvpStatus
    was: RsvpStatus | None
    position: int = 0
    """For the waitlist: their place in line, from 1."""


async def answer_many(
    uow: UnitOfWork, event: ChapterEvent, wanted: list[tuple[int, RsvpStatus]]
) -> list[Answer]:
    """Record answers in the order given; "going" past capacity joins the waitlist.

    Set-based, for bursts: the answers already given and the places held are read
    once, the new rows written in one flush (in order, so the waitlist keeps the
    order of arrival). The caller holds the event locked (`lock`) and has checked
    RSVPs are open.
    """
    session = uow.session
    ids = list(dict.fromkeys(member for member, _ in wanted))
    rows = {
        row.member_id: row
        for row in await session.scalars(
            select(EventRsvp).where(EventRsvp.event_id == event.id, EventRsvp.member_id.in_(ids))
        )
    }
    held = await place_held(session, event.id)
    in_line = int(
        await session.scalar(
            select(func.count())
            .select_from(EventRsvp)
            .where(EventRsvp.event_id == event.id, EventRsvp.status == RsvpStatus.WAITLIST)
        )
        or 0
    )
    answers: list[Answer] = []
    requeued: list[int] = []
    freed = False
    for member_id, choice in wanted:
        row = rows.get(member_id)
        was = row.status if row is not None else None
        if row is None:
            row = EventRsvp(
                event_id=event.id, member_id=member_id, answered_at=uow.now, status=choice
            )
            session.add(row)
            rows[member_id] = row
        status, position = choice, 0
        if choice is RsvpStatus.GOING and was not in HOLDS_PLACE:
            if was is RsvpStatus.WAITLIST:
                status = RsvpStatus.WAITLIST
                requeued.append(len(answers))
            elif event.capacity is not None and held >= event.capacity:
                status, row.queued_at = RsvpStatus.WAITLIST, uow.now
                in_line += 1
                position = in_line
        if status in HOLDS_PLACE and was not in HOLDS_PLACE:
            held += 1
        if was in HOLDS_PLACE and status not in HOLDS_PLACE:
            held -= 1
            freed = True
        if was is RsvpStatus.WAITLIST and status is not RsvpStatus.WAITLIST:
            in_line -= 1
        row.status, row.answered_at = status, uow.now
        if status is not RsvpStatus.OFFERED:
            row.offered_until = None
        answers.append(Answer(status, was, position))
    await session.flush()
    for index in requeued:  # asked again while in line: their place, counted
        member_id = wanted[index][0]
        answers[index] = Answer(
            RsvpStatus.WAITLIST, RsvpStatus.WAITLIST, await _place_in_line(session, rows[member_id])
        )
    if freed:
        await offer_next(uow, event)
    uow.touch(subject(event.id))
    return answers


async def _place_in_line(session: AsyncSession, row: EventRsvp) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(EventRsvp)
        .where(
            EventRsvp.event_id == row.event_id,
            EventRsvp.status == RsvpStatus.WAITLIST,
            or_(
                EventRsvp.queued_at < row.queued_at,
                and_(EventRsvp.queued_at == row.queued_at, EventRsvp.id < row.id),
            ),
        )
    )
    return int(ahead or 0) + 1


async def offer_next(uow: UnitOfWork, event: ChapterEvent) -> list[int]:
    """Offer each free place to the next in line; the members offered one."""
    if event.capacity is None or event.status is EventStatus.CANCELLED:
        return []
    if uow.now >= event.rsvp_closes_at:
        return []
    free = event.capacity - await place_held(uow.session, event.id)
    offered: list[int] = []
    for row in (await waiting_line(uow.session, event.id))[: max(free, 0)]:
        until = min(uow.now + timedelta(hours=event.offer_hours), event.rsvp_closes_at)
        row.status, row.offered_until = RsvpStatus.OFFERED, until
        offered.append(row.member_id)
        line = (
            f"A place freed up at {event.title} (event {event.id}, "
            f"{stamp(event.starts_at, event.timezone)}). It is yours if you take it by "
            f"{stamp(until, event.timezone)}; after that it goes to the next in line."
        )
        offer = Reply.private(
            line,
            Section(line),
            Actions(
                (
                    Button("Take the place", f"/event rsvp {event.id} going", "primary"),
                    Button("Pass", f"/event rsvp {event.id} no"),
                )
            ),
        )
        key = f"event:{event.id}:offer:{row.member_id}:{until.isoformat()}"
        await queue_direct(uow, offer, {row.member_id: key})
    if offered:
        await uow.session.flush()
        uow.touch(subject(event.id))
    return offered
