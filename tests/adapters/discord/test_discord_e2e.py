"""Discord end to end: interactions through the real discord.py client and a fake Discord."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chapterhouse.testing.discord import BOSTON_ID, EPHEMERAL, GENERAL_ID
from storage.models import Ballot, ChannelBinding, Delivery, Poll
from tests.adapters.discord.harness import (
    BEA,
    CARL,
    DORA,
    DiscordHarness,
    components,
    custom_id,
    text_of,
)


async def bind_boston(app: DiscordHarness) -> None:
    call = await app.reply(DORA, "/chapter bind", {"chapter": "Boston"}, channel=BOSTON_ID)
    assert "now receives" in text_of(call) or "already bound" in text_of(call), text_of(call)


async def society_poll(app: DiscordHarness, **flags: Any) -> tuple[int, dict[str, Any]]:
    """A society poll posted to Boston's Discord channel; (poll id, the posted message)."""
    await bind_boston(app)
    posts = len(app.fake.calls_to("POST", rf"/channels/{BOSTON_ID}/messages"))
    options = {
        "question": "Where next?",
        "options": '"Lisbon" "Denver" "Osaka"',
        "audience": "society",
        **flags,
    }
    call = await app.reply(DORA, "/poll create", options, channel=BOSTON_ID)
    assert "Posted to" in text_of(call), text_of(call)
    posted = await app.fake.wait_for_call(
        "POST", rf"/channels/{BOSTON_ID}/messages", count=posts + 1
    )
    async with app.bot.uow() as uow:
        poll_id = max(await uow.session.scalars(select(Poll.id)))
    return poll_id, posted.response


async def ballots(app: DiscordHarness, poll_id: int) -> list[list[int]]:
    async with app.bot.uow() as uow:
        rows = await uow.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll_id))
        return sorted(list(r) for r in rows)


# -- every command group, with typed options ------------------------------------------


async def test_help_member_and_chapter_commands(discord_app: DiscordHarness) -> None:
    help_ = await discord_app.reply(BEA, "/help")
    for group in discord_app.core.registry.group_names():
        assert f"/{group}" in text_of(help_)
    joined = await discord_app.reply(BEA, "/member join", {"chapter": "Boston"})
    assert "Boston" in text_of(joined) and joined.data["flags"] == EPHEMERAL
    listed = await discord_app.reply(BEA, "/chapter list")
    assert "San Francisco" in text_of(listed)
    await bind_boston(discord_app)
    async with discord_app.bot.uow() as uow:
        bound = await uow.session.scalar(
            select(ChannelBinding.channel_id).where(ChannelBinding.platform == "discord")
        )
    assert bound == str(BOSTON_ID)


async def test_member_option_resolves_to_the_member(discord_app: DiscordHarness) -> None:
    await discord_app.reply(BEA, "/member profile")  # Bea is registered
    user = discord_app.fake.user(BEA)
    granted = await discord_app.reply(
        DORA,
        "/role grant",
        [
            {"type": 6, "name": "member", "value": str(BEA)},
            {"type": 3, "name": "role", "value": "moderator"},
        ],
        resolved={"users": {str(BEA): user}},
    )
    assert f"<@{BEA}>" in text_of(granted), text_of(granted)
    audit = await discord_app.reply(DORA, "/audit", {"n": 5})
    assert "role grant" in text_of(audit)
    # The member the entry names is a Discord mention, as in the command's own answer.
    assert f"/role grant <@{BEA}> moderator" in text_of(audit), text_of(audit)
    assert "<t:" in text_of(audit), "each reader should see the audit's times in their own zone"


async def test_refusals_are_ephemeral_and_name_the_role(discord_app: DiscordHarness) -> None:
    call = await discord_app.reply(
        BEA, "/chapter create", {"name": "Paris", "region": "Europe", "tz": "Europe/Paris"}
    )
    assert call.data["flags"] == EPHEMERAL
    assert call.data["content"].startswith("Only HQ may")
    bad = await discord_app.reply(DORA, "/audit", {"n": -3})
    assert bad.data["flags"] == EPHEMERAL


async def test_autocomplete_offers_chapters_prefix_first(discord_app: DiscordHarness) -> None:
    payload = discord_app.fake.autocomplete(BEA, "chapter", "chapter", "bo", subcommand="info")
    await discord_app.fake.send_interaction(payload)
    call = await discord_app.fake.answer_for(payload)
    assert call.json["type"] == 8
    names = [c["name"] for c in call.data["choices"]]
    assert names[0] == "Boston" and len(names) <= 25


# -- polls: buttons, selects, modals -----------------------------------------------


async def test_button_vote_is_stored_and_the_message_edited(discord_app: DiscordHarness) -> None:
    poll_id, message = await society_poll(discord_app)
    button = custom_id(message, "2.")
    assert button == f"run:/poll vote {poll_id} 2"
    _, call = await discord_app.click(BEA, button, message, channel=BOSTON_ID)
    assert call.data["flags"] == EPHEMERAL and "Denver" in text_of(call)
    assert await ballots(discord_app, poll_id) == [[2]]
    edit = await discord_app.fake.wait_for_call(
        "PATCH", rf"/channels/{BOSTON_ID}/messages/{message['id']}"
    )
    assert "1 of" in text_of(edit) or "1 vote" in text_of(edit)


async def test_multi_choice_votes_through_a_select_menu(discord_app: DiscordHarness) -> None:
    poll_id, message = await society_poll(discord_app, multi=2)
    selects = [c for c in components(message) if c["type"] == 3]
    assert [s["custom_id"] for s in selects] == [f"pick:/poll vote {poll_id}"]
    assert selects[0]["max_values"] == 2  # the poll's limit
    select_ids = [selects[0]["custom_id"]]
    await discord_app.click(BEA, select_ids[0], message, values=["1", "3"], channel=BOSTON_ID)
    assert await ballots(discord_app, poll_id) == [[1, 3]]


async def test_modal_submission_creates_a_poll(discord_app: DiscordHarness) -> None:
    await bind_boston(discord_app)
    _, call = await discord_app.command(DORA, "/poll create", channel=BOSTON_ID)
    assert call.json["type"] == 9  # a modal
    modal = call.data
    ids = [row["component"]["custom_id"] for row in modal["components"]]
    assert ids[:2] == ["question", "options"]
    fake = discord_app.fake
    submitted = fake.modal_submit(
        DORA,
        modal["custom_id"],
        [
            fake.label(fake.text_input("question", "Best month?")),
            fake.label(fake.text_input("options", "May\n\nJune\nJuly")),
            fake.label(fake.text_input("audience", "here")),
            fake.label(fake.string_select("switches", ["anonymous"])),
        ],
        channel_id=BOSTON_ID,
    )
    await fake.send_interaction(submitted)
    answer = await fake.answer_for(submitted)
    assert "Posted to" in text_of(answer) or "posted nowhere" in text_of(answer), text_of(answer)
    async with discord_app.bot.uow() as uow:
        poll = await uow.session.scalar(select(Poll).where(Poll.question == "Best month?"))
    assert poll is not None and poll.options == ["May", "June", "July"] and poll.anonymous


async def test_ranked_poll_votes_through_a_modal(discord_app: DiscordHarness) -> None:
    poll_id, message = await society_poll(discord_app, ranked=True)
    rank = custom_id(message, "Rank")
    _, call = await discord_app.click(BEA, rank, message, channel=BOSTON_ID)
    assert call.json["type"] == 9
    fake = discord_app.fake
    submitted = fake.modal_submit(
        BEA,
        call.data["custom_id"],
        [
            fake.label(fake.string_select("rank:1", ["3"])),
            fake.label(fake.string_select("rank:2", ["1"])),
            fake.label(fake.string_select("rank:3", [])),
        ],
        channel_id=BOSTON_ID,
    )
    await fake.send_interaction(submitted)
    await fake.answer_for(submitted)
    assert await ballots(discord_app, poll_id) == [[3, 1]]


async def test_old_buttons_still_vote_after_a_restart(discord_app: DiscordHarness) -> None:
    poll_id, message = await society_poll(discord_app, ranked=True)
    plain_id, message2 = await society_poll(discord_app)
    await discord_app.disconnect()
    await discord_app.connect()  # a new client: nothing remembered but the database
    _, call = await discord_app.click(CARL, custom_id(message2, "1."), message2, channel=BOSTON_ID)
    assert "Lisbon" in text_of(call)
    assert await ballots(discord_app, plain_id) == [[1]]
    _, opened = await discord_app.click(
        CARL, custom_id(message, "Rank"), message, channel=BOSTON_ID
    )
    assert opened.json["type"] == 9  # the ranking modal, rebuilt from the live post
    fake = discord_app.fake
    submitted = fake.modal_submit(
        CARL,
        opened.data["custom_id"],
        [fake.label(fake.string_select("rank:1", ["2"]))],
        channel_id=BOSTON_ID,
    )
    await fake.send_interaction(submitted)
    await fake.answer_for(submitted)
    assert await ballots(discord_app, poll_id) == [[2]]


async def test_a_post_to_a_channel_without_access_is_a_permanent_failure(
    discord_app: DiscordHarness,
) -> None:
    await bind_boston(discord_app)
    discord_app.fake.fail("POST", rf"/channels/{BOSTON_ID}/messages", 403, 50001, "Missing Access")
    await discord_app.reply(
        DORA,
        "/poll create",
        {"question": "Tea?", "options": '"Yes" "No"', "audience": "chapter:Boston"},
        channel=GENERAL_ID,
    )
    async with discord_app.bot.uow() as uow:
        row = (
            await uow.session.execute(
                select(Delivery.status, Delivery.error).where(Delivery.channel_id == str(BOSTON_ID))
            )
        ).one()
    assert row[0] == "failed" and "50001" in (row[1] or "")


async def test_export_arrives_as_a_private_file_and_reminders_as_direct_messages(
    discord_app: DiscordHarness,
) -> None:
    poll_id, message = await society_poll(discord_app)
    await discord_app.reply(CARL, "/member profile")  # Carl is registered, and has not voted
    await discord_app.click(BEA, custom_id(message, "1."), message, channel=BOSTON_ID)
    exported = await discord_app.reply(DORA, "/poll export", {"poll_id": poll_id})
    assert exported.data["flags"] == EPHEMERAL
    [upload] = exported.files
    assert upload.filename.endswith(".csv") and b"Lisbon" in upload.data
    before = len(discord_app.fake.calls_to("POST", r"/channels/\d+/messages"))
    reminded = await discord_app.reply(DORA, "/poll remind", {"poll_id": poll_id})
    assert "remind" in text_of(reminded).lower() or "sent" in text_of(reminded).lower()
    await discord_app.fake.wait(
        lambda: bool(discord_app.fake.calls_to("POST", r"/users/@me/channels"))
    )
    opened = {
        str(c.json["recipient_id"])
        for c in discord_app.fake.calls_to("POST", r"/users/@me/channels")
    }
    assert str(BEA) not in opened  # Bea voted: no reminder for her
    assert str(DORA) not in opened  # Dora created the poll (and is HQ)
    assert str(CARL) in opened
    assert len(discord_app.fake.calls_to("POST", r"/channels/\d+/messages")) > before


def test_the_generated_tree_fits_discords_limits() -> None:
    import discord
    from discord import app_commands

    from adapters.discord.commands import build_tree
    from commands import build_registry

    async def never(*_: object) -> None:
        raise AssertionError

    async def nothing(*_: object) -> list[str]:
        return []

    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )
    build_tree(tree, build_registry(), never, nothing)
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    assert len(payload) <= 100

    def check(item: dict[str, object], depth: int = 0) -> None:
        name, description = str(item["name"]), str(item["description"])
        assert 1 <= len(name) <= 32 and name == name.lower(), name
        assert 1 <= len(description) <= 100, description
        options = item.get("options") or []
        assert isinstance(options, list) and len(options) <= 25
        for choice in item.get("choices") or []:
            assert len(str(choice["value"])) <= 100
        for option in options:
            check(option, depth + 1)

    for command in payload:
        check(command)
    names = {c["name"] for c in payload}
    assert names == set(build_registry().group_names())


async def test_workgroup_propose_back_and_autocomplete(discord_app: DiscordHarness) -> None:
    proposed = await discord_app.reply(
        BEA,
        "/workgroup propose",
        {"name": "Open Data", "purpose": "Publish our surveys", "not": "Running the surveys"},
    )
    assert "Open Data" in text_of(proposed), text_of(proposed)
    payload = discord_app.fake.autocomplete(BEA, "workgroup", "name", "open", subcommand="back")
    await discord_app.fake.send_interaction(payload)
    suggested = await discord_app.fake.answer_for(payload)
    assert suggested.data["choices"][0]["name"] == "Open Data"
    backed = await discord_app.reply(CARL, "/workgroup back", {"name": "Open Data"})
    assert "2 of" in text_of(backed), text_of(backed)


async def test_a_position_checked_in_with_typed_options(discord_app: DiscordHarness) -> None:
    checked = await discord_app.reply(
        DORA,
        "/position checkin",
        {"position_id": 1, "chapter": "Boston", "stance": "disagree", "for": 2, "against": 9},
    )
    assert "Boston" in text_of(checked), text_of(checked)
    shown = await discord_app.reply(BEA, "/position show", {"position_id": 1})
    assert "disagree" in text_of(shown).lower()
    refused = await discord_app.reply(
        BEA, "/position checkin", {"position_id": 1, "chapter": "Boston", "stance": "agree"}
    )
    assert refused.data["flags"] == EPHEMERAL
    assert "president" in refused.data["content"]
