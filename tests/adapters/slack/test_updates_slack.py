"""Status updates on Slack: `/update post GROUP` opens a modal pre-filled with the
draft (views.open); its view_submission posts the card to the group's channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.scheduler import run_due
from storage.models import StatusUpdate
from tests.adapters.slack.harness import SlackHarness, button

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


async def test_hqs_prompt_arrives_as_a_direct_message_whose_button_opens_the_form(
    slack: SlackHarness,
) -> None:
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"]
    due = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # June's report, in the society's zone
    slack.bot.clock.set(due)
    report = await run_due(slack.bot.app, due)
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    await slack.bot.app.notifier.flush()

    def prompts() -> list[Any]:
        return [
            c
            for c in slack.fake.of("chat.postMessage")
            if c.params.get("channel") == f"D{ALICE}" and "update for Q2 2026" in c.block_text()
        ]

    await slack.fake.wait(lambda: bool(prompts()))
    (message,) = prompts()
    write = button(message, "Write the update")
    body, _ = slack.click_body(ALICE, write, channel=f"D{ALICE}", message_ts="1700000000.000100")
    assert (await slack.post(body)).status == 200
    opened = await slack.fake.call("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "prefilled"
    # June closes a quarter: HQ's form is the quarterly one, longer and with highlights.
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["asked", "got", "next_", "highlights"]
    assert inputs["got"]["max_length"] == 1000
    values = {
        "asked": text(""),
        "got": text("Three active chapters; the ethics debate in Boston"),
        "next_": text(""),
        "highlights": text("The ethics position, adopted"),
    }
    posted = await slack.submit(ALICE, view, values)
    assert posted.status == 200 and "errors" not in posted.text, posted.text
    card = await slack.posted_to(BOSTON)
    assert "the society — update for Q2 2026" in card.block_text()
    assert "The ethics position, adopted" in card.block_text()


async def test_a_workgroups_update_reaches_its_bound_channel_and_the_one_typed_in(
    slack: SlackHarness,
) -> None:
    bound = await slack.command(ALICE, "/workgroup bind Mentoring", channel="C0MENTOR")
    assert "Mentoring" in bound.params["text"], bound.params
    posted = await slack.command(
        ALICE, '/update post Mentoring --got "Matched 4 mentors"', channel="C0LOBBY"
    )
    assert "is posted to 2 channels" in posted.params["text"], posted.params
    for channel in ("C0MENTOR", "C0LOBBY"):
        card = await slack.posted_to(channel)
        assert "Mentoring — update for May 2026" in card.block_text()
        assert "Matched 4 mentors" in card.block_text()


async def test_each_refused_field_shows_under_that_field_in_the_modal(
    slack: SlackHarness,
) -> None:
    view = await opened_form(slack)
    cases = [
        (
            {"asked": text(""), "got": text("x" * 501), "next_": text("")},
            "got",
            "--got is 501 characters; keep it to 500.",
        ),
        (
            {"asked": text(""), "got": text(""), "next_": text("")},
            "asked",
            "The update is empty: write at least one of --asked, --got or --next.",
        ),
        (
            {"asked": text(""), "got": text("Met"), "next_": text("Thanks @everyone")},
            "next_",
            "--next mentions @everyone; an update never pings a whole channel, "
            "so write it without the mention.",
        ),
        (
            {"asked": text("<!here> said so"), "got": text("Met"), "next_": text("")},
            "asked",
            "--asked mentions <!here>; an update never pings a whole channel, "
            "so write it without the mention.",
        ),
    ]
    for values, block, message in cases:
        answer = json.loads((await slack.submit(ALICE, view, values)).text)
        assert answer == {"response_action": "errors", "errors": {block: message}}, answer
    assert await slack.bot.count(StatusUpdate) == 0
    assert not [
        c
        for c in slack.fake.of("chat.postMessage")
        if c.params.get("channel") == BOSTON and "update for" in c.block_text()
    ]
