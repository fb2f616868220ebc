"""What a counted goal counts, read from the society's own tables.

Each metric is one aggregate query, run once per `/goals` however many goals
count it. A manual goal's value is whatever HQ last said it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Chapter,
    ChapterStatus,
    Goal,
    GoalMetric,
    Meeting,
    Member,
    Position,
    PositionStatus,
    Workgroup,
    WorkgroupStatus,
)

UNITS = {
    GoalMetric.ACTIVE_CHAPTERS: "chapters",
    GoalMetric.MEMBERS: "members",
    GoalMetric.ACTIVE_WORKGROUPS: "workgroups",
    GoalMetric.ADOPTED_POSITIONS: "positions",
    GoalMetric.MEETINGS_HELD: "meetings",
    GoalMetric.MANUAL: "",
}

DESCRIPTIONS = {
    GoalMetric.ACTIVE_CHAPTERS: "chapters whose status is active",
    GoalMetric.MEMBERS: "members on the roll",
    GoalMetric.ACTIVE_WORKGROUPS: "workgroups whose status is active",
    GoalMetric.ADOPTED_POSITIONS: "positions the society has adopted",
    GoalMetric.MEETINGS_HELD: "meetings held since 1 January of the year the goal was set",
    GoalMetric.MANUAL: "updated by HQ with /goal update",
}


def _count(metric: GoalMetric, since: date, today: date) -> Select[int]:
    match metric:
        case GoalMetric.ACTIVE_CHAPTERS:
            return select(func.count()).where(Chapter.status == ChapterStatus.ACTIVE)
        case GoalMetric.MEMBERS:
            return select(func.count()).select_from(Member)
        case GoalMetric.ACTIVE_WORKGROUPS:
            return select(func.count()).where(Workgroup.status == WorkgroupStatus.ACTIVE)
        case GoalMetric.ADOPTED_POSITIONS:
            return select(func.count()).where(Position.status == PositionStatus.ADOPTED)
        case GoalMetric.MEETINGS_HELD:
            return select(func.count()).where(Meeting.held_on >= since, Meeting.held_on <= today)
    raise ValueError(f"{metric} is not counted from data")


def counting_since(metric: GoalMetric, baseline_on: date) -> date:
    """Where a cumulative metric starts counting (meetings: the goal's first 1 January)."""
    return date(baseline_on.year, 1, 1)


async def count(session: AsyncSession, metric: GoalMetric, baseline_on: date, today: date) -> float:
    """One metric's value today (for a goal set on `baseline_on`)."""
    since = counting_since(metric, baseline_on)
    return float(await session.scalar(_count(metric, since, today)) or 0)


async def current_values(
    session: AsyncSession, goals: Iterable[Goal], today: date
) -> dict[int, float]:
    """Every goal's value today, each distinct count run once."""
    values: dict[int, float] = {}
    counted: dict[tuple[GoalMetric, date], float] = {}
    for goal in goals:
        if goal.metric is GoalMetric.MANUAL:
            values[goal.id] = goal.value if goal.value is not None else goal.baseline_value
            continue
        key = (goal.metric, counting_since(goal.metric, goal.baseline_on))
        if key not in counted:
            counted[key] = await count(session, goal.metric, goal.baseline_on, today)
        values[goal.id] = counted[key]
    return values
