"""A goal's history: one value per goal per day, and milestones announced once.

`snapshot_goals` is safe to run any number of times a day (the day's row is
replaced, not added) and from two processes: a milestone is claimed by raising
`Goal.milestone` with a conditional update, so only one of them announces it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from commands.goals.pace import milestone
from commands.goals.progress import Standing, standings
from storage.models import Goal, GoalSnapshot
from storage.uow import UnitOfWork
from storage.upsert import Upsert

_SNAPSHOT = Upsert(GoalSnapshot, keys=("goal_id", "day"), updates=("value",))


async def record_snapshot(uow: UnitOfWork, goal_id: int, day: date, value: float) -> None:
    await _SNAPSHOT.execute(uow.session, [{"goal_id": goal_id, "day": day, "value": value}])


async def announce_milestone(uow: UnitOfWork, standing: Standing) -> int | None:
    """Raise the goal's milestone if it passed a new one; returns the one announced.

    A goal that jumps past several milestones at once is announced once, at the
    highest: one post saying "passed 75%" rather than three in a row.
    """
    reached = milestone(standing.percent)
    goal = standing.goal
    if reached <= goal.milestone:
        return None
    claimed = await uow.session.execute(
        update(Goal)
        .where(Goal.id == goal.id, Goal.milestone < reached)
        .values(milestone=reached)
        .returning(Goal.id)
    )
    if claimed.first() is None:
        return None
    uow.record(
        "goal.milestone",
        goal_id=goal.id,
        percent=reached,
        value=standing.value,
        day=standing.today.isoformat(),
    )
    return reached


async def snapshot_goals(uow: UnitOfWork, today: date) -> list[tuple[Standing, int | None]]:
    """Record every goal's value for `today` and announce milestones newly passed."""
    done: list[tuple[Standing, int | None]] = []
    for standing in await standings(uow.session, today):
        await record_snapshot(uow, standing.goal.id, today, standing.value)
        done.append((standing, await announce_milestone(uow, standing)))
    return done
