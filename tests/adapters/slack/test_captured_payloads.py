"""Captured Slack payloads: the fake's builders match their shape, and the real Bolt app
accepts them end to end (signed HTTP in, the reply read off the fake Web API)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from chapterhouse.testing import captured
from chapterhouse.testing.slack import payloads
from tests.adapters.slack.harness import SlackHarness, button

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
BOSTON = "C0BOSTON"
ENTERPRISE = {"id": "E0SOCIETY", "name": "Society Org"}


def built(name: str) -> dict[str, Any]:
    """What the fake's builder makes for the situation each captured payload shows."""
    sample = captured.load("slack", name)
    if name == "slash_command":
        return payloads.slash_command(
            BEA, "/chapter list", response_url="http://x/respond/t", enterprise=ENTERPRISE
        )
    if name == "block_actions":
        action = sample["actions"][0]
        return payloads.block_actions(
            BEA,
            action,
            channel=BOSTON,
            message_ts="1.2",
            response_url="http://x/respond/t",
            message_blocks=sample["message"]["blocks"],
            enterprise=ENTERPRISE,
        )
    if name == "view_submission":
        view = sample["view"]
        return payloads.view_submission(ALICE, view, view["state"]["values"], enterprise=ENTERPRISE)
    if name == "url_verification":
        return payloads.url_verification("challenge")
    if name == "event_app_home_opened_retry":
        event = payloads.app_home_opened(BEA, published=[])
        return payloads.event_callback(event)
    raise AssertionError(f"no builder for the captured {name}")


@pytest.mark.parametrize("name", captured.names("slack"))
def test_the_builders_have_every_captured_field(name: str) -> None:
    sample = captured.load("slack", name)
    assert sample["_source"]
    assert captured.shape_gaps(sample, built(name)) == []


def test_the_check_notices_a_thinner_payload() -> None:
    sample = captured.load("slack", "block_actions")
    thin = built("block_actions")
    del thin["message"]["blocks"]
    thin["actions"][0]["value"] = 3
    assert captured.shape_gaps(sample, thin) == [
        "$.message.blocks: missing",
        "$.actions[0].value: int instead of str",
    ]


# -- end to end through the real Bolt app -------------------------------------------


async def test_a_captured_slash_command_is_answered(slack: SlackHarness) -> None:
    fields = captured.body(captured.load("slack", "slash_command"))
    fields["response_url"] = slack.fake.response_url("captured-command")
    posted = await slack.post(payloads.form_body(fields))
    assert posted.status == 200, posted
    reply = await slack.fake.response("captured-command")
    assert reply.params["response_type"] == "ephemeral"
    assert "Boston" in json.dumps(reply.params)


async def test_a_captured_button_click_votes(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    await slack.command(ALICE, '/poll create "Where next?" "Lisbon" "Denver" --audience society')
    card = await slack.posted_to(BOSTON)
    ts = card.params.get("ts") or "1700000000.000001"
    clicked = button(card, "2.")
    payload = captured.body(captured.load("slack", "block_actions"))
    payload["container"]["message_ts"] = payload["message"]["ts"] = ts
    payload["message"]["blocks"] = card.blocks
    payload["actions"][0].update(
        action_id=clicked["action_id"],
        block_id=clicked["block_id"],
        text=clicked["text"],
        value=clicked["value"],
    )
    payload["response_url"] = slack.fake.response_url("captured-click")
    posted = await slack.post(payloads.interaction_body(payload))
    assert posted.status == 200, posted
    reply = await slack.fake.response("captured-click")
    assert "Denver" in reply.params["text"]
    update = await slack.fake.call("chat.update")
    assert update.params["channel"] == BOSTON


async def test_a_captured_modal_submission_creates_a_poll(slack: SlackHarness) -> None:
    opened = await slack.command_opening(ALICE, "/poll create", channel=BOSTON)
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    payload = captured.body(captured.load("slack", "view_submission"))
    payload["view"].update(
        blocks=view["blocks"],
        callback_id=view["callback_id"],
        private_metadata=view.get("private_metadata", ""),
        title=view["title"],
        state={
            "values": {
                "question": {"value": {"type": "plain_text_input", "value": "Captured?"}},
                "options": {"value": {"type": "plain_text_input", "value": "Yes\nNo"}},
                "audience": {"value": {"type": "plain_text_input", "value": "here"}},
            }
        },
    )
    posted = await slack.post(payloads.interaction_body(payload))
    assert posted.status == 200 and "errors" not in posted.text, posted.text
    await slack.fake.wait(
        lambda: any("Captured?" in c.block_text() for c in slack.fake.of("chat.postMessage"))
    )


async def test_the_captured_url_verification_is_echoed(slack: SlackHarness) -> None:
    payload = captured.body(captured.load("slack", "url_verification"))
    posted = await slack.post(json.dumps(payload), content_type="application/json")
    assert posted.status == 200
    assert json.loads(posted.text) == {"challenge": payload["challenge"]}


async def test_a_captured_event_and_its_retry_publish_the_home_once(slack: SlackHarness) -> None:
    sample = captured.load("slack", "event_app_home_opened_retry")
    body = json.dumps(captured.body(sample))
    first = await slack.post(body, content_type="application/json")
    retry = await slack.post(body, content_type="application/json", headers=sample["_headers"])
    assert (first.status, retry.status) == (200, 200)
    published = await slack.fake.call("views.publish")
    assert published.params["user_id"] == sample["event"]["user"]
    with pytest.raises(asyncio.TimeoutError):
        await slack.fake.wait(lambda: len(slack.fake.of("views.publish")) > 1, timeout=0.5)
