"""Mentions looked up with the caller, in the statement that finds who is asking.

What resolving a mention did before still holds: an unseen Slack or Discord account
becomes a member, a known one's new display name is kept, a console name nobody
holds is refused with a hint, and one mentioned twice is created once.
"""

from __future__ import annotations

from sqlalchemy import select

from adapters.console.render import render
from bot.context import Place, Request
from bot.declarations import MemberRef
from bot.identity import enter_with, resolve
from storage.models import Identity, Member
from tests.support import TestBot


def _slack(text: str) -> Request:
    return Request("slack", "U0ALICE", "alice", Place("slack", "C1", "general"), text=text)


async def test_a_known_slack_mention_keeps_its_new_display_name(demo: TestBot) -> None:
    await demo.add_account("bob", "slack", "U0BOB", "bob")
    reply = await demo.app.dispatcher.handle(_slack("/member profile <@U0BOB|Robert>"))
    assert reply.ok, reply.text
    assert "Bob" in render(reply)
    async with demo.uow() as uow:
        shown = await uow.session.scalar(
            select(Identity.display_name).where(Identity.external_id == "U0BOB")
        )
    assert shown == "Robert"


async def test_a_mention_of_oneself_shows_ones_own_profile(demo: TestBot) -> None:
    assert "Grace" in await demo.ok("/member profile @grace", as_="grace")


async def test_a_console_name_nobody_holds_is_refused_with_a_hint(demo: TestBot) -> None:
    before = await demo.snapshot()
    refusal = await demo.refused("/member profile @grac", as_="alice")
    assert refusal == "No member @grac. Did you mean @grace?"
    assert await demo.snapshot() == before


async def test_an_unseen_account_mentioned_twice_is_created_once(demo: TestBot) -> None:
    newbie = MemberRef("discord", "555000111", "newbie")
    account = ("console", "alice", "alice")
    async with demo.uow() as uow:
        entered, seen = await enter_with(uow, [account], [newbie], demo.app.settings)
        assert entered[0] is not None and not isinstance(entered[0], Exception)
        assert seen == {}  # nobody holds it yet
        first = await resolve(uow, newbie, seen)
        again = await resolve(uow, newbie, seen)
        assert first.id == again.id
        await uow.commit()
    assert await demo.count(Member, Member.name == "newbie") == 1
