"""The profile form: `/member edit` typed bare opens it filled in with the stored
profile, so a member who changes one field keeps the others."""

from __future__ import annotations

from sqlalchemy import select

from adapters.console.adapter import ConsoleSession
from adapters.console.render import render
from storage.models import Identity, Member, MemberProfile
from tests.support import TestBot

STORED = (
    '/member edit --name "Grace Hopper" --title "Rear admiral" --company Navy --city Arlington '
    '--timezone america/new_york --bio "Found the first bug" --skills "COBOL, compilers" '
    '--interests "teaching" --visible society'
)


async def _profile(bot: TestBot, handle: str) -> tuple[Member, MemberProfile]:
    async with bot.uow() as uow:
        member = await uow.session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(Identity.platform == "console", Identity.external_id == handle)
        )
        assert member is not None
        profile = await uow.session.get(MemberProfile, member.id)
        assert profile is not None
        return member, profile


async def test_the_form_opens_with_every_stored_field(demo: TestBot) -> None:
    await demo.ok(STORED, as_="grace")
    session = ConsoleSession(demo.app, "grace")
    reply = await session.send("/member edit")
    assert reply.ok and reply.form is not None
    drafts = {field.name: field.default for field in reply.form.fields}
    assert drafts == {
        "title": "Rear admiral",
        "city": "Arlington",
        "skills": "COBOL, compilers",
        "interests": "teaching",
        "bio": "Found the first bug",
        "timezone": "America/New_York",
        "company": "Navy",
        "name": "Grace Hopper",
        "visible": "society",
    }
    # A console without prompts still sees the profile as it stands.
    assert "Rear admiral" in render(reply) and "COBOL" in render(reply)


async def test_changing_one_field_keeps_the_others(demo: TestBot) -> None:
    await demo.ok(STORED, as_="grace")
    session = ConsoleSession(demo.app, "grace")
    shown: dict[str, str] = {}

    async def keep_all_but_city(label: str, draft: str) -> str:
        shown[label] = draft
        return "Washington" if label.startswith("City") else draft

    done = await session.fill(await session.send("/member edit"), keep_all_but_city)
    assert done.ok, done.text
    assert done.text == "Your profile is updated (city)."
    assert shown["Title: your job title"] == "Rear admiral"  # the prompt showed it
    member, profile = await _profile(demo, "grace")
    assert (profile.title, profile.company, profile.city) == ("Rear admiral", "Navy", "Washington")
    assert member.timezone == "America/New_York" and member.name == "Grace Hopper"
    assert profile.visibility.value == "society"
    data = await demo.ok("/member data", as_="grace")
    assert "COBOL, compilers" in data and "teaching" in data and "Found the first bug" in data


async def test_a_field_emptied_in_the_form_is_cleared(demo: TestBot) -> None:
    await demo.ok(STORED, as_="grace")
    session = ConsoleSession(demo.app, "grace")

    async def empty_company_and_skills(label: str, draft: str) -> str:
        return "" if label.startswith(("Company", "Skills")) else draft

    done = await session.fill(await session.send("/member edit"), empty_company_and_skills)
    assert done.text == "Your profile is updated (company, skills).", done.text
    _, profile = await _profile(demo, "grace")
    assert profile.company is None and profile.title == "Rear admiral"
    data = await demo.ok("/member data", as_="grace")
    assert "COBOL" not in data and "teaching" in data


async def test_a_form_sent_back_unchanged_marks_nothing_as_set_by_hand(demo: TestBot) -> None:
    await demo.ok("/member edit --title Pilot", as_="zoe")
    session = ConsoleSession(demo.app, "zoe")

    async def keep(label: str, draft: str) -> str:
        return draft

    done = await session.fill(await session.send("/member edit"), keep)
    assert done.text == "Your profile is unchanged: it already says that.", done.text
    _, profile = await _profile(demo, "zoe")
    # Empty fields stay open to the platform's fill: only the title was set by hand.
    assert profile.edited == ["title"]


async def test_a_bad_value_in_the_form_changes_nothing(demo: TestBot) -> None:
    await demo.ok(STORED, as_="grace")
    before = await demo.snapshot()
    session = ConsoleSession(demo.app, "grace")

    async def bad_zone(label: str, draft: str) -> str:
        if label.startswith("City"):
            return "Boston"
        return "Mars/Olympus" if label.startswith("Time zone") else draft

    refused = await session.fill(await session.send("/member edit"), bad_zone)
    assert not refused.ok and refused.text.startswith("Unknown time zone 'Mars/Olympus'")
    assert await demo.snapshot() == before
