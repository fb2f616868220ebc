"""Slack's re-deliveries of commands the dispatcher claims in the command's own transaction:
a refused or read-only command retried by Slack is answered once, and so is a refused click."""

from __future__ import annotations

import asyncio

from storage.models import Chapter
from tests.adapters.slack.harness import SlackHarness, button
from tests.adapters.slack.multi_instance import RETRY, dropped, until

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
BOSTON = "C0BOSTON"


async def test_a_refused_command_retried_by_slack_is_answered_once(slack: SlackHarness) -> None:
    chapters = await slack.bot.count(Chapter)
    body, token = slack.command_body(BEA, "/chapter create Paris --region Europe --tz Europe/Paris")
    before = dropped()
    assert (await slack.post(body)).status == 200
    reply = await slack.fake.response(token)
    assert str(reply.params["text"]).startswith("Only HQ may")
    assert (await slack.post(body, headers=RETRY)).status == 200
    await until(lambda: dropped() == before + 1)
    await slack.adapter.drain()
    assert len(slack.fake.responses[token]) == 1
    assert await slack.bot.count(Chapter) == chapters


async def test_copies_of_a_refused_command_arriving_together_are_answered_once(
    slack: SlackHarness,
) -> None:
    body, token = slack.command_body(BEA, "/chapter create Paris --region Europe --tz Europe/Paris")
    before = dropped()
    posted = await asyncio.gather(slack.post(body), slack.post(body, headers=RETRY))
    assert [p.status for p in posted] == [200, 200]
    await until(lambda: dropped() == before + 1)
    await slack.adapter.drain()
    assert len(slack.fake.responses[token]) == 1


async def test_a_read_only_command_retried_by_slack_is_answered_once(slack: SlackHarness) -> None:
    body, token = slack.command_body(BEA, "/chapter list")
    before = dropped()
    assert (await slack.post(body)).status == 200
    assert "Boston" in str((await slack.fake.response(token)).params)
    assert (await slack.post(body, headers=RETRY)).status == 200
    await until(lambda: dropped() == before + 1)
    await slack.adapter.drain()
    assert len(slack.fake.responses[token]) == 1


async def test_a_refused_click_retried_by_slack_is_answered_once(slack: SlackHarness) -> None:
    """A click claims two keys (the delivery and the double click) with its command."""
    bound = await slack.command(ALICE, "/chapter bind Boston", channel=BOSTON)
    assert "now receives" in bound.params["text"]
    created = await slack.command(
        ALICE, '/poll create "Tea?" "Yes" "No" --audience here', channel=BOSTON
    )
    assert created.params["response_type"] in ("ephemeral", "in_channel")
    posted = await slack.posted_to(BOSTON)
    ts = str(posted.params.get("ts") or "1")
    # Bea is in no chapter yet: her vote is refused.
    body, token = slack.click_body(BEA, button(posted, "1."), channel=BOSTON, message_ts=ts)
    before = dropped()
    assert (await slack.post(body)).status == 200
    first = await slack.fake.response(token)
    assert (await slack.post(body, headers=RETRY)).status == 200
    await until(lambda: dropped() == before + 1)
    await slack.adapter.drain()
    assert len(slack.fake.responses[token]) == 1
    assert str(first.params["text"]).startswith("Only members of Boston may vote")
