"""Workgroups as members and leads use them, on the demo society's console channels.

The demo has three bound chapter channels (boston, san-francisco, washington-dc),
alice HQ, bob and carol presidents, dan a moderator, erin, frank and grace members.
The threshold is the default 5 backers; proposals expire after 30 days.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.console.render import render
from bot.context import Place, Request
from bot.home import dashboard
from bot.reply import Reply
from commands import build_registry
from commands.workgroups.status import expire
from storage.models import (
    Identity,
    OutboxEvent,
    OutputStatus,
    Workgroup,
    WorkgroupBacking,
    WorkgroupMember,
    WorkgroupOutput,
    WorkgroupStatus,
)
from tests.support import TestBot, start_bot

OPEN_DATA = (
    '/workgroup propose "Open Data" --purpose "Publish the society\'s datasets" '
    '--not "Hosting members\' private data"'
)
CHANNELS = ["boston", "san-francisco", "washington-dc"]


@pytest.fixture
async def solo(database_url: str) -> AsyncIterator[TestBot]:
    """The demo society with a threshold of one backer: proposals start at once."""
    async for running in start_bot(database_url, workgroup_threshold=1):
        await running.seed_demo()
        yield running


async def find(demo: TestBot, name: str) -> Workgroup:
    async with demo.uow() as uow:
        found = await uow.session.scalar(select(Workgroup).where(Workgroup.name == name))
        assert found is not None, name
        return found


async def handles(demo: TestBot, model: Any, name: str) -> list[str]:
    """The console handles of a workgroup's backers or members."""
    workgroup = await find(demo, name)
    async with demo.uow() as uow:
        rows = await uow.session.scalars(
            select(Identity.external_id)
            .join(model, model.member_id == Identity.member_id)
            .where(model.workgroup_id == workgroup.id, Identity.platform == "console")
        )
        return sorted(rows)


async def rows_of(demo: TestBot, model: Any, name: str) -> int:
    workgroup = await find(demo, name)
    return await demo.count(model, model.workgroup_id == workgroup.id)


async def active(
    demo: TestBot, command: str = OPEN_DATA, lead: str = "grace", *, proposed: bool = False
) -> None:
    """Propose as `lead` (unless `proposed` already) and bring it to five backers."""
    if not proposed:
        await demo.ok(command, as_=lead)
    name = re.search(r'propose ("[^"]+"|\S+)', command)
    assert name
    for who in [w for w in ("bob", "carol", "dan", "erin", "frank") if w != lead][:4]:
        await demo.ok(f"/workgroup back {name.group(1)}", as_=who)


def heading_above(listed: str, line: str) -> str:
    """The status heading (`Active (3)`) a line of /workgroup list sits under."""
    lines = listed.splitlines()
    assert line in lines, listed
    above = [h for h in lines[: lines.index(line)] if re.fullmatch(r"\w+ \(\d+\)", h)]
    return above[-1].split(" ")[0]


async def dashboard_of(demo: TestBot, who: str) -> str:
    request = Request("console", who, who, Place("console", "", ""))
    reply = await demo.app.dispatcher.view(request, dashboard)
    assert reply.ok, reply.text
    return render(reply)


# Proposing and backing


async def test_propose_shows_the_charter_and_how_to_back_it(demo: TestBot) -> None:
    reply = await demo.ok(OPEN_DATA, as_="grace")
    assert "Purpose: Publish the society's datasets" in reply
    assert "Not responsible for: Hosting members' private data" in reply
    assert '1 of 5 backers — /workgroup back "Open Data"' in reply
    assert "Lead: @grace" in reply and "expires on Wed 15 Jul 16:00 UTC" in reply
    workgroup = await find(demo, "Open Data")
    assert workgroup.status is WorkgroupStatus.PROPOSED and workgroup.name_key == "open data"
    assert workgroup.not_responsible == "Hosting members' private data"
    assert await handles(demo, WorkgroupBacking, "Open Data") == ["grace"]
    assert await rows_of(demo, WorkgroupMember, "Open Data") == 0  # members come at activation
    assert demo.posts == []  # a proposal is not announced; its activation is


async def test_backers_bring_it_to_life_announced_once_in_every_chapter_channel(
    demo: TestBot,
) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    for count, who in enumerate(("bob", "carol", "dan"), start=2):
        line = await demo.ok('/workgroup back "Open Data"', as_=who)
        assert f"You back Open Data ({count} of 5 backers)" in line
    assert demo.posts == []
    line = await demo.ok("/workgroup back open data", as_="erin")
    assert "that makes 5 of 5, so it is now active" in line
    assert sorted(channel for channel, _ in demo.posts) == CHANNELS
    for _, text in demo.posts:
        assert "Open Data is now an active workgroup, led by @grace, with 5 members" in text
        assert "Purpose: Publish the society's datasets" in text
        assert "Not responsible for: Hosting members' private data" in text
        assert 'Join with /workgroup join "Open Data"' in text
    await demo.app.notifier.flush()
    assert len(demo.posts) == 3
    assert await demo.count(OutboxEvent, OutboxEvent.kind == "workgroup.activated") == 1
    workgroup = await find(demo, "Open Data")
    assert workgroup.status is WorkgroupStatus.ACTIVE
    assert workgroup.activated_at == demo.clock.now()
    backers = ["bob", "carol", "dan", "erin", "grace"]
    assert await handles(demo, WorkgroupMember, "Open Data") == backers
    assert await demo.refused('/workgroup back "Open Data"', as_="frank") == (
        'Open Data is already active; join it with /workgroup join "Open Data".'
    )


async def test_a_burst_of_backers_at_the_threshold_activates_it_once(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup back "Open Data"', as_="bob")
    await demo.ok('/workgroup back "Open Data"', as_="carol")
    replies = await asyncio.gather(
        *(demo.send('/workgroup back "Open Data"', as_=who) for who in ("dan", "erin", "frank"))
    )
    assert sum(r.ok for r in replies) == 2, [r.text for r in replies]
    assert sum("now active" in r.text for r in replies) == 1
    refused = next(r for r in replies if not r.ok)
    assert refused.text.startswith("Open Data is already active")
    assert await demo.count(OutboxEvent, OutboxEvent.kind == "workgroup.activated") == 1
    assert await rows_of(demo, WorkgroupBacking, "Open Data") == 5
    assert await rows_of(demo, WorkgroupMember, "Open Data") == 5
    assert len(demo.posts) == 3


async def test_a_threshold_of_one_activates_the_proposal_at_once(solo: TestBot) -> None:
    reply = await solo.ok(
        '/workgroup propose Podcast --purpose "Record monthly episodes"', as_="frank"
    )
    assert "Podcast is active at once: it needs only 1 backer." in reply
    assert (await find(solo, "Podcast")).status is WorkgroupStatus.ACTIVE
    assert await handles(solo, WorkgroupMember, "Podcast") == ["frank"]
    assert sorted(channel for channel, _ in solo.posts) == CHANNELS
    assert "Podcast is now an active workgroup, led by @frank" in solo.posts[0][1]


async def test_backing_twice_counts_once_and_writes_nothing(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup back "Open Data"', as_="bob")
    before = await demo.snapshot()
    assert await demo.refused('/workgroup back "Open Data"', as_="bob") == (
        "You already back Open Data (2 of 5)."
    )
    assert await demo.refused('/workgroup back "Open Data"', as_="grace") == (
        "You already back Open Data (2 of 5)."  # the proposer is its first backer
    )
    assert await demo.snapshot() == before


async def test_closed_workgroups_take_no_backers_not_even_from_their_lead(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    assert await demo.ok('/workgroup close "Open Data" archived', as_="grace") == (
        "Open Data is archived."
    )
    before = await demo.snapshot()
    for who in ("grace", "carol"):  # its own lead, and anyone else
        assert await demo.refused('/workgroup back "Open Data"', as_=who) == (
            "Open Data is archived, so it cannot take backers."
        )
    assert await demo.refused('/workgroup join "Open Data"', as_="carol") == (
        "Open Data is archived, so it cannot take members."
    )
    assert await demo.snapshot() == before
    await active(demo, '/workgroup propose Outreach --purpose "Talk to schools"', lead="carol")
    await demo.ok("/workgroup close Outreach completed", as_="carol")
    assert await demo.refused("/workgroup back Outreach", as_="grace") == (
        "Outreach is completed, so it cannot take backers."
    )


async def test_names_are_unique_regardless_of_case_and_checked(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    before = await demo.snapshot()
    cases = {
        '/workgroup propose "open  DATA" --purpose "Again"': (
            "A workgroup named Open Data already exists (proposed)."
        ),
        '/workgroup propose X --purpose "Too short"': "NAME must be 2–80 characters; got 1.",
        f'/workgroup propose "{"n" * 81}" --purpose "Long"': "2–80 characters; got 81.",
        '/workgroup propose “Say “hi”” --purpose "Quotes"': "cannot contain quotation marks",
        '/workgroup propose "--" --purpose "Dashes"': "needs at least one letter or digit",
        '/workgroup propose Plain --purpose "  "': "--purpose is empty",
        f'/workgroup propose Plain --purpose "{"p" * 1001}"': "keep it to 1000",
        "/workgroup propose Plain": "Missing --purpose TEXT",
    }
    for command, expected in cases.items():
        line = await demo.refused(command, as_="bob")
        assert expected in line, (command, line)
    assert await demo.snapshot() == before


async def test_unknown_and_ambiguous_names_suggest_the_closest(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup propose "Open Science" --purpose "Preprints"', as_="bob")
    assert await demo.refused("/workgroup info Opn Data", as_="carol") == (
        "No workgroup named 'Opn Data'. Did you mean Open Data?"
    )
    assert await demo.refused('/workgroup back "Open"', as_="carol") == (
        "'Open' could be several workgroups (Open Data, Open Science); give the full name."
    )
    assert await demo.refused("/workgroup join Gardening", as_="carol") == (
        "No workgroup named 'Gardening'. See /workgroup list, or propose it with "
        "/workgroup propose."
    )
    assert "You back Open Science (2 of 5 backers)" in await demo.ok(
        "/workgroup back open sc", as_="carol"
    )  # a unique prefix is enough


# Expiry


async def test_expire_runs_once_and_spares_active_and_young_proposals(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")  # will lapse
    await active(demo, '/workgroup propose Podcast --purpose "Record monthly episodes"', lead="bob")
    demo.clock.advance(timedelta(days=20))
    await demo.ok('/workgroup propose Outreach --purpose "Talk to schools"', as_="carol")
    assert "expires on Wed 15 Jul 16:00 UTC unless it reaches 5 backers" in await demo.ok(
        '/workgroup info "Open Data"', as_="erin"
    )
    demo.clock.advance(timedelta(days=10, minutes=1))  # Open Data is 30 days and a minute old
    settings = demo.app.settings

    async def run() -> list[int]:
        async with demo.uow() as uow:
            expired = await expire(uow.session, uow.now, settings)
            await uow.commit()
            return expired

    first, second = await asyncio.gather(run(), run())
    open_data = await find(demo, "Open Data")
    podcast, outreach = await find(demo, "Podcast"), await find(demo, "Outreach")
    expired = first + second
    assert open_data.id in expired and len(expired) == len(set(expired))  # each once
    assert podcast.id not in expired and outreach.id not in expired
    assert await run() == []
    assert open_data.status is WorkgroupStatus.EXPIRED
    assert open_data.closed_at == demo.clock.now()
    assert (await find(demo, "Podcast")).status is WorkgroupStatus.ACTIVE
    assert (await find(demo, "Outreach")).status is WorkgroupStatus.PROPOSED
    info = await demo.ok('/workgroup info "Open Data"', as_="erin")
    assert "Status         expired" in info
    assert "The proposal expired on Wed 15 Jul 16:00 UTC without enough backers." in info


async def test_a_lapsed_proposal_refuses_backers_before_expire_marks_it(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    demo.clock.advance(timedelta(days=31))
    before = await demo.snapshot()
    line = await demo.refused('/workgroup back "Open Data"', as_="bob")
    assert line == (
        "Open Data's proposal expired on Wed 15 Jul 16:00 UTC without enough backers; "
        'propose it again with /workgroup propose "Open Data" --purpose TEXT.'
    )
    assert await demo.snapshot() == before
    assert "Open Data" not in await demo.ok("/workgroup list", as_="bob")
    assert "Open Data · 1 backer" in await demo.ok("/workgroup list --status expired", as_="bob")


async def test_an_expired_name_can_be_proposed_again_afresh(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup back "Open Data"', as_="bob")
    demo.clock.advance(timedelta(days=31))
    async with demo.uow() as uow:
        await expire(uow.session, uow.now, demo.app.settings)
        await uow.commit()
    reply = await demo.ok('/workgroup propose "open data" --purpose "Data, again"', as_="carol")
    assert '1 of 5 backers — /workgroup back "open data"' in reply
    workgroup = await find(demo, "open data")
    assert workgroup.status is WorkgroupStatus.PROPOSED and workgroup.created_at == demo.clock.now()
    assert workgroup.purpose == "Data, again" and workgroup.not_responsible is None
    assert await handles(demo, WorkgroupBacking, "open data") == ["carol"]


# Joining and leaving


async def test_join_leave_and_the_lead_cannot_leave(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    assert await demo.refused('/workgroup join "Open Data"', as_="frank") == (
        "Open Data is still a proposal, so it cannot take members yet; "
        'back it with /workgroup back "Open Data".'
    )
    await active(demo, proposed=True)
    await demo.ok("/member join Boston", as_="henry")
    assert "Welcome to Open Data! Its lead is @grace." in await demo.ok(
        '/workgroup join "Open Data"', as_="henry"
    )
    before = await demo.snapshot()
    assert await demo.refused('/workgroup join "Open Data"', as_="henry") == (
        "You are already a member of Open Data."
    )
    assert await demo.refused('/workgroup leave "Open Data"', as_="alice") == (
        "You are not a member of Open Data."
    )
    assert await demo.refused('/workgroup leave "Open Data"', as_="grace") == (
        'You lead Open Data; hand it over first with /workgroup handover "Open Data" @member.'
    )
    assert await demo.snapshot() == before
    assert await demo.ok('/workgroup leave "Open Data"', as_="henry") == "You left Open Data."
    assert "henry" not in await handles(demo, WorkgroupMember, "Open Data")
    assert await rows_of(demo, WorkgroupMember, "Open Data") == 5


# What leads do


async def test_outputs_are_added_then_updated_and_bad_links_refused(demo: TestBot) -> None:
    await active(demo)
    demo.clock.advance(timedelta(days=2))
    assert await demo.ok('/workgroup output "Open Data" "Data catalogue"', as_="grace") == (
        "Open Data added an output: Data catalogue — planned"
    )
    assert (await find(demo, "Open Data")).last_activity_at == demo.clock.now()
    before = await demo.snapshot()
    for link in ("ftp://example.org/cat", "example.org/cat", "https://", "javascript:alert(1)"):
        line = await demo.refused(
            f'/workgroup output "Open Data" "Data catalogue" --link {link}', as_="grace"
        )
        assert "is not a web address; give one starting with https://." in line, line
    assert "keep it to 500" in await demo.refused(
        f'/workgroup output "Open Data" "Data catalogue" --link https://e.org/{"x" * 500}',
        as_="grace",
    )
    assert "published" in await demo.refused(
        '/workgroup output "Open Data" "Report" --status done', as_="grace"
    )
    assert await demo.refused('/workgroup output "Open Data" "data catalogue"', as_="grace") == (
        "Open Data already lists 'Data catalogue' (planned); "
        "give a new --status or --link to update it."
    )
    assert await demo.snapshot() == before
    line = await demo.ok(
        '/workgroup output "Open Data" "DATA catalogue" --status published '
        "--link https://example.org/catalogue",
        as_="alice",  # HQ may, too
    )
    assert line == (
        "Open Data updated Data catalogue: planned → published; link https://example.org/catalogue."
    )
    async with demo.uow() as uow:
        outputs = list(await uow.session.scalars(select(WorkgroupOutput)))
    assert [(o.title, o.status, o.link) for o in outputs] == [
        ("Data catalogue", OutputStatus.PUBLISHED, "https://example.org/catalogue")
    ]
    await demo.ok('/workgroup output "Open Data" "Style guide" --status in-progress', as_="grace")
    info = await demo.ok('/workgroup info "Open Data"', as_="frank")
    assert "• Data catalogue — published · https://example.org/catalogue" in info
    assert "• Style guide — in progress" in info


async def test_only_the_lead_or_hq_may_lead(demo: TestBot) -> None:
    await active(demo)
    before = await demo.snapshot()
    commands = {
        '/workgroup output "Open Data" "Catalogue"': "output",
        '/workgroup recruit "Open Data" "Volunteers"': "recruit",
        '/workgroup handover "Open Data" @bob': "handover",
        '/workgroup close "Open Data" completed': "close",
    }
    for command, name in commands.items():
        for who in ("bob", "dan"):  # a member of it, and a moderator
            assert await demo.refused(command, as_=who) == (
                f"Only the lead of that workgroup or HQ may use /workgroup {name}."
            )
    assert await demo.snapshot() == before
    assert await demo.refused('/workgroup recruit Nowhere "People"', as_="bob") == (
        "No workgroup named 'Nowhere'. See /workgroup list, or propose it with /workgroup propose."
    )


async def test_a_call_for_volunteers_reaches_every_chapter_channel(demo: TestBot) -> None:
    await active(demo)
    demo.posts.clear()
    line = await demo.ok('/workgroup recruit "open data" "Two people who know CSV"', as_="grace")
    assert line == (
        "Your call for volunteers for Open Data goes to 3 chapter channels: Two people who know CSV"
    )
    assert sorted(channel for channel, _ in demo.posts) == CHANNELS
    for _, text in demo.posts:
        assert "Open Data needs volunteers" in text and "Two people who know CSV" in text
        assert 'Join with /workgroup join "Open Data", or ask @grace.' in text
    assert await demo.count(OutboxEvent, OutboxEvent.kind == "workgroup.recruit") == 1
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    assert await demo.refused('/workgroup recruit Podcast "Mentors"', as_="bob") == (
        "Podcast is still a proposal, so it cannot recruit yet; "
        "back it with /workgroup back Podcast."
    )


async def test_handover_makes_the_new_lead_a_member_and_moves_the_role(demo: TestBot) -> None:
    await active(demo)
    await demo.ok("/member join Boston", as_="henry")
    demo.clock.advance(timedelta(hours=5))
    assert await demo.ok('/workgroup handover "Open Data" @henry', as_="grace") == (
        "@henry is now the lead and a member of Open Data (after @grace)."
    )
    workgroup = await find(demo, "Open Data")
    assert workgroup.last_activity_at == demo.clock.now()
    assert "henry" in await handles(demo, WorkgroupMember, "Open Data")
    assert "Lead           @henry" in await demo.ok('/workgroup info "Open Data"', as_="grace")
    assert await demo.refused('/workgroup handover "Open Data" @henry', as_="henry") == (
        "henry already leads Open Data."
    )
    assert (await demo.refused('/workgroup recruit "Open Data" "Help"', as_="grace")).startswith(
        "Only the lead of that workgroup or HQ"
    )
    assert await demo.ok('/workgroup leave "Open Data"', as_="grace") == "You left Open Data."
    # A proposal's new lead backs it, as its proposer did.
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    line = await demo.ok("/workgroup handover Podcast @carol", as_="alice")
    assert line == "@carol is now the lead and a backer of Podcast (after @bob)."
    assert await handles(demo, WorkgroupBacking, "Podcast") == ["bob", "carol"]


async def test_close_asks_for_confirmation_and_keeps_the_record(demo: TestBot) -> None:
    registry = build_registry()
    close = registry.get("workgroup", "close")
    assert close is not None and close.confirm
    assert [s.path for s in registry if s.group == "workgroup" and s.confirm] == ["workgroup close"]
    await active(demo)
    await demo.ok('/workgroup output "Open Data" "Catalogue" --status published', as_="grace")
    demo.clock.advance(timedelta(days=3))
    assert await demo.ok('/workgroup close "Open Data" completed', as_="grace") == (
        "Open Data is completed. Thank you to everyone in it!"
    )
    workgroup = await find(demo, "Open Data")
    assert workgroup.status is WorkgroupStatus.COMPLETED
    assert workgroup.closed_at == workgroup.last_activity_at == demo.clock.now()
    before = await demo.snapshot()
    assert await demo.refused('/workgroup close "Open Data" archived', as_="grace") == (
        "Open Data is already completed."
    )
    assert await demo.refused('/workgroup output "Open Data" "More"', as_="grace") == (
        "Open Data is completed, so it cannot add outputs."
    )
    assert "party" in await demo.refused('/workgroup close "Open Data" party', as_="grace")
    assert await demo.snapshot() == before
    info = await demo.ok('/workgroup info "Open Data"', as_="frank")
    assert "Status         completed" in info and "• Catalogue — published" in info
    assert await rows_of(demo, WorkgroupMember, "Open Data") == 5
    # A proposal cannot be completed, only withdrawn.
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    assert await demo.refused("/workgroup close Podcast completed", as_="bob") == (
        "Podcast never became active, so it cannot be completed; "
        "withdraw the proposal with /workgroup close Podcast archived."
    )
    assert await demo.ok("/workgroup close Podcast archived", as_="bob") == ("Podcast is archived.")


# Seeing them


async def test_list_and_info_show_status_sizes_and_people(demo: TestBot) -> None:
    await active(demo)
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    await demo.ok("/workgroup back Podcast", as_="carol")
    await demo.ok('/workgroup propose Outreach --purpose "Talk to schools"', as_="erin")
    await demo.ok("/workgroup close Outreach archived", as_="erin")
    listed = await demo.ok("/workgroup list", as_="frank")
    assert heading_above(listed, "• Podcast · 2 of 5 backers · lead @bob") == "Proposed"
    assert heading_above(listed, "• Open Data · 5 members · lead @grace") == "Active"
    assert "Outreach" not in listed
    archived = await demo.ok("/workgroup list --status archived", as_="frank")
    assert "Archived (1)\n• Outreach · 0 members · lead @erin" in archived
    assert "Podcast" not in archived
    assert "cadence" in await demo.refused("/workgroup list --status cadence", as_="frank")
    assert await demo.ok("/workgroup list --status completed", as_="frank") == (
        "No completed workgroups. Propose one with /workgroup propose NAME --purpose TEXT."
    )
    proposal = await demo.ok("/workgroup info Podcast", as_="frank")
    assert "Status         proposed" in proposal and "Backers        2 of 5" in proposal
    assert "Backers\n@bob, @carol" in proposal
    assert "expires on Wed 15 Jul 16:00 UTC unless it reaches 5 backers" in proposal
    demo.clock.advance(timedelta(days=1))
    await demo.ok('/workgroup output "Open Data" "Catalogue"', as_="grace")
    info = await demo.ok('/workgroup info "Open Data"', as_="frank")
    assert "Status         active" in info and "Lead           @grace" in info
    assert "Members        5" in info
    assert "Last activity  Tue 16 Jun 16:00 UTC" in info
    assert "Purpose: Publish the society's datasets" in info
    assert "Not responsible for: Hosting members' private data" in info
    assert "Members\n@bob, @carol, @dan, @erin, @grace" in info
    assert "• Catalogue — planned" in info


async def test_workgroups_autocomplete_by_prefix_then_fuzzy(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    complete = demo.app.registry.completers["workgroups"]
    async with demo.uow() as uow:
        everything = await complete(uow.session, "")
        assert [n for n in everything if n in ("Open Data", "Podcast")] == ["Open Data", "Podcast"]
        assert await complete(uow.session, "op") == ["Open Data"]
        assert (await complete(uow.session, "podcst"))[0] == "Podcast"


async def test_the_dashboard_shows_the_members_workgroups(demo: TestBot) -> None:
    assert "You are in no workgroup yet. Find one with /workgroup list." in await dashboard_of(
        demo, "henry"
    )
    await active(demo)
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="bob")
    await demo.ok("/workgroup back Podcast", as_="henry")
    await demo.ok('/workgroup join "Open Data"', as_="henry")
    page = await dashboard_of(demo, "henry")
    assert "Your workgroups" in page
    assert "• Open Data — active · member\n• Podcast — proposed, 2 of 5 backers · you back it" in (
        page
    )
    assert "• Open Data — active · you lead it" in await dashboard_of(demo, "grace")
    assert "• Podcast — proposed, 2 of 5 backers · you lead it" in await dashboard_of(demo, "bob")


# Members who link accounts or leave


async def test_linking_two_accounts_that_both_backed_keeps_one_backing(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="bob")
    await demo.ok('/workgroup propose Podcast --purpose "Record monthly episodes"', as_="carol")
    await demo.ok('/workgroup back "Open Data"', as_="grace")

    async def on_slack(text: str) -> Reply:
        place = Place("slack", "C0GENERAL", "general")
        return await demo.app.dispatcher.handle(Request("slack", "U0GRACE", "grace", place, text))

    assert (await on_slack('/workgroup back "Open Data"')).ok  # her Slack account, not linked
    assert (await on_slack("/workgroup back Podcast")).ok  # only the Slack account backs it
    assert await rows_of(demo, WorkgroupBacking, "Open Data") == 3
    code = re.search(r"[A-Z0-9]{4}-?[A-Z0-9]{4}", await demo.ok("/member link", as_="grace"))
    assert code
    assert (await on_slack(f"/member link {code.group(0)}")).ok
    assert await handles(demo, WorkgroupBacking, "Open Data") == ["bob", "grace"]
    assert await handles(demo, WorkgroupBacking, "Podcast") == ["carol", "grace"]
    assert await demo.refused('/workgroup back "Open Data"', as_="grace") == (
        "You already back Open Data (2 of 5)."
    )


async def test_linking_two_accounts_that_both_joined_keeps_one_membership(demo: TestBot) -> None:
    await active(demo)

    async def on_slack(text: str) -> Reply:
        place = Place("slack", "C0GENERAL", "general")
        return await demo.app.dispatcher.handle(Request("slack", "U0DAN", "dan", place, text))

    assert (await on_slack('/workgroup join "Open Data"')).ok
    assert await rows_of(demo, WorkgroupMember, "Open Data") == 6
    code = re.search(r"[A-Z0-9]{4}-?[A-Z0-9]{4}", await demo.ok("/member link", as_="dan"))
    assert code
    assert (await on_slack(f"/member link {code.group(0)}")).ok
    assert await rows_of(demo, WorkgroupMember, "Open Data") == 5
    assert "dan" in await handles(demo, WorkgroupMember, "Open Data")
    assert await demo.refused('/workgroup join "Open Data"', as_="dan") == (
        "You are already a member of Open Data."
    )


async def test_forgetting_a_member_drops_their_backing_and_lead(demo: TestBot) -> None:
    await demo.ok(OPEN_DATA, as_="grace")
    await demo.ok('/workgroup back "Open Data"', as_="bob")
    await demo.ok("/member forget --confirm", as_="bob")
    assert await handles(demo, WorkgroupBacking, "Open Data") == ["grace"]
    await demo.ok("/member forget --confirm", as_="grace")
    workgroup = await find(demo, "Open Data")
    assert workgroup.lead_id is None and await rows_of(demo, WorkgroupBacking, "Open Data") == 0
    assert "Lead           no lead" in await demo.ok('/workgroup info "Open Data"', as_="carol")
    # Leaderless, it is HQ's to hand over.
    assert "@carol is now the lead and a backer of Open Data." in await demo.ok(
        '/workgroup handover "Open Data" @carol', as_="alice"
    )
