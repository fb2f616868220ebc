"""Where a workgroup stands: proposed, active, closed, or a proposal that lapsed.

A proposal past `workgroup_expiry_days` shows as expired at once, before the
scheduler's `expire` marks it, so no command acts on a lapsed proposal in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.config import Settings
from bot.context import Context
from bot.due import At, Tick
from bot.errors import Conflict
from commands.text import moment
from commands.workgroups.lookup import as_typed
from storage.claims import claim
from storage.models import (
    Workgroup,
    WorkgroupBacking,
    WorkgroupStatus,
)

CLOSED = (WorkgroupStatus.COMPLETED, WorkgroupStatus.ARCHIVED)
PROPOSALS = (WorkgroupStatus.PROPOSED, WorkgroupStatus.EXPIRED)
"""States that show backers, not members."""
STATUS_ORDER = {status: index for index, status in enumerate(WorkgroupStatus)}


def expires_at(workgroup: Workgroup, settings: Settings) -> datetime:
    return workgroup.created_at + timedelta(days=settings.workgroup_expiry_days)


def lapsed(workgroup: Workgroup, settings: Settings, now: datetime) -> bool:
    """A proposal past its expiry, whether or not `expire` has marked it yet."""
    if workgroup.status is WorkgroupStatus.EXPIRED:
        return True
    return workgroup.status is WorkgroupStatus.PROPOSED and now > expires_at(workgroup, settings)


def shown_status(workgroup: Workgroup, settings: Settings, now: datetime) -> WorkgroupStatus:
    return WorkgroupStatus.EXPIRED if lapsed(workgroup, settings, now) else workgroup.status


def status_filter(status: WorkgroupStatus, cutoff: datetime) -> ColumnElement[bool]:
    """Workgroups showing `status`: proposals past their expiry count as expired."""
    proposed = Workgroup.status == WorkgroupStatus.PROPOSED
    if status is WorkgroupStatus.PROPOSED:
        return and_(proposed, Workgroup.created_at >= cutoff)
    if status is WorkgroupStatus.EXPIRED:
        return or_(
            Workgroup.status == WorkgroupStatus.EXPIRED,
            and_(proposed, Workgroup.created_at < cutoff),
        )
    return Workgroup.status == status


def not_open(workgroup: Workgroup, settings: Settings, now: datetime, doing: str) -> Conflict:
    """Why a workgroup that is not active refuses `doing` (join, add outputs…)."""
    name = workgroup.name
    if lapsed(workgroup, settings, now):
        day = moment(expires_at(workgroup, settings), settings.tz)
        return Conflict(
            f"{name}'s proposal expired on {day} without enough backers; "
            f"propose it again with /workgroup propose {as_typed(name)} --purpose TEXT."
        )
    if workgroup.status is WorkgroupStatus.PROPOSED:
        return Conflict(
            f"{name} is still a proposal, so it cannot {doing} yet; "
            f"back it with /workgroup back {as_typed(name)}."
        )
    return Conflict(f"{name} is {workgroup.status.value}, so it cannot {doing}.")


def require_active(context: Context, workgroup: Workgroup, doing: str) -> None:
    if workgroup.status is not WorkgroupStatus.ACTIVE:
        raise not_open(workgroup, context.settings, context.now, doing)


def _expiry(settings: Settings) -> timedelta:
    return timedelta(days=settings.workgroup_expiry_days)


def _expiring(cutoff: At, settings: Settings) -> tuple[ColumnElement[bool], ...]:
    backers = (
        select(func.count())
        .select_from(WorkgroupBacking)
        .where(WorkgroupBacking.workgroup_id == Workgroup.id)
        .scalar_subquery()
    )
    return (
        Workgroup.status == WorkgroupStatus.PROPOSED,
        Workgroup.created_at < cutoff,
        backers < settings.workgroup_threshold,
    )


def expiry_due(tick: Tick, settings: Settings) -> ColumnElement[bool]:
    return exists(select(Workgroup.id).where(*_expiring(tick.at(-_expiry(settings)), settings)))


async def expire(session: AsyncSession, now: datetime, settings: Settings) -> list[int]:
    """Expire proposals older than `workgroup_expiry_days` still short of the threshold.

    One conditional update: two runs at once (or a run racing a backing) never
    both expire a proposal. Returns the ids expired; the caller commits.
    """
    expired = await claim(
        session,
        Workgroup,
        *_expiring(now - _expiry(settings), settings),
        status=WorkgroupStatus.EXPIRED,
        closed_at=now,
    )
    return sorted(expired)
