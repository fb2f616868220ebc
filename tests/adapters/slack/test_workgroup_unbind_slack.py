"""On Slack: unbinding a workgroup's channel, named with Slack's channel escape."""

from __future__ import annotations

import json

from storage.models import WorkgroupChannel
from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration


async def test_hq_unbinds_a_channel_named_by_its_escape(slack: SlackHarness) -> None:
    await slack.command(ALICE, "/workgroup bind Mentoring", channel="C0MENTOR")
    wrong = await slack.command(ALICE, "/workgroup unbind Mentoring <#C0OTHER|other>")
    assert "#other is not bound to Mentoring" in wrong.params["text"], wrong.params
    unbound = await slack.command(ALICE, "/workgroup unbind Mentoring <#C0MENTOR|mentoring>")
    assert "no longer receives Mentoring's polls" in json.dumps(unbound.params), unbound.params
    assert await slack.bot.count(WorkgroupChannel) == 0
