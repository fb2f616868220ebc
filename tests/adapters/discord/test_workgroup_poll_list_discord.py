"""On Discord: a workgroup's poll in /poll list, named with its workgroup on list and card."""

from __future__ import annotations

import json

from tests.adapters.discord.harness import BEA, CARL, DORA, GENERAL_ID, DiscordHarness


async def test_a_workgroup_poll_is_listed_for_its_members(discord_app: DiscordHarness) -> None:
    await discord_app.reply(BEA, "/workgroup join", {"name": "Mentoring"})
    await discord_app.reply(CARL, "/member join", {"chapter": "Boston"})
    await discord_app.reply(DORA, "/workgroup bind", {"name": "Mentoring"}, channel=GENERAL_ID)
    before = len(discord_app.fake.calls_to("POST", rf"/channels/{GENERAL_ID}/messages"))
    await discord_app.reply(
        DORA,
        "/poll create",
        {"question": "Meet monthly?", "options": '"Yes" "No"', "audience": "workgroup:Mentoring"},
    )
    card = await discord_app.fake.wait_for_call(
        "POST", rf"/channels/{GENERAL_ID}/messages", count=before + 1
    )
    assert "Workgroup: Mentoring" in json.dumps(card.json)

    listed = await discord_app.reply(BEA, "/poll list", {"workgroup": "Mentoring"})
    assert "Meet monthly? (Workgroup: Mentoring)" in json.dumps(listed.json), listed.json
    other = await discord_app.reply(CARL, "/poll list")
    assert "Meet monthly?" not in json.dumps(other.json)
