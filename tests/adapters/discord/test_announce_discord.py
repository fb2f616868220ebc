"""An announcement from a Discord interaction: posts over REST, the report as its response."""

from __future__ import annotations

import json

from chapterhouse.testing.discord import ANNOUNCEMENTS_ID, BOSTON_ID, EPHEMERAL
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness


async def test_an_announcement_reports_the_channel_without_access(
    discord_app: DiscordHarness,
) -> None:
    for chapter, channel in (("Boston", BOSTON_ID), ("London", ANNOUNCEMENTS_ID)):
        bound = await discord_app.reply(
            DORA, "/chapter bind", {"chapter": chapter}, channel=channel
        )
        assert "now receives" in json.dumps(bound.json), bound.json
    fake = discord_app.fake
    fake.fail("POST", rf"/channels/{ANNOUNCEMENTS_ID}/messages", 403, 50001, "Missing Access")

    answer = await discord_app.reply(
        DORA,
        "/announce",
        {"text": "Elections open Monday", "chapters": "Boston, London", "platform": "discord"},
    )

    [posted] = fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages")
    assert "Elections open Monday" in json.dumps(posted.json)
    assert len(fake.calls_to("POST", rf"/channels/{ANNOUNCEMENTS_ID}/messages")) == 1
    assert answer.data["flags"] == EPHEMERAL
    report = json.dumps(answer.data, ensure_ascii=False)
    assert "Announcement 1: delivered 1 of 2" in report
    assert "London · #" in report
    assert "bot cannot see the channel (missing access) (discord: 403 50001 Missing Access)" in (
        report
    )

    later = await discord_app.reply(DORA, "/announce", {"report": 1})
    assert "delivered 1 of 2" in json.dumps(later.data)
    refused = await discord_app.reply(BEA, "/announce", {"text": "Free pizza"})
    assert "Only HQ may use /announce." in json.dumps(refused.data)
