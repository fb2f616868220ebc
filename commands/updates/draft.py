"""The first draft of an update, written from what the society already recorded.

For a group and a period, `draft` fills the three fields from the records:
**asked** — what members or HQ asked of the group (positions awaiting its stance,
polls put to it, the goals it influences); **got** — what it delivered (meetings
held with attendance, stances checked in, polls closed, outputs added, members
joined, goal movement); **next** — where it goes next (work planned, stances still
owed, metrics behind pace). It only reads: a handful of indexed queries per group,
so a month's drafts for every group come quickly (bench/updates.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.charters.group import Group
from commands.charters.standing import MetricStanding, metrics_of, standings
from commands.goals.pace import number
from commands.goals.progress import standings as goal_standings
from commands.updates.fields import clip
from commands.updates.periods import Period
from storage.models import (
    Chapter,
    Goal,
    GoalSnapshot,
    Meeting,
    Member,
    MetricKind,
    OutputStatus,
    Poll,
    Position,
    PositionCheckin,
    PositionStance,
    PositionStatus,
    StatusUpdate,
    WorkgroupMember,
    WorkgroupOutput,
)

SHOWN = 4
"""Items named per line before "and N more"."""


@dataclass(frozen=True)
class Draft:
    asked: str
    got: str
    next: str
    metrics: dict[str, float] = field(default_factory=dict)
    """Owned metrics set by hand, with their values now: the form offers them."""

    @property
    def empty(self) -> bool:
        return not (self.asked or self.got or self.next)


def bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as UTC instants: from its first local midnight to the one after it."""
    start = datetime.combine(period.start, time(0), zone)
    end = datetime.combine(period.end, time(0), zone)
    return start, end


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    more = len(items) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _lines(lines: Sequence[str]) -> str:
    return clip("\n".join(f"• {line}" for line in lines if line))


async def _goal_movement(
    session: AsyncSession, goal_ids: Sequence[int], start: date, end: date
) -> list[str]:
    """`5,000 members: 1,380 → 1,412` for goals whose recorded value moved in the period."""
    if not goal_ids:
        return []
    lines = []
    for goal in await session.scalars(select(Goal).where(Goal.id.in_(goal_ids)).order_by(Goal.key)):
        before = await session.scalar(
            select(GoalSnapshot.value)
            .where(GoalSnapshot.goal_id == goal.id, GoalSnapshot.day <= start)
            .order_by(GoalSnapshot.day.desc())
            .limit(1)
        )
        after = await session.scalar(
            select(GoalSnapshot.value)
            .where(GoalSnapshot.goal_id == goal.id, GoalSnapshot.day < end)
            .order_by(GoalSnapshot.day.desc())
            .limit(1)
        )
        if before is None:
            before = goal.baseline_value
        if after is not None and after != before:
            lines.append(f"{goal.title}: {number(before)} → {number(after)}")
    return lines


def _behind(shown: Sequence[MetricStanding]) -> list[str]:
    lines = []
    for standing in shown:
        verdict = standing.goal.pace.verdict if standing.goal else standing.verdict
        if verdict and verdict.startswith("behind"):
            lines.append(f"{standing.metric.name}: {verdict}")
    return lines


async def _charter(
    session: AsyncSession, group: Group, period: Period
) -> tuple[list[MetricStanding], list[int]]:
    rows = await metrics_of(session, group.key)
    today = period.end - timedelta(days=1)
    shown = await standings(session, rows, today)
    goals = [m.goal_id for m in rows if m.kind is MetricKind.INFLUENCED and m.goal_id]
    return shown, goals


def _manual(shown: Sequence[MetricStanding]) -> dict[str, float]:
    return {
        s.metric.name: s.value
        for s in shown
        if s.metric.kind is MetricKind.OWNED and s.metric.figure is None
    }


async def draft_chapter(
    session: AsyncSession, group: Group, period: Period, zone: ZoneInfo
) -> Draft:
    assert group.id is not None
    chapter_id = group.id
    start, end = bounds(period, zone)
    asked: list[str] = []
    got: list[str] = []
    ahead: list[str] = []

    stance = select(PositionStance.position_id).where(PositionStance.chapter_id == chapter_id)
    owed = list(
        await session.scalars(
            select(Position)
            .where(
                Position.status == PositionStatus.OPEN,
                Position.opened_at < end,
                Position.id.not_in(stance),
            )
            .order_by(Position.closes_at, Position.id)
        )
    )
    if owed:
        asked.append("Our stance on " + _listed([f"“{p.title}” (#{p.id})" for p in owed]))
    polls = list(
        await session.scalars(
            select(Poll)
            .where(Poll.chapter_id == chapter_id, Poll.created_at >= start, Poll.created_at < end)
            .order_by(Poll.created_at)
        )
    )
    if polls:
        asked.append("Polls put to members: " + _listed([f"“{p.question}”" for p in polls]))

    meetings = list(
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.chapter_id == chapter_id,
                Meeting.held_on >= period.start,
                Meeting.held_on < period.end,
            )
            .order_by(Meeting.held_on)
        )
    )
    if meetings:
        people = sum(m.attendance or 0 for m in meetings)
        described = [
            f"{m.held_on.day} {m.held_on:%b} {m.kind.value} “{m.topic}”"
            + (f" ({m.attendance})" if m.attendance is not None else "")
            for m in meetings
        ]
        count = f"{len(meetings)} meeting{'s' * (len(meetings) != 1)}"
        got.append(f"{count}, {people} attended: " + _listed(described))
    checkins = (
        await session.execute(
            select(Position.title, PositionCheckin.stance)
            .join(Position, Position.id == PositionCheckin.position_id)
            .where(
                PositionCheckin.chapter_id == chapter_id,
                PositionCheckin.at >= start,
                PositionCheckin.at < end,
            )
            .order_by(PositionCheckin.at)
        )
    ).all()
    if checkins:
        got.append("Stances: " + _listed([f"{s} on “{t}”" for t, s in checkins]))
    closed = list(
        await session.scalars(
            select(Poll.question).where(
                Poll.chapter_id == chapter_id, Poll.closed_at >= start, Poll.closed_at < end
            )
        )
    )
    if closed:
        got.append("Polls decided: " + _listed([f"“{q}”" for q in closed]))
    joined = await session.scalar(
        select(func.count()).where(
            Member.chapter_id == chapter_id, Member.joined_at >= start, Member.joined_at < end
        )
    )
    if joined:
        got.append(f"{joined} new member{'s' * (joined != 1)}")

    shown, goals = await _charter(session, group, period)
    got += await _goal_movement(session, goals, period.start, period.end)
    later = [p for p in owed if p.closes_at is not None]
    if later:
        ahead.append(
            "Check in on "
            + _listed([f"“{p.title}” by {p.closes_at:%d %b}" for p in later if p.closes_at])
        )
    ahead += _behind(shown)
    return Draft(_lines(asked), _lines(got), _lines(ahead), _manual(shown))


async def draft_workgroup(
    session: AsyncSession, group: Group, period: Period, zone: ZoneInfo
) -> Draft:
    assert group.id is not None
    workgroup_id = group.id
    start, end = bounds(period, zone)
    asked: list[str] = []
    got: list[str] = []
    ahead: list[str] = []
    shown, goals = await _charter(session, group, period)
    for standing in shown:
        if standing.goal is not None:
            asked.append(f"Move {standing.goal.brief}")
    outputs = list(
        await session.scalars(
            select(WorkgroupOutput)
            .where(
                WorkgroupOutput.workgroup_id == workgroup_id,
                WorkgroupOutput.updated_at >= start,
                WorkgroupOutput.updated_at < end,
            )
            .order_by(WorkgroupOutput.updated_at)
        )
    )
    published = [o for o in outputs if o.status is OutputStatus.PUBLISHED]
    moving = [o for o in outputs if o.status is not OutputStatus.PUBLISHED]
    if published:
        got.append("Published " + _listed([f"“{o.title}”" for o in published]))
    if moving:
        got.append(
            "Under way: "
            + _listed([f"“{o.title}” ({o.status.value.replace('-', ' ')})" for o in moving])
        )
    joined = await session.scalar(
        select(func.count()).where(
            WorkgroupMember.workgroup_id == workgroup_id,
            WorkgroupMember.joined_at >= start,
            WorkgroupMember.joined_at < end,
        )
    )
    if joined:
        got.append(f"{joined} new member{'s' * (joined != 1)}")
    got += await _goal_movement(session, goals, period.start, period.end)
    planned = list(
        await session.scalars(
            select(WorkgroupOutput.title)
            .where(
                WorkgroupOutput.workgroup_id == workgroup_id,
                WorkgroupOutput.status != OutputStatus.PUBLISHED,
            )
            .order_by(WorkgroupOutput.created_at)
        )
    )
    if planned:
        ahead.append("Finish " + _listed([f"“{t}”" for t in planned]))
    ahead += _behind(shown)
    return Draft(_lines(asked), _lines(got), _lines(ahead), _manual(shown))


async def draft_society(
    session: AsyncSession, period: Period, zone: ZoneInfo, cadence_per_year: int
) -> Draft:
    """HQ's report: the society's period, with the groups' own updates one line each."""
    start, end = bounds(period, zone)
    today = period.end - timedelta(days=1)
    asked: list[str] = []
    got: list[str] = []
    ahead: list[str] = []
    goals = await goal_standings(session, today)
    asked += [s.brief for s in goals]
    decided = (
        await session.execute(
            select(Position.title, Position.status).where(
                Position.decided_at >= start, Position.decided_at < end
            )
        )
    ).all()
    if decided:
        got.append("Positions: " + _listed([f"{s.value} “{t}”" for t, s in decided]))
    closed = list(
        await session.scalars(
            select(Poll.question).where(Poll.closed_at >= start, Poll.closed_at < end)
        )
    )
    if closed:
        got.append(f"{len(closed)} poll{'s' * (len(closed) != 1)} closed: " + _listed(closed))
    activated = list(
        await session.scalars(
            select(Chapter.name).where(Chapter.activated_at >= start, Chapter.activated_at < end)
        )
    )
    if activated:
        got.append("Chapters activated: " + _listed(activated))
    held = await session.scalar(
        select(func.count()).where(Meeting.held_on >= period.start, Meeting.held_on < period.end)
    )
    active = await session.scalar(select(func.count()).where(Chapter.activated_at.is_not(None)))
    months = max(1, round((period.end - period.start).days / 30))
    expected = round((active or 0) * cadence_per_year * months / 12)
    got.append(f"{held or 0} meetings held (cadence expects about {expected})")
    joined = await session.scalar(
        select(func.count()).where(Member.joined_at >= start, Member.joined_at < end)
    )
    if joined:
        got.append(f"{joined} new members")
    got += await _goal_movement(session, [s.goal.id for s in goals], period.start, period.end)
    updates = list(
        await session.scalars(
            select(StatusUpdate)
            .where(
                StatusUpdate.posted_at >= start,
                StatusUpdate.posted_at < end + timedelta(days=7),
                StatusUpdate.group_key != "society",
                StatusUpdate.skipped.is_(False),
            )
            .order_by(StatusUpdate.posted_at)
        )
    )
    if updates:
        got.append(f"{len(updates)} group updates posted")
    open_positions = list(
        await session.scalars(
            select(Position.title)
            .where(Position.status == PositionStatus.OPEN)
            .order_by(Position.closes_at)
        )
    )
    if open_positions:
        ahead.append("Positions open: " + _listed([f"“{t}”" for t in open_positions]))
    ahead += [f"{s.goal.title}: {s.pace.verdict}" for s in goals if not s.pace.ahead]
    return Draft(_lines(asked), _lines(got), _lines(ahead))


async def draft(
    session: AsyncSession,
    group: Group,
    period: Period,
    zone: ZoneInfo,
    cadence_per_year: int = 8,
) -> Draft:
    """The draft for one group and period (a pure read; nothing is written)."""
    if group.kind == "chapter":
        return await draft_chapter(session, group, period, zone)
    if group.kind == "workgroup":
        return await draft_workgroup(session, group, period, zone)
    return await draft_society(session, period, zone, cadence_per_year)
