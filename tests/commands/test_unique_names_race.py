"""Two instances racing to create the same name: one wins, the other hears what a
sequential duplicate hears. Names are unique in the schema, not only in the handler."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Position, Workgroup
from tests.support import TestBot, start_bot

POSITION = '/position propose "{title}" --statement "Publish every meeting\'s notes."'
WORKGROUP = '/workgroup propose "{title}" --purpose "Publish the datasets."'


def together(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the first two writes until both commands have looked for the name: the
    race, every time, instead of when the scheduler of the day happens to allow it."""
    flush = AsyncSession.flush
    arrived: list[int] = []
    both = asyncio.Event()

    async def held(self: AsyncSession, *args: Any, **kwargs: Any) -> None:
        if len(arrived) < 2:
            arrived.append(1)
            if len(arrived) == 2:
                both.set()
            await asyncio.wait_for(both.wait(), 10)
        await flush(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "flush", held)


@pytest.mark.parametrize(
    ("command", "model", "conflict"),
    [
        (POSITION, Position, "already has that title"),
        (WORKGROUP, Workgroup, "already exists"),
    ],
)
async def test_two_instances_racing_for_one_name_make_one_row(
    demo: TestBot,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    model: type,
    conflict: str,
) -> None:
    if database_url.startswith("postgresql"):
        # SQLite writers take the write lock at BEGIN IMMEDIATE, so they queue by
        # themselves; on PostgreSQL both must have looked before either writes.
        together(monkeypatch)
    async for other in start_bot(database_url):  # a second process on the same database
        first = command.format(title="Members Vote On Dues")
        second = command.format(title="members vote on  dues")  # the same name to a reader
        replies = await asyncio.gather(demo.send(first, as_="bob"), other.send(second, as_="carol"))
        assert sorted(r.ok for r in replies) == [False, True], [r.text for r in replies]
        [refused] = [r for r in replies if not r.ok]
        assert conflict in refused.text and "\n" not in refused.text
        # The loser hears exactly what a later, sequential duplicate hears.
        later = await demo.send(second, as_="erin")
        assert not later.ok and later.text == refused.text
    assert (
        await demo.count(
            model,
            model.name.ilike("members vote on%")  # type: ignore[attr-defined]
            if model is Workgroup
            else Position.title.ilike("members vote on%"),
        )
        == 1
    )
