"""Status updates on Slack: `/update post GROUP` opens a modal pre-filled with the
draft (views.open); its view_submission posts the card to the group's channel."""

from __future__ import annotations

import json
from typing import Any

from storage.models import StatusUpdate
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BOSTON = "C0BOSTON"


def text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


async def opened_form(slack: SlackHarness) -> dict[str, Any]:
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"], bound.params
    meeting = '/chapter meeting Boston working 2026-05-20 "Ethics debate" --attendance 14'
    await slack.command(ALICE, meeting, channel=BOSTON)
    opened = await slack.command_opening(ALICE, "/update post Boston", channel=BOSTON)
    view = opened.params["view"]
    return json.loads(view) if isinstance(view, str) else view


async def test_the_update_form_opens_with_the_draft_and_posts_when_submitted(
    slack: SlackHarness,
) -> None:
    view = await opened_form(slack)
    assert view["callback_id"] == "prefilled"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["asked", "got", "next_"]
    assert "20 May working “Ethics debate” (14)" in inputs["got"]["initial_value"]
    values = {
        "asked": text(""),
        "got": text("The ethics debate: 14 came"),
        "next_": text("Check in on the position"),
    }
    posted = await slack.submit(ALICE, view, values)
    assert posted.status == 200 and "errors" not in posted.text, posted.text
    card = await slack.posted_to(BOSTON)
    assert "Boston — update for May 2026" in card.block_text()
    assert "The ethics debate: 14 came" in card.block_text()
    assert await slack.bot.count(StatusUpdate) == 1


async def test_an_empty_or_channel_pinging_form_is_refused_in_the_modal(
    slack: SlackHarness,
) -> None:
    view = await opened_form(slack)
    empty = {"asked": text(""), "got": text(""), "next_": text("")}
    answer = json.loads((await slack.submit(ALICE, view, empty)).text)
    assert answer["response_action"] == "errors"
    assert "write at least one of --asked, --got or --next" in answer["errors"]["asked"]
    pinging = {"asked": text(""), "got": text("<!channel> we met"), "next_": text("")}
    answer = json.loads((await slack.submit(ALICE, view, pinging)).text)
    assert answer["response_action"] == "errors"
    assert await slack.bot.count(StatusUpdate) == 0
