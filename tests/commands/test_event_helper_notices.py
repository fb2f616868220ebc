"""Helpers hear of it, and everyone sees them: the direct message a helper gets when
named or removed, and the helpers on the event's card and in /event show.

On the demo society: bob presides Boston; grace is a Boston member; frank is in
London; dan is a moderator in San Francisco; alice is HQ.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.reply import render_stamps
from tests.commands.test_events import dms, event_row, new_event, tick
from tests.support import TestBot

CONFERENCE = '/event create working 2026-10-01T09:00 "Conference" --society --duration 8h'


async def test_a_named_helper_is_told_which_event_when_and_what_they_may_do(
    demo: TestBot,
) -> None:
    event_id = await new_event(demo)
    named = await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    assert named.endswith("They were told by direct message."), named
    [told] = dms(demo, "grace")
    told = render_stamps(told)
    assert f"@bob named you a helper for Summer picnic (event {event_id})." in told, told
    # The start, as the platforms write it for each reader (the console: Boston's zone).
    assert "When: Thu 02 Jul 2026 18:30 EDT" in told, told
    assert "Where: Boston Common" in told, told
    assert f"/event checkin {event_id} @member" in told, told
    assert f"/event checkin {event_id} --guests N" in told, told
    assert "from 30 minutes before the start to 2 hours after the end" in told, told
    # Removed: told that too, and what they may still do.
    removed = await demo.ok(f"/event helper {event_id} @grace --remove", as_="bob")
    assert removed.endswith("They were told by direct message."), removed
    assert len(dms(demo, "grace")) == 2
    gone = dms(demo, "grace")[-1]
    assert f"@bob removed you as a helper for Summer picnic (event {event_id}, " in gone, gone
    assert f"You may still check yourself in with /event checkin {event_id}." in gone, gone
    # Named again at the same moment: a third message, not one swallowed as a repeat.
    await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    assert len(dms(demo, "grace")) == 3
    assert "named you a helper" in dms(demo, "grace")[-1]


async def test_the_card_and_show_name_the_helpers_for_everyone(demo: TestBot) -> None:
    event_id = await new_event(demo, CONFERENCE, as_="alice")
    shown = await demo.ok(f"/event show {event_id}", as_="alice")
    assert "Helpers:" not in shown, shown
    assert re.search(rf"^Helpers +none yet \(/event helper {event_id} @member", shown, re.M)
    await demo.ok(f"/event helper {event_id} @grace", as_="alice")
    demo.clock.advance(timedelta(minutes=1))  # named in this order, listed in this order
    await demo.ok(f"/event helper {event_id} @frank", as_="alice")
    for who in ("dan", "frank", "alice"):  # a plain member, a helper, the organiser
        shown = await demo.ok(f"/event show {event_id}", as_=who)
        assert "Helpers: @grace, @frank" in shown, shown
        assert "none yet" not in shown, shown
    # The card in the channels is edited in place to name them.
    card = list(demo.poster.edits.values())[-1]
    assert "Helpers: @grace, @frank" in card, card
    await demo.ok(f"/event helper {event_id} @grace --remove", as_="alice")
    card = list(demo.poster.edits.values())[-1]
    assert "Helpers: @frank" in card and "@grace" not in card, card
    assert "Helpers: @frank" in await demo.ok(f"/event show {event_id}", as_="dan")


async def test_the_reminder_names_the_helpers_too(demo: TestBot) -> None:
    event_id = await new_event(demo)
    await demo.ok(f"/event rsvp {event_id} going", as_="grace")
    await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    event = await event_row(demo, event_id)
    await tick(demo, event.starts_at - timedelta(hours=24))
    reminder = [m for m in dms(demo, "grace") if m.startswith("Reminder")]
    assert reminder and "Helpers: @grace" in reminder[-1], dms(demo, "grace")


async def test_refused_helper_requests_tell_nobody_and_leave_the_card(demo: TestBot) -> None:
    event_id = await new_event(demo)
    await demo.ok(f"/event helper {event_id} @grace", as_="bob")
    sent = list(demo.posts)
    edits = dict(demo.poster.edits)
    cases = {
        f"/event helper {event_id} @frank": (
            f"Frank Thames is not a member of Boston; a helper for event {event_id} "
            "must be one of its members."
        ),
        f"/event helper {event_id} @grace": (
            f"Grace Member is already a helper for event {event_id}; nothing changed."
        ),
        f"/event helper {event_id} @frank --remove": (
            f"Frank Thames is not a helper for event {event_id}; "
            f"/event show {event_id} lists its helpers."
        ),
        f"/event helper {event_id} @nobody": "No member @nobody.",
    }
    for command, expected in cases.items():
        before = await demo.snapshot()
        refused = await demo.refused(command, as_="bob")
        assert refused.startswith(expected) and "\n" not in refused, refused
        assert await demo.snapshot() == before
    assert demo.posts == sent, "a refused request sent a message"
    assert dict(demo.poster.edits) == edits, "a refused request edited the card"
