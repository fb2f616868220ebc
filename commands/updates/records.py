"""What drafts read, gathered for many groups at once.

A draft is a pure function of these records (`commands.updates.draft`); gathering
them is a fixed handful of set-based queries whatever the number of groups, so the
scheduler drafting 250 prompts in one tick, HQ's report summarising every group,
and one lead opening their form all run the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from commands.charters.figures import SOCIETY_FIGURES
from commands.goals.metrics import count as count_society
from commands.goals.progress import Standing as GoalStanding
from commands.updates.periods import Period
from storage.models import (
    CharterMetric,
    Goal,
    GoalSnapshot,
    Meeting,
    Member,
    MetricKind,
    Poll,
    Position,
    PositionCheckin,
    PositionStance,
    PositionStatus,
    WorkgroupMember,
    WorkgroupOutput,
)

SNAPSHOT_LOOKBACK = timedelta(days=120)
"""How far before a period to look for a goal's value when it began."""


def bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as UTC instants: from its first local midnight to the one after it."""
    return datetime.combine(period.start, time(0), zone), datetime.combine(
        period.end, time(0), zone
    )


@dataclass
class Records:
    open_positions: list[Any] = field(default_factory=list)
    """(id, title, opened_at, closes_at), soonest deadline first."""
    stances: set[tuple[int, int]] = field(default_factory=set)
    """(position id, chapter id) for chapters that have a stance on an open position."""
    polls: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per chapter: (question, created_at, closed_at)."""
    meetings: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per chapter: (held_on, kind, topic, attendance), oldest first."""
    checkins: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per chapter: (at, title, stance)."""
    chapter_joins: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    chapter_members: dict[int, int] = field(default_factory=dict)
    outputs: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    """Per workgroup: (title, status, created_at, updated_at), oldest first."""
    workgroup_joins: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    workgroup_members: dict[int, int] = field(default_factory=dict)
    metrics: dict[str, list[CharterMetric]] = field(default_factory=lambda: defaultdict(list))
    goals: dict[int, Goal] = field(default_factory=dict)
    snapshots: dict[int, list[tuple[date, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    society_figures: dict[tuple[str, date], float] = field(default_factory=dict)


_CHAPTERS: BindParameter[Any] = bindparam("chapters", expanding=True)
_WORKGROUPS: BindParameter[Any] = bindparam("workgroups", expanding=True)
_START: BindParameter[Any] = bindparam("start")
_END: BindParameter[Any] = bindparam("end")

OPEN_POSITIONS = (
    select(Position.id, Position.title, Position.opened_at, Position.closes_at)
    .add_columns(PositionStance.chapter_id)
    .outerjoin(
        PositionStance,
        and_(PositionStance.position_id == Position.id, PositionStance.chapter_id.in_(_CHAPTERS)),
    )
    .where(Position.status == PositionStatus.OPEN)
    .order_by(Position.closes_at, Position.id)
)
"""Open positions, and which of the chapters took a stance on each, in one read."""
CHAPTER_POLLS = (
    select(Poll.chapter_id, Poll.question, Poll.created_at, Poll.closed_at)
    .where(
        Poll.chapter_id.in_(_CHAPTERS),
        Poll.created_at < _END,
        or_(Poll.closed_at.is_(None), Poll.closed_at >= _START),
    )
    .order_by(Poll.created_at)
)
CHAPTER_MEETINGS = (
    select(Meeting.chapter_id, Meeting.held_on, Meeting.kind, Meeting.topic, Meeting.attendance)
    .where(
        Meeting.chapter_id.in_(_CHAPTERS),
        Meeting.held_on >= bindparam("since"),
        Meeting.held_on < bindparam("last_day"),
    )
    .order_by(Meeting.held_on)
)
CHAPTER_CHECKINS = (
    select(PositionCheckin.chapter_id, PositionCheckin.at, Position.title, PositionCheckin.stance)
    .join(Position, Position.id == PositionCheckin.position_id)
    .where(
        PositionCheckin.chapter_id.in_(_CHAPTERS),
        PositionCheckin.at >= _START,
        PositionCheckin.at < _END,
    )
    .order_by(PositionCheckin.at)
)
CHAPTER_JOINS = select(Member.chapter_id, Member.joined_at).where(
    Member.chapter_id.in_(_CHAPTERS), Member.joined_at >= _START, Member.joined_at < _END
)
CHAPTER_MEMBERS = (
    select(Member.chapter_id, func.count())
    .where(Member.chapter_id.in_(_CHAPTERS))
    .group_by(Member.chapter_id)
)
WORKGROUP_OUTPUTS = (
    select(
        WorkgroupOutput.workgroup_id,
        WorkgroupOutput.title,
        WorkgroupOutput.status,
        WorkgroupOutput.created_at,
        WorkgroupOutput.updated_at,
    )
    .where(WorkgroupOutput.workgroup_id.in_(_WORKGROUPS))
    .order_by(WorkgroupOutput.created_at, WorkgroupOutput.id)
)
WORKGROUP_JOINS = select(WorkgroupMember.workgroup_id, WorkgroupMember.joined_at).where(
    WorkgroupMember.workgroup_id.in_(_WORKGROUPS),
    WorkgroupMember.joined_at >= _START,
    WorkgroupMember.joined_at < _END,
)
WORKGROUP_MEMBERS = (
    select(WorkgroupMember.workgroup_id, func.count())
    .where(WorkgroupMember.workgroup_id.in_(_WORKGROUPS))
    .group_by(WorkgroupMember.workgroup_id)
)


def _ids(keys: Sequence[str], kind: str) -> list[int]:
    return [int(key.split(":")[1]) for key in keys if key.startswith(kind + ":")]


async def gather(
    session: AsyncSession, keys: Sequence[str], spans: Sequence[tuple[Period, ZoneInfo]]
) -> Records:
    """Everything the drafts of these groups (`workgroup:3`, `chapter:5`) need for these
    periods, read once: each query covers every group and the span of every period."""
    records = Records()
    chapters, workgroups = _ids(keys, "chapter"), _ids(keys, "workgroup")
    instants = [bounds(period, zone) for period, zone in spans]
    start, end = min(s for s, _ in instants), max(e for _, e in instants)
    first_day = min(p.start for p, _ in spans)
    last_day = max(p.end for p, _ in spans)

    for metric in await session.scalars(
        select(CharterMetric)
        .where(CharterMetric.group_key.in_(keys))
        .order_by(CharterMetric.kind, CharterMetric.created_at, CharterMetric.id)
    ):
        records.metrics[metric.group_key].append(metric)
    every = [m for ms in records.metrics.values() for m in ms]
    figures = {(m.group_key.split(":")[0], m.figure) for m in every if m.figure}
    since = min([date(m.baseline_on.year, 1, 1) for m in every if m.figure] + [first_day])

    # Column reads go through the connection with statements built once (below): the
    # ORM's per-statement set-up and building a statement were most of a small query's
    # cost, and these rows are plain tuples anyway.
    connection = await session.connection()
    span = {"start": start, "end": end}
    if chapters:
        given = {"chapters": chapters}
        positions: dict[int, Any] = {}
        for row in await connection.execute(OPEN_POSITIONS, given):
            positions.setdefault(row.id, row)
            if row.chapter_id is not None:
                records.stances.add((row.id, row.chapter_id))
        records.open_positions = list(positions.values())
        for poll in await connection.execute(CHAPTER_POLLS, {**given, **span}):
            if poll.chapter_id is not None:
                records.polls[poll.chapter_id].append(poll)
        days = {**given, "since": since, "last_day": last_day}
        for meeting in await connection.execute(CHAPTER_MEETINGS, days):
            records.meetings[meeting.chapter_id].append(meeting)
        for checkin in await connection.execute(CHAPTER_CHECKINS, {**given, **span}):
            records.checkins[checkin.chapter_id].append(checkin)
        for joined_chapter, joined_at in await connection.execute(CHAPTER_JOINS, {**given, **span}):
            if joined_chapter is not None:
                records.chapter_joins[joined_chapter].append(joined_at)
        if ("chapter", "members") in figures:
            records.chapter_members = {
                chapter_id: int(n)
                for chapter_id, n in await connection.execute(CHAPTER_MEMBERS, given)
                if chapter_id is not None
            }
    if workgroups:
        given = {"workgroups": workgroups}
        for output in await connection.execute(WORKGROUP_OUTPUTS, given):
            records.outputs[output.workgroup_id].append(output)
        joins = await connection.execute(WORKGROUP_JOINS, {**given, **span})
        for workgroup_id, joined_at in joins:
            records.workgroup_joins[workgroup_id].append(joined_at)
        if ("workgroup", "members") in figures:
            records.workgroup_members = {
                workgroup_id: int(n)
                for workgroup_id, n in await connection.execute(WORKGROUP_MEMBERS, given)
            }

    for metric in every:
        if metric.figure in SOCIETY_FIGURES:
            key = (metric.figure, metric.baseline_on)
            if key not in records.society_figures:
                records.society_figures[key] = await count_society(
                    session, SOCIETY_FIGURES[metric.figure], metric.baseline_on, last_day
                )
    goal_ids = sorted({m.goal_id for m in every if m.kind is MetricKind.INFLUENCED and m.goal_id})
    await load_goals(session, records, goal_ids, first_day, last_day)
    return records


async def load_goals(
    session: AsyncSession, records: Records, goal_ids: Sequence[int], first: date, last: date
) -> None:
    if not goal_ids:
        return
    for goal in await session.scalars(select(Goal).where(Goal.id.in_(goal_ids))):
        records.goals[goal.id] = goal
    connection = await session.connection()
    for goal_id, day, value in await connection.execute(
        select(GoalSnapshot.goal_id, GoalSnapshot.day, GoalSnapshot.value)
        .where(
            GoalSnapshot.goal_id.in_(goal_ids),
            GoalSnapshot.day < last,
            GoalSnapshot.day >= first - SNAPSHOT_LOOKBACK,
        )
        .order_by(GoalSnapshot.day)
    ):
        records.snapshots[goal_id].append((day, value))


def goal_over(
    records: Records, goal_id: int, period: Period
) -> tuple[float, float, GoalStanding] | None:
    """A goal's value when the period began and ended, and its standing at the end."""
    goal = records.goals.get(goal_id)
    if goal is None:
        return None
    before = goal.baseline_value
    after: float | None = None
    for day, value in records.snapshots.get(goal_id, []):
        if day >= period.end:
            break
        if day <= period.start:
            before = value
        after = value
    end_value = after if after is not None else before
    return before, end_value, GoalStanding(goal, end_value, period.end - timedelta(days=1))


def metric_value(records: Records, metric: CharterMetric, last_day: date) -> float:
    """An owned metric's value on `last_day`: counted from the records, or as last set."""
    figure = metric.figure
    if figure is None:
        return metric.value if metric.value is not None else metric.baseline_value
    if figure in SOCIETY_FIGURES:
        return records.society_figures.get((figure, metric.baseline_on), 0.0)
    kind, _, raw = metric.group_key.partition(":")
    group_id = int(raw)
    if kind == "workgroup":
        if figure == "members":
            return float(records.workgroup_members.get(group_id, 0))
        outputs = records.outputs.get(group_id, [])
        if figure == "published outputs":
            outputs = [o for o in outputs if o.status.value == "published"]
        return float(len(outputs))
    if figure == "members":
        return float(records.chapter_members.get(group_id, 0))
    year_start = date(metric.baseline_on.year, 1, 1)
    held = [m for m in records.meetings.get(group_id, []) if year_start <= m.held_on <= last_day]
    if figure != "meetings":
        held = [m for m in held if m.kind.value == figure.split()[0]]
    return float(len(held))
