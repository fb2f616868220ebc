"""The fake Discord against the real discord.py: login, gateway, interactions, REST."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from chapterhouse.testing.discord import (
    APPLICATION_ID,
    BOT_ID,
    GENERAL_ID,
    GUILD_ID,
    FakeDiscord,
    dm_channel_id,
)

ALICE = 1_300_000_000_000_001_001
MESSAGES = rf"/channels/{GENERAL_ID}/messages"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(members={ALICE: "alice"})
    await server.start()
    try:
        with server.point_discord_py_here():
            yield server
    finally:
        await server.stop()


def make_client() -> tuple[discord.Client, app_commands.CommandTree[discord.Client]]:
    # A short guild_ready_timeout: READY waits that long after the last GUILD_CREATE.
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    return client, app_commands.CommandTree(client)


@contextlib.asynccontextmanager
async def running(client: discord.Client) -> AsyncIterator[discord.Client]:
    """The client logged in and connected to the fake, with the guild loaded; closed after."""
    started = asyncio.create_task(client.start("fake-token"))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {started, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
        )
        if started in done:
            started.result()  # raises what went wrong
            raise RuntimeError("client.start() returned before ready")
        if ready not in done:
            raise TimeoutError("client never became ready")
        async with asyncio.timeout(5):
            while client.get_channel(GENERAL_ID) is None:
                await asyncio.sleep(0.01)
        yield client
    finally:
        ready.cancel()
        await client.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(started, 5)


def text_channel(client: discord.Client) -> discord.TextChannel:
    channel = client.get_channel(GENERAL_ID)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_slash_command_ephemeral_reply(fake: FakeDiscord) -> None:
    client, tree = make_client()
    answered: list[discord.InteractionCallbackResponse[discord.Client]] = []
    done = asyncio.Event()

    @tree.command(name="ping", description="Answer pong")
    async def ping(interaction: discord.Interaction) -> None:
        answered.append(await interaction.response.send_message("pong", ephemeral=True))
        done.set()

    async with running(client):
        payload = fake.slash_command(ALICE, "ping")
        await fake.send_interaction(payload)
        call = await fake.callback_for(payload)
        await asyncio.wait_for(done.wait(), 10)

    assert call.json["type"] == 4
    assert call.data["content"] == "pong"
    assert call.data["flags"] == 64
    assert call.query == {"with_response": "1"}
    response = answered[0]
    assert response.message_id == int(call.response["interaction"]["response_message_id"])
    assert response.is_ephemeral()
    assert fake.original_response(payload)["content"] == "pong"  # type: ignore[index]


async def test_persistent_button_click(fake: FakeDiscord) -> None:
    client, _ = make_client()
    clicked: list[discord.Interaction] = []

    class Buttons(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Go", custom_id="x:1")
        async def go(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
            clicked.append(interaction)
            await interaction.response.edit_message(content="clicked")

    async with running(client):
        client.add_view(Buttons())
        payload = fake.component(ALICE, "x:1")
        await fake.send_interaction(payload)
        call = await fake.callback_for(payload)

    message_id = int(payload["message"]["id"])
    assert call.json["type"] in (4, 7)
    assert call.json == {"type": 7, "data": call.data}
    assert call.data["content"] == "clicked"
    assert int(call.response["interaction"]["response_message_id"]) == message_id
    assert fake.messages[message_id]["content"] == "clicked"
    assert clicked[0].message is not None and clicked[0].message.id == message_id
    assert clicked[0].user.id == ALICE


async def test_channel_send_is_recorded(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with running(client):
        message = await text_channel(client).send("hi")

    [call] = fake.calls_to("POST", MESSAGES)
    assert call.json["content"] == "hi"
    assert call.headers["Authorization"] == "Bot fake-token"
    assert message.id == int(call.response["id"])
    assert message.author.id == BOT_ID
    assert message.channel.id == GENERAL_ID


async def test_rate_limit_is_retried(fake: FakeDiscord) -> None:
    client, _ = make_client()
    fake.rate_limit("POST", MESSAGES, retry_after=0.05)
    async with running(client):
        message = await text_channel(client).send("hi")

    calls = fake.calls_to("POST", MESSAGES)
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {
        "message": "You are being rate limited.",
        "retry_after": 0.05,
        "global": False,
    }
    assert [c.json["content"] for c in calls] == ["hi", "hi"]
    assert [m["content"] for m in fake.messages_in(GENERAL_ID)] == ["hi"]
    assert message.content == "hi"


async def test_missing_access_raises_forbidden(fake: FakeDiscord) -> None:
    client, _ = make_client()
    fake.fail("POST", MESSAGES, 403, 50001, "Missing Access")
    async with running(client):
        with pytest.raises(discord.Forbidden) as raised:
            await text_channel(client).send("hi")
        # once only: the next send goes through
        await text_channel(client).send("again")

    assert raised.value.status == 403
    assert raised.value.code == 50001
    assert raised.value.text == "Missing Access"
    assert [c.status for c in fake.calls_to("POST", MESSAGES)] == [403, 200]


async def test_tree_sync_puts_guild_commands(fake: FakeDiscord) -> None:
    client, tree = make_client()
    guild = discord.Object(GUILD_ID)
    done = asyncio.Event()

    @tree.command(name="ping", description="Answer pong", guild=guild)
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong from the guild command")
        done.set()

    async with running(client):
        synced = await tree.sync(guild=guild)
        # the fake now knows /ping as a guild command, and says so in the interaction
        payload = fake.slash_command(ALICE, "ping")
        await fake.send_interaction(payload)
        callback = await fake.callback_for(payload)
        await asyncio.wait_for(done.wait(), 10)

    [call] = fake.calls_to("PUT", rf"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    [sent] = call.json
    assert sent["name"] == "ping" and sent["description"] == "Answer pong"
    assert sent["type"] == 1
    assert [c.id for c in synced] == [int(c["id"]) for c in fake.commands[GUILD_ID]]
    assert payload["data"]["guild_id"] == str(GUILD_ID)
    assert payload["data"]["id"] == fake.commands[GUILD_ID][0]["id"]
    assert callback.data["content"] == "pong from the guild command"


async def test_file_upload_is_multipart(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with running(client):
        file = discord.File(io.BytesIO(b"minutes of the meeting"), filename="minutes.txt")
        message = await text_channel(client).send("attached", file=file)
        downloaded = await message.attachments[0].read()

    [call] = fake.calls_to("POST", MESSAGES)
    assert call.json["content"] == "attached"
    assert [(f.filename, f.data) for f in call.files] == [
        ("minutes.txt", b"minutes of the meeting")
    ]
    assert call.files[0].field == "files[0]"
    assert message.attachments[0].filename == "minutes.txt"
    assert downloaded == b"minutes of the meeting"


async def test_direct_message_opens_dm_channel(fake: FakeDiscord) -> None:
    client, _ = make_client()
    async with running(client):
        alice = await client.fetch_user(ALICE)
        message = await alice.send("hello alice")

    [opened] = fake.calls_to("POST", r"/users/@me/channels")
    assert opened.json == {"recipient_id": ALICE}
    [sent] = fake.calls_to("POST", rf"/channels/{dm_channel_id(ALICE)}/messages")
    assert sent.json["content"] == "hello alice"
    assert isinstance(message.channel, discord.DMChannel)
    assert message.channel.id == dm_channel_id(ALICE)


async def test_autocomplete_modal_and_followups(fake: FakeDiscord) -> None:
    client, tree = make_client()
    submitted: list[tuple[str, list[str]]] = []

    class Join(discord.ui.Modal, title="Join a chapter"):
        why = discord.ui.TextInput(label="Why", custom_id="why")
        when = discord.ui.Label(
            text="When",
            component=discord.ui.Select(
                custom_id="when",
                options=[discord.SelectOption(label=v) for v in ("spring", "fall")],
            ),
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            assert isinstance(self.when.component, discord.ui.Select)
            submitted.append((self.why.value, list(self.when.component.values)))
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("welcome", ephemeral=True)
            await interaction.edit_original_response(content="done")

    async def chapters(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["boston", "berlin", "paris"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @tree.command(name="join", description="Join a chapter")
    @app_commands.autocomplete(chapter=chapters)
    async def join(interaction: discord.Interaction, chapter: str) -> None:
        await interaction.response.send_modal(Join())

    async with running(client):
        typing = fake.autocomplete(ALICE, "join", "chapter", "b")
        await fake.send_interaction(typing)
        suggestions = await fake.callback_for(typing)

        command = fake.slash_command(ALICE, "join", options={"chapter": "boston"})
        await fake.send_interaction(command)
        modal = await fake.callback_for(command)

        submit = fake.modal_submit(
            ALICE,
            modal.data["custom_id"],
            [
                fake.text_input_row("why", "to meet people"),
                fake.label(fake.string_select("when", ["fall"])),
            ],
        )
        await fake.send_interaction(submit)
        deferred = await fake.callback_for(submit)
        await fake.wait_for_call("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")

    assert suggestions.json["type"] == 8
    assert [c["value"] for c in suggestions.data["choices"]] == ["boston", "berlin"]
    assert typing["data"]["options"] == [
        {"type": 3, "name": "chapter", "value": "b", "focused": True}
    ]
    assert modal.json["type"] == 9
    assert modal.data["title"] == "Join a chapter"
    assert submitted == [("to meet people", ["fall"])]
    assert deferred.json == {"type": 5, "data": {"flags": 64}}
    [followup] = fake.calls_to("POST", rf"/webhooks/{APPLICATION_ID}/[^/]+")
    assert followup.json["content"] == "welcome" and followup.json["flags"] == 64
    assert fake.original_response(submit)["content"] == "done"  # type: ignore[index]


async def test_reconnect_resumes_the_session(fake: FakeDiscord) -> None:
    client, tree = make_client()
    done = asyncio.Event()

    @tree.command(name="ping", description="Answer pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")
        done.set()

    async with running(client):
        await fake.request_reconnect()
        await fake.wait(lambda: any(f.get("op") == 6 for f in fake.gateway_received))
        await fake.wait_connected()
        payload = fake.slash_command(ALICE, "ping")
        await fake.send_interaction(payload)
        await fake.callback_for(payload)
        await asyncio.wait_for(done.wait(), 10)

    [resume] = [f["d"] for f in fake.gateway_received if f.get("op") == 6]
    [identify] = fake.identifies
    assert identify["token"] == "fake-token"
    assert resume["token"] == "fake-token" and resume["seq"] >= 2  # READY and GUILD_CREATE


async def test_wrong_token_fails_login(fake: FakeDiscord) -> None:
    fake.token = "the-right-token"
    client, _ = make_client()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("a-wrong-token")
    finally:
        await client.close()
    [call] = fake.calls_to("GET", r"/users/@me")
    assert call.status == 401


async def test_wire_format(fake: FakeDiscord) -> None:
    """Raw HTTP: exact JSON content type, Discord's errors, unknown routes recorded."""
    headers = {"Authorization": "Bot fake-token"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{fake.api_base}/users/@me") as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == str(BOT_ID)
        async with http.get(f"{fake.api_base}/channels/42") as response:
            assert response.status == 404
            assert await response.json() == {"message": "Unknown Channel", "code": 10003}
        async with http.get(f"{fake.api_base}/no/such/route") as response:
            assert response.status == 404
            assert await response.json() == {"message": "404: Not Found", "code": 0}
        async with http.get(f"{fake.api_base}/gateway") as response:
            assert await response.json() == {"url": fake.gateway_url}

    assert [(c.method, c.path, c.status) for c in fake.calls] == [
        ("GET", "/users/@me", 200),
        ("GET", "/channels/42", 404),
        ("GET", "/no/such/route", 404),
        ("GET", "/gateway", 200),
    ]


async def test_point_discord_py_here_restores() -> None:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as server:
        with server.point_discord_py_here():
            assert server.api_base == Route.BASE
            assert str(DiscordWebSocket.DEFAULT_GATEWAY) == server.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
