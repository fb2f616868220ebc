"""Finding the workgroup a typed name means, and writing a name as it must be typed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.complete import rank_choices
from bot.context import Context
from bot.errors import BadArgument, NotFound
from bot.parser import closest
from commands.lookup import name_key
from storage.models import (
    Workgroup,
    WorkgroupStatus,
)


async def find_workgroup(session: AsyncSession, name: str) -> Workgroup:
    """The workgroup a typed name means: exact, else a unique prefix, else a hint."""
    key = name_key(name)
    found = await session.scalar(select(Workgroup).where(Workgroup.name_key == key))
    if found is not None:
        return found
    rows = (
        await session.execute(
            select(Workgroup.name_key, Workgroup.name, Workgroup.status).order_by(
                Workgroup.name_key
            )
        )
    ).all()
    starts = [row for row in rows if row.name_key.startswith(key)] if key else []
    if len(starts) > 1:  # an old expired proposal should not make a live name ambiguous
        live = [row for row in starts if row.status is not WorkgroupStatus.EXPIRED]
        starts = live or starts
    if len(starts) == 1:
        found = await session.scalar(select(Workgroup).where(Workgroup.name_key == starts[0][0]))
        assert found is not None
        return found
    if len(starts) > 1:
        shown = ", ".join(row.name for row in starts[:5])
        raise BadArgument(f"{name!r} could be several workgroups ({shown}); give the full name.")
    names = {row.name_key: row.name for row in rows}
    suggestion = closest(key, list(names))
    hint = (
        f" Did you mean {names[suggestion]}?"
        if suggestion
        else " See /workgroup list, or propose it with /workgroup propose."
    )
    raise NotFound(f"No workgroup named {name!r}.{hint}")


async def workgroup_leads(context: Context, name: str) -> set[int]:
    workgroup = await find_workgroup(context.session, name)
    return {workgroup.lead_id} if workgroup.lead_id is not None else set()


async def complete_workgroups(session: AsyncSession, typed: str) -> list[str]:
    names = await session.scalars(
        select(Workgroup.name).where(Workgroup.status != WorkgroupStatus.EXPIRED)
    )
    return rank_choices(typed, names)


def as_typed(name: str) -> str:
    """A name as it must be typed in a command: quoted when it has spaces."""
    return f'"{name}"' if " " in name else name
