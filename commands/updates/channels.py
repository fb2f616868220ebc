"""Where a group's update is posted, and how the confirmation names those places.

An update belongs in the group's channels: a chapter's bound channels, a
workgroup's bound channels (and the channel it was typed in, where its members
read along), every chapter channel for HQ's report. Never a direct message: the
scheduler's prompt arrives by DM and leads answer it there, so the place a
command came from is a target only when it is a real channel. The lead hears
back in a short confirmation that names the channels, or says that none is bound
and how to bind one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Place
from bot.notifier import Target
from commands.charters.group import Group
from commands.text import plural
from storage.models import ChannelBinding, WorkgroupChannel

NAMED = 5
"""Channels a confirmation names; HQ's report reaches every chapter's, so the rest are counted."""


@dataclass(frozen=True)
class Channel:
    platform: str
    channel_id: str
    name: str

    @property
    def target(self) -> Target:
        return (self.platform, self.channel_id)

    def describe(self) -> str:
        return f"#{self.name or self.channel_id} ({self.platform})"


async def update_channels(session: AsyncSession, group: Group, place: Place) -> list[Channel]:
    """The channels a group's update goes to, in binding order, each once."""
    if group.kind == "workgroup":
        bound = WorkgroupChannel
        rows = await session.execute(
            select(bound.platform, bound.channel_id, bound.channel_name)
            .where(bound.workgroup_id == group.id)
            .order_by(bound.id)
        )
    else:
        query = select(
            ChannelBinding.platform, ChannelBinding.channel_id, ChannelBinding.channel_name
        )
        if group.kind == "chapter":
            query = query.where(ChannelBinding.chapter_id == group.id)
        rows = await session.execute(query.order_by(ChannelBinding.id))
    channels = [Channel(platform, channel_id, name) for platform, channel_id, name in rows]
    if group.kind == "workgroup" and place.channel_id and not place.is_direct:
        here = Channel(place.platform, place.channel_id, place.channel_name)
        if here.target not in {c.target for c in channels}:
            channels.append(here)
    return channels


def confirmation(what: str, group: Group, period: str, channels: list[Channel]) -> str:
    """`Your update for Boston, May 2026, is posted to 1 channel: #boston (slack).`

    Without a channel it says so, and what to type to bind one.
    """
    said = f"Your {what} for {group.name}, {period},"
    if not channels:
        return f"{said} is posted, but {unbound(group)}."
    named = ", ".join(c.describe() for c in channels[:NAMED])
    if len(channels) > NAMED:
        named += f" and {len(channels) - NAMED} more"
    return f"{said} is posted to {plural(len(channels), 'channel')}: {named}."


def unbound(group: Group) -> str:
    """Why an update went to no channel, and what to type to bind one."""
    if group.kind == "society":
        return (
            "no chapter has a bound channel, so it shows only in /update list; "
            "type /chapter bind CHAPTER in a chapter's channel to bind one"
        )
    how = f"/{group.kind} bind {group.typed}"
    return (
        f"no channel is bound to {group.name}, so it shows only in /update list; "
        f"type {how} in the channel that should get its updates"
    )
