"""Finding the group a typed name means: a workgroup, a chapter, or the society."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.errors import NotFound
from commands.charters.group import SOCIETY, SOCIETY_NAMES, Group, of_chapter, of_workgroup
from commands.lookup import find_chapter, name_key
from commands.workgroups.lookup import find_workgroup
from storage.models import Chapter, Workgroup


async def find_group(session: AsyncSession, name: str, *, society: bool = False) -> Group:
    """A workgroup or chapter by the name typed: exact names first, then prefixes."""
    key = name_key(name)
    if society and key in SOCIETY_NAMES:
        return SOCIETY
    workgroup = await session.scalar(select(Workgroup).where(Workgroup.name_key == key))
    if workgroup is not None:
        return of_workgroup(workgroup)
    chapter = await session.scalar(select(Chapter).where(Chapter.name_key == key))
    if chapter is not None:
        return of_chapter(chapter)
    try:
        return of_workgroup(await find_workgroup(session, name))
    except NotFound:
        pass
    try:
        return of_chapter(await find_chapter(session, name))
    except NotFound:
        raise NotFound(
            f"No workgroup or chapter named {name!r}; see /workgroup list or /chapter list."
        ) from None


async def group_by_key(session: AsyncSession, key: str) -> Group | None:
    if key == "society":
        return SOCIETY
    kind, _, raw = key.partition(":")
    if kind == "workgroup":
        workgroup = await session.get(Workgroup, int(raw))
        return of_workgroup(workgroup) if workgroup else None
    chapter = await session.get(Chapter, int(raw))
    return of_chapter(chapter) if chapter else None


async def group_leaders(context: Context, name: str) -> set[int]:
    """Who owns a group for `/update …`: its lead or president (HQ passes anyway)."""
    group = await find_group(context.session, name, society=True)
    return {group.leader_id} if group.leader_id is not None else set()
