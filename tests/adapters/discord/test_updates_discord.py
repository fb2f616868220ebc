"""Status updates on Discord: `/update post` with only its group opens a modal whose
fields start from the draft; its submission posts the update."""

from __future__ import annotations

import json

from storage.models import StatusUpdate
from tests.adapters.discord.harness import DORA, DiscordHarness


async def test_the_update_modal_opens_with_the_draft_and_posts_when_submitted(
    discord_app: DiscordHarness,
) -> None:
    meeting = {
        "chapter": "Boston",
        "kind": "working",
        "day": "2026-05-20",
        "topic": "Ethics debate",
        "attendance": 14,
    }
    logged = await discord_app.reply(DORA, "/chapter meeting", meeting)
    assert "Ethics debate" in json.dumps(logged.json, ensure_ascii=False), logged.json
    _, call = await discord_app.command(DORA, "/update post", {"group": "Boston"})
    assert call.json["type"] == 9  # a modal
    modal = call.data
    inputs = {
        c["custom_id"]: c for row in modal["components"] for c in row.get("components", [row])
    }
    assert list(inputs) == ["asked", "got", "next_"]
    assert "20 May working “Ethics debate” (14)" in inputs["got"]["value"]
    fake = discord_app.fake
    empty = fake.modal_submit(
        DORA,
        modal["custom_id"],
        [fake.text_input_row(name, "") for name in ("asked", "got", "next_")],
    )
    await fake.send_interaction(empty)
    refused = json.dumps((await fake.callback_for(empty)).json, ensure_ascii=False)
    assert "write at least one of --asked, --got or --next" in refused
    assert await discord_app.bot.count(StatusUpdate) == 0
    _, call = await discord_app.command(DORA, "/update post", {"group": "Boston"})
    submitted = fake.modal_submit(
        DORA,
        call.data["custom_id"],
        [
            fake.text_input_row("asked", ""),
            fake.text_input_row("got", "The ethics debate: 14 came"),
            fake.text_input_row("next_", "Check in on the position"),
        ],
    )
    await fake.send_interaction(submitted)
    answer = await fake.callback_for(submitted)
    assert "Your update for Boston, May 2026, is posted" in json.dumps(
        answer.json, ensure_ascii=False
    )
    assert await discord_app.bot.count(StatusUpdate) == 1
