"""The positions' scheduled work: reminders to chapters before the deadline, then the decision.

A reminder goes to each active chapter that has not checked in, a week and a day
before the deadline: to the chapter's channels, and to its president directly.
Each (position, reminder, chapter) is claimed once. A reminder whose moment came
before the position was opened is not sent (the opening announcement told them),
nor a week's reminder found after the day's moment (the day's one supersedes it).
The decision at the deadline always runs, however late: a position must not stay
open because the scheduler was down.

These are plain functions; the positions router registers them where it is built
(`commands.positions.commands`), so importing this module changes no router.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, exists, select

from bot.config import Settings
from bot.due import At, DueRun, Tick
from bot.mentions import mention
from bot.notifier import bound_channels, queue_direct, queue_posts
from bot.reply import Header, Note, Reply, Section
from commands.positions import cards
from commands.positions.deciding import active_chapters, evaluate, rule_from
from commands.text import moment, plural
from storage.models import (
    Chapter,
    ChapterStatus,
    Member,
    Position,
    PositionCheckout,
    PositionStance,
    PositionStatus,
)

BATCH = 200
REMINDERS = (("7d", timedelta(days=7), "a week"), ("1d", timedelta(days=1), "a day"))
"""(label in keys, how long before the deadline, in words), earliest first."""


def reminder_due(position: Position, now: datetime) -> tuple[str, str] | None:
    """The reminder due now for an open position: (label, in words), or None.

    The latest reminder whose moment has come, if the position was already open then.
    """
    closes_at = position.closes_at
    if closes_at is None or now >= closes_at:
        return None
    for label, before, words in reversed(REMINDERS):
        moment_due = closes_at - before
        if now >= moment_due:
            opened = position.opened_at
            if opened is not None and opened > moment_due:
                return None
            return label, words
    return None


def reminder_reply(position: Position, chapter: Chapter, words: str, checked_out: bool) -> Reply:
    assert position.closes_at is not None
    closes = moment(position.closes_at, ZoneInfo(chapter.timezone))
    line = (
        f"Position {position.id} closes in {words} ({closes}) and {chapter.name} "
        f"has not checked in its stance: {position.title}"
    )
    if checked_out:
        step = f"Check in after your meeting: `{cards.checkin_usage(position.id, chapter.name)}`"
    else:
        step = cards.how_to_take_part(position.id)
    president = (
        f"President: {mention(chapter.president_id)}"
        if chapter.president_id is not None
        else "The chapter has no president yet; HQ can check in for it."
    )
    return Reply.public(
        f"{line}. {step}",
        Header(f"⏳ Position {position.id} closes in {words}"),
        Section(f"{line}\n\n{position.statement}"),
        Section(step),
        Note(president),
    )


AHEAD = max(before for _, before, _ in REMINDERS)


def _to_remind(now: At, until: At) -> Select[Position]:
    return select(Position).where(
        Position.status == PositionStatus.OPEN,
        Position.closes_at > now,
        Position.closes_at <= until,
    )


def _deciding(now: At) -> Select[Position]:
    return select(Position).where(Position.status == PositionStatus.OPEN, Position.closes_at <= now)


def reminders_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_to_remind(tick.at(), tick.at(AHEAD)))


def decisions_due(tick: Tick, _settings: Settings) -> ColumnElement[bool]:
    return exists(_deciding(tick.at()))


async def remind_chapters(run: DueRun) -> None:
    """Remind the active chapters that have not checked in, a week and a day before."""
    positions = list(
        await run.session.scalars(
            _to_remind(run.now, run.now + AHEAD).order_by(Position.closes_at, Position.id)
        )
    )
    if not positions:
        return
    chapters = list(
        await run.session.scalars(
            select(Chapter).where(Chapter.status == ChapterStatus.ACTIVE).order_by(Chapter.id)
        )
    )
    for position in positions:
        due = reminder_due(position, run.now)
        if due is None:
            continue
        label, words = due
        checked_in = set(
            await run.session.scalars(
                select(PositionStance.chapter_id).where(PositionStance.position_id == position.id)
            )
        )
        waiting = {
            f"position-reminder:{position.id}:{label}:chapter-{c.id}": c
            for c in chapters
            if c.id not in checked_in
        }
        taken = await run.claimed(list(waiting))
        for key, chapter in waiting.items():
            if key in taken or not await run.claim(key):
                continue
            await _remind(run, key, position, chapter, words)


async def _remind(run: DueRun, key: str, position: Position, chapter: Chapter, words: str) -> None:
    checked_out = await run.session.get(PositionCheckout, (position.id, chapter.id))
    reply = reminder_reply(position, chapter, words, checked_out is not None)
    channels = await queue_posts(
        run.uow, reply, key, await bound_channels(run.session, [chapter.id])
    )
    told = [plural(len(channels), "channel")]
    president = chapter.president_id
    if president is not None:
        member = await run.session.get(Member, president)
        if member is None or not member.nudges:
            told.append("not the president (nudges off)")
        else:
            sent = await queue_direct(
                run.uow,
                reply,
                {president: f"{key}:president"},
                settings=run.settings,
                nudge=True,
            )
            told.append(f"president {'by direct message' if sent else 'unreachable'}")
    run.note(
        f"remind {chapter.name} of position {position.id} → {', '.join(told)}: "
        f"it closes in {words} and the chapter has not checked in"
    )


async def decide_positions(run: DueRun) -> None:
    """Decide every open position whose deadline has passed (adopted, rejected or expired)."""
    rule = rule_from(run.settings)
    active = None  # read only when something is due: most ticks decide nothing
    while True:
        due = list(
            await run.session.scalars(
                _deciding(run.now)
                .order_by(Position.closes_at, Position.id)
                .limit(BATCH)
                .with_for_update()
            )
        )
        if due and active is None:
            active = await active_chapters(run.session)
        for position in due:
            assert active is not None
            outcome = await evaluate(run.uow, position, rule, active)
            if outcome is not None:
                assert position.closes_at is not None
                run.note(
                    f"decide position {position.id}: {outcome.value} → every chapter channel: "
                    f"its deadline {moment(position.closes_at, run.settings.tz)} has passed"
                )
        if len(due) < BATCH:
            return
