"""A fan-out whose sender is killed with SIGKILL mid-send still posts once per channel.

The sender is a real separate process (`bench/crash_fanout.py --sender`) holding
the real poster (slack_sdk's client, discord.py's REST client), aimed at the
fakes served here; it is killed three times at random points of a 1,000-channel
fan-out and then run to the end. Before the ledger claimed deliveries one at a
time and settled the ones left in doubt, a kill left up to 200 posts claimed and
never sent.
"""

from __future__ import annotations

import pytest

from bench.crash_fanout import crash_fanout


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_every_channel_gets_exactly_one_post_after_kill_9(
    database_url: str, platform: str
) -> None:
    outcome = await crash_fanout(platform, database_url, channels=1000, kills=3, seed=16)
    print(outcome.line())
    assert outcome.kills == 3, "each kill must land mid-fan-out"
    assert (outcome.missing, outcome.doubled) == (0, 0)
    assert outcome.exactly_one == 1000
    assert outcome.unsettled == 0
