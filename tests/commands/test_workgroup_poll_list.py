"""Workgroup polls in /poll list and on the dashboard, named with their workgroup."""

from __future__ import annotations

from sqlalchemy import select

from adapters.console.adapter import ConsoleSession
from adapters.console.complete import RegistryCompleter
from adapters.console.render import render
from bot.home import dashboard
from storage.models import Poll
from tests.support import TestBot

POLL = '/poll create "Meet monthly?" "Yes" "No" --audience workgroup:Mentoring'


async def _workgroup_poll(demo: TestBot) -> int:
    await demo.ok("/workgroup bind Mentoring", as_="grace", channel="mentoring")
    created = await demo.ok(POLL, as_="grace")
    assert "Workgroup: Mentoring" in created
    async with demo.uow() as uow:
        return max(await uow.session.scalars(select(Poll.id)))


async def test_the_card_names_the_workgroup(demo: TestBot) -> None:
    poll_id = await _workgroup_poll(demo)
    card = next(text for channel, text in demo.posts if channel == "mentoring")
    assert "Workgroup: Mentoring" in card and "the workgroup's members" not in card
    results = await demo.ok(f"/poll results {poll_id}", as_="bob")
    assert "Workgroup: Mentoring" in results


async def test_its_members_see_it_listed_with_the_workgroup_named(demo: TestBot) -> None:
    poll_id = await _workgroup_poll(demo)
    listed = await demo.ok("/poll list", as_="bob")  # a member of Mentoring
    assert f"{poll_id} Meet monthly? (Workgroup: Mentoring) — open until" in listed
    # A member outside the workgroup does not see it; a moderator sees every poll.
    assert "Meet monthly?" in await demo.ok("/poll list", as_="dan")
    await demo.ok("/member join Boston", as_="zoe")
    assert "Meet monthly?" not in await demo.ok("/poll list", as_="zoe")
    assert "Meet monthly?" in await demo.ok("/poll list --open", as_="erin")


async def test_list_filters_by_workgroup(demo: TestBot) -> None:
    poll_id = await _workgroup_poll(demo)
    only = await demo.ok("/poll list --workgroup mentoring", as_="bob")
    assert f"{poll_id} Meet monthly? (Workgroup: Mentoring)" in only
    assert "Which goal" not in only  # the demo's society poll is not the workgroup's
    assert await demo.refused("/poll list --workgroup Nope", as_="bob") == (
        "No workgroup named 'Nope'. See /workgroup list, or propose it with /workgroup propose."
    )
    await demo.ok('/workgroup propose "Open Data" --purpose "Publish datasets"', as_="frank")
    assert await demo.ok('/poll list --workgroup "Open Data"', as_="bob") == (
        "No polls for the Open Data workgroup that you can see (its members see its polls)."
    )


async def _dashboard(demo: TestBot, who: str) -> str:
    request = ConsoleSession(demo.app, who).request("")
    return render(await demo.app.dispatcher.view(request, dashboard))


async def test_the_dashboard_shows_a_members_workgroup_poll(demo: TestBot) -> None:
    poll_id = await _workgroup_poll(demo)
    shown = await _dashboard(demo, "bob")
    assert f"{poll_id} Meet monthly? (Workgroup: Mentoring) — closes" in shown
    assert "not voted yet" in shown
    await demo.ok(f"/poll vote {poll_id} 1", as_="bob")
    assert "Meet monthly? (Workgroup: Mentoring)" in await _dashboard(demo, "bob")
    await demo.ok("/member join Boston", as_="zoe")
    assert "Meet monthly?" not in await _dashboard(demo, "zoe")


async def test_the_audience_completer_offers_active_workgroups(demo: TestBot) -> None:
    offered = await RegistryCompleter(demo.app).complete("/poll create Q A B --audience work")
    assert "workgroup:Mentoring" in [c.text for c in offered]
