"""Event helpers: members an organiser delegates to check others in at one event.

A helper's power is scoped to the event that names them, so it lives on its own
rows rather than as a role grant: checking in at event 3 says nothing about event 4.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import Conflict
from bot.mentions import mention
from bot.notifier import queue_direct
from bot.reply import Header, Reply, Section, stamp
from commands.events.cards import when, where
from commands.events.lookup import Host, event_keepers
from storage.models import ChapterEvent, Delivery, EventHelper, Member, WorkgroupMember


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


async def tell_helper(context: Context, event: ChapterEvent, member_id: int, named: bool) -> bool:
    """A direct message to a helper named or removed: which event, when, what they may do.

    A helper who does not hear of it finds out at the door; so they are told as soon
    as the organiser acts (quiet hours aside: it is one message, from a person).
    False if they have no account to hear it on.
    """
    at = f"{event.title} (event {event.id}, {stamp(event.starts_at, event.timezone)})"
    by = mention(context.member.id)
    if named:
        title = f"You are a helper at event {event.id}: {event.title}"
        line = (
            f"{by} named you a helper for {at}: from 30 minutes before the start to "
            f"2 hours after the end you may check members in with "
            f"/event checkin {event.id} @member, and count guests without an account "
            f"with /event checkin {event.id} --guests N."
        )
        body = (
            f"{by} named you a helper for {event.title} (event {event.id}).\n"
            f"*When:* {when(event)}\n"
            f"*Where:* {where(event)}\n"
            f"*You may:* check members in with `/event checkin {event.id} @member…`, and "
            f"count guests without an account with `/event checkin {event.id} --guests N`, "
            "from 30 minutes before the start to 2 hours after the end."
        )
    else:
        title = f"No longer a helper at event {event.id}: {event.title}"
        line = (
            f"{by} removed you as a helper for {at}: you may no longer check others in "
            f"there. You may still check yourself in with /event checkin {event.id}."
        )
        body = line
    reply = Reply.private(line, Header(title), Section(body))
    prefix = f"event:{event.id}:helper:member:{member_id}:"
    # Deliveries are kept, so counting this helper's earlier messages numbers this one:
    # named, removed and named again are three messages, each sent once.
    earlier = await context.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.key.startswith(prefix))
    )
    return bool(
        await queue_direct(context.uow, reply, {member_id: f"{prefix}{(earlier or 0) + 1}"})
    )
