"""/workgroup unbind: the counterpart of bind, by the lead or HQ, audited."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEvent, WorkgroupChannel
from tests.support import TestBot

POLL = '/poll create "Meet monthly?" "Yes" "No" --audience workgroup:Mentoring'


async def test_the_lead_unbinds_a_channel_and_polls_stop_going_there(demo: TestBot) -> None:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentors-lounge")
    unbound = await demo.ok("/workgroup unbind Mentoring", as_="grace", channel="mentoring")
    assert unbound == (
        "#mentoring no longer receives Mentoring's polls; its polls still go to 1 other channel."
    )
    async with demo.uow() as uow:
        audited = await uow.session.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "workgroup unbind")
        )
    assert audited is not None and "Mentoring" in audited
    assert "Posted to 1 channel." in await demo.ok(POLL, as_="grace")
    assert [c for c, text in demo.posts if "Meet monthly?" in text] == ["mentors-lounge"]
    # HQ names the channel from anywhere; the last one gone, the reply says how to bind again.
    last = await demo.ok("/workgroup unbind Mentoring #mentors-lounge", as_="alice")
    assert last == (
        "#mentors-lounge no longer receives Mentoring's polls; "
        "it has no bound channel left; /workgroup bind Mentoring in one."
    )
    assert await demo.count(WorkgroupChannel) == 0


async def test_bad_unbinds_say_what_is_bound_and_change_nothing(demo: TestBot) -> None:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    before = await demo.snapshot()
    assert (
        await demo.refused("/workgroup unbind Mentoring", as_="grace", channel="general")
        == "This channel is not bound to Mentoring; it is bound to #mentoring."
    )
    assert await demo.refused("/workgroup unbind Mentoring #random", as_="grace") == (
        "#random is not bound to Mentoring; it is bound to #mentoring."
    )
    assert await demo.refused("/workgroup unbind Mentoring", as_="grace") == (
        "Say which channel: /workgroup unbind Mentoring #channel, or type it in the bound channel."
    )
    assert await demo.refused("/workgroup unbind Mentoring", as_="bob", channel="mentoring") == (
        "Only the lead of that workgroup or HQ may use /workgroup unbind."
    )
    assert await demo.refused("/workgroup unbind Mentoring mentoring", as_="grace") == (
        "#CHANNEL expects a channel like #boston, got 'mentoring'."
    )
    assert await demo.snapshot() == before


async def test_unbinding_a_workgroup_with_no_channel_says_so(demo: TestBot) -> None:
    assert await demo.refused("/workgroup unbind Mentoring #mentoring", as_="alice") == (
        "#mentoring is not bound to Mentoring; it has no bound channel."
    )
