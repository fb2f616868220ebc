"""Finding things by the names people type: exact, then unique prefix, then a hint."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context, Place
from bot.errors import BadArgument, NotFound
from bot.parser import closest
from bot.preload import Preload
from storage.models import ChannelBinding, Chapter


def name_key(name: str) -> str:
    return " ".join(name.split()).lower()


_FOUND = "chapterhouse.chapters_by_key"
"""Session.info key: chapters found by name in this unit of work."""


async def find_chapter(session: AsyncSession, name: str) -> Chapter:
    """The chapter a typed name means; found once per unit of work.

    A command's permission check (is this its president?) and its handler both look
    the chapter up: the second time it comes from this request's own session, never
    from a cache another request or instance could leave stale.
    """
    key = name_key(name)
    found_here: dict[str, Chapter] = session.info.setdefault(_FOUND, {})
    chapter = found_here.get(key)
    if (
        chapter is not None
        and chapter.name_key == key
        and chapter in session
        and chapter not in session.deleted
    ):
        return chapter
    chapter = await session.scalar(select(Chapter).where(Chapter.name_key == key))
    if chapter is not None:
        found_here[key] = chapter
        return chapter
    names = list(await session.scalars(select(Chapter.name_key).order_by(Chapter.name_key)))
    starts = [n for n in names if n.startswith(key)] if key else []
    if len(starts) == 1:
        found = await session.scalar(select(Chapter).where(Chapter.name_key == starts[0]))
        assert found is not None
        return found
    if len(starts) > 1:
        shown = ", ".join(starts[:5])
        raise BadArgument(f"{name!r} could be several chapters ({shown}); give the full name.")
    suggestion = closest(key, names)
    hint = f" Did you mean {suggestion.title()}?" if suggestion else " See /chapter list."
    raise NotFound(f"No chapter named {name!r}.{hint}")


def _keep(session: AsyncSession, key: str, chapter: Chapter) -> None:
    session.info.setdefault(_FOUND, {})[key] = chapter


def _key(typed: object) -> str | None:
    return name_key(typed) if isinstance(typed, str) else None


CHAPTER_BY_NAME = Preload(Chapter, Chapter.name_key, _key, _keep)
"""A chapter a president's command names, read with the command's caller."""


async def chapter_presidents(context: Context, name: str) -> set[int]:
    chapter = await find_chapter(context.session, name)
    return {chapter.president_id} if chapter.president_id is not None else set()


async def chapter_of_place(session: AsyncSession, place: Place) -> Chapter | None:
    """The chapter whose channel this is, if the channel is bound to one."""
    if not place.channel_id:
        return None
    return await session.scalar(
        select(Chapter)
        .join(ChannelBinding, ChannelBinding.chapter_id == Chapter.id)
        .where(
            ChannelBinding.platform == place.platform,
            ChannelBinding.channel_id == place.channel_id,
        )
    )
