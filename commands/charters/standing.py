"""Where a charter metric stands: its value, its target, and pace toward `--by`.

Owned metrics are counted (a named figure) or set by the lead; influenced ones
show the linked goal's standing. Pace is the goals' own arithmetic
(`commands.goals.pace`), so a charter's "behind" means what a goal's does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reply import Progress
from commands.charters.figures import count_figure
from commands.goals.pace import Line, number, pace
from commands.goals.progress import Standing as GoalStanding
from commands.goals.progress import standing_of
from storage.models import CharterMetric, Goal, MetricKind


@dataclass(frozen=True)
class MetricStanding:
    metric: CharterMetric
    value: float
    today: date
    goal: GoalStanding | None = None

    @property
    def counted(self) -> bool:
        return self.metric.figure is not None

    @property
    def verdict(self) -> str | None:
        m = self.metric
        if m.target is None or m.due_on is None:
            return None
        line = Line(m.baseline_on, m.baseline_value, m.due_on, m.target)
        return pace(line, self.value, self.today, m.unit).verdict

    def summary(self) -> str:
        """`Mentors matched (owned): 4/10 mentors · behind: needs 1 mentors a week`"""
        m = self.metric
        if self.goal is not None:
            return f"{m.name} (influenced → goal {self.goal.goal.key}): {self.goal.summary}"
        unit = f" {m.unit}" if m.unit else ""
        shown = number(self.value) + (f"/{number(m.target)}" if m.target else "") + unit
        how = ", counted" if self.counted else ""
        parts = [f"{m.name} (owned{how}): {shown}"]
        if self.verdict:
            parts.append(self.verdict)
        if m.due_on:
            parts.append(f"by {m.due_on.day} {m.due_on:%b %Y}")
        return " · ".join(parts)

    def block(self) -> Progress | None:
        """A progress bar where there is a target to fill toward."""
        m = self.metric
        if self.goal is not None:
            bar = self.goal.progress()
            return Progress(f"{m.name} (influenced)", bar.value, bar.target, bar.note)
        if m.target is None:
            return None
        note = " · ".join(
            part
            for part in (
                "owned" + (", counted" if self.counted else ""),
                self.verdict,
                f"by {m.due_on.day} {m.due_on:%b %Y}" if m.due_on else None,
            )
            if part
        )
        return Progress(m.name, self.value, m.target, note)


async def metrics_of(session: AsyncSession, group_key: str) -> list[CharterMetric]:
    return list(
        await session.scalars(
            select(CharterMetric)
            .where(CharterMetric.group_key == group_key)
            .order_by(CharterMetric.kind, CharterMetric.created_at, CharterMetric.id)
        )
    )


async def value_of(session: AsyncSession, metric: CharterMetric, today: date) -> float:
    if metric.figure is not None:
        kind, _, raw = metric.group_key.partition(":")
        return await count_figure(session, metric.figure, kind, int(raw), metric.baseline_on, today)
    return metric.value if metric.value is not None else metric.baseline_value


async def standings(
    session: AsyncSession, metrics: Sequence[CharterMetric], today: date
) -> list[MetricStanding]:
    result: list[MetricStanding] = []
    for metric in metrics:
        if metric.kind is MetricKind.INFLUENCED and metric.goal_id is not None:
            goal = await session.get(Goal, metric.goal_id)
            if goal is not None:
                standing = await standing_of(session, goal, today)
                result.append(MetricStanding(metric, standing.value, today, standing))
                continue
        result.append(MetricStanding(metric, await value_of(session, metric, today), today))
    return result
