"""Who a poll is for: where it is posted, who may vote, who may create it.

`here` posts the poll only in the channel it was typed in; if that channel is a
chapter's, only that chapter's members vote, otherwise anyone who uses the channel
does (Chapterhouse cannot see a channel's membership, so such a poll has no
eligible count and no reminders). `chapter:NAME` posts to the chapter's bound
channels and lets its members vote; `workgroup:NAME` posts to the workgroup's
bound channels (`/workgroup bind`) and lets its members vote; `society` posts to
every bound chapter channel on every platform, and everyone votes, all in one count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import BadArgument, Forbidden, UserError
from bot.notifier import Target, bound_channels
from commands.lookup import chapter_of_place, find_chapter
from commands.workgroups.lookup import find_workgroup
from storage.models import (
    Chapter,
    Member,
    Poll,
    PollWorkgroup,
    Workgroup,
    WorkgroupChannel,
    WorkgroupMember,
    WorkgroupStatus,
)

HERE, CHAPTER, SOCIETY, WORKGROUP = "here", "chapter", "society", "workgroup"
AUDIENCES = "here, society, chapter:NAME or workgroup:NAME"


@dataclass(frozen=True)
class Audience:
    kind: str
    chapter: Chapter | None = None
    workgroup: Workgroup | None = None


async def parse_audience(context: Context, text: str) -> Audience:
    raw = " ".join(text.split())
    lowered = raw.lower()
    if lowered == HERE:
        if context.place.is_direct:
            raise BadArgument(
                "A direct message is not a channel to poll; type it in the channel it is for, "
                "or give --audience society or chapter:NAME."
            )
        if not context.place.channel_id:
            raise BadArgument(
                "A poll for here needs a channel; type it in the channel it is for, "
                "or give --audience society or chapter:NAME."
            )
        return Audience(HERE, await chapter_of_place(context.session, context.place))
    if lowered == SOCIETY:
        return Audience(SOCIETY)
    kind, sep, name = raw.partition(":")
    if sep and kind.strip().lower() == CHAPTER and name.strip():
        return Audience(CHAPTER, await find_chapter(context.session, name.strip()))
    if sep and kind.strip().lower() == WORKGROUP and name.strip():
        workgroup = await find_workgroup(context.session, name.strip())
        if workgroup.status is not WorkgroupStatus.ACTIVE:
            raise BadArgument(
                f"{workgroup.name} is {workgroup.status.value}; only an active workgroup's "
                "members can be polled."
            )
        return Audience(WORKGROUP, workgroup=workgroup)
    raise BadArgument(f"--audience {raw[:60]!r} is not an audience; use {AUDIENCES}.")


async def audience_owners(context: Context, text: str) -> set[int]:
    """A chapter's president may poll the chapter (or its channel), a workgroup's lead the
    workgroup; HQ and moderators any."""
    try:
        audience = await parse_audience(context, text)
    except UserError:
        # Who may poll is answered first: a member with no right to poll hears that,
        # not what is wrong with the audience. The handler reports the audience.
        return set()
    if audience.workgroup is not None:
        lead = audience.workgroup.lead_id
        return {lead} if lead is not None else set()
    chapter = audience.chapter
    if chapter is not None and chapter.president_id is not None:
        return {chapter.president_id}
    return set()


async def targets(session: AsyncSession, poll: Poll) -> list[Target]:
    """The channels a new poll is posted to."""
    if poll.audience == HERE:
        return [(poll.origin_platform, poll.origin_channel_id)]
    if poll.audience == SOCIETY:
        return await bound_channels(session, None)
    if poll.audience == WORKGROUP:
        rows = await session.execute(
            select(WorkgroupChannel.platform, WorkgroupChannel.channel_id)
            .join(PollWorkgroup, PollWorkgroup.workgroup_id == WorkgroupChannel.workgroup_id)
            .where(PollWorkgroup.poll_id == poll.id)
            .order_by(WorkgroupChannel.id)
        )
        return [(platform, channel_id) for platform, channel_id in rows]
    return await bound_channels(session, [poll.chapter_id] if poll.chapter_id else [])


def is_open_channel(poll: Poll) -> bool:
    """A `here` poll outside any chapter channel: anyone may vote, nobody is counted."""
    return poll.audience == HERE and poll.chapter_id is None


def describe(poll: Poll, chapter: Chapter | None, workgroup: str | None = None) -> str:
    """Who votes, in words: for cards and refusals."""
    if poll.audience == SOCIETY:
        return "the whole society"
    if poll.audience == WORKGROUP:
        return f"members of the {workgroup} workgroup" if workgroup else "the workgroup's members"
    if chapter is not None:
        return f"members of {chapter.name}"
    if is_open_channel(poll):
        return f"anyone in #{poll.origin_channel_name or poll.origin_channel_id}"
    return "members of a former chapter"


def may_vote(poll: Poll, member: Member) -> bool:
    """Without a query; a workgroup poll's members are known only to `in_audience`."""
    if poll.audience == SOCIETY or is_open_channel(poll):
        return True
    if poll.audience == WORKGROUP:
        return False
    return member.chapter_id == poll.chapter_id


def _workgroup_members(poll: Poll) -> Any:
    return (
        select(WorkgroupMember.member_id)
        .join(PollWorkgroup, PollWorkgroup.workgroup_id == WorkgroupMember.workgroup_id)
        .where(PollWorkgroup.poll_id == poll.id)
    )


async def workgroup_names(session: AsyncSession, poll_ids: list[int]) -> dict[int, str]:
    """The workgroup each of these polls is for (workgroup polls only), by poll id."""
    if not poll_ids:
        return {}
    rows = await session.execute(
        select(PollWorkgroup.poll_id, Workgroup.name)
        .join(Workgroup, Workgroup.id == PollWorkgroup.workgroup_id)
        .where(PollWorkgroup.poll_id.in_(poll_ids))
    )
    return {poll_id: name for poll_id, name in rows}


async def workgroup_name(session: AsyncSession, poll: Poll) -> str | None:
    if poll.audience != WORKGROUP:
        return None
    return (await workgroup_names(session, [poll.id])).get(poll.id)


def polls_of_members_workgroups(member_id: int) -> Any:
    """The ids of workgroup polls whose workgroup this member belongs to (a subquery)."""
    return (
        select(PollWorkgroup.poll_id)
        .join(WorkgroupMember, WorkgroupMember.workgroup_id == PollWorkgroup.workgroup_id)
        .where(WorkgroupMember.member_id == member_id)
    )


async def in_audience(session: AsyncSession, poll: Poll, member: Member) -> bool:
    if poll.audience != WORKGROUP:
        return may_vote(poll, member)
    found = await session.scalar(
        _workgroup_members(poll).where(WorkgroupMember.member_id == member.id)
    )
    return found is not None


async def refuse_ineligible(session: AsyncSession, poll: Poll, member: Member, doing: str) -> None:
    """Raise the one-line refusal for a member outside the poll's audience."""
    if await in_audience(session, poll, member):
        return
    if poll.audience == WORKGROUP:
        name = await session.scalar(
            select(Workgroup.name)
            .join(PollWorkgroup, PollWorkgroup.workgroup_id == Workgroup.id)
            .where(PollWorkgroup.poll_id == poll.id)
        )
        raise Forbidden(
            f"members of the {name or 'former'} workgroup",
            f"{doing} poll {poll.id}; /workgroup join {name} if you belong there",
        )
    chapter = await session.get(Chapter, poll.chapter_id) if poll.chapter_id else None
    hint = f"; /member join {chapter.name} if you belong there" if chapter else ""
    raise Forbidden(describe(poll, chapter), f"{doing} poll {poll.id}{hint}")


async def eligible_count(session: AsyncSession, poll: Poll) -> int | None:
    """How many members may vote, or None where that cannot be known (an open channel)."""
    if is_open_channel(poll):
        return None
    query = select(func.count()).select_from(Member)
    if poll.audience == WORKGROUP:
        query = query.where(Member.id.in_(_workgroup_members(poll)))
    elif poll.audience != SOCIETY:
        query = query.where(Member.chapter_id == poll.chapter_id)
    return int(await session.scalar(query) or 0)


async def eligible_ids(session: AsyncSession, poll: Poll) -> list[tuple[int, bool]]:
    """(member id, wants nudges) for everyone who may vote; empty for an open channel."""
    if is_open_channel(poll):
        return []
    query = select(Member.id, Member.nudges).order_by(Member.id)
    if poll.audience == WORKGROUP:
        query = query.where(Member.id.in_(_workgroup_members(poll)))
    elif poll.audience != SOCIETY:
        query = query.where(Member.chapter_id == poll.chapter_id)
    return [(member_id, nudges) for member_id, nudges in await session.execute(query)]
