"""Where a group stands with its updates: cadence, the period a post reports on, and
whether it is current, due, overdue or away.

The period a post reports on: while the current period is less than half over,
the one just ended, unless it was already answered before this period began (a
lead answering the prompt, or correcting that answer); else the current one (a
lead posting early). Posting again for that period replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commands.charters.group import Group
from commands.updates.periods import (
    DEFAULT_CADENCE,
    REMIND_AFTER,
    Period,
    last_due,
    period_of,
    previous,
    society_period,
)
from storage.models import (
    Chapter,
    ChapterStatus,
    StatusUpdate,
    UpdateAway,
    UpdateCadence,
    Workgroup,
    WorkgroupStatus,
)

State = Literal["current", "skipped", "due", "overdue", "away", "new"]


def zone_of(group: Group, default: ZoneInfo) -> ZoneInfo:
    return ZoneInfo(group.timezone) if group.timezone else default


async def cadence_of(session: AsyncSession, group_key: str) -> str:
    row = await session.get(UpdateCadence, group_key)
    return row.cadence if row is not None else DEFAULT_CADENCE


async def cadences(session: AsyncSession, keys: Iterable[str]) -> dict[str, str]:
    wanted = list(keys)
    rows = await session.execute(
        select(UpdateCadence.group_key, UpdateCadence.cadence).where(
            UpdateCadence.group_key.in_(wanted)
        )
    )
    found = {key: cadence for key, cadence in rows}
    return {key: found.get(key, DEFAULT_CADENCE) for key in wanted}


async def away_until(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, date]:
    ids = list(member_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(UpdateAway.member_id, UpdateAway.until).where(UpdateAway.member_id.in_(ids))
    )
    return {member_id: until for member_id, until in rows}


async def update_for(session: AsyncSession, group_key: str, label: str) -> StatusUpdate | None:
    return await session.scalar(
        select(StatusUpdate).where(
            StatusUpdate.group_key == group_key, StatusUpdate.period == label
        )
    )


async def reporting_period(
    session: AsyncSession, group: Group, cadence: str, today: date
) -> Period:
    current = period_of(cadence, today)
    before = previous(current)
    if group.kind == "society":  # HQ's report on a quarter's last month is the quarter's
        before = society_period(before)
    halfway = current.start + (current.end - current.start) / 2
    if today >= halfway:
        return current
    answered = await update_for(session, group.key, before.label)
    # Unanswered, or answered in this period (the lead is correcting the answer): still it.
    if answered is None or answered.posted_at.date() >= current.start:
        return before
    return current


def due_period(group: Group, cadence: str, now: datetime, zone: ZoneInfo) -> Period:
    """The group's most recent period already due (HQ's: the quarter, at a quarter's end)."""
    period = last_due(cadence, now, zone)
    return society_period(period) if group.kind == "society" else period


OWING_WORKGROUPS = (
    select(Workgroup.id, Workgroup.name, Workgroup.lead_id, Workgroup.activated_at)
    .where(Workgroup.status == WorkgroupStatus.ACTIVE, Workgroup.lead_id.is_not(None))
    .order_by(Workgroup.name_key)
)
OWING_CHAPTERS = (
    select(Chapter.id, Chapter.name, Chapter.president_id, Chapter.timezone, Chapter.activated_at)
    .where(Chapter.status == ChapterStatus.ACTIVE, Chapter.president_id.is_not(None))
    .order_by(Chapter.name_key)
)


async def owing_groups(session: AsyncSession) -> list[Group]:
    """Every group expected to post updates: active chapters and workgroups with a leader.

    Read as columns, not ORM rows: the scheduler's prompt job reads every group on
    each of its transactions.
    """
    workgroups = await session.execute(OWING_WORKGROUPS)
    chapters = await session.execute(OWING_CHAPTERS)
    return [
        *(
            Group("workgroup", id_, name, lead, None, since.date() if since else None)
            for id_, name, lead, since in workgroups
        ),
        *(
            Group("chapter", id_, name, president, zone, since.date() if since else None)
            for id_, name, president, zone, since in chapters
        ),
    ]


@dataclass(frozen=True)
class Standing:
    group: Group
    cadence: str
    period: Period
    """The most recent period already due."""
    state: State
    update: StatusUpdate | None
    away: date | None


def state_of(
    group: Group,
    cadence: str,
    now: datetime,
    zone: ZoneInfo,
    update: StatusUpdate | None,
    away: date | None,
    since: date | None = None,
) -> tuple[Period, State]:
    period = due_period(group, cadence, now, zone)
    today = now.astimezone(zone).date()
    if update is not None:
        return period, "skipped" if update.skipped else "current"
    if since is not None and since >= period.end:
        return period, "new"
    if away is not None and away >= today:
        return period, "away"
    if now >= period.due_at(zone) + REMIND_AFTER:
        return period, "overdue"
    return period, "due"


async def standings(
    session: AsyncSession, groups: list[Group], now: datetime, default_zone: ZoneInfo
) -> list[Standing]:
    """Each group's state for its latest due period, in a few set-based queries."""
    if not groups:
        return []
    kinds = await cadences(session, (g.key for g in groups))
    aways = await away_until(session, (g.leader_id for g in groups if g.leader_id is not None))
    periods = {g.key: due_period(g, kinds[g.key], now, zone_of(g, default_zone)) for g in groups}
    rows = await session.scalars(
        select(StatusUpdate).where(
            StatusUpdate.group_key.in_(list(periods)),
            StatusUpdate.period.in_({p.label for p in periods.values()}),
        )
    )
    posted = {(u.group_key, u.period): u for u in rows}
    result = []
    for group in groups:
        zone = zone_of(group, default_zone)
        update = posted.get((group.key, periods[group.key].label))
        away = aways.get(group.leader_id) if group.leader_id is not None else None
        period, state = state_of(group, kinds[group.key], now, zone, update, away, group.since)
        result.append(Standing(group, kinds[group.key], period, state, update, away))
    return result
