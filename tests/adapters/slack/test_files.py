"""Binary files on Slack: uploaded byte for byte, privately when the reply is private."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.reply import Reply
from chapterhouse.testing.slack import Call
from tests.adapters.pictures import NAME, chart, picture, with_pictures
from tests.adapters.slack.harness import SlackHarness, start_slack

BEA = "U0BEA"
GENERAL = "C0GENERAL"
BOSTON = "C0BOSTON"


@pytest.fixture
async def slack(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackHarness]:
    with_pictures(monkeypatch)
    async for harness in start_slack(database_url):
        yield harness


async def uploaded(slack: SlackHarness, count: int = 1) -> tuple[Call, bytes]:
    """The `count`-th completed upload and the bytes Slack received for it."""
    complete = await slack.fake.call("files.completeUploadExternal", count)
    raw = complete.params["files"]
    [described] = json.loads(raw) if isinstance(raw, str) else raw
    await slack.fake.wait(lambda: described["id"] in slack.fake.uploads)
    assert described["title"] == NAME
    return complete, slack.fake.uploads[described["id"]]


async def test_a_private_chart_goes_to_the_members_direct_messages(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/picture private", channel=GENERAL)
    assert reply.params["response_type"] == "ephemeral"
    complete, data = await uploaded(slack)
    assert complete.params["channel_id"] == f"D{BEA}"  # an upload in the channel is public
    assert data == chart()
    [asked] = slack.fake.of("files.getUploadURLExternal")
    assert (asked.params["filename"], int(asked.params["length"])) == (NAME, len(chart()))


async def test_a_public_chart_is_uploaded_to_the_channel(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/picture public", channel=GENERAL)
    assert reply.params["response_type"] == "in_channel"
    assert "members.png (sent as a file)" in reply.block_text()
    complete, data = await uploaded(slack)
    assert complete.params["channel_id"] == GENERAL
    assert data == chart()


async def test_posts_and_direct_messages_carry_their_charts(slack: SlackHarness) -> None:
    poster = slack.adapter.poster
    await poster.post(BOSTON, Reply.public("The members chart.", picture()))
    await poster.direct(BEA, Reply.private("Your members chart.", picture()))
    assert (await slack.posted_to(BOSTON)).params["text"] == "The members chart."
    to_channel, in_channel = await uploaded(slack, 1)
    to_member, in_direct = await uploaded(slack, 2)
    assert (to_channel.params["channel_id"], to_member.params["channel_id"]) == (BOSTON, f"D{BEA}")
    assert in_channel == in_direct == chart()
