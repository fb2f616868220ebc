"""Every command starts with one statement for identity, member and roles: it must
find the same roles the separate queries did. (That a read-only command commits
nothing is tests/bot/test_read_only.py's.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.identity import enter_many, register_many, roles_many
from bot.permissions import Role
from storage.models import GrantedRole, Identity, RoleGrant
from tests.support import START, TestBot, start_bot


@pytest.fixture
async def admin_bot(database_url: str) -> AsyncIterator[TestBot]:
    async for bot in start_bot(database_url, chapterhouse_admins="console:boss,slack:UHQ1"):
        yield bot


async def test_one_statement_finds_the_roles_the_two_queries_found(admin_bot: TestBot) -> None:
    bot = admin_bot
    for name in ("alice", "mod", "granted", "boss"):
        await bot.ok("/help", as_=name)
    async with bot.uow() as uow:
        [(alice, _), (mod, _), (granted, _)] = [
            f
            for f in await register_many(
                uow, [("console", n, n) for n in ("alice", "mod", "granted")]
            )
            if not isinstance(f, Exception)
        ]
        uow.session.add_all(
            [
                RoleGrant(member_id=mod.id, role=GrantedRole.MODERATOR, granted_at=START),
                RoleGrant(member_id=granted.id, role=GrantedRole.HQ, granted_at=START),
                RoleGrant(member_id=granted.id, role=GrantedRole.MODERATOR, granted_at=START),
                # alice's Slack account is named an admin: HQ through her other account.
                Identity(
                    member_id=alice.id,
                    platform="slack",
                    external_id="UHQ1",
                    display_name="alice",
                    created_at=START,
                ),
            ]
        )
        await uow.commit()
    accounts = [("console", n, n) for n in ("alice", "mod", "granted", "boss", "newcomer")]
    accounts.append(("slack", "UHQ1", "alice"))
    async with bot.uow() as uow:
        entered = await enter_many(uow, accounts, bot.app.settings)
        found = [e for e in entered if not isinstance(e, Exception)]
        assert len(found) == len(accounts)
        expected = await roles_many(uow, [m.id for m, _, _ in found], bot.app.settings)
        for member, _, roles in found:
            assert roles == expected[member.id], member.name
    by_name = {identity.external_id: roles for _, identity, roles in found}
    assert by_name["alice"] == {Role.MEMBER, Role.HQ}
    assert by_name["UHQ1"] == {Role.MEMBER, Role.HQ}
    assert by_name["mod"] == {Role.MEMBER, Role.MODERATOR}
    assert by_name["granted"] == {Role.MEMBER, Role.MODERATOR, Role.HQ}
    assert by_name["boss"] == {Role.MEMBER, Role.HQ}
    assert by_name["newcomer"] == {Role.MEMBER}
