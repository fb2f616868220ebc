"""A member resolved from a mention is remembered, with their accounts, for the rest of
the unit of work: the reply that mentions them needs no query, and writes the same
mention as the query would — and once the transaction writes members or identities,
the query is made again."""

from __future__ import annotations

from sqlalchemy import delete, update

from bot.declarations import MemberRef
from bot.identity import resolve
from bot.mentions import FORGOTTEN, mention
from bot.people import with_people
from bot.reply import Reply
from storage.models import Identity, Member
from tests.support import TestBot


async def _bob(bot: TestBot) -> int:
    return await bot.add_account("bob", "slack", "U0BOB", "bobby")


async def test_a_resolved_member_is_mentioned_with_every_account(demo: TestBot) -> None:
    bob = await _bob(demo)
    async with demo.uow() as uow:
        member = await resolve(uow, MemberRef("console", "bob"))
        reply = await with_people(uow.session, Reply.public(f"Hello {mention(bob)}"))
    assert member.id == bob
    assert reply.people[bob].name == "Bob Boston"
    assert reply.people[bob].handles == {"console": "bob", "slack": "U0BOB"}


async def test_a_write_to_people_makes_the_reply_ask_again(demo: TestBot) -> None:
    bob = await _bob(demo)
    async with demo.uow() as uow:
        await resolve(uow, MemberRef("console", "bob"))
        await uow.session.execute(delete(Identity).where(Identity.platform == "slack"))
        reply = await with_people(uow.session, Reply.public(f"Hello {mention(bob)}"))
    assert reply.people[bob].handles == {"console": "bob"}
    async with demo.uow() as uow:
        await resolve(uow, MemberRef("console", "bob"))
        await uow.session.execute(delete(Identity).where(Identity.member_id == bob))
        await uow.session.execute(delete(Member).where(Member.id == bob))
        reply = await with_people(uow.session, Reply.public(f"Bye {mention(bob)}"))
    assert reply.people.get(bob, FORGOTTEN) is FORGOTTEN  # written as a former member


async def test_a_renamed_member_is_mentioned_by_their_new_name(demo: TestBot) -> None:
    bob = await _bob(demo)
    async with demo.uow() as uow:
        member = await resolve(uow, MemberRef("console", "bob"))
        member.name = "Robert Boston"
        reply = await with_people(uow.session, Reply.public(f"Hi {mention(bob)}"))
    assert reply.people[bob].name == "Robert Boston"
    async with demo.uow() as uow:
        await resolve(uow, MemberRef("console", "bob"))
        await uow.session.execute(update(Member).where(Member.id == bob).values(name="Rob"))
        reply = await with_people(uow.session, Reply.public(f"Hi {mention(bob)}"))
    assert reply.people[bob].name == "Rob"
