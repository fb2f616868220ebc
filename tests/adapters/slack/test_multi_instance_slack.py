"""Two instances behind one load balancer: a Slack retry that lands on the other one
is still acted on once, and so is a click delivered to both."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from storage.models import AnnouncementRecord, Ballot, Poll
from tests.adapters.slack.harness import SlackHarness, button
from tests.adapters.slack.multi_instance import dropped, second_instance, until

ALICE = "U0ALICE"  # HQ by configuration
BEA = "U0BEA"
CHANNELS = {"C0BOSTON": "Boston", "C0LONDON": "London"}


async def _bind(slack: SlackHarness) -> None:
    for channel, chapter in CHANNELS.items():
        bound = await slack.command(ALICE, f"/chapter bind {chapter}", channel=channel)
        assert "now receives" in bound.params["text"], bound.params


async def test_a_slack_retry_on_the_other_instance_announces_once(
    slack: SlackHarness, database_url: str
) -> None:
    await _bind(slack)
    async with second_instance(slack, database_url) as other:
        body, token = slack.command_body(
            ALICE, "/announce “Elections open Monday” --chapters Boston,London --platform slack"
        )
        before = dropped()
        first, retry = await asyncio.gather(slack.post(body), other.post(body, retry=True))
        assert (first.status, retry.status) == (200, 200)
        await until(lambda: dropped() == before + 1)  # one of the two was dropped
        report = await slack.fake.response(token)
        assert "delivered 2 of 2" in str(report.params)
        await slack.bot.app.notifier.flush()
        await other.bot.app.notifier.flush()
        posts = Counter(p.params["channel"] for p in slack.fake.of("chat.postMessage"))
        assert posts == Counter(list(CHANNELS))  # once per channel, not twice
        assert await slack.bot.count(AnnouncementRecord) == 1
        assert len(slack.fake.responses[token]) == 1


async def test_a_click_delivered_to_both_instances_toggles_once(
    slack: SlackHarness, database_url: str
) -> None:
    await _bind(slack)
    reply = await slack.command(
        ALICE, '/poll create "Where next?" "Lisbon" "Denver" --audience society --multi 2'
    )
    assert reply.params["response_type"] in ("ephemeral", "in_channel")
    posted = await slack.posted_to("C0BOSTON")
    async with slack.bot.uow() as uow:
        poll_id = max(await uow.session.scalars(select(Poll.id)))
    toggle = button(posted, "1.")
    assert toggle["value"].endswith("--toggle")
    async with second_instance(slack, database_url) as other:
        body, token = slack.click_body(
            BEA, toggle, channel="C0BOSTON", message_ts=str(posted.params.get("ts", "1.0"))
        )
        before = dropped()
        first, again = await asyncio.gather(slack.post(body), other.post(body, retry=True))
        assert (first.status, again.status) == (200, 200)
        await until(lambda: dropped() == before + 1)
        await slack.fake.response(token)
    async with slack.bot.uow() as uow:
        choices = [
            list(c)
            for c in await uow.session.scalars(
                select(Ballot.choices).where(Ballot.poll_id == poll_id)
            )
        ]
    assert choices == [[1]]  # toggled on once, not on and off again
