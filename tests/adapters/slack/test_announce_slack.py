"""An announcement typed in Slack: posts in the bound channels, the report at the response_url."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Delivery
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
CHANNELS = {"C0BOSTON": "Boston", "C0LONDON": "London"}


async def test_an_announcement_reports_the_channel_the_bot_was_removed_from(
    slack: SlackHarness,
) -> None:
    for channel, chapter in CHANNELS.items():
        bound = await slack.command(
            ALICE, f"/chapter bind {chapter}", channel=channel, channel_name=chapter.lower()
        )
        assert "now receives" in bound.params["text"], bound.params
    slack.fake.fail("chat.postMessage", "not_in_channel")  # the first post Slack receives

    reply = await slack.command(
        ALICE, "/announce “Elections open Monday” --chapters Boston,London --platform slack"
    )

    posts = slack.fake.of("chat.postMessage")
    assert sorted(p.params["channel"] for p in posts) == sorted(CHANNELS)  # one attempt each
    refused, delivered = posts[0].params["channel"], posts[1].params["channel"]
    assert "Elections open Monday" in posts[1].block_text()
    assert "Announcement" in posts[1].block_text()
    report = json.dumps(reply.params, ensure_ascii=False)
    assert reply.params["response_type"] == "ephemeral"
    assert "Announcement 1: delivered 1 of 2" in report
    assert f"{CHANNELS[refused]} · #{CHANNELS[refused].lower()} (slack): bot not in channel" in (
        report
    )
    assert CHANNELS[delivered] + " ·" not in report  # only what did not arrive is listed
    async with slack.bot.uow() as uow:
        rows = dict((await uow.session.execute(select(Delivery.channel_id, Delivery.status))).all())
    assert rows == {refused: "failed", delivered: "sent"}

    refusal = await slack.command(BEA, "/announce “Free pizza”")
    assert refusal.params["text"] == "Only HQ may use /announce."
    assert len(slack.fake.of("chat.postMessage")) == 2
