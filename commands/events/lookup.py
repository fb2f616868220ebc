"""Finding an event by its number, who holds it, and who may change it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import BadArgument, NotFound
from commands.lookup import find_chapter
from commands.workgroups.lookup import find_workgroup
from storage.models import ChannelBinding, Chapter, ChapterEvent, Workgroup

SOCIETY = "society"
WORKGROUP_PREFIX = "workgroup:"


@dataclass(frozen=True)
class Host:
    """Who holds an event: a chapter, a workgroup, or (both None) the whole society."""

    chapter: Chapter | None = None
    workgroup: Workgroup | None = None

    @property
    def name(self) -> str:
        if self.chapter is not None:
            return self.chapter.name
        if self.workgroup is not None:
            return f"the {self.workgroup.name} workgroup"
        return "the society"

    def leader(self) -> int | None:
        if self.chapter is not None:
            return self.chapter.president_id
        if self.workgroup is not None:
            return self.workgroup.lead_id
        return None


async def parse_host(session: AsyncSession, text: str) -> Host:
    """`Boston`, `society`, or `workgroup:Mentoring`."""
    raw = " ".join(text.split())
    if raw.lower() == SOCIETY:
        return Host()
    if raw.lower().startswith(WORKGROUP_PREFIX):
        return Host(workgroup=await find_workgroup(session, raw[len(WORKGROUP_PREFIX) :]))
    return Host(chapter=await find_chapter(session, raw))


async def chosen_host(
    session: AsyncSession, chapter: str | None, society: bool, workgroup: str | None
) -> Host:
    """`/event create`'s host: CHAPTER, `--society` or `--workgroup NAME`, exactly one."""
    given = [
        label
        for label, on in (("CHAPTER", chapter), ("--society", society), ("--workgroup", workgroup))
        if on
    ]
    if len(given) > 1:
        raise BadArgument(
            f"Give one of CHAPTER, --society or --workgroup NAME; got {' and '.join(given)}."
        )
    if society:
        return Host()
    if workgroup is not None:
        return Host(workgroup=await find_workgroup(session, workgroup))
    if chapter is None:
        raise BadArgument(
            "Say who holds the event: a CHAPTER (/event create Boston social …), "
            "--society (HQ) or --workgroup NAME (its lead)."
        )
    return Host(chapter=await find_chapter(session, chapter))


async def host_leaders(context: Context, given: tuple[str | None, bool, str | None]) -> set[int]:
    """The owner of `/event create`'s host (CHAPTER, --society, --workgroup): the
    chapter's president or the workgroup's lead; for the society, nobody (HQ only)."""
    leader = (await chosen_host(context.session, *given)).leader()
    return {leader} if leader is not None else set()


async def find_event(session: AsyncSession, event_id: int) -> ChapterEvent:
    event = await session.get(ChapterEvent, event_id)
    if event is None:
        raise NotFound(f"No event {event_id}. /event list shows the coming events.")
    return event


async def event_host(session: AsyncSession, event: ChapterEvent) -> Host:
    chapter = await session.get(Chapter, event.chapter_id) if event.chapter_id else None
    workgroup = await session.get(Workgroup, event.workgroup_id) if event.workgroup_id else None
    return Host(chapter, workgroup)


async def event_keepers(context: Context, event_id: int) -> set[int]:
    """Who may change an event: its host's president or lead, and whoever created it."""
    event = await find_event(context.session, event_id)
    leader = (await event_host(context.session, event)).leader()
    return {i for i in (leader, event.creator_id) if i is not None}


async def channels_of(session: AsyncSession, event: ChapterEvent) -> list[tuple[str, str]] | None:
    """Where the event is announced: its chapter's channels, every channel for the
    society's; None for a workgroup's (posted where it was created)."""
    query = select(ChannelBinding.platform, ChannelBinding.channel_id).order_by(ChannelBinding.id)
    if event.workgroup_id is not None:
        return None
    if event.chapter_id is not None:
        query = query.where(ChannelBinding.chapter_id == event.chapter_id)
    return [(p, c) for p, c in await session.execute(query)]
