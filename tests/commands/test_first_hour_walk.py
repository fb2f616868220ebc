"""Rough edges found walking a new society's first hour again."""

from __future__ import annotations

from tests.support import TestBot


async def test_help_explains_a_two_word_subcommand(demo: TestBot) -> None:
    edit = await demo.ok("/help chapter meeting edit", as_="bob")
    assert edit.startswith("/chapter meeting edit")
    assert "/chapter meeting delete 1" in await demo.ok("/help chapter meeting delete")
    # The one-word subcommand is still found, and a wrong one still says what exists.
    assert (await demo.ok("/help chapter meeting")).startswith("/chapter meeting\n")
    assert "has no subcommand 'meting'" in await demo.refused("/help chapter meting edit")


async def test_a_workgroup_poll_with_no_channel_says_how_to_bind_one(demo: TestBot) -> None:
    made = await demo.ok(
        '/poll create "Meet monthly?" "Yes" "No" --audience workgroup:Mentoring', as_="grace"
    )
    assert (
        "it was posted nowhere; members vote with /poll vote 2. "
        "Its lead binds a channel with /workgroup bind Mentoring typed in it."
    ) in made


async def test_an_incubating_chapter_owes_no_meetings_until_it_is_active(demo: TestBot) -> None:
    await demo.ok("/chapter create Lagos --region Africa --tz Africa/Lagos")
    status = await demo.ok("/chapter status Lagos")
    assert "Working: 0 held; none due until it is active" in status
    assert "behind" not in status
    await demo.ok("/chapter activate Lagos")
    # Activated mid-June: the year's remainder is owed from today, pro rata.
    assert "none due until it is active" not in await demo.ok("/chapter status Lagos")
