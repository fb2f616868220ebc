"""Event helpers: members an organiser delegates to check others in at one event.

A helper's power is scoped to the event that names them, so it lives on its own
rows rather than as a role grant: checking in at event 3 says nothing about event 4.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import Conflict
from commands.events.lookup import Host, event_keepers
from storage.models import ChapterEvent, EventHelper, Member, WorkgroupMember


async def helper_ids(session: AsyncSession, event_id: int) -> list[int]:
    """The event's helpers, in the order they were added."""
    return list(
        await session.scalars(
            select(EventHelper.member_id)
            .where(EventHelper.event_id == event_id)
            .order_by(EventHelper.added_at, EventHelper.member_id)
        )
    )


async def door_keepers(context: Context, event_id: int) -> set[int]:
    """Who may check others in at an event: those who keep it, and its helpers."""
    return await event_keepers(context, event_id) | set(await helper_ids(context.session, event_id))


async def refuse_outsider(
    session: AsyncSession, event: ChapterEvent, host: Host, member: Member
) -> None:
    """A helper must belong to whoever holds the event: the chapter's members, the
    workgroup's members (or its lead); any member for a society event."""
    if host.chapter is not None and member.chapter_id != host.chapter.id:
        raise Conflict(
            f"{member.name} is not a member of {host.name}; "
            f"a helper for event {event.id} must be one of its members."
        )
    if host.workgroup is not None and member.id != host.workgroup.lead_id:
        joined = await session.scalar(
            select(WorkgroupMember.member_id).where(
                WorkgroupMember.workgroup_id == host.workgroup.id,
                WorkgroupMember.member_id == member.id,
            )
        )
        if joined is None:
            raise Conflict(
                f"{member.name} is not a member of {host.name}; "
                f"a helper for event {event.id} must be one of its members."
            )
