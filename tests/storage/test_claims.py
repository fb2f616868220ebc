"""Claiming a row: the first claim wins it, every later one gets nothing back."""

from __future__ import annotations

from storage.claims import claim
from storage.models import Member
from tests.support import TestBot


async def test_a_row_is_claimed_once(bot: TestBot) -> None:
    async with bot.uow() as uow:
        member = Member(name="Ada", joined_at=uow.now)
        uow.session.add(member)
        await uow.session.flush()
        member_id = member.id
        await uow.commit()
    for expected in ([member_id], []):
        async with bot.uow() as uow:
            still_open = Member.nudges.is_(True)
            got = await claim(uow.session, Member, Member.id == member_id, still_open, nudges=False)
            assert got == expected
            await uow.commit()
    assert await bot.count(Member, Member.nudges.is_(False)) == 1


async def test_a_claim_of_nothing_matching_is_empty(bot: TestBot) -> None:
    async with bot.uow() as uow:
        assert await claim(uow.session, Member, Member.id == -1, nudges=False) == []
