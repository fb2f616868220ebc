"""A slash command answered in its acknowledgement, or, when slow, at its response_url.

Slack shows the body of a slash command's acknowledgement as the reply; the
adapter puts the reply there when the command is done within its budget, and
otherwise acknowledges empty and posts the reply to the `response_url` later.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot import dispatcher
from bot.context import Request
from bot.reply import Reply
from tests.adapters.slack.harness import SlackHarness

BEA = "U0BEA"


async def test_a_quick_command_is_answered_in_its_acknowledgement(slack: SlackHarness) -> None:
    slack.adapter.ack_budget = 600.0  # never reached: the reply is ready first
    body, token = slack.command_body(BEA, "/member join Boston", user_name="bea")
    posted = await slack.post(body)
    assert posted.status == 200
    message = json.loads(posted.text)
    assert message["response_type"] == "ephemeral"
    assert "Boston" in message["text"]
    assert "replace_original" not in message  # a response_url's field, not an ack's
    reply = await slack.fake.response(token)
    assert reply.method == "ack"
    assert slack.fake.of("response_url") == []  # one reply, not two


async def test_a_slow_command_is_acknowledged_empty_and_answered_at_its_response_url(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = slack.adapter.core.dispatcher
    handle = dispatcher.handle
    release = asyncio.Event()

    async def held(request: Request) -> Reply:
        await release.wait()  # until the acknowledgement has gone
        return await handle(request)

    monkeypatch.setattr(dispatcher, "handle", held)
    slack.adapter.ack_budget = 0.01
    body, token = slack.command_body(BEA, "/member join Boston", user_name="bea")
    posted = await slack.post(body)
    assert (posted.status, posted.text) == (200, "")
    assert token not in slack.fake.responses
    release.set()
    reply = await slack.fake.response(token)
    assert reply.method == "response_url"
    assert reply.params["response_type"] == "ephemeral"
    assert "Boston" in reply.params["text"]
    await slack.adapter.drain()
    assert len(slack.fake.responses[token]) == 1


async def test_a_command_opening_a_form_is_acknowledged_empty_once_it_is_open(
    slack: SlackHarness,
) -> None:
    slack.adapter.ack_budget = 600.0  # never reached: the form is open first
    body, token = slack.command_body(BEA, "/poll create")
    posted = await slack.post(body)
    assert (posted.status, posted.text) == (200, "")
    [opened] = slack.fake.of("views.open")  # before the acknowledgement, not after it
    assert opened.params["trigger_id"]
    assert token not in slack.fake.responses


async def test_a_refusal_is_answered_in_the_acknowledgement_too(slack: SlackHarness) -> None:
    slack.adapter.ack_budget = 600.0
    body, _ = slack.command_body(BEA, "/chapter create Paris --region Europe --tz Europe/Paris")
    posted = await slack.post(body)
    message = json.loads(posted.text)
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("Only HQ may")


async def test_the_time_a_claim_takes_is_spent_from_the_budget(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite the claim is the first statement of the command's own transaction; on
    # PostgreSQL it is written before the command (`Dispatcher.handle_once`).
    inside, apart = dispatcher.claim_first, dispatcher.first_delivery

    async def slow_inside(*args: Any, **kwargs: Any) -> list[bool]:
        await asyncio.sleep(0.2)  # longer than the whole budget below
        return await inside(*args, **kwargs)

    async def slow_apart(*args: Any, **kwargs: Any) -> bool:
        await asyncio.sleep(0.2)
        return await apart(*args, **kwargs)

    monkeypatch.setattr(dispatcher, "claim_first", slow_inside)
    monkeypatch.setattr(dispatcher, "first_delivery", slow_apart)
    slack.adapter.ack_budget = 0.1
    body, token = slack.command_body(BEA, "/member join Boston", user_name="bea")
    posted = await slack.post(body)
    assert (posted.status, posted.text) == (200, "")
    reply = await slack.fake.response(token)
    assert reply.method == "response_url"
    assert "Boston" in reply.params["text"]
