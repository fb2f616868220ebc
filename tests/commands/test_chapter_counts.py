"""A chapter's stored member count equals its real member count after every kind of
change: join, move, add, import, link (a merge), forget, a refused newcomer, and
writes that bypass the commands (bulk inserts, deletes)."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, insert, select, text, update

from bot.context import Place, Request
from commands.importer import import_members, read_rows
from storage.migrate import current_revision, downgrade, upgrade
from storage.models import Chapter, Member
from tests.storage.test_migration_round_trip import row_counts
from tests.support import START, TestBot


async def assert_counts_true(bot: TestBot) -> dict[str, int]:
    """Every chapter's stored count against a GROUP BY over members; the counts by name."""
    async with bot.uow() as uow:
        real = dict(
            (
                await uow.session.execute(
                    select(Member.chapter_id, func.count())
                    .where(Member.chapter_id.is_not(None))
                    .group_by(Member.chapter_id)
                )
            ).all()
        )
        stored = (
            await uow.session.execute(select(Chapter.id, Chapter.name, Chapter.member_count))
        ).all()
    assert {name: count for _, name, count in stored} == {
        name: real.get(id_, 0) for id_, name, _ in stored
    }
    return {name: count for _, name, count in stored}


async def _as_slack(bot: TestBot, user: str, text: str) -> str:
    place = Place("slack", "C0GENERAL", "general")
    return (await bot.app.dispatcher.handle(Request("slack", user, user, place, text=text))).text


async def test_counts_follow_every_change(demo: TestBot) -> None:
    counts = await assert_counts_true(demo)
    assert counts["Boston"] == 2 and counts["Washington DC"] == 2
    assert "Boston (North America) · 2 members" in await demo.ok("/chapter list")

    await demo.ok("/member join Chicago", as_="newbie")  # a newcomer joins
    assert (await assert_counts_true(demo))["Chicago"] == 1
    await demo.ok("/member join Boston --move", as_="newbie")  # a move
    counts = await assert_counts_true(demo)
    assert (counts["Chicago"], counts["Boston"]) == (0, 3)
    await demo.ok("/member join London", as_="grace")  # asked first: nothing moves
    assert (await assert_counts_true(demo))["Boston"] == 3
    await demo.ok("/member join London --move", as_="grace")
    assert (await assert_counts_true(demo))["London"] == 2

    await demo.ok("/member add Zoe", as_="bob")  # bob presides Boston: Zoe joins it
    assert (await assert_counts_true(demo))["Boston"] == 3

    rows, _ = read_rows(
        "name,email,chapter\n"
        "Ada Lovelace,ada@example.org,Chicago\n"
        "Grace Hopper,grace@example.org,New York\n"
    )
    async with demo.uow() as uow:
        await import_members(uow.session, rows, uow.now)
        await uow.commit()
    counts = await assert_counts_true(demo)
    assert (counts["Chicago"], counts["New York"]) == (1, 1)
    rows, _ = read_rows("name,email,chapter\nAda Lovelace,ada@example.org,London\n")
    async with demo.uow() as uow:  # the importer moves a known member
        await import_members(uow.session, rows, uow.now)
        await uow.commit()
    counts = await assert_counts_true(demo)
    assert (counts["Chicago"], counts["London"]) == (0, 3)

    # Link: a Slack account's own member (no chapter) merges into bob (Boston).
    await _as_slack(demo, "U0BOB", "/member nudges off")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", await demo.ok("/member link", as_="bob"))
    assert code
    assert (await _as_slack(demo, "U0BOB", f"/member link {code.group(0)}")).startswith("Linked")
    assert (await assert_counts_true(demo))["Boston"] == 3

    await demo.ok("/member forget --confirm", as_="frank")  # forget: London loses one
    assert (await assert_counts_true(demo))["London"] == 2

    # A refused newcomer is registered and unregistered again: no count moves.
    await demo.refused("/chapter create Nowhere --region X --tz UTC", as_="stranger")
    await assert_counts_true(demo)


async def test_counts_hold_for_writes_outside_the_commands(demo: TestBot) -> None:
    async with demo.uow() as uow:
        boston = await uow.session.scalar(select(Chapter.id).where(Chapter.name == "Boston"))
        chicago = await uow.session.scalar(select(Chapter.id).where(Chapter.name == "Chicago"))
        await uow.session.execute(
            insert(Member),
            [{"name": f"bulk {n}", "chapter_id": boston, "joined_at": START} for n in range(5)],
        )
        await uow.session.execute(
            update(Member).where(Member.name.startswith("bulk ")).values(chapter_id=chicago)
        )
        await uow.session.execute(delete(Member).where(Member.name.in_(["bulk 0", "bulk 1"])))
        await uow.commit()
    counts = await assert_counts_true(demo)
    assert (counts["Boston"], counts["Chicago"]) == (2, 3)
    async with demo.uow() as uow:  # rolled back: the counts roll back with it
        await uow.session.execute(update(Member).values(chapter_id=None))
        await uow.rollback()
    assert (await assert_counts_true(demo))["Chicago"] == 3


async def test_migration_0014_goes_down_and_up_keeping_rows_and_counting_again(
    demo: TestBot,
) -> None:
    engine = demo.app.engine
    await demo.ok("/member join Chicago", as_="newbie")
    before = await row_counts(engine)
    await downgrade(engine, "0012")
    assert await current_revision(engine) == "0012"
    kept = await row_counts(engine)
    assert kept == {table: rows for table, rows in before.items() if table in kept}
    # Only tables of later migrations are gone, and they held nothing here.
    assert all(before[table] == 0 for table in before.keys() - kept.keys())
    async with engine.begin() as connection:  # a move while no count is kept
        await connection.execute(
            text(
                "UPDATE members SET chapter_id = (SELECT id FROM chapters WHERE name = 'London')"
                " WHERE chapter_id = (SELECT id FROM chapters WHERE name = 'Chicago')"
            )
        )
    await upgrade(engine, "0014")
    assert await current_revision(engine) == "0014"
    await upgrade(engine)  # and on to the head, which the app's models expect
    assert await row_counts(engine) == before
    counts = await assert_counts_true(demo)  # backfilled
    assert (counts["Chicago"], counts["London"]) == (0, 2)
    await demo.ok("/member join Chicago --move", as_="newbie")  # the triggers are back
    assert (await assert_counts_true(demo))["Chicago"] == 1
