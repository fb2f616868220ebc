"""`/chapter info` reads its card in one statement: the latest meetings in their order
(a day's two meetings, the later logged first), its channels in the order they were
bound, and its president written as a mention on each platform."""

from __future__ import annotations

from tests.support import TestBot


async def test_the_card_lists_the_latest_five_meetings_latest_first(demo: TestBot) -> None:
    for kind, day in (
        ("working", "2026-01-10"),
        ("working", "2026-02-10"),
        ("social", "2026-02-10"),
        ("working", "2026-03-10"),
        ("social", "2026-01-05"),
        ("social", "2026-04-10"),
        ("working", "2025-12-01"),
    ):
        await demo.ok(f'/chapter meeting Chicago {kind} {day} "{kind} {day}"', as_="alice")
    info = await demo.ok("/chapter info Chicago", as_="grace")
    listed = [line.split(": ", 1)[1] for line in info.splitlines() if line.startswith("• #")]
    assert listed == [
        "social 2026-04-10",
        "working 2026-03-10",
        "social 2026-02-10",
        "working 2026-02-10",
        "working 2026-01-10",
    ]


async def test_the_card_lists_channels_as_bound_and_mentions_the_president(
    demo: TestBot,
) -> None:
    await demo.ok("/chapter bind Boston", as_="bob", channel="boston-main")
    await demo.ok("/chapter bind Boston", as_="bob", channel="a-boston-social")
    reply = await demo.send("/chapter info Boston", as_="grace")
    channels = dict(reply.blocks[1].pairs)["Channels"]  # type: ignore[attr-defined]
    assert channels.index("#boston-main") < channels.index("#a-boston-social")
    [president] = reply.people.values()
    assert president.name == "Bob Boston" and president.handles == {"console": "bob"}


async def test_a_chapter_without_a_president_says_so(demo: TestBot) -> None:
    info = await demo.ok("/chapter info London", as_="frank")
    assert "President  none yet" in info
