"""Backers and members: backing a proposal to its threshold, and who belongs to what.

Backings and memberships are rows keyed by (workgroup, member); a proposal's
backers become its members the moment it activates.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from commands.workgroups.lookup import find_workgroup
from storage.models import (
    Member,
    Workgroup,
    WorkgroupBacking,
    WorkgroupMember,
    WorkgroupStatus,
)


async def backer_count(session: AsyncSession, workgroup_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(WorkgroupBacking)
        .where(WorkgroupBacking.workgroup_id == workgroup_id)
    )
    return int(count or 0)


async def backers_of(session: AsyncSession, workgroup_id: int) -> list[int]:
    """The backers' member ids, earliest first."""
    return list(
        await session.scalars(
            select(WorkgroupBacking.member_id)
            .where(WorkgroupBacking.workgroup_id == workgroup_id)
            .order_by(WorkgroupBacking.backed_at, WorkgroupBacking.member_id)
        )
    )


async def backer_counts(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """Backers per workgroup, one grouped query for a whole list (absent: none)."""
    rows = await session.execute(
        select(WorkgroupBacking.workgroup_id, func.count())
        .where(WorkgroupBacking.workgroup_id.in_(ids))
        .group_by(WorkgroupBacking.workgroup_id)
    )
    return {workgroup_id: int(n) for workgroup_id, n in rows}


async def member_counts(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """Members per workgroup, one grouped query for a whole list (absent: none)."""
    rows = await session.execute(
        select(WorkgroupMember.workgroup_id, func.count())
        .where(WorkgroupMember.workgroup_id.in_(ids))
        .group_by(WorkgroupMember.workgroup_id)
    )
    return {workgroup_id: int(n) for workgroup_id, n in rows}


async def involving(session: AsyncSession, member_id: int) -> list[Workgroup]:
    """Workgroups the member is in, backs or leads, not archived or expired; by name."""
    joined = select(WorkgroupMember.workgroup_id).where(WorkgroupMember.member_id == member_id)
    backed = select(WorkgroupBacking.workgroup_id).where(WorkgroupBacking.member_id == member_id)
    return list(
        await session.scalars(
            select(Workgroup)
            .where(
                or_(
                    Workgroup.id.in_(joined),
                    Workgroup.id.in_(backed),
                    Workgroup.lead_id == member_id,
                ),
                Workgroup.status.not_in((WorkgroupStatus.ARCHIVED, WorkgroupStatus.EXPIRED)),
            )
            .order_by(Workgroup.name_key)
        )
    )


async def members_of(session: AsyncSession, workgroup_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(WorkgroupMember.member_id)
            .where(WorkgroupMember.workgroup_id == workgroup_id)
            .order_by(WorkgroupMember.joined_at, WorkgroupMember.member_id)
        )
    )


async def is_member(session: AsyncSession, workgroup_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(WorkgroupMember.member_id).where(
            WorkgroupMember.workgroup_id == workgroup_id, WorkgroupMember.member_id == member_id
        )
    )
    return found is not None


async def backs(session: AsyncSession, workgroup_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(WorkgroupBacking.member_id).where(
            WorkgroupBacking.workgroup_id == workgroup_id, WorkgroupBacking.member_id == member_id
        )
    )
    return found is not None


async def locked(context: Context, name: str) -> Workgroup:
    """The workgroup, its row locked until commit (PostgreSQL) and freshly read.

    Backings that race each other to the threshold then count one after the other,
    so exactly one of them activates the workgroup.
    """
    workgroup = await find_workgroup(context.session, name)
    await context.session.refresh(workgroup, with_for_update=True)
    return workgroup


async def activate(context: Context, workgroup: Workgroup) -> None:
    """Proposal → active: the backers become its members and every chapter hears of it."""
    now = context.now
    workgroup.status = WorkgroupStatus.ACTIVE
    workgroup.activated_at = workgroup.last_activity_at = now
    backers = await context.session.scalars(
        select(WorkgroupBacking.member_id)
        .where(WorkgroupBacking.workgroup_id == workgroup.id)
        .order_by(WorkgroupBacking.backed_at, WorkgroupBacking.member_id)
    )
    already = set(await members_of(context.session, workgroup.id))
    context.session.add_all(
        WorkgroupMember(workgroup_id=workgroup.id, member_id=member_id, joined_at=now)
        for member_id in backers
        if member_id not in already
    )
    context.uow.record("workgroup.activated", workgroup_id=workgroup.id)


async def back(context: Context, workgroup: Workgroup) -> tuple[int, bool]:
    """Add the member's backing and activate at the threshold: (backers now, activated)."""
    context.session.add(
        WorkgroupBacking(
            workgroup_id=workgroup.id, member_id=context.member.id, backed_at=context.now
        )
    )
    await context.session.flush()
    count = await backer_count(context.session, workgroup.id)
    if count < context.settings.workgroup_threshold:
        return count, False
    await activate(context, workgroup)
    return count, True


async def keep_one_backing(context: Context, member: Member, target: Member | None) -> None:
    """Before `member` is merged into `target`, drop their rows the target already has.

    Backings and memberships are keyed by (workgroup, member): where both accounts
    backed or joined the same workgroup, the target's row stands, so the merged
    member backs it once. Forgetting needs nothing: the rows go with the member.
    """
    if target is None:
        return
    for model in (WorkgroupBacking, WorkgroupMember):
        theirs = select(model.workgroup_id).where(model.member_id == target.id)
        await context.session.execute(
            delete(model).where(model.member_id == member.id, model.workgroup_id.in_(theirs))
        )
