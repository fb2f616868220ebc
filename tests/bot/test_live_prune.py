"""Live posts' edit-stream claims are forgotten once nobody has drawn the card for an
hour (the `upkeep.live` due job), and a forgotten card is still drawn on its next change.

Before: `live_claims` kept one row per card ever changed, for ever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from bot.live import FORGET_AFTER, LEASE
from bot.scheduler import run_due
from storage.models import LiveClaim
from tests.bot.test_live_instances import Editor, live
from tests.support import TestBot

POLL = "poll:2"  # the demo holds poll 1; the one each test opens is 2


async def open_poll(demo: TestBot) -> None:
    await demo.ok('/poll create "City?" "Lisbon" "Osaka" --audience society', as_="dan")


async def claims(demo: TestBot) -> dict[str, str | None]:
    """Each card's row: who holds it (None when free)."""
    async with demo.uow() as uow:
        rows = await uow.session.execute(select(LiveClaim.subject, LiveClaim.holder))
        return {subject: holder for subject, holder in rows}


async def upkeep(demo: TestBot) -> list[str]:
    demo.only_due("upkeep.live")
    report = await run_due(demo.app, demo.clock.now())
    assert not report.failed, [(job.name, job.error) for job in report.failed]
    return [note for job in report.jobs for note in job.notes]


async def test_free_cards_are_forgotten_after_an_hour_and_held_ones_kept(demo: TestBot) -> None:
    await open_poll(demo)
    editor = Editor()
    stream = live(demo, editor)
    await demo.ok("/poll vote 2 1", as_="grace")
    await stream.changed([POLL])
    await stream.drain()
    assert len(editor.edits) == 3  # drawn, then let go
    drawn_at = demo.clock.now()
    async with demo.uow() as uow:
        # Another instance is drawing poll 1 now and renews its lease; one that
        # crashed while drawing a third card left its lease to lapse.
        uow.session.add_all(
            [
                LiveClaim(subject="poll:1", version=4, rendered=3, holder="busy"),
                LiveClaim(subject="poll:9", version=2, rendered=1, holder="crashed"),
            ]
        )
        await uow.session.flush()
        await uow.session.execute(
            update(LiveClaim)
            .where(LiveClaim.subject == "poll:9")
            .values(lease_until=drawn_at - LEASE)
        )
        await uow.commit()
    assert await claims(demo) == {POLL: None, "poll:1": "busy", "poll:9": "crashed"}

    demo.clock.set(drawn_at + FORGET_AFTER - timedelta(minutes=1))
    await renew(demo, "poll:1")
    assert await upkeep(demo) == []
    assert await claims(demo) == {POLL: None, "poll:1": "busy", "poll:9": "crashed"}

    demo.clock.set(drawn_at + FORGET_AFTER + timedelta(minutes=1))
    await renew(demo, "poll:1")
    assert await upkeep(demo) == ["Forgot 2 live-post claims unused for an hour."]
    assert await claims(demo) == {"poll:1": "busy"}

    # The forgotten card's next change is drawn as before, by whoever sees it.
    await demo.ok("/poll vote 2 2", as_="bob")
    await stream.changed([POLL])
    await stream.drain()
    assert len(editor.edits) == 6
    assert all("2 of 7 eligible voted" in text for text in editor.latest().values())
    assert await claims(demo) == {"poll:1": "busy", POLL: None}


async def renew(demo: TestBot, subject: str) -> None:
    """What a holder still drawing does: its lease runs on from now."""
    async with demo.uow() as uow:
        await uow.session.execute(
            update(LiveClaim)
            .where(LiveClaim.subject == subject)
            .values(lease_until=uow.now + LEASE)
        )
        await uow.commit()


async def test_a_card_forgotten_between_its_bump_and_its_lease_is_still_drawn(
    demo: TestBot,
) -> None:
    await open_poll(demo)
    editor = Editor()
    stream = live(demo, editor)
    bump = stream._bump

    async def bump_then_pruned(subject: str) -> None:
        await bump(subject)
        async with demo.uow() as uow:  # the upkeep job, on another instance, just then
            await uow.session.execute(delete(LiveClaim).where(LiveClaim.subject == subject))
            await uow.commit()

    stream._bump = bump_then_pruned  # type: ignore[method-assign]
    await demo.ok("/poll vote 2 1", as_="grace")
    await stream.changed([POLL])
    await stream.drain()
    assert len(editor.edits) == 3
    assert all("1 of 7 eligible voted" in text for text in editor.latest().values())
    assert await claims(demo) == {POLL: None}
