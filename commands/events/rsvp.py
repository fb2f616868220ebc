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
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
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
    by = await _by_status(session, event_id)
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
    in two statements and the changes written in two more (new rows in arrival
    order, so the waitlist keeps it), through Core rather than ORM objects, which
    cost more to build than a burst of rows costs to insert. The caller holds the
    event locked (`lock`) and has checked RSVPs are open.
    """
    session = uow.session
    ids = list(dict.fromkeys(member for member, _ in wanted))
    known: dict[int, dict[str, Any]] = {
        member_id: {"id": row_id, "status": status, "queued_at": queued_at}
        for row_id, member_id, status, queued_at in await session.execute(
            select(EventRsvp.id, EventRsvp.member_id, EventRsvp.status, EventRsvp.queued_at).where(
                EventRsvp.event_id == event.id, EventRsvp.member_id.in_(ids)
            )
        )
    }
    by = await _by_status(session, event.id)
    held = sum(by.get(status, 0) for status in HOLDS_PLACE)
    in_line = by.get(RsvpStatus.WAITLIST, 0)
    fresh: dict[int, dict[str, Any]] = {}
    answers: list[Answer] = []
    requeued: list[int] = []
    freed = False
    for member_id, choice in wanted:
        row = known.get(member_id) or fresh.get(member_id)
        was = row["status"] if row is not None else None
        if row is None:
            row = fresh[member_id] = {"member_id": member_id, "queued_at": None}
        status, position = choice, 0
        if choice is RsvpStatus.GOING and was not in HOLDS_PLACE:
            if was is RsvpStatus.WAITLIST:
                status = RsvpStatus.WAITLIST
                requeued.append(len(answers))
            elif event.capacity is not None and held >= event.capacity:
                status, row["queued_at"] = RsvpStatus.WAITLIST, uow.now
                in_line += 1
                position = in_line
        if status in HOLDS_PLACE and was not in HOLDS_PLACE:
            held += 1
        if was in HOLDS_PLACE and status not in HOLDS_PLACE:
            held -= 1
            freed = True
        if was is RsvpStatus.WAITLIST and status is not RsvpStatus.WAITLIST:
            in_line -= 1
        row["status"], row["changed"] = status, True
        answers.append(Answer(status, was, position))
    if fresh:
        await session.execute(
            insert(EventRsvp),
            [
                {
                    "event_id": event.id,
                    "member_id": member_id,
                    "status": row["status"],
                    "answered_at": uow.now,
                    "queued_at": row["queued_at"],
                }
                for member_id, row in fresh.items()
            ],
        )
    changed = [row for row in known.values() if row.get("changed")]
    if changed:
        await session.execute(update(EventRsvp), [_update_params(row, uow.now) for row in changed])
    _forget_loaded_answers(session)
    for index in requeued:  # asked again while in line: their place, counted
        row = known[wanted[index][0]]
        answers[index] = Answer(
            RsvpStatus.WAITLIST, RsvpStatus.WAITLIST, await _place_in_line(session, event.id, row)
        )
    if freed:
        await offer_next(uow, event)
    uow.touch(subject(event.id))
    return answers


def _update_params(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One changed answer for the ORM's bulk update by primary key."""
    return {
        "id": row["id"],
        "status": row["status"],
        "answered_at": now,
        "queued_at": row["queued_at"],
        "offered_until": None,  # an answer is never an offer: any offer is over
    }


def _forget_loaded_answers(session: AsyncSession) -> None:
    """Answers loaded as objects earlier in this transaction are stale after a Core write."""
    for loaded in list(session.sync_session.identity_map.values()):
        if isinstance(loaded, EventRsvp):
            session.expire(loaded)


async def _by_status(session: AsyncSession, event_id: int) -> dict[RsvpStatus, int]:
    rows = await session.execute(
        select(EventRsvp.status, func.count())
        .where(EventRsvp.event_id == event_id)
        .group_by(EventRsvp.status)
    )
    return {status: int(n) for status, n in rows}


async def _place_in_line(session: AsyncSession, event_id: int, row: dict[str, Any]) -> int:
    ahead = await session.scalar(
        select(func.count())
        .select_from(EventRsvp)
        .where(
            EventRsvp.event_id == event_id,
            EventRsvp.status == RsvpStatus.WAITLIST,
            or_(
                EventRsvp.queued_at < row["queued_at"],
                and_(EventRsvp.queued_at == row["queued_at"], EventRsvp.id < row["id"]),
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
