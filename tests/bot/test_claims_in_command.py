"""A delivery's claim written by the command's own transaction: each delivery runs and is
answered once, whether its command writes, only reads, is refused, fails or is retried."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.context import Context, Place, Request
from bot.dispatcher import Dispatcher
from bot.errors import BadArgument
from bot.inbound import RETENTION
from bot.permissions import HQ_ONLY
from bot.registry import Registry, Router
from bot.reply import Reply
from commands import ROUTERS
from storage.models import AuditEvent, InboundClaim
from tests.support import TestBot

probe = Router("probe")
CLICK = timedelta(seconds=2)


@probe.command("probe", "write")
async def write(context: Context) -> Reply:
    """Leave a row: how many times a delivery ran shows in the count."""
    context.uow.audit(context.member.id, "probe", "ran")
    await asyncio.sleep(0.05)  # hold the transaction open while a copy arrives
    return Reply.private("written")


@probe.command("probe", "read")
async def read(context: Context) -> Reply:
    """Write nothing: the claim is the transaction's only write."""
    return Reply.private("read")


@probe.command("probe", "refuse")
async def refuse(context: Context) -> Reply:
    """Write, then refuse: everything the command did rolls back."""
    context.uow.audit(context.member.id, "probe", "ran")
    raise BadArgument("Not like that; say it like this.")


@probe.command("probe", "crash")
async def crash(context: Context) -> Reply:
    """Fail as a bug would."""
    raise RuntimeError("a bug")


@probe.command("probe", "hq", access=HQ_ONLY)
async def hq_only(context: Context) -> Reply:
    """Refused to anyone but HQ, by the declared access."""
    return Reply.private("hq")


LOST_RACES: list[int] = []


@probe.command("probe", "flaky")
async def flaky(context: Context) -> Reply:
    """Lose a race the first time, as a serialisation failure would: the dispatcher retries."""
    context.uow.audit(context.member.id, "probe", "ran")
    if not LOST_RACES:
        LOST_RACES.append(1)
        raise DBAPIError("UPDATE …", {}, Exception("could not serialize access"))
    return Reply.private("won")


def dispatcher(bot: TestBot) -> Dispatcher:
    registry = Registry().include(*ROUTERS, probe)
    return Dispatcher(registry, bot.app.sessions, bot.app.settings, bot.clock)


def delivery(text: str, key: str, *more: tuple[str, timedelta], user: str = "U1") -> Request:
    place = Place("slack", "C1", "general")
    return Request("slack", user, user, place, text=text, claims=((key, RETENTION), *more))


async def ran(bot: TestBot) -> int:
    return await bot.count(AuditEvent, AuditEvent.action == "probe")


async def claimed(bot: TestBot) -> set[str]:
    async with bot.uow() as uow:
        return set(await uow.session.scalars(select(InboundClaim.key)))


async def test_a_redelivered_command_runs_once_and_its_copy_is_not_answered(bot: TestBot) -> None:
    core = dispatcher(bot)
    first = await core.handle_once(delivery("/probe write", "slack:command:1"))
    assert first is not None and first.text == "written"
    assert await core.handle_once(delivery("/probe write", "slack:command:1")) is None
    assert await ran(bot) == 1
    other = await core.handle_once(delivery("/probe write", "slack:command:2"))
    assert other is not None and await ran(bot) == 2


async def test_a_read_only_command_keeps_its_claim(bot: TestBot) -> None:
    core = dispatcher(bot)
    first = await core.handle_once(delivery("/probe read", "discord:7"))
    assert first is not None and first.text == "read"
    assert "discord:7" in await claimed(bot)
    assert await core.handle_once(delivery("/probe read", "discord:7")) is None


async def test_a_refused_command_is_answered_once_and_changes_nothing(bot: TestBot) -> None:
    core = dispatcher(bot)
    for text, key in [
        ("/probe refuse", "slack:command:bad"),  # the handler refuses
        ("/probe hq", "slack:command:hq"),  # the declared access refuses
        ("/probe write --nope", "slack:command:typo"),  # the parser refuses
        ("/probe crash", "slack:command:bug"),  # a bug
    ]:
        refused = await core.handle_once(delivery(text, key))
        assert refused is not None and not refused.ok, text
        assert await core.handle_once(delivery(text, key)) is None, text
        assert key in await claimed(bot)
    assert await ran(bot) == 0


async def test_two_copies_arriving_together_run_once(bot: TestBot) -> None:
    core = dispatcher(bot)
    await core.handle_once(delivery("/probe read", "warm-up"))  # U1 registered beforehand
    replies = await asyncio.gather(
        *(core.handle_once(delivery("/probe write", "discord:42")) for _ in range(3))
    )
    assert [r.text for r in replies if r is not None] == ["written"]
    assert await ran(bot) == 1


async def test_two_instances_receiving_one_delivery_run_it_once(bot: TestBot) -> None:
    """Two dispatchers on one database: each copy has its own connection and transaction."""
    one, two = dispatcher(bot), dispatcher(bot)
    await one.handle_once(delivery("/probe read", "warm-up"))
    replies = await asyncio.gather(
        one.handle_once(delivery("/probe write", "slack:command:9")),
        two.handle_once(delivery("/probe write", "slack:command:9")),
    )
    assert sorted(r is None for r in replies) == [False, True]
    assert await ran(bot) == 1


async def test_two_copies_of_a_refused_command_are_answered_once(bot: TestBot) -> None:
    core = dispatcher(bot)
    await core.handle_once(delivery("/probe read", "warm-up"))
    replies = await asyncio.gather(
        *(core.handle_once(delivery("/probe refuse", "slack:command:no")) for _ in range(2))
    )
    assert [r.text for r in replies if r is not None] == ["Not like that; say it like this."]
    assert await ran(bot) == 0


async def test_a_newcomers_first_command_claims_after_registering(bot: TestBot) -> None:
    """A newcomer's first attempt rolls back (claim included) to register them apart."""
    core = dispatcher(bot)
    first = await core.handle_once(delivery("/probe write", "discord:new", user="U-new"))
    assert first is not None and first.ok
    assert await core.handle_once(delivery("/probe write", "discord:new", user="U-new")) is None
    assert await ran(bot) == 1


async def test_a_retried_transaction_does_not_take_its_own_claim_for_a_repeat(
    bot: TestBot,
) -> None:
    LOST_RACES.clear()
    core = dispatcher(bot)
    won = await core.handle_once(delivery("/probe flaky", "slack:command:race"))
    assert LOST_RACES and won is not None and won.text == "won"
    assert await ran(bot) == 1
    assert await core.handle_once(delivery("/probe flaky", "slack:command:race")) is None


async def test_a_double_click_runs_once_and_its_copy_claims_nothing(bot: TestBot) -> None:
    core = dispatcher(bot)
    click = ("slack:click:bea-button-1", CLICK)
    first = await core.handle_once(delivery("/probe write", "slack:block_actions:t1", click))
    again = await core.handle_once(delivery("/probe write", "slack:block_actions:t2", click))
    assert first is not None and again is None
    keys = await claimed(bot)
    assert "slack:block_actions:t1" in keys and "slack:block_actions:t2" not in keys
    assert await ran(bot) == 1


async def test_the_batched_vote_drops_a_copy_in_its_own_batch(demo: TestBot) -> None:
    """Copies of one click that land in one batch of votes: the first copy votes."""
    core = demo.app.dispatcher
    ids = ["U-v1", "U-v2", "U-v1"]
    replies = await asyncio.gather(
        *(
            core.handle_once(delivery("/poll vote 1 1", f"discord:{user}", user=user))
            for user in ids
        )
    )
    assert [r is None for r in replies] == [False, False, True]
    assert all(r.ok for r in replies if r is not None), [r.text for r in replies if r]


async def test_the_console_runs_every_command_it_is_given(bot: TestBot) -> None:
    """No claims, no ledger: the console's commands are never repeats."""
    core = dispatcher(bot)
    request = Request("console", "alice", "alice", Place("console", ""), text="/probe write")
    for _ in range(2):
        reply = await core.handle(request)
        assert reply.text == "written"
    assert await ran(bot) == 2 and await claimed(bot) == set()
