"""A goal as people read it: value of target, percent, pace. Shared by `/goals`,
`/goal show`, the digest and the dashboard, so they never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import of_target, percentage
from bot.reply import Progress
from commands.goals.metrics import current_values
from commands.goals.pace import Line, Pace, pace
from storage.models import Goal


def line_of(goal: Goal) -> Line:
    return Line(goal.baseline_on, goal.baseline_value, goal.deadline, goal.target)


@dataclass(frozen=True)
class Standing:
    goal: Goal
    value: float
    today: date

    @property
    def line(self) -> Line:
        return line_of(self.goal)

    @property
    def percent(self) -> float:
        return self.line.percent(self.value)

    @property
    def pace(self) -> Pace:
        return pace(self.line, self.value, self.today, self.goal.unit)

    @property
    def of_target(self) -> str:
        return of_target(self.value, self.goal.target, self.goal.unit)

    @property
    def summary(self) -> str:
        """`3/20 chapters · 15% · behind: needs 1 chapter a week · by 31 Dec 2026`"""
        return (
            f"{self.of_target} · {percentage(self.percent)} · {self.pace.verdict}"
            f" · by {self.goal.deadline.day} {self.goal.deadline:%b %Y}"
        )

    @property
    def brief(self) -> str:
        return (
            f"{self.goal.title}: {self.of_target} ({percentage(self.percent)}), {self.pace.verdict}"
        )

    @property
    def outlook(self) -> str:
        """Pace and deadline: what a progress bar's own value/target does not say."""
        return f"{self.pace.verdict} · by {self.goal.deadline.day} {self.goal.deadline:%b %Y}"

    def progress(self) -> Progress:
        line = self.line
        if line.rising:
            return Progress(
                self.goal.title, self.value, self.goal.target, self.outlook, unit=self.goal.unit
            )
        # A shrinking goal fills its bar as the value falls toward the target.
        gone = line.baseline - self.value
        note = f"now {self.of_target} · {self.outlook}"
        return Progress(self.goal.title, gone, line.baseline - line.target, note)


async def standings(session: AsyncSession, today: date) -> list[Standing]:
    """Every goal with today's value, soonest deadline first."""
    goals = list(await session.scalars(select(Goal).order_by(Goal.deadline, Goal.key)))
    values = await current_values(session, goals, today)
    return [Standing(goal, values[goal.id], today) for goal in goals]


async def standing_of(session: AsyncSession, goal: Goal, today: date) -> Standing:
    """One goal with today's value, counting only what that goal counts."""
    values = await current_values(session, [goal], today)
    return Standing(goal, values[goal.id], today)


async def goal_lines(session: AsyncSession, today: date) -> list[str]:
    """One short line per goal, for digests and other summaries."""
    return [standing.brief for standing in await standings(session, today)]
