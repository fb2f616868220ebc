"""Scheduled work reaching Discord through the real client: the weekly digest in a
bound channel at the chapter's local morning, and a reminder as a direct message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.scheduler import run_due
from chapterhouse.testing.discord import BOSTON_ID
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, text_of
from tests.support import START


async def tick(app: DiscordHarness, minutes: int = 0) -> None:
    at = START + timedelta(minutes=minutes)
    app.bot.clock.set(at)
    report = await run_due(app.core, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]


async def test_the_weekly_digest_and_a_reminder_reach_discord_once(
    discord_app: DiscordHarness,
) -> None:
    bound = await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in text_of(bound)
    await discord_app.reply(BEA, "/member join", {"chapter": "Boston"})
    created = await discord_app.reply(
        DORA,
        "/poll create",
        {"question": "Picnic?", "options": '"Yes" "No"', "audience": "society", "closes": "48h"},
    )
    assert "Posted to" in text_of(created), text_of(created)
    await tick(discord_app)

    def digests() -> list[Any]:
        return [
            c
            for c in discord_app.fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages")
            if "weekly digest" in text_of(c)
        ]

    await discord_app.fake.wait(lambda: bool(digests()))
    assert "Picnic?" in text_of(digests()[0])
    for minutes in (24 * 60 + 1, 24 * 60 + 2):
        await tick(discord_app, minutes)
    await discord_app.fake.wait(
        lambda: bool(discord_app.fake.calls_to("POST", r"/users/@me/channels"))
    )
    [bea_dm] = [
        c.response["id"]
        for c in discord_app.fake.calls_to("POST", r"/users/@me/channels")
        if str(c.json["recipient_id"]) == str(BEA)
    ]

    def reminders() -> list[Any]:
        return [
            c
            for c in discord_app.fake.calls_to("POST", rf"/channels/{bea_dm}/messages")
            if "Reminder: poll" in text_of(c)
        ]

    await discord_app.fake.wait(lambda: bool(reminders()))
    assert len(reminders()) == 1 and len(digests()) == 1
