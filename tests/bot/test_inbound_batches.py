"""Claims that arrive together are written together, and each delivery is still decided alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.inbound import MAX_BATCH, RETENTION, first_delivery
from storage.models import InboundClaim
from tests.support import TestBot

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CLICK = timedelta(seconds=2)


async def claimed_keys(bot: TestBot) -> set[str]:
    async with bot.app.sessions() as session:
        return set(await session.scalars(select(InboundClaim.key)))


async def test_a_burst_of_deliveries_runs_each_once_and_only_its_first_copy(bot: TestBot) -> None:
    sessions = bot.app.sessions
    keys = [f"slack:command:{n}" for n in range(12)] + ["slack:command:3", "discord:9"] * 2
    firsts = await asyncio.gather(*(first_delivery(sessions, [(k, RETENTION)], NOW) for k in keys))
    assert firsts[:12] == [True] * 12
    assert firsts[12:] == [False, True, False, False]  # command:3 again, discord:9 once
    assert await claimed_keys(bot) == {*keys}
    again = await asyncio.gather(*(first_delivery(sessions, [(k, RETENTION)], NOW) for k in keys))
    assert not any(again)


async def test_a_repeated_click_in_a_burst_claims_none_of_its_keys(bot: TestBot) -> None:
    sessions = bot.app.sessions
    first, double, other = (
        [("slack:block_actions:t1", RETENTION), ("slack:click:same", CLICK)],
        [("slack:block_actions:t2", RETENTION), ("slack:click:same", CLICK)],
        [("slack:command:t3", RETENTION)],
    )
    firsts = await asyncio.gather(
        *(first_delivery(sessions, c, NOW) for c in (first, double, other))
    )
    assert firsts == [True, False, True]
    # The double click's own trigger was not claimed: nothing of it was kept.
    assert "slack:block_actions:t2" not in await claimed_keys(bot)
    later = NOW + CLICK + timedelta(seconds=1)
    assert await first_delivery(sessions, double, later)  # a click after the window counts


async def test_a_claim_older_than_its_window_is_taken_over_in_a_batch(bot: TestBot) -> None:
    sessions = bot.app.sessions
    assert await first_delivery(sessions, [("slack:body:x", RETENTION)], NOW)
    later = NOW + RETENTION + timedelta(minutes=1)
    firsts = await asyncio.gather(
        first_delivery(sessions, [("slack:body:x", RETENTION)], later),
        first_delivery(sessions, [("slack:body:y", RETENTION)], later),
    )
    assert firsts == [True, True]


async def test_a_burst_larger_than_a_batch_is_claimed_in_several(bot: TestBot) -> None:
    sessions = bot.app.sessions
    keys = [f"discord:{n}" for n in range(MAX_BATCH * 2 + 3)]
    firsts = await asyncio.gather(*(first_delivery(sessions, [(k, RETENTION)], NOW) for k in keys))
    assert all(firsts)
    assert await claimed_keys(bot) == set(keys)
