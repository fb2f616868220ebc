"""A workgroup's own channels and the editing of its charter, by its lead or HQ.

Bound channels are where `workgroup:NAME` polls are posted. A charter changed
after proposing is told to the workgroup's members (and its channels), so nobody
works to a purpose that quietly moved.
"""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import select

from bot.context import Context
from bot.declarations import Arg, ChannelRef, Opt
from bot.errors import BadArgument, Conflict
from bot.mentions import mention
from bot.notifier import queue_direct, queue_posts
from bot.permissions import lead_of
from bot.registry import Router
from bot.reply import Header, Reply, Section
from commands.text import plural
from commands.workgroups.charter import MAX_CHARTER, clean_text
from commands.workgroups.lookup import find_workgroup
from commands.workgroups.membership import backers_of, locked, members_of
from commands.workgroups.status import CLOSED, PROPOSALS
from storage.models import WorkgroupChannel

router = Router("workgroup-channels")

WorkgroupName = Annotated[str, Arg("the workgroup's name", complete="workgroups")]
MAX_CHANNEL_ID, MAX_CHANNEL_NAME = 64, 120


@router.command("workgroup", "bind", access=lead_of("name"), examples=["/workgroup bind Mentoring"])
async def workgroup_bind(context: Context, name: WorkgroupName) -> Reply:
    """Bind the channel you type this in to the workgroup: its polls are posted here."""
    workgroup = await find_workgroup(context.session, name)
    place = context.place
    if not place.channel_id:
        raise BadArgument(
            "Type /workgroup bind in the channel you want to bind, not a direct message."
        )
    if len(place.channel_id) > MAX_CHANNEL_ID:
        raise BadArgument(f"This channel's id is over {MAX_CHANNEL_ID} characters.")
    if workgroup.status in CLOSED:
        raise Conflict(f"{workgroup.name} is {workgroup.status.value}; it takes no channels.")
    existing = await context.session.scalar(
        select(WorkgroupChannel.id).where(
            WorkgroupChannel.workgroup_id == workgroup.id,
            WorkgroupChannel.platform == place.platform,
            WorkgroupChannel.channel_id == place.channel_id,
        )
    )
    if existing is not None:
        raise Conflict(f"This channel is already bound to {workgroup.name}.")
    context.session.add(
        WorkgroupChannel(
            workgroup_id=workgroup.id,
            platform=place.platform,
            channel_id=place.channel_id,
            channel_name=(place.channel_name or place.channel_id)[:MAX_CHANNEL_NAME],
            bound_by=context.member.id,
            bound_at=context.now,
        )
    )
    workgroup.last_activity_at = context.now
    return Reply.public(
        f"This channel now receives {workgroup.name}'s polls "
        f"(/poll create … --audience workgroup:{workgroup.name})."
    )


@router.command(
    "workgroup",
    "unbind",
    access=lead_of("name"),
    examples=["/workgroup unbind Mentoring", "/workgroup unbind Mentoring #mentoring"],
)
async def workgroup_unbind(
    context: Context,
    name: WorkgroupName,
    channel: Annotated[
        ChannelRef | None,
        Arg("the channel to stop posting to; defaults to this one", metavar="#CHANNEL"),
    ] = None,
) -> Reply:
    """Stop posting a workgroup's polls to a channel: the one named, or this one.

    Polls already posted there stay; new ones go to the workgroup's other channels.
    """
    workgroup = await find_workgroup(context.session, name)
    place = context.place
    if channel is None and not place.channel_id:
        raise BadArgument(
            f"Say which channel: /workgroup unbind {workgroup.name} #channel, "
            "or type it in the bound channel."
        )
    platform = channel.platform if channel else place.platform
    channel_id = channel.channel_id if channel else place.channel_id
    bound = list(
        await context.session.scalars(
            select(WorkgroupChannel)
            .where(WorkgroupChannel.workgroup_id == workgroup.id)
            .order_by(WorkgroupChannel.id)
        )
    )
    found = next((b for b in bound if b.platform == platform and b.channel_id == channel_id), None)
    if found is None:
        where = "This channel" if channel is None else f"#{channel.name or channel.channel_id}"
        others = ", ".join(f"#{b.channel_name}" for b in bound if b.platform == platform)
        hint = (
            f"; it is bound to {others}"
            if others
            else "; its channels are on another platform"
            if bound
            else "; it has no bound channel"
        )
        raise BadArgument(f"{where} is not bound to {workgroup.name}{hint}.")
    await context.session.delete(found)
    workgroup.last_activity_at = context.now
    rest = len(bound) - 1
    after = (
        f"its polls still go to {plural(rest, 'other channel')}"
        if rest
        else f"it has no bound channel left; /workgroup bind {workgroup.name} in one"
    )
    return Reply.public(
        f"#{found.channel_name} no longer receives {workgroup.name}'s polls; {after}."
    )


@router.command(
    "workgroup",
    "charter",
    access=lead_of("name"),
    examples=[
        '/workgroup charter Mentoring --purpose "Pair new members with mentors for a year"',
        '/workgroup charter Mentoring --not "Hiring or job placement"',
    ],
)
async def workgroup_charter(
    context: Context,
    name: WorkgroupName,
    purpose: Annotated[str | None, Opt("what it is for", metavar="TEXT")] = None,
    not_: Annotated[str | None, Opt("what it is not responsible for", metavar="TEXT")] = None,
) -> Reply:
    """Change a workgroup's charter: its purpose, or what it is not responsible for.

    Its members are told, in a direct message, and its bound channels see the change.
    """
    workgroup = await locked(context, name)
    if purpose is None and not_ is None:
        raise BadArgument(
            "Say what to change: --purpose TEXT, --not TEXT, or both "
            f'(e.g. /workgroup charter {workgroup.name} --purpose "…").'
        )
    if workgroup.status in CLOSED:
        raise Conflict(
            f"{workgroup.name} is {workgroup.status.value}; its charter is kept as it was."
        )
    changes: list[str] = []
    if purpose is not None:
        clean = clean_text(purpose, "--purpose", MAX_CHARTER)
        if clean != workgroup.purpose:
            workgroup.purpose = clean
            changes.append(f"*Purpose:* {clean}")
    if not_ is not None:
        clean = clean_text(not_, "--not", MAX_CHARTER)
        if clean != (workgroup.not_responsible or ""):
            workgroup.not_responsible = clean
            changes.append(f"*Not responsible for:* {clean}")
    if not changes:
        raise Conflict(f"{workgroup.name}'s charter already says that.")
    workgroup.last_activity_at = context.now
    stamp = context.now.strftime("%Y%m%dT%H%M%S")
    line = f"{mention(context.member.id)} changed {workgroup.name}'s charter."
    news = Reply.public(
        line, Header(f"{workgroup.name}: new charter"), Section(line + "\n" + "\n".join(changes))
    )
    # A proposal has backers, not members yet: they backed the charter as it was.
    people = backers_of if workgroup.status in PROPOSALS else members_of
    told = {
        member_id: f"charter:{workgroup.id}:{stamp}:member:{member_id}"
        for member_id in await people(context.session, workgroup.id)
        if member_id != context.member.id
    }
    heard = await queue_direct(context.uow, news, told, settings=context.settings)
    channels = await context.session.execute(
        select(WorkgroupChannel.platform, WorkgroupChannel.channel_id).where(
            WorkgroupChannel.workgroup_id == workgroup.id
        )
    )
    await queue_posts(
        context.uow,
        news,
        f"charter:{workgroup.id}:{stamp}",
        [(platform, channel) for platform, channel in channels],
    )
    who = "backer" if workgroup.status in PROPOSALS else "member"
    summary = f"{workgroup.name}'s charter is changed; {plural(heard, who)} told."
    return Reply.public(summary, Section(summary + "\n" + "\n".join(changes)))
