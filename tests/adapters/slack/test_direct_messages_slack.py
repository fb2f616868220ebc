"""A direct message or group DM is never a chapter channel, nor the "here" of a poll.

Before: `/chapter bind Boston` typed in a Slack DM (`D…`), a group DM (`mpdm-…`)
or a Discord DM bound it, and the chapter's announcements went to whoever was in
that conversation.
"""

from __future__ import annotations

import json

import pytest

from storage.models import ChannelBinding, Poll
from tests.adapters.slack.harness import SlackHarness
from tests.support import TestBot

BIND_REFUSED = "Type /chapter bind in the channel you want to bind, not a direct message."
POLL_REFUSED = (
    "A direct message is not a channel to poll; type it in the channel it is for, "
    "or give --audience society or chapter:NAME."
)
ALICE = "U0ALICE"


@pytest.mark.parametrize(
    ("channel", "name"), [("D0ALICEDM", "directmessage"), ("G0GROUPDM", "mpdm-alice--bea--carl-1")]
)
async def test_slack_refuses_to_bind_or_poll_here_in_a_direct_message(
    slack: SlackHarness, channel: str, name: str
) -> None:
    bindings = await slack.bot.count(ChannelBinding)
    polls = await slack.bot.count(Poll)
    reply = await slack.command(ALICE, "/chapter bind Boston", channel=channel, channel_name=name)
    assert BIND_REFUSED in json.dumps(reply.params)
    poll = await slack.command(
        ALICE, '/poll create "Lunch?" "Yes" "No"', channel=channel, channel_name=name
    )
    assert json.dumps(POLL_REFUSED)[1:-1] in json.dumps(poll.params)
    assert await slack.bot.count(ChannelBinding) == bindings
    assert await slack.bot.count(Poll) == polls


async def test_the_console_still_binds_its_channels(demo: TestBot) -> None:
    reply = await demo.ok("/chapter bind Boston", as_="bob", channel="boston-2")
    assert "now receives" in reply
