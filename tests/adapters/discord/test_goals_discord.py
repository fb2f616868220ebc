"""Goals through the real discord.py client: an embed with progress, an HQ-only
update announced once in the bound channel, and the chart attached as a PNG."""

from __future__ import annotations

from chapterhouse.testing.discord import BOSTON_ID, EPHEMERAL
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, text_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_goals_render_with_progress_and_pace(discord_app: DiscordHarness) -> None:
    call = await discord_app.reply(BEA, "/goals")
    assert call.data["flags"] == EPHEMERAL
    shown = text_of(call)
    assert "20 active chapters" in shown and "3/20" in shown
    assert "behind: needs 0.6 chapters a week" in shown


async def test_an_update_passes_a_milestone_announced_once(discord_app: DiscordHarness) -> None:
    bound = await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in text_of(bound)
    refused = await discord_app.reply(BEA, "/goal update", {"key": "conference", "value": "1"})
    assert "HQ" in text_of(refused) and refused.data["flags"] == EPHEMERAL
    for _ in range(2):
        await discord_app.reply(DORA, "/goal update", {"key": "conference", "value": "1"})
    posts = [
        c
        for c in discord_app.fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages")
        if "Goal reached" in text_of(c)
    ]
    assert len(posts) == 1


async def test_the_chart_is_attached_as_a_png(discord_app: DiscordHarness) -> None:
    call = await discord_app.reply(BEA, "/goal chart", {"key": "members"})
    assert call.data["flags"] == EPHEMERAL
    [upload] = call.files
    assert upload.filename == "goal-members-2026-06-15.png"
    assert upload.data.startswith(PNG_SIGNATURE)
