"""The welcome on Discord: a newcomer's first command brings one direct message naming
the next events, each time written as a Discord timestamp the reader sees in their zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.scheduler import run_due
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, text_of


async def test_the_welcome_lists_the_next_events_as_discord_timestamps(
    discord_app: DiscordHarness,
) -> None:
    planned = await discord_app.reply(
        DORA,
        "/event create",
        {"chapter": "Boston", "kind": "social", "when": "2026-07-02T18:30", "title": "Picnic"},
    )
    assert "Picnic" in text_of(planned), text_of(planned)
    await discord_app.reply(BEA, "/member join", {"chapter": "Boston"})
    at = datetime(2026, 6, 16, 15, 0, tzinfo=UTC)  # mid-morning in Boston: not quiet hours
    discord_app.bot.clock.set(at)
    report = await run_due(discord_app.core, at)
    assert not report.failed, [(job.name, job.error) for job in report.failed]

    def welcomes() -> list[Any]:
        return [
            c
            for c in discord_app.fake.calls_to("POST", r"/channels/\d+/messages")
            if "Welcome, " in text_of(c) and "Picnic" in text_of(c)
        ]

    await discord_app.fake.wait(lambda: bool(welcomes()))
    shown = text_of(welcomes()[0])
    start = int(datetime(2026, 7, 2, 22, 30, tzinfo=UTC).timestamp())  # 18:30 in Boston
    assert "Next events" in shown and f"<t:{start}:F>" in shown, shown
