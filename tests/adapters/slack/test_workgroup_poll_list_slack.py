"""On Slack: a workgroup's poll in /poll list, on the App Home, and named on its card."""

from __future__ import annotations

import json

from tests.adapters.slack.harness import SlackHarness

ALICE = "U0ALICE"  # HQ by configuration
BEA, CAL = "U0BEA", "U0CAL"


async def test_a_workgroup_poll_is_listed_and_on_the_home_of_its_members(
    slack: SlackHarness,
) -> None:
    await slack.command(BEA, "/workgroup join Mentoring", user_name="bea")
    await slack.command(CAL, "/member join Boston", user_name="cal")
    await slack.command(ALICE, "/workgroup bind Mentoring", channel="C0MENTOR")
    await slack.command(
        ALICE, '/poll create "Meet monthly?" "Yes" "No" --audience workgroup:Mentoring'
    )
    card = await slack.posted_to("C0MENTOR")
    assert "Workgroup: Mentoring" in json.dumps(card.params)

    listed = await slack.command(BEA, "/poll list --workgroup Mentoring")
    assert "Meet monthly? (Workgroup: Mentoring)" in json.dumps(listed.params), listed.params
    assert "Meet monthly?" not in json.dumps((await slack.command(CAL, "/poll list")).params)

    assert (await slack.home_opened(BEA)).status == 200
    published = await slack.fake.call("views.publish")
    assert published.params["user_id"] == BEA
    assert "Meet monthly? (Workgroup: Mentoring)" in json.dumps(published.params["view"])
