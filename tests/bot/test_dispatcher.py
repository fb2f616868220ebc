"""The dispatcher: crashes become an error id, events wait for commit, mentions render."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Annotated

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.console.render import render
from bot.context import Context, Place, Request
from bot.declarations import Arg
from bot.dispatcher import Dispatcher
from bot.notifier import BATCH, DeliveryFailed
from bot.permissions import HQ_ONLY
from bot.registry import Registry, Router
from bot.reply import Reply
from commands import ROUTERS
from storage.models import (
    Ballot,
    ChannelBinding,
    Chapter,
    Delivery,
    DeliveryStatus,
    Member,
    OutboxEvent,
)
from tests.support import TestBot

broken = Router("broken")


@broken.command("boom")
async def boom(context: Context) -> Reply:
    """Write something, then fail as a bug would."""
    context.session.add(Member(name="half-written", joined_at=context.now))
    await context.session.flush()
    raise RuntimeError("secret internals")


@broken.command("announce-test", access=HQ_ONLY)
async def announce_test(
    context: Context, text: Annotated[str, Arg("what to say")], fail: Annotated[str, Arg("x")] = ""
) -> Reply:
    """Raise an event, and optionally fail afterwards."""
    context.uow.record("chapter.activated", chapter_id=1)
    if fail:
        raise RuntimeError("after the event")
    return Reply.public(text)


def _dispatcher(bot: TestBot) -> Dispatcher:
    registry = Registry().include(*ROUTERS, broken)
    return Dispatcher(
        registry, bot.app.sessions, bot.app.settings, bot.clock, bot.app.notifier.flush
    )


def _request(text: str, user: str = "alice") -> Request:
    return Request("console", user, user, Place("console", ""), text=text)


async def test_unexpected_error_shows_an_id_and_writes_nothing(
    bot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chapterhouse.dispatcher"):
        reply = await _dispatcher(bot).handle(_request("/boom", user="newcomer"))
    assert not reply.ok
    assert reply.text.startswith("Something went wrong on our side (error ")
    assert "secret internals" not in reply.text and "Traceback" not in reply.text
    error_id = reply.text.split("(error ")[1].split(")")[0]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert await bot.count(Member) == 0  # neither the newcomer nor the half-written row


async def test_events_are_delivered_only_after_commit(demo: TestBot) -> None:
    dispatcher = _dispatcher(demo)
    failed = await dispatcher.handle(_request("/announce-test hello yes"))
    assert not failed.ok
    assert await demo.count(OutboxEvent) == 0 and demo.posts == []
    ok = await dispatcher.handle(_request("/announce-test hello"))
    assert ok.ok
    assert await demo.count(OutboxEvent) == 1
    assert len(demo.posts) == 3


async def test_slack_mentions_resolve_and_register_unseen_accounts(demo: TestBot) -> None:
    request = Request(
        "slack", "U0ALICE", "alice", Place("slack", "C1", "general"), text="/member profile"
    )
    await demo.app.dispatcher.handle(request)
    mention = Request(
        "slack",
        "U0ALICE",
        "alice",
        Place("slack", "C1", "general"),
        text="/member profile <@U0NEWBIE|newbie>",
    )
    reply = await demo.app.dispatcher.handle(mention)
    assert reply.ok, reply.text
    assert "newbie" in render(reply)
    assert await demo.count(Member, Member.name == "newbie") == 1


class FlakyPoster:
    platform = "slack"

    def __init__(self, failures: dict[str, list[DeliveryFailed]]) -> None:
        """Failures per channel, in order: channels are sent side by side, in no set order."""
        self.failures = failures
        self.sent: list[str] = []

    async def post(self, channel_id: str, reply: Reply) -> str:
        if self.failures.get(channel_id):
            raise self.failures[channel_id].pop(0)
        self.sent.append(channel_id)
        return f"ts-{len(self.sent)}"

    async def direct(self, user_id: str, reply: Reply) -> str:
        return await self.post(user_id, reply)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        raise AssertionError("nothing here is live")


async def test_deliveries_retry_transient_failures_and_record_permanent_ones(
    demo: TestBot,
) -> None:
    async with demo.uow() as uow:
        for channel in ("C1", "C2"):
            uow.session.add(
                ChannelBinding(
                    chapter_id=1,
                    platform="slack",
                    channel_id=channel,
                    channel_name=channel,
                    bound_at=uow.now,
                )
            )
        await uow.commit()
    await demo.ok("/chapter activate London")  # no Slack poster yet: Slack posts wait
    assert await demo.count(Delivery, Delivery.status == DeliveryStatus.PENDING) == 2
    poster = FlakyPoster(
        {
            "C1": [DeliveryFailed("rate limited", permanent=False)],
            "C2": [DeliveryFailed("channel_not_found", permanent=True)],
        }
    )
    demo.app.notifier.add_poster(poster)
    await demo.app.notifier.send_pending()
    demo.clock.advance(timedelta(seconds=30))  # a transient failure waits before its retry
    await demo.app.notifier.send_pending()
    async with demo.uow() as uow:
        rows = {d.channel_id: d for d in await uow.session.scalars(select(Delivery))}
    assert rows["C1"].status is DeliveryStatus.SENT and rows["C1"].attempts == 2
    assert rows["C2"].status is DeliveryStatus.FAILED and rows["C2"].error == "channel_not_found"
    assert poster.sent == ["C1"]


async def test_typed_option_requests_run_the_same_command(demo: TestBot) -> None:
    """The path Discord will take: a command path and values by name, no text."""
    place = Place("discord", "555", "general")
    typed = Request(
        "discord", "1234567", "grace", place, path=("chapter", "info"), values={"chapter": "Boston"}
    )
    reply = await demo.app.dispatcher.handle(typed)
    assert reply.ok and "President" in render(reply) and "Boston" in render(reply)
    missing = Request("discord", "1234567", "grace", place, path=("chapter", "info"))
    refused = await demo.app.dispatcher.handle(missing)
    assert refused.text == "Missing CHAPTER. Usage: /chapter info CHAPTER"
    unknown = Request("discord", "1234567", "grace", place, path=("chapter", "nope"))
    assert (await demo.app.dispatcher.handle(unknown)).text == "Unknown command /chapter nope."


WORDS = st.sampled_from(
    [
        "/member", "/chapter", "/role", "/audit", "/help", "join", "profile", "data", "link",
        "nudges", "forget", "list", "info", "status", "create", "president", "activate",
        "retire", "bind", "meeting", "grant", "revoke", "Boston", "London", "Chicago",
        "working", "social", "today", "friday", "2026-06-01", "@bob", "@grace", "@nobody",
        "<@U0SLACK|sam>", "moderator", "hq", "on", "off", "--confirm", "--region", "--tz",
        "Europe/Oslo", "--attendance", "12", "-4", '"Ethics of AI"', "“curly”", "'single",
        "ABCD-EFGH", "\ue000m1\ue001",
    ]
)  # fmt: skip


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=st.lists(WORDS | st.text(max_size=12), min_size=1, max_size=8), who=st.sampled_from(
    ["alice", "bob", "grace", "visitor"]
))  # fmt: skip
async def test_no_input_reaches_the_user_as_a_crash(
    demo: TestBot, words: list[str], who: str
) -> None:
    """Whatever anyone types, the answer is a reply or one line; never an error id."""
    reply = await demo.send(" ".join(words), as_=who, channel="boston")
    assert "Something went wrong" not in reply.text, (words, reply.text)
    if not reply.ok:
        assert "\n" not in reply.text and reply.text.strip()


async def test_a_voter_who_goes_away_mid_burst_does_not_stop_the_others(demo: TestBot) -> None:
    tasks = [
        asyncio.create_task(demo.send(f"/poll vote 1 {n}", as_=who))
        for n, who in ((1, "grace"), (2, "bob"), (3, "carol"))
    ]
    await asyncio.sleep(0)  # every vote is queued for the same batch
    tasks[0].cancel()  # grace's client disconnects before the batch runs
    replies = await asyncio.gather(*tasks[1:])
    assert [r.ok for r in replies] == [True, True]
    # Grace's vote was already submitted when she left, so it counts like the others.
    assert await demo.count(Ballot, Ballot.poll_id == 1) == 3


async def test_an_announcement_to_more_channels_than_one_batch_goes_out_in_one_flush(
    demo: TestBot,
) -> None:
    async with demo.uow() as uow:
        boston = await uow.session.scalar(select(Chapter).where(Chapter.name == "Boston"))
        assert boston is not None
        for number in range(BATCH + 15):
            uow.session.add(
                ChannelBinding(
                    chapter_id=boston.id,
                    platform="console",
                    channel_id=f"room-{number}",
                    channel_name=f"room-{number}",
                    bound_at=uow.now,
                )
            )
        await uow.commit()
    await demo.ok("/chapter activate London")
    rooms = {channel for channel, text in demo.posts if channel.startswith("room-")}
    assert len(rooms) == BATCH + 15
