"""/audit writes the members its entries mention, read with the entries themselves."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.context import Place, Request
from bot.mentions import mention
from commands.audit import _STATEMENT, MAX_ROWS
from storage.models import AuditEvent, Identity, Member
from tests.support import TestBot


async def _id(bot: TestBot, name: str) -> int:
    async with bot.uow() as uow:
        found = await uow.session.scalar(select(Member.id).where(Member.name == name))
    assert found is not None
    return found


async def test_the_log_names_the_members_its_entries_mention(demo: TestBot) -> None:
    await demo.ok("/role grant @grace moderator", as_="alice")
    await demo.ok("/role grant @erin moderator", as_="alice")
    await demo.ok("/member forget --confirm", as_="erin")
    log = await demo.ok("/audit 5", as_="alice")
    assert "@alice · /role grant @grace moderator" in log
    assert "@alice · /role grant a former member moderator" in log  # erin, forgotten since
    assert "erin" not in log.lower()
    grace = await _id(demo, "Grace Member")
    async with demo.uow() as uow:
        kept = list(await uow.session.scalars(select(AuditEvent.mentioned)))
    assert [grace] in kept


async def test_a_member_with_no_account_here_is_written_by_name(demo: TestBot) -> None:
    place = Place("slack", "C0GENERAL", "general")
    await demo.app.dispatcher.handle(
        Request("slack", "U0ZED", "Zed", place, text="/member profile")
    )
    async with demo.uow() as uow:  # as a command run on Slack would log it
        zed = await uow.session.scalar(
            select(Identity.member_id).where(Identity.external_id == "U0ZED")
        )
        assert zed is not None
        uow.audit(None, "role grant", f"/role grant {mention(zed)} moderator", mentioned=[zed])
        await uow.commit()
    log = await demo.ok("/audit 1", as_="alice")
    assert "a former member · /role grant Zed moderator" in log


async def test_an_entry_logged_before_mentions_were_kept_still_names_them(demo: TestBot) -> None:
    grace = await _id(demo, "Grace Member")
    async with demo.uow() as uow:
        uow.session.add(
            AuditEvent(
                at=uow.now,
                actor_id=None,
                action="role grant",
                summary=f"/role grant {mention(grace)} moderator",
                mentioned=None,
            )
        )
        await uow.commit()
    log = await demo.ok("/audit 1", as_="alice")
    assert "a former member · /role grant @grace moderator" in log


async def test_postgresql_plans_the_log_as_cheap_as_it_is(demo: TestBot) -> None:
    """PostgreSQL guesses a hundred elements per JSON list; planned on that guess, the
    longest log cost enough to be compiled to machine code before running, which took
    a hundred times longer than running it."""
    if demo.app.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL plan")
    async with demo.uow() as uow:
        for n in range(MAX_ROWS):  # every entry naming someone, the longest log
            uow.audit(None, "role grant", f"/role grant {mention(n + 1)} x", mentioned=[n + 1])
        await uow.commit()
    sql = str(_STATEMENT.compile(dialect=demo.app.engine.dialect))
    async with demo.app.engine.connect() as connection:
        plan = (
            await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", (MAX_ROWS,))
        ).scalar_one()
        threshold = (
            await connection.exec_driver_sql("SELECT current_setting('jit_above_cost')::float")
        ).scalar_one()
    cost = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Total Cost"]
    assert cost < threshold, f"planned at {cost}, compiled from {threshold}"
