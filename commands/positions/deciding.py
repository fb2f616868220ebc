"""Deciding positions: after a check-in, at the deadline, or on first touch after it.

The rule itself lives in `rule.py`; this module feeds it the stances of the
chapters active now and writes what it decides. A decision is a conditional
update (`status = 'open'`), so whichever of two check-ins, two scheduler ticks or a
tick and a command gets there first decides, and only that one records the event
that announces the outcome.

Whatever may decide a position first locks its row (PostgreSQL; SQLite runs one
write transaction at a time), then reads the stances: two chapters checking in at
once are then counted one after the other, never each without the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from commands.positions.rule import Outcome, Rule, Stance, Tally, decide, tally
from storage.claims import claim
from storage.models import (
    Chapter,
    ChapterStatus,
    OutboxEvent,
    Position,
    PositionStance,
    PositionStatus,
)
from storage.uow import UnitOfWork

BATCH = 200
OUTCOMES = (Outcome.ADOPTED, Outcome.REJECTED, Outcome.EXPIRED)
DECIDED_EVENTS = tuple(f"position.{o.value}" for o in OUTCOMES)


def rule_from(settings: Settings) -> Rule:
    return Rule(settings.position_quorum, settings.position_supermajority)


def rule_payload(rule: Rule) -> dict[str, str]:
    return {"quorum": str(rule.quorum), "supermajority": str(rule.supermajority)}


def rule_of(payload: Mapping[str, Any]) -> Rule:
    """The rule an event was decided or opened under (the default for older events)."""
    try:
        return Rule(Fraction(payload["quorum"]), Fraction(payload["supermajority"]))
    except (KeyError, TypeError, ValueError):
        return Rule()


async def active_chapters(session: AsyncSession) -> list[int]:
    return list(
        await session.scalars(select(Chapter.id).where(Chapter.status == ChapterStatus.ACTIVE))
    )


async def current_stances(session: AsyncSession, position_id: int) -> dict[int, Stance]:
    """Each chapter's latest stance, retired chapters included (`tally` leaves them out)."""
    rows = await session.execute(
        select(PositionStance.chapter_id, PositionStance.stance).where(
            PositionStance.position_id == position_id
        )
    )
    return {chapter_id: Stance(stance) for chapter_id, stance in rows}


async def current_tally(
    session: AsyncSession, position_id: int, rule: Rule, active: Collection[int] | None = None
) -> Tally:
    """The tally now: latest stances of the chapters active now, over the active count."""
    chapters = await active_chapters(session) if active is None else active
    return tally(await current_stances(session, position_id), chapters, rule)


def is_past_deadline(position: Position, now: datetime) -> bool:
    return position.closes_at is not None and position.closes_at <= now


async def _conclude(
    uow: UnitOfWork, position: Position, outcome: Outcome, t: Tally, at: datetime
) -> bool:
    """Write the outcome once: False if something else decided the position first."""
    status = PositionStatus(outcome.value)
    if not await claim(
        uow.session,
        Position,
        Position.id == position.id,
        Position.status == PositionStatus.OPEN,
        status=status,
        decided_at=at,
    ):
        await uow.session.refresh(position)
        return False
    position.status, position.decided_at = status, at
    uow.record(
        f"position.{outcome.value}",
        position_id=position.id,
        outcome=outcome.value,
        active=t.active,
        agree=t.agree,
        disagree=t.disagree,
        abstain=t.abstain,
        at_deadline=is_past_deadline(position, uow.now),
        **rule_payload(t.rule),
    )
    return True


async def evaluate(
    uow: UnitOfWork, position: Position, rule: Rule, active: Collection[int] | None = None
) -> Outcome | None:
    """Decide an open position if the rule is met or its deadline passed.

    Returns the outcome this call wrote, or None (still open, or decided elsewhere).
    The caller holds the position's row lock.
    """
    if position.status != PositionStatus.OPEN:
        return None
    at_deadline = is_past_deadline(position, uow.now)
    t = await current_tally(uow.session, position.id, rule, active)
    outcome = decide(t, at_deadline=at_deadline)
    if outcome is Outcome.OPEN:
        return None
    closes_at = position.closes_at
    at = min(uow.now, closes_at) if at_deadline and closes_at is not None else uow.now
    return outcome if await _conclude(uow, position, outcome, t, at) else None


async def settle(
    uow: UnitOfWork, position: Position, rule: Rule, active: Collection[int] | None = None
) -> Outcome | None:
    """Decide a position a member touches, if it is due: past its deadline, or adoptable.

    Adoptable without a new check-in happens when a chapter retired: the quorum and
    the supermajority are recomputed over the chapters active now. Reads without a
    lock first, so looking at a position that stays open costs no lock.
    """
    if position.status != PositionStatus.OPEN:
        return None
    if not is_past_deadline(position, uow.now):
        t = await current_tally(uow.session, position.id, rule, active)
        if not t.adopted:
            return None
    await uow.session.refresh(position, with_for_update=True)
    return await evaluate(uow, position, rule, active)


async def settle_open(uow: UnitOfWork, rule: Rule) -> None:
    """Decide the open positions that are due before a listing shows them.

    Locks in the order `decide_due` does (deadline, then id), so the two never wait
    on each other's locks.
    """
    due = list(
        await uow.session.scalars(
            select(Position)
            .where(Position.status == PositionStatus.OPEN)
            .order_by(Position.closes_at, Position.id)
            .limit(BATCH)
        )
    )
    if due:
        active = await active_chapters(uow.session)
        for position in due:
            await settle(uow, position, rule, active)


async def decide_due(
    sessions: async_sessionmaker[AsyncSession], now: datetime, rule: Rule | None = None
) -> list[int]:
    """Decide every open position whose deadline has passed; the ids this call decided.

    Adopted, rejected (quorum met without the supermajority) or expired (no quorum),
    each recorded as an event that announces the outcome; the caller delivers them
    (`Notifier.flush`). Safe to run twice or from two processes: each position is
    claimed once. Pass the society's rule (`rule_from(settings)`); the default is
    the default rule.
    """
    chosen = rule or Rule()
    decided: list[int] = []
    while True:
        async with UnitOfWork(sessions, now) as uow:
            due = list(
                await uow.session.scalars(
                    select(Position)
                    .where(Position.status == PositionStatus.OPEN, Position.closes_at <= now)
                    .order_by(Position.closes_at, Position.id)
                    .limit(BATCH)
                    .with_for_update()
                )
            )
            active = await active_chapters(uow.session)
            for position in due:
                if await evaluate(uow, position, chosen, active) is not None:
                    decided.append(position.id)
            await uow.commit()
        if len(due) < BATCH:
            return decided


async def recorded_tally(session: AsyncSession, position: Position) -> Tally | None:
    """The tally a decided position was decided on, as its outcome event recorded it.

    Chapters may be activated or retired after the decision; the decision stands on
    the numbers of its moment, and that is what members are shown.
    """
    if position.status.value not in {o.value for o in OUTCOMES}:
        return None
    payloads = await session.scalars(
        select(OutboxEvent.payload)
        .where(
            OutboxEvent.kind == f"position.{position.status.value}",
            OutboxEvent.payload["position_id"].as_integer() == position.id,
        )
        .order_by(OutboxEvent.id.desc())
        .limit(1)
    )
    payload = payloads.first()
    if payload is None:
        return None
    return tally_of(payload)


def tally_of(payload: Mapping[str, Any]) -> Tally | None:
    try:
        return Tally(
            active=int(payload["active"]),
            agree=int(payload["agree"]),
            disagree=int(payload["disagree"]),
            abstain=int(payload["abstain"]),
            rule=rule_of(payload),
        )
    except (KeyError, TypeError, ValueError):
        return None
