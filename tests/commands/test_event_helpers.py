"""Event helpers on the demo society, driven through the console.

bob presides Boston; grace is a Boston member; frank is in London; carol presides
Washington DC; alice is HQ.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.mentions import mention
from storage.models import AuditEvent, EventHelper, Identity
from tests.commands.test_events import PICNIC, event_row, new_event
from tests.support import TestBot


async def audited(demo: TestBot, action: str) -> list[str]:
    async with demo.uow() as uow:
        return list(
            await uow.session.scalars(
                select(AuditEvent.summary)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


async def helpers(demo: TestBot, event_id: int) -> list[int]:
    async with demo.uow() as uow:
        return list(
            await uow.session.scalars(
                select(EventHelper.member_id).where(EventHelper.event_id == event_id)
            )
        )


async def test_a_helper_checks_members_in_and_counts_guests_at_that_event_only(
    demo: TestBot,
) -> None:
    event_id = await new_event(demo)
    other_id = await new_event(demo, PICNIC.replace("Summer picnic", "Autumn picnic"))
    event = await event_row(demo, event_id)
    demo.clock.set(event.starts_at)
    # Before being named, grace may only check herself in.
    refused = await demo.refused(f"/event checkin {event_id} @frank", as_="grace")
    assert refused.startswith(
        "Only the event's organiser, its president, one of its helpers or HQ "
        f"may check others in to event {event_id}"
    )
    named = await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    assert named.startswith("@grace is now a helper for Summer picnic")
    assert await audited(demo, "event helper")
    admitted = await demo.ok(f"/event checkin {event_id} @frank --guests 2", as_="grace")
    assert admitted == "Checked in @frank. Added 2 guests (2 in all)."
    # Audited as every privileged command is, the member named by their mention token;
    # checking oneself in is not privileged, so not audited.
    await demo.ok(f"/event checkin {event_id}", as_="grace")
    log = await demo.ok("/audit 3", as_="alice")
    assert f"@grace · /event checkin {event_id} @frank --guests 2" in log, log
    async with demo.uow() as uow:
        frank = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == "frank")
        )
    assert frank is not None
    assert await audited(demo, "event checkin") == [
        f"/event checkin {event_id} {mention(frank)} --guests 2"
    ]
    assert (await event_row(demo, event_id)).guests == 2
    # Only for that event: the other one is still refused.
    demo.clock.set((await event_row(demo, other_id)).starts_at)
    before = await demo.snapshot()
    refused = await demo.refused(f"/event checkin {other_id} @frank", as_="grace")
    assert refused.startswith("Only the event's organiser, its president, one of its helpers")
    assert await demo.snapshot() == before


async def test_the_organiser_is_prompted_and_everyone_sees_the_helpers(demo: TestBot) -> None:
    event_id = await new_event(demo)
    shown = await demo.ok(f"/event show {event_id}", as_="bob")
    assert re.search(r"^Helpers +none yet", shown, re.MULTILINE), shown
    assert "Helpers" not in await demo.ok(f"/event show {event_id}", as_="frank")
    await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    for who in ("bob", "alice", "frank"):
        shown = await demo.ok(f"/event show {event_id}", as_=who)
        assert re.search(r"^Helpers: @grace$", shown, re.MULTILINE), shown


async def test_removing_a_helper_takes_the_power_back(demo: TestBot) -> None:
    event_id = await new_event(demo)
    await demo.ok(f"/event helper {event_id} @grace", as_="alice")
    removed = await demo.ok(f"/event helper {event_id} @grace --remove", as_="bob")
    assert removed == (
        "@grace is no longer a helper for Summer picnic. They were told by direct message."
    )
    assert await helpers(demo, event_id) == []
    assert len(await audited(demo, "event helper")) == 2
    demo.clock.set((await event_row(demo, event_id)).starts_at + timedelta(minutes=5))
    await demo.refused(f"/event checkin {event_id} @frank", as_="grace")


async def test_bad_helper_requests_are_refused_in_one_line_and_change_nothing(
    demo: TestBot,
) -> None:
    event_id = await new_event(demo)
    await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    cases = [
        (
            f"/event helper {event_id} @frank",
            "bob",
            f"Frank Thames is not a member of Boston; a helper for event {event_id} "
            "must be one of its members.",
        ),
        (
            f"/event helper {event_id} @grace",
            "bob",
            f"Grace Member is already a helper for event {event_id}; nothing changed.",
        ),
        (
            f"/event helper {event_id} @frank --remove",
            "bob",
            f"Frank Thames is not a helper for event {event_id}; "
            f"/event show {event_id} lists its helpers.",
        ),
        (
            f"/event helper {event_id} @nobody",
            "bob",
            "No member @nobody.",
        ),
        (
            f"/event helper {event_id} @bob",
            "bob",
            f"Bob Boston already checks members in to event {event_id} as its organiser.",
        ),
    ]
    for command, who, expected in cases:
        before = await demo.snapshot()
        refused = await demo.refused(command, as_=who)
        assert refused.startswith(expected), refused
        assert "\n" not in refused
        assert await demo.snapshot() == before
    # A helper may not name helpers; the refusal names who may.
    before = await demo.snapshot()
    refused = await demo.refused(f"/event helper {event_id} @bob", as_="grace")
    assert refused.startswith(
        "Only the event's organiser or its president or HQ may use /event helper."
    )
    refused = await demo.refused(f"/event helper {event_id} @grace --remove", as_="carol")
    assert refused.startswith(
        "Only the event's organiser or its president or HQ may use /event helper."
    )
    assert await demo.snapshot() == before
    assert len(await helpers(demo, event_id)) == 1


async def test_a_workgroup_events_helper_must_be_in_the_workgroup(demo: TestBot) -> None:
    kickoff = '/event create working 2026-07-15T17:00 "Kick-off" --workgroup Mentoring'
    event_id = await new_event(demo, kickoff, as_="grace")
    before = await demo.snapshot()
    refused = await demo.refused(f"/event helper {event_id} @dan", as_="grace")
    assert refused == (
        f"Dan Moderator is not a member of the Mentoring workgroup; "
        f"a helper for event {event_id} must be one of its members."
    )
    assert await demo.snapshot() == before
    # frank is in London, not Boston, but he is in the workgroup.
    assert (await demo.ok(f"/event helper {event_id} @frank", as_="grace")).startswith(
        "@frank is now a helper for Kick-off"
    )
