"""What workgroups make: their outputs, each with a status and maybe a link."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import WorkgroupOutput


async def outputs_of(session: AsyncSession, workgroup_id: int) -> list[WorkgroupOutput]:
    """The workgroup's outputs, oldest first."""
    return list(
        await session.scalars(
            select(WorkgroupOutput)
            .where(WorkgroupOutput.workgroup_id == workgroup_id)
            .order_by(WorkgroupOutput.created_at, WorkgroupOutput.id)
        )
    )


async def output_titled(
    session: AsyncSession, workgroup_id: int, title: str
) -> WorkgroupOutput | None:
    """The output already listed under `title`, ignoring case, so a repeat updates it.

    Matched in Python: SQLite's lower() leaves non-ASCII letters alone.
    """
    wanted = title.casefold()
    outputs = await outputs_of(session, workgroup_id)
    return next((o for o in outputs if o.title.casefold() == wanted), None)
