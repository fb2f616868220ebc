"""The goals' scheduled work: one snapshot of every goal a society day.

A plain function; the goals router registers it where it is built
(`commands.goals.commands`), so importing this module changes no router.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, select

from bot.config import Settings
from bot.due import DueRun, Tick
from bot.formatting import percentage
from commands.goals.snapshots import snapshot_goals
from storage.models import DueClaim


def _key(now: datetime, settings: Settings) -> str:
    return f"goals:snapshot:{now.astimezone(settings.tz).date().isoformat()}"


def snapshot_due(tick: Tick, settings: Settings) -> ColumnElement[bool]:
    today = tick.value(lambda now: _key(now, settings))
    return ~exists(select(DueClaim.key).where(DueClaim.key == today))


async def daily_snapshot(run: DueRun) -> None:
    """Once a society day: every goal's value into its history, and new milestones."""
    today = run.now.astimezone(run.settings.tz).date()
    if not await run.claim(_key(run.now, run.settings)):
        return
    for standing, passed in await snapshot_goals(run.uow, today):
        if passed:
            run.note(
                "goal milestone → every chapter channel: "
                f"{standing.goal.key} passed {percentage(passed)}"
            )
    run.note(f"goal snapshots → history: {today} for every goal")
