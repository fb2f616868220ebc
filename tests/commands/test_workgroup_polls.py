"""Workgroup polls, bound workgroup channels, and editing a charter after proposing."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEvent, Poll, Workgroup
from tests.support import TestBot

POLL = '/poll create "Meet monthly?" "Yes" "No" --audience workgroup:Mentoring'


async def test_a_lead_binds_a_channel_and_polls_the_workgroup(demo: TestBot) -> None:
    bound = await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    assert bound.startswith("This channel now receives Mentoring's polls")
    assert "already bound" in await demo.refused(
        "/workgroup bind Mentoring", as_="grace", channel="mentoring"
    )
    assert await demo.refused("/workgroup bind Mentoring", as_="dan", channel="x") == (
        "Only the lead of that workgroup or HQ may use /workgroup bind."
    )
    created = await demo.ok(POLL, as_="grace")
    assert "Posted to 1 channel." in created
    assert any(channel == "mentoring" and "Meet monthly?" in text for channel, text in demo.posts)
    async with demo.uow() as uow:
        poll_id = max(await uow.session.scalars(select(Poll.id)))
    # Its members vote (bob is one); a member outside it is told which workgroup to join.
    assert (await demo.send(f"/poll vote {poll_id} 1", as_="bob")).ok
    refused = await demo.refused(f"/poll vote {poll_id} 1", as_="dan")
    assert refused == (
        f"Only members of the Mentoring workgroup may vote in poll {poll_id}; "
        "/workgroup join Mentoring if you belong there."
    )
    results = await demo.ok(f"/poll results {poll_id}", as_="grace")
    assert "1 of 5" in results  # five members: the eligible count is the workgroup's


async def test_who_may_poll_a_workgroup(demo: TestBot) -> None:
    assert await demo.refused(POLL, as_="bob") == (
        "Only the president of the chapter (or lead of the workgroup) polled, "
        "a moderator or HQ may use /poll create."
    )
    assert (await demo.send(POLL, as_="dan")).ok  # a moderator
    assert "No workgroup named 'Nope'" in await demo.refused(
        '/poll create "Q?" "A" "B" --audience workgroup:Nope', as_="dan"
    )


async def test_a_plain_member_is_told_about_the_permission_first(demo: TestBot) -> None:
    # No channel and no right to poll: the permission is what they need to hear.
    assert await demo.refused('/poll create "Q?" "A" "B"', as_="grace") == (
        "Only the president of the chapter (or lead of the workgroup) polled, "
        "a moderator or HQ may use /poll create."
    )
    # A moderator outside a channel still hears about the channel.
    assert "needs a channel" in await demo.refused('/poll create "Q?" "A" "B"', as_="dan")


async def test_the_lead_edits_the_charter_and_members_are_told(demo: TestBot) -> None:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    changed = await demo.ok(
        '/workgroup charter Mentoring --purpose "Pair every newcomer with a mentor"',
        as_="grace",
    )
    assert changed.startswith("Mentoring's charter is changed; 4 members told.")
    async with demo.uow() as uow:
        workgroup = await uow.session.scalar(select(Workgroup).where(Workgroup.name == "Mentoring"))
        assert workgroup is not None and workgroup.purpose == "Pair every newcomer with a mentor"
        audited = await uow.session.scalar(
            select(AuditEvent.summary).where(AuditEvent.action == "workgroup charter")
        )
    assert audited is not None and "--purpose" in audited
    told = [who for who, text in demo.posts if "changed Mentoring's charter" in text]
    assert "mentoring" in told and "@bob" in told and "@grace" not in told
    assert await demo.refused("/workgroup charter Mentoring", as_="grace") == (
        "Say what to change: --purpose TEXT, --not TEXT, or both "
        '(e.g. /workgroup charter Mentoring --purpose "…").'
    )
    assert await demo.refused('/workgroup charter Mentoring --not "X"', as_="bob") == (
        "Only the lead of that workgroup or HQ may use /workgroup charter."
    )


async def test_a_proposals_backers_hear_of_its_new_charter(demo: TestBot) -> None:
    await demo.ok('/workgroup propose "Open Data" --purpose "Publish datasets"', as_="frank")
    await demo.ok('/workgroup back "Open Data"', as_="erin")
    changed = await demo.ok('/workgroup charter "Open Data" --not "Private data"', as_="frank")
    assert changed.startswith("Open Data's charter is changed; 1 backer told.")
    assert [who for who, text in demo.posts if "changed Open Data's charter" in text] == ["@erin"]
