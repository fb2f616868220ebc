"""Society figures an owned metric may name, counted for the group that owns it.

A metric called `members` in a workgroup's charter is that workgroup's members; in
a chapter's, that chapter's. Figures of the whole society (active chapters,
adopted positions…) are counted by the goals' own queries (`commands.goals.metrics`),
so a charter and a goal never disagree about the same number.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.goals.metrics import count as count_society
from storage.models import (
    GoalMetric,
    Meeting,
    MeetingKind,
    Member,
    OutputStatus,
    WorkgroupMember,
    WorkgroupOutput,
)

WORKGROUP_FIGURES = ("members", "outputs", "published outputs")
CHAPTER_FIGURES = ("members", "meetings", "working meetings", "social meetings")
SOCIETY_FIGURES = {
    "active chapters": GoalMetric.ACTIVE_CHAPTERS,
    "active workgroups": GoalMetric.ACTIVE_WORKGROUPS,
    "adopted positions": GoalMetric.ADOPTED_POSITIONS,
    "society members": GoalMetric.MEMBERS,
    "society meetings": GoalMetric.MEETINGS_HELD,
}
_FILLER = ("number of ", "# ", "count of ", "total ")
_ALIASES = {"meetings held": "meetings", "outputs published": "published outputs"}


def figure_named(metric: str, kind: str) -> str | None:
    """The figure a metric's name means for a group of `kind`, or None (set by hand)."""
    key = " ".join(metric.lower().split())
    for filler in _FILLER:
        key = key.removeprefix(filler)
    key = _ALIASES.get(key, key)
    own = WORKGROUP_FIGURES if kind == "workgroup" else CHAPTER_FIGURES
    if key in own or key in SOCIETY_FIGURES:
        return key
    return None


def figures_for(kind: str) -> list[str]:
    own = WORKGROUP_FIGURES if kind == "workgroup" else CHAPTER_FIGURES
    return [*own, *SOCIETY_FIGURES]


async def count_figure(
    session: AsyncSession, figure: str, kind: str, group_id: int, since: date, today: date
) -> float:
    """The figure's value today; cumulative figures (meetings) count from `since`."""
    if figure in SOCIETY_FIGURES:
        return await count_society(session, SOCIETY_FIGURES[figure], since, today)
    if kind == "workgroup":
        if figure == "members":
            query = select(func.count()).where(WorkgroupMember.workgroup_id == group_id)
        else:
            query = select(func.count()).where(WorkgroupOutput.workgroup_id == group_id)
            if figure == "published outputs":
                query = query.where(WorkgroupOutput.status == OutputStatus.PUBLISHED)
        return float(await session.scalar(query) or 0)
    if figure == "members":
        query = select(func.count()).where(Member.chapter_id == group_id)
    else:
        query = select(func.count()).where(
            Meeting.chapter_id == group_id,
            Meeting.held_on >= date(since.year, 1, 1),
            Meeting.held_on <= today,
        )
        if figure != "meetings":
            query = query.where(Meeting.kind == MeetingKind(figure.split()[0]))
    return float(await session.scalar(query) or 0)
