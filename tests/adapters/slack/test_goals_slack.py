"""Goals through the real Bolt app: progress bars as Block Kit, HQ's update announced
once in the bound channel, and the chart uploaded as a PNG."""

from __future__ import annotations

import json

from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
BOSTON = "C0BOSTON"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_goals_render_as_progress_with_pace(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/goals")
    assert reply.params["response_type"] == "ephemeral"
    shown = json.dumps(reply.params, ensure_ascii=False)
    assert "20 active chapters" in shown
    assert "3/20 chapters · 15% · behind: needs" in shown
    assert "█" in shown  # the progress bar


async def test_a_milestone_from_an_update_is_announced_once(slack: SlackHarness) -> None:
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"]
    refused = await slack.command(BEA, "/goal update conference 1")
    assert "HQ" in refused.params["text"]
    await slack.command(ALICE, '/goal update conference 1 --note "Venue booked"')
    await slack.command(ALICE, "/goal update conference 1")
    posts = [
        c
        for c in slack.fake.of("chat.postMessage")
        if c.params["channel"] == BOSTON and "Goal reached" in json.dumps(c.params)
    ]
    assert len(posts) == 1
    assert "An international conference" in json.dumps(posts[0].params)


async def test_the_chart_is_uploaded_as_a_png(slack: SlackHarness) -> None:
    reply = await slack.command(BEA, "/goal chart members", channel=BOSTON)
    assert reply.params["response_type"] == "ephemeral"
    complete = await slack.fake.call("files.completeUploadExternal")
    assert complete.params["channel_id"] == f"D{BEA}"  # a private reply: to the member's DMs
    await slack.fake.wait(lambda: bool(slack.fake.uploads))
    [png] = list(slack.fake.uploads.values())
    assert png.startswith(PNG_SIGNATURE)
