"""Claiming rows: one conditional UPDATE that only the first of many racers wins.

Time-based work and the commands that race it (a poll closed by hand at its
deadline, a reminder sent by two processes) must act on a row once. Each writes
its claim as `UPDATE … WHERE <still unclaimed> RETURNING id`: the database lets
one writer through and the others get no row back, on SQLite and PostgreSQL
alike, without a lock held across the work that follows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


async def claim(
    session: AsyncSession, model: type[Base], *where: ColumnElement[bool], **values: Any
) -> list[int]:
    """Set `values` on the rows of `model` matching `where`; the keys this call claimed.

    The keys are the rows' primary key (every claimed table has an integer `id`).

    An empty list means another writer got there first (or nothing matched). The
    session's loaded objects are left alone: the caller updates the one it holds,
    so a claim never reads back rows it did not ask for.
    """
    result = await session.execute(
        update(model)
        .where(*where)
        .values(**values)
        .returning(*inspect(model).primary_key)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())
