"""Members: joining, profiles, their data, linking accounts, nudges, forgetting."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.context import Place, Request
from storage.models import (
    AuditEvent,
    Chapter,
    GrantedRole,
    Identity,
    LinkCode,
    Member,
    RoleGrant,
)
from tests.support import TestBot


async def _member(bot: TestBot, handle: str, platform: str = "console") -> Member | None:
    async with bot.uow() as uow:
        member = await uow.session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == platform, Identity.external_id == handle)
        )
        if member is not None:
            uow.session.expunge(member)  # readable after the unit of work closes
        return member


async def _as_slack(bot: TestBot, user: str, text: str, name: str = "") -> str:
    place = Place("slack", "C0GENERAL", "general")
    reply = await bot.app.dispatcher.handle(Request("slack", user, name or user, place, text=text))
    return reply.text


async def test_join_by_name_and_by_channel(demo: TestBot) -> None:
    assert "Welcome to Chicago!" in await demo.ok("/member join chicago", as_="newbie")
    asked = await demo.ok("/member join", as_="newbie", channel="boston")
    assert asked.startswith("You are a member of Chicago. Leave it for Boston?")
    assert "[Move to Boston: /member join Boston --move]" in asked
    still = await _member(demo, "newbie")
    assert still is not None and still.chapter_id is not None
    moved = await demo.ok("/member join Boston --move", as_="newbie")
    assert "Welcome to Boston!" in moved and "you left Chicago" in moved
    member = await _member(demo, "newbie")
    assert member is not None
    async with demo.uow() as uow:
        chapter = await uow.session.get(Chapter, member.chapter_id)
        assert chapter is not None and chapter.name == "Boston"


async def test_join_refusals(demo: TestBot) -> None:
    assert (
        await demo.refused("/member join", as_="grace")
        == "Name the chapter to join, e.g. /member join Boston (see /chapter list)."
    )
    assert await demo.refused("/member join Boston", as_="grace") == (
        "You are already a member of Boston."
    )
    assert "Did you mean Boston?" in await demo.refused("/member join Bostn", as_="grace")
    await demo.ok("/chapter retire Chicago")
    assert "dormant" in await demo.refused("/member join Chicago", as_="newbie")


async def test_profile_shows_roles_and_accounts(demo: TestBot) -> None:
    own = await demo.ok("/member profile", as_="bob")
    assert "Bob Boston" in own and "president of Boston" in own and "console" in own
    other = await demo.ok("/member profile @dan", as_="grace")
    assert "Dan Moderator" in other and "moderator" in other
    assert await demo.refused("/member profile @nobody", as_="grace") == "No member @nobody."
    assert "Did you mean @bob?" in await demo.refused("/member profile @bobb", as_="grace")


async def test_data_lists_everything_stored(demo: TestBot) -> None:
    await demo.ok('/chapter meeting Boston working 2026-05-02 "Ethics"', as_="bob")
    data = await demo.ok("/member data", as_="bob")
    for expected in ("Bob Boston", "Boston", "president of Boston", "console account bob"):
        assert expected in data
    assert re.search(r"Meetings you logged\s+1", data)
    assert re.search(r"Privileged actions in the audit log\s+1", data)


async def test_link_joins_slack_account_to_console_member(demo: TestBot) -> None:
    # The Slack account acts first (backs into its own member), then links.
    await _as_slack(demo, "U0BOB", "/member nudges off", name="bob.b")
    assert await demo.count(Member) == 8
    reply = await demo.ok("/member link", as_="bob")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reply)
    assert code, reply
    linked = await _as_slack(demo, "U0BOB", f"/member link {code.group(0).lower()}")
    assert linked.startswith("Linked: this Slack account is now part of")
    assert await demo.count(Member) == 7
    bob = await _member(demo, "U0BOB", platform="slack")
    assert bob is not None and bob.name == "Bob Boston"
    assert bob.nudges is False  # the stricter choice survives the merge
    # Bob is still president of Boston when speaking from Slack.
    assert await _as_slack(demo, "U0BOB", "/chapter bind Boston") == (
        "This channel now receives Boston's updates."
    )
    # The code is single use.
    assert "already used" in await _as_slack(demo, "U0OTHER", f"/member link {code.group(0)}")


async def test_link_code_rules(demo: TestBot) -> None:
    reply = await demo.ok("/member link", as_="grace")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reply)
    assert code
    assert "this account's own" in await demo.refused(f"/member link {code.group(0)}", as_="grace")
    assert "ABCD-EFGH" in await demo.refused("/member link 123", as_="grace")
    assert "unknown" in await demo.refused("/member link ZZZZ-ZZZZ", as_="grace")
    demo.clock.advance(timedelta(minutes=16))
    assert "expired" in await _as_slack(demo, "U0GRACE", f"/member link {code.group(0)}")
    async with demo.uow() as uow:
        stored = list(await uow.session.scalars(select(LinkCode.code_hash)))
    assert code.group(0).replace("-", "") not in stored  # only the hash is kept


async def test_link_refuses_a_second_account_on_the_same_platform(demo: TestBot) -> None:
    reply = await demo.ok("/member link", as_="grace")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reply)
    assert code
    before = await demo.count(Member)
    line = await demo.refused(f"/member link {code.group(0)}", as_="erin")
    assert line == "That member already has a console account; a member has one per platform."
    assert await demo.count(Member) == before


async def test_nudges_toggle(demo: TestBot) -> None:
    await demo.ok("/member nudges off", as_="grace")
    grace = await _member(demo, "grace")
    assert grace is not None and grace.nudges is False
    await demo.ok("/member nudges on", as_="grace")
    grace = await _member(demo, "grace")
    assert grace is not None and grace.nudges is True
    assert "on or off" in await demo.refused("/member nudges maybe", as_="grace")


async def test_forget_needs_confirm_and_deletes_personal_data(demo: TestBot) -> None:
    assert "--confirm" in await demo.refused("/member forget", as_="bob")
    assert await _member(demo, "bob") is not None
    await demo.ok('/chapter meeting Boston social 2026-05-09 "Picnic" --attendance 30', as_="bob")
    await demo.ok("/member forget --confirm", as_="bob")
    assert await _member(demo, "bob") is None
    assert await demo.count(Identity, Identity.external_id == "bob") == 0
    # Aggregates stay: the meeting counts, but nobody is named as having logged it.
    status = await demo.ok("/chapter status Boston", as_="grace")
    assert "Social: 2 held" in status
    info = await demo.ok("/chapter info Boston", as_="grace")
    assert "none yet" in info  # Boston has no president now
    log = await demo.ok("/audit")
    assert "a former member" in log and "Bob" not in log and "@bob" not in log
    async with demo.uow() as uow:
        summaries = " ".join(await uow.session.scalars(select(AuditEvent.summary)))
    assert "bob" not in summaries.lower()


async def test_last_hq_cannot_forget_themselves(bot: TestBot) -> None:
    # Without configured admins, the only granted HQ must hand over first.
    bot.app.settings.chapterhouse_admins = []
    await bot.ok("/member profile", as_="solo")  # registers solo
    solo = await _member(bot, "solo")
    assert solo is not None
    async with bot.uow() as uow:
        uow.session.add(RoleGrant(member_id=solo.id, role=GrantedRole.HQ, granted_at=uow.now))
        await uow.commit()
    line = await bot.refused("/member forget --confirm", as_="solo")
    assert line == "You are the last HQ admin; grant HQ to someone else first."


async def test_asking_for_a_new_link_code_replaces_the_last(demo: TestBot) -> None:
    first = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", await demo.ok("/member link", as_="grace"))
    second = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", await demo.ok("/member link", as_="grace"))
    assert first and second
    assert await demo.count(LinkCode) == 1
    assert "unknown" in await _as_slack(demo, "U0GRACE", f"/member link {first.group(0)}")
    assert (await _as_slack(demo, "U0GRACE", f"/member link {second.group(0)}")).startswith(
        "Linked:"
    )
