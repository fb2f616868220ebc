"""An update written in the direct message with the bot (where the scheduler's prompt
arrives) is posted in the group's bound channel only; the DM gets a short
confirmation naming that channel, never the card."""

from __future__ import annotations

import json
from typing import Any

from chapterhouse.testing.slack import Call
from storage.models import StatusUpdate
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration: may post any group's update
DM = f"D{ALICE}"
MENTORING = "C0MENTOR"
BOSTON = "C0BOSTON"


def text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def in_dm(slack: SlackHarness) -> list[Call]:
    """Every message Slack was asked to show in the DM, public or only to Alice."""
    return [
        c
        for method in ("chat.postMessage", "chat.postEphemeral")
        for c in slack.fake.of(method)
        if c.params.get("channel") == DM
    ]


async def test_the_update_form_submitted_from_a_dm_posts_to_the_bound_channel_only(
    slack: SlackHarness,
) -> None:
    bound = await slack.command(
        ALICE, "/workgroup bind Mentoring", channel=MENTORING, channel_name="mentoring"
    )
    assert "Mentoring" in bound.params["text"], bound.params
    opened = await slack.command_opening(
        ALICE, "/update post Mentoring", channel=DM, channel_name="directmessage"
    )
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {"asked": text(""), "got": text("Matched 4 mentors"), "next_": text("")}
    submitted = await slack.submit(ALICE, view, values)
    assert submitted.status == 200 and "errors" not in submitted.text, submitted.text
    card = await slack.posted_to(MENTORING)
    assert "Mentoring — update for May 2026" in card.block_text()
    assert "Matched 4 mentors" in card.block_text()
    confirmed = await slack.fake.call("chat.postEphemeral")
    assert confirmed.params["channel"] == DM and confirmed.params["user"] == ALICE
    assert (
        "Your update for Mentoring, May 2026, is posted to 1 channel: #mentoring (slack)."
        in confirmed.block_text()
    )
    await slack.bot.app.notifier.flush()
    shown_in_dm = "\n".join(c.block_text() + str(c.params.get("text")) for c in in_dm(slack))
    assert "update for May 2026" not in shown_in_dm and "Matched 4 mentors" not in shown_in_dm
    assert [c.params["channel"] for c in slack.fake.of("chat.postMessage")] == [MENTORING]


async def test_a_slash_command_in_a_dm_posts_to_the_chapter_channel_only(
    slack: SlackHarness,
) -> None:
    await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON, channel_name="boston")
    answer = await slack.command(
        ALICE,
        '/update post Boston --got "The ethics debate: 14 came"',
        channel=DM,
        channel_name="directmessage",
    )
    said = answer.params["text"]
    # The demo's console channel for Boston, and the Slack one just bound.
    assert (
        "Your update for Boston, May 2026, is posted to 2 channels: #boston (console), "
        "#boston (slack)." in said
    )
    assert answer.params.get("response_type") == "ephemeral"
    assert "14 came" not in said + json.dumps(answer.params.get("blocks", []))
    card = await slack.posted_to(BOSTON)
    assert "The ethics debate: 14 came" in card.block_text()
    await slack.bot.app.notifier.flush()
    assert in_dm(slack) == []
    assert await slack.bot.count(StatusUpdate) == 1


async def test_a_dm_update_without_a_bound_channel_says_how_to_bind_one(
    slack: SlackHarness,
) -> None:
    answer = await slack.command(
        ALICE,
        '/update post Mentoring --got "Matched 4 mentors"',
        channel=DM,
        channel_name="directmessage",
    )
    assert "no channel is bound to Mentoring" in answer.params["text"]
    assert "type /workgroup bind Mentoring in the channel" in answer.params["text"]
    await slack.bot.app.notifier.flush()
    assert in_dm(slack) == []
    assert not [c for c in slack.fake.of("chat.postMessage") if "Mentoring" in c.block_text()]
