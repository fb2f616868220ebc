"""A handler's follow-up answers after commit and delivery, or leaves its first reply."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import pytest
from sqlalchemy import func, select

from bot.context import Context, Place, Request
from bot.declarations import Arg
from bot.dispatcher import Dispatcher
from bot.errors import Conflict
from bot.mentions import mention
from bot.permissions import HQ_ONLY
from bot.registry import Registry, Router
from bot.reply import Reply
from commands import ROUTERS
from storage.models import Delivery, DeliveryStatus
from storage.uow import UnitOfWork
from tests.support import TestBot

later = Router("later")
ran: list[str] = []


@later.command("shout", access=HQ_ONLY)
async def shout(context: Context, how: Annotated[str, Arg("ok, broken or refused")]) -> Reply:
    """Post to the demo's console channels and answer once they were sent."""
    for channel in ("boston", "washington-dc"):
        context.uow.deliver(
            Delivery(
                key=f"shout:{channel}",
                platform="console",
                channel_id=channel,
                reply=Reply.public("Hear ye").to_json(),
                created_at=context.now,
            )
        )
    sessions, member_id = context.uow.factory, context.member.id

    async def count_sent(now: datetime) -> Reply:
        ran.append(how)
        if how == "broken":
            raise RuntimeError("the ledger is unreadable")
        async with UnitOfWork(sessions, now) as uow:
            sent = await uow.session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status == DeliveryStatus.SENT)
            )
        return Reply.private(f"{sent} sent, for {mention(member_id)}")

    context.uow.then(count_sent)
    if how == "refused":
        raise Conflict("Changed my mind.")
    return Reply.private("Queued.")


def _dispatcher(bot: TestBot) -> Dispatcher:
    registry = Registry().include(*ROUTERS, later)
    return Dispatcher(
        registry, bot.app.sessions, bot.app.settings, bot.clock, bot.app.notifier.flush
    )


def _request(text: str) -> Request:
    return Request("console", "alice", "alice", Place("console", ""), text=text)


async def test_the_follow_up_answers_after_the_posts_were_sent(demo: TestBot) -> None:
    reply = await _dispatcher(demo).handle(_request("/shout ok"))
    assert reply.ok
    assert reply.text.startswith("2 sent, for ")
    [person] = reply.people.values()  # the follow-up's mentions render as any reply's
    assert person.name == "Alice Admin"
    assert len(demo.posts) == 2


async def test_a_failing_follow_up_leaves_the_first_reply(
    demo: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chapterhouse.dispatcher"):
        reply = await _dispatcher(demo).handle(_request("/shout broken"))
    assert reply.ok and reply.text == "Queued."
    assert len(demo.posts) == 2  # the work was done and stays done
    assert any("follow-up of /shout" in r.getMessage() for r in caplog.records)


async def test_a_refused_command_never_runs_its_follow_up(demo: TestBot) -> None:
    ran.clear()
    reply = await _dispatcher(demo).handle(_request("/shout refused"))
    assert not reply.ok and reply.text == "Changed my mind."
    assert ran == [] and demo.posts == []
    assert await demo.count(Delivery) == 0
