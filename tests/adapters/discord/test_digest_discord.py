"""/digest through Discord: an interaction in, the digest as an ephemeral embed out."""

from __future__ import annotations

import json

from chapterhouse.testing.discord import BOSTON_ID, EPHEMERAL
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness


async def test_digest_by_name_and_by_channel(discord_app: DiscordHarness) -> None:
    named = await discord_app.reply(BEA, "/digest", {"chapter": "San Francisco"})
    assert named.data["flags"] == EPHEMERAL
    shown = json.dumps(named.data, ensure_ascii=False)
    assert "San Francisco · weekly digest" in shown
    assert "closes Sat 20 Jun 09:00 PDT" in shown  # the chapter's time zone
    bound = await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in json.dumps(bound.data)
    here = await discord_app.reply(BEA, "/digest", channel=BOSTON_ID)
    text = json.dumps(here.data, ensure_ascii=False)
    assert "Boston · weekly digest" in text and "Mentoring" in text
    refused = await discord_app.reply(BEA, "/digest")
    assert refused.data["flags"] == EPHEMERAL
    assert refused.data["content"].startswith("Name a chapter, e.g. /digest Boston")
