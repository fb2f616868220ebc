"""Insert-or-update statements, one per dialect, built once.

Both SQLite and PostgreSQL speak `INSERT … ON CONFLICT DO UPDATE`, but through
different SQLAlchemy constructs; composing one costs more than running it, so a
caller builds its statements at import time and picks one per session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


class Upsert:
    def __init__(self, model: type[Any], keys: Sequence[str], updates: Sequence[str]) -> None:
        self._statements: dict[str, Any] = {}
        for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
            statement = insert(model)
            self._statements[name] = statement.on_conflict_do_update(
                index_elements=[getattr(model, key) for key in keys],
                set_={column: getattr(statement.excluded, column) for column in updates},
            )

    async def execute(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        await session.execute(self._statements[session.get_bind().dialect.name], rows)


class InsertNew:
    """`INSERT … ON CONFLICT (keys) DO NOTHING RETURNING …`: a row written only if no row
    has its keys, in one statement, instead of a look-up followed by an insert.

    The look-up first was a statement on every write, and still lost races to the
    unique constraint; here the database decides, and a conflict returns no row.
    """

    def __init__(
        self,
        model: type[Any],
        keys: Sequence[str],
        returning: str = "id",
        also: Sequence[Any] = (),
    ) -> None:
        """`also`: more expressions to return with the new row (see `row`)."""
        self._statements: dict[str, Any] = {}
        for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
            self._statements[name] = (
                insert(model)
                .on_conflict_do_nothing(index_elements=[getattr(model, key) for key in keys])
                .returning(getattr(model, returning), *also)
            )

    async def execute(self, session: AsyncSession, row: dict[str, Any]) -> Any | None:
        """The new row's `returning` column, or None when a row with its keys exists."""
        statement = self._statements[session.get_bind().dialect.name]
        return (await session.execute(statement, row)).scalar_one_or_none()

    async def row(
        self, session: AsyncSession, values: dict[str, Any]
    ) -> Row[*tuple[Any, ...]] | None:
        """The `returning` column and the `also` expressions of the new row, or None
        when a row with its keys exists. `values` may also carry the parameters the
        `also` expressions name."""
        statement = self._statements[session.get_bind().dialect.name]
        return (await session.execute(statement, values)).one_or_none()
