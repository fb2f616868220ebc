"""Announcements: posted once per channel, answered with a true delivery report.

The demo society's three active chapters have console channels. Here Slack
channels are bound beside them and a recording Slack poster fails some of them:
one channel was deleted, the bot was removed from another, a third is rate
limited once. A Discord channel is bound too, with no Discord in this process.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.console.render import render
from bot.notifier import DeliveryFailed
from bot.reply import Header, Reply, Visibility
from storage.models import (
    AnnouncementRecord,
    ChannelBinding,
    Chapter,
    Delivery,
    DeliveryStatus,
)
from tests.support import TestBot

# channel → chapter, for Slack; the failures are set per test.
SLACK_CHANNELS = {
    "C0BOSTON": "Boston",
    "C0GONE": "Boston",
    "C0DC": "Washington DC",
    "C0SF": "San Francisco",
    "C0LONDON": "London",
}
GONE = DeliveryFailed("slack: channel_not_found", permanent=True)
REMOVED = DeliveryFailed("slack: not_in_channel", permanent=True)
LIMITED = DeliveryFailed("slack: ratelimited", permanent=False)


class RecordingPoster:
    """A Slack that fails the channels it is told to, and records what it posted."""

    platform = "slack"

    def __init__(self, failures: dict[str, list[DeliveryFailed]]) -> None:
        self.failures = failures
        """Per channel, the failures of its next attempts (a permanent one stays)."""
        self.posts: list[tuple[str, Reply]] = []

    async def post(self, channel_id: str, reply: Reply) -> str:
        await asyncio.sleep(0)  # let a concurrent sender interleave here
        planned = self.failures.get(channel_id, [])
        if planned:
            failure = planned[0] if planned[0].permanent else planned.pop(0)
            raise failure
        self.posts.append((channel_id, reply))
        return f"ts-{len(self.posts)}"

    async def direct(self, user_id: str, reply: Reply) -> str:
        return await self.post(user_id, reply)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        raise AssertionError("announcements are not live posts")

    def counts(self) -> Counter[str]:
        return Counter(channel for channel, _ in self.posts)


def failing_slack() -> RecordingPoster:
    return RecordingPoster({"C0GONE": [GONE], "C0DC": [REMOVED], "C0SF": [LIMITED]})


async def bind(bot: TestBot, platform: str, channels: dict[str, str]) -> None:
    async with bot.uow() as uow:
        ids = {
            name: id_ for name, id_ in await uow.session.execute(select(Chapter.name, Chapter.id))
        }
        for channel, chapter in channels.items():
            uow.session.add(
                ChannelBinding(
                    chapter_id=ids[chapter],
                    platform=platform,
                    channel_id=channel,
                    channel_name=channel.lower(),
                    bound_at=uow.now,
                )
            )
        await uow.commit()


async def statuses(bot: TestBot) -> dict[str, tuple[str, int]]:
    async with bot.uow() as uow:
        rows = await uow.session.execute(
            select(Delivery.key, Delivery.status, Delivery.attempts).where(
                Delivery.key.startswith("announce:")
            )
        )
        return {key: (status.value, attempts) for key, status, attempts in rows}


@pytest.fixture
async def society(demo: TestBot) -> tuple[TestBot, RecordingPoster]:
    await bind(demo, "slack", SLACK_CHANNELS)
    slack = failing_slack()
    demo.app.notifier.add_poster(slack)
    return demo, slack


async def test_the_report_counts_what_arrived_and_says_why_the_rest_did_not(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, slack = society
    reply = await bot.send('/announce "Conference in May: submit talks" --platform slack')
    assert reply.ok and reply.visibility is Visibility.EPHEMERAL
    report = render(reply)
    assert "Announcement 1: delivered 2 of 5" in report
    assert "Not delivered (2)" in report
    assert "Boston · #c0gone (slack): channel gone" in report
    assert "(slack: channel_not_found)" in report
    assert "Washington DC · #c0dc (slack): bot not in channel" in report
    assert "Still pending (1)" in report
    assert "San Francisco · #c0sf (slack): rate limited (slack: ratelimited); will be retried" in (
        report
    )
    assert slack.counts() == {"C0BOSTON": 1, "C0LONDON": 1}
    assert bot.posts == []  # --platform slack: the console channels heard nothing


async def test_the_post_has_a_header_the_text_and_who_announced(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, slack = society
    await bot.ok('/announce "Welcome, new members!" --chapters Boston')
    [(channel, post)] = slack.posts
    assert channel == "C0BOSTON"
    assert post.visibility is Visibility.PUBLIC
    assert post.blocks[0] == Header("Announcement")
    assert "Welcome, new members!" in render(post)
    assert "From @alice, for HQ" in render(post)
    [(console_channel, text)] = bot.posts  # Boston's console channel, the same post
    assert console_channel == "boston" and "Welcome, new members!" in text


async def test_each_channel_hears_it_once_however_often_sending_runs(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, slack = society
    await bot.ok('/announce "Dues are due" --platform slack')
    notifier = bot.app.notifier
    bot.clock.advance(timedelta(hours=1))  # past any backoff for the rate-limited channel
    await asyncio.gather(notifier.send_all(), notifier.send_all(), notifier.flush())
    await notifier.flush()
    assert slack.counts() == {"C0BOSTON": 1, "C0LONDON": 1, "C0SF": 1}
    final = await statuses(bot)
    assert final["announce:1:slack:C0GONE"] == ("failed", 1)  # a deleted channel is not retried
    assert final["announce:1:slack:C0DC"] == ("failed", 1)
    assert final["announce:1:slack:C0SF"] == ("sent", 2)
    later = await bot.ok("/announce --report 1")
    assert "delivered 3 of 5" in later and "Still pending" not in later


async def test_queued_posts_go_out_once_when_senders_race(demo: TestBot) -> None:
    await bind(demo, "slack", SLACK_CHANNELS)
    queued = await demo.ok('/announce "Before Slack connects" --platform slack')
    assert "delivered 0 of 5" in queued
    assert queued.count("waiting for a process connected to Slack") == 5
    slack = RecordingPoster({})
    demo.app.notifier.add_poster(slack)
    notifier = demo.app.notifier
    await asyncio.gather(*(notifier.send_all() for _ in range(3)), notifier.flush())
    assert slack.counts() == dict.fromkeys(SLACK_CHANNELS, 1)
    assert {status for status, _ in (await statuses(demo)).values()} == {"sent"}


async def test_a_platform_not_running_here_is_reported_pending(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, _ = society
    await bind(bot, "discord", {"1300000000000000203": "Chicago"})
    report = await bot.ok('/announce "All hands"')
    # 3 console channels, 5 Slack, 1 Discord: console and two Slack arrive.
    assert "delivered 5 of 9" in report
    assert (
        "Chicago · #1300000000000000203 (discord): waiting for a process connected to Discord"
        in (report)
    )


async def test_chapters_with_spaces_in_their_names(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, slack = society
    report = await bot.ok('/announce "Joint meeting" --chapters "Washington DC,boston"')
    assert "delivered 3 of 5" in report  # two console channels, C0BOSTON; C0GONE, C0DC fail
    assert set(slack.counts()) == {"C0BOSTON"}
    assert sorted(channel for channel, _ in bot.posts) == ["boston", "washington-dc"]
    async with bot.uow() as uow:
        record = await uow.session.scalar(select(AnnouncementRecord))
    assert record is not None and record.chapters == "Washington DC,boston"
    assert record.platform == "all" and record.text == "Joint meeting"


async def test_only_hq_may_announce_and_a_refusal_writes_nothing(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, slack = society
    before = await bot.snapshot()
    for who in ("bob", "dan", "grace"):
        assert await bot.refused('/announce "Free pizza"', as_=who) == (
            "Only HQ may use /announce."
        )
        assert await bot.refused("/deliveries", as_=who) == "Only HQ may use /deliveries."
    assert await bot.snapshot() == before
    assert slack.posts == [] and bot.posts == []


async def test_unknown_chapters_are_named_with_the_closest_match(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, slack = society
    before = await bot.snapshot()
    line = await bot.refused('/announce "Hello" --chapters "Bostn, Atlantis, London"')
    assert line == (
        "No chapter named 'Bostn' (did you mean Boston?) or 'Atlantis'. "
        "Separate names with commas; see /chapter list."
    )
    assert await bot.snapshot() == before
    assert slack.posts == []


async def test_no_bound_channel_is_refused_and_writes_nothing(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, _ = society
    before = await bot.snapshot()
    line = await bot.refused('/announce "Hello" --chapters London,Chicago --platform discord')
    assert line.startswith("London and Chicago have no bound channel on Discord")
    assert "/chapter bind" in line
    assert await bot.snapshot() == before


async def test_bad_requests_say_what_would_be_right(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, _ = society
    before = await bot.snapshot()
    assert "Give the text in quotes" in await bot.refused("/announce --chapters Boston")
    assert "give it alone" in await bot.refused('/announce "Hi" --report 1')
    assert "not both" in await bot.refused('/announce "Hi" --chapters all,Boston')
    assert await bot.refused("/announce --report 7") == "No announcement 7. There are none yet."
    assert "at most 3000 characters" in await bot.refused(f'/announce "{"x" * 3001}"')
    assert "--platform must be all or slack or discord" in await bot.refused(
        '/announce "Hi" --platform teams'
    )
    assert await bot.snapshot() == before


async def test_deliveries_lists_what_did_not_arrive_with_its_reason(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, _ = society
    assert "Nothing failed" in await bot.ok("/deliveries")
    await bot.ok('/announce "Dues are due" --platform slack')
    failed = await bot.ok("/deliveries --failed")
    assert "latest 2 of 2" in failed
    assert (
        "announce:1:slack:C0GONE · Boston · #c0gone (slack) · failed: channel gone "
        "(deleted, or hidden from the bot) (slack: channel_not_found) · 1 attempt · "
        "queued Mon 15 Jun 16:00 UTC"
    ) in failed
    assert "C0SF" not in failed  # pending, not failed
    assert "C0SF" not in await bot.ok("/deliveries")  # pending for a moment is not stuck
    bot.clock.advance(timedelta(minutes=10))
    stuck = await bot.ok("/deliveries")
    assert "announce:1:slack:C0SF ·" in stuck and "will be retried automatically" in stuck
    one = await bot.ok("/deliveries 1")
    assert "latest 1 of 3" in one and "2 more not shown" in one
    assert "between 1 and 25" in await bot.refused("/deliveries 26")


async def test_the_audit_log_records_the_announcement(
    society: tuple[TestBot, RecordingPoster],
) -> None:
    bot, _ = society
    await bot.ok('/announce "Dues are due" --chapters Boston --platform slack')
    assert '/announce "Dues are due" --chapters Boston --platform slack' in await bot.ok("/audit 2")
    assert await bot.count(Delivery, Delivery.status == DeliveryStatus.SENT) == 1
