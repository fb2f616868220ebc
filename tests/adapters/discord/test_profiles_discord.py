"""Profiles on Discord: the /member edit modal and the directory, through real discord.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chapterhouse.testing.discord import EPHEMERAL
from storage.models import Identity, Member
from tests.adapters.discord.harness import BEA, DORA, DiscordHarness, text_of


async def test_member_edit_through_its_modal_then_found(discord_app: DiscordHarness) -> None:
    before = {"city": "Lyon", "bio": "Mapping rivers", "timezone": "Europe/Paris"}
    await discord_app.reply(BEA, "/member edit", before)
    _, call = await discord_app.command(BEA, "/member edit")
    assert call.json["type"] == 9  # a modal
    modal = call.data
    inputs = {
        c["custom_id"]: c for row in modal["components"] for c in row.get("components", [row])
    }
    assert list(inputs) == ["title", "city", "skills", "interests", "bio"]
    # The modal opens with what the profile says now.
    assert inputs["city"]["value"] == "Lyon" and inputs["bio"]["value"] == "Mapping rivers"
    assert "value" not in inputs["title"]
    fake = discord_app.fake
    submitted = fake.modal_submit(
        BEA,
        modal["custom_id"],
        [
            fake.text_input_row("title", "Cartographer"),
            fake.text_input_row("city", "Lyon"),
            fake.text_input_row("skills", "GIS, maps"),
            fake.text_input_row("interests", ""),
            fake.text_input_row("bio", "Mapping rivers"),
        ],
    )
    await fake.send_interaction(submitted)
    answer = await fake.answer_for(submitted)
    shown = text_of(answer)
    assert "Cartographer" in shown and "GIS, maps" in shown, shown
    # What the modal did not show (time zone, beyond its five fields) is kept.
    assert "Lyon" in shown and "Mapping rivers" in shown and "Europe/Paris" in shown

    found = await discord_app.reply(DORA, "/member find", {"skill": "map"})
    assert str(BEA) in text_of(found) and found.data["flags"] == EPHEMERAL
    typed: Any = [{"type": 6, "name": "member", "value": str(BEA)}]  # as Discord sends them
    profile = await discord_app.reply(
        DORA,
        "/member profile",
        typed,
        resolved={"users": {str(BEA): discord_app.fake.user(BEA)}},
    )
    assert "Cartographer" in text_of(profile)


async def test_find_with_nothing_to_search_is_one_line(discord_app: DiscordHarness) -> None:
    refused = await discord_app.reply(BEA, "/member find")
    assert "Say what to find" in text_of(refused) and refused.data["flags"] == EPHEMERAL


async def test_the_global_name_fills_a_name_not_chosen(discord_app: DiscordHarness) -> None:
    discord_app.fake.users[BEA]["global_name"] = "Bea Global"
    async with discord_app.bot.uow() as uow:  # known before, by a handle only
        member = Member(name="bea", joined_at=uow.now)
        uow.session.add_all(
            [
                member,
                Identity(
                    member=member,
                    platform="discord",
                    external_id=str(BEA),
                    display_name="bea",
                    created_at=uow.now,
                ),
            ]
        )
        await uow.commit()
    await discord_app.reply(BEA, "/member profile")
    await discord_app.bot.app.profiles.settle()  # type: ignore[union-attr]
    async with discord_app.bot.uow() as uow:
        name = await uow.session.scalar(select(Member.name).where(Member.id == member.id))
    assert name == "Bea Global"
