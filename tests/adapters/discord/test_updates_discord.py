"""Status updates on Discord: `/update post` with only its group opens a modal whose
fields start from the draft; its submission posts the update."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.scheduler import run_due
from chapterhouse.testing.discord import BOSTON_ID, dm_channel_id
from storage.models import StatusUpdate
from tests.adapters.discord.harness import DORA, DiscordHarness, custom_id


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
    refused = json.dumps((await fake.answer_for(empty)).json, ensure_ascii=False)
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
    answer = await fake.answer_for(submitted)
    assert "Your update for Boston, May 2026, is posted" in json.dumps(
        answer.json, ensure_ascii=False
    )
    assert await discord_app.bot.count(StatusUpdate) == 1


async def test_hqs_prompt_button_opens_the_quarterly_modal_and_its_submission_posts(
    discord_app: DiscordHarness,
) -> None:
    """The whole path through the real client: the scheduler's DM, its button, the
    modal pre-filled with the draft (the quarter's longer form), and the submission."""
    fake = discord_app.fake
    bound = await discord_app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in json.dumps(bound.json), bound.json
    due = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # Q2's report, in the society's zone
    discord_app.bot.clock.set(due)
    report = await run_due(discord_app.core, due)
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    await discord_app.core.notifier.flush()

    def prompts() -> list[dict[str, Any]]:
        return [
            m
            for m in fake.messages_in(dm_channel_id(DORA))
            if "update for Q2 2026" in json.dumps(m, ensure_ascii=False)
        ]

    await fake.wait(lambda: bool(prompts()))
    (message,) = prompts()
    assert "is due" in json.dumps(message, ensure_ascii=False)
    button = custom_id(message, "Write the update")
    click = fake.component(DORA, button, message=int(message["id"]), dm=True)
    await fake.send_interaction(click)
    opened = await fake.answer_for(click)
    assert opened.json["type"] == 9, opened.json  # a modal
    modal = opened.data
    inputs = {c["custom_id"]: c for row in modal["components"] for c in row["components"]}
    assert list(inputs) == ["asked", "got", "next_", "highlights"]
    assert inputs["got"]["max_length"] == 1000
    assert "meetings held (cadence expects about" in inputs["got"]["value"]
    assert await discord_app.bot.count(StatusUpdate) == 0  # nothing without a submission
    submitted = fake.modal_submit(
        DORA,
        modal["custom_id"],
        [
            fake.text_input_row("asked", ""),
            fake.text_input_row("got", "Three active chapters"),
            fake.text_input_row("next_", ""),
            fake.text_input_row("highlights", "Boston's ethics debate drew 40"),
        ],
        dm=True,
    )
    await fake.send_interaction(submitted)
    answer = json.dumps((await fake.answer_for(submitted)).json, ensure_ascii=False)
    # Every chapter channel: the demo's three on the console, and Boston's here.
    assert "Your update for the society, Q2 2026, is posted to 4 channels" in answer, answer
    assert "Delivered to 4 of 4 chapter channels." in answer

    def cards() -> list[Any]:
        return [
            c
            for c in fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages")
            if "the society — update for Q2 2026" in json.dumps(c.json, ensure_ascii=False)
        ]

    await fake.wait(lambda: bool(cards()))
    (card,) = cards()
    shown = json.dumps(card.json, ensure_ascii=False)
    assert "Boston's ethics debate drew 40" in shown and "Three active chapters" in shown
    assert await discord_app.bot.count(StatusUpdate) == 1
