"""Slack and Discord served by one process, as `chapterhouse serve` runs them.

A member who linked their Slack and Discord accounts is one member: one vote in a
society poll, whichever platform it was cast from, and the poll is posted to both.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from adapters.discord.sync import sync_commands
from chapterhouse.serve import serve
from chapterhouse.testing.discord import BOSTON_ID, GUILD_ID, FakeDiscord
from chapterhouse.testing.slack import SIGNING_SECRET, FakeSlack
from storage.models import Ballot, Identity, Poll
from tests.adapters.discord.harness import MEMBERS
from tests.adapters.slack.harness import command_body, post_signed
from tests.support import TestBot, free_port, start_bot

SLACK_HQ = "U0ALICE"
SLACK_BEA = "U0BEA"
DISCORD_BEA = next(user for user, name in MEMBERS.items() if name == "bea")
DISCORD_HQ = next(user for user, name in MEMBERS.items() if name == "dora")


class Both:
    def __init__(self, bot: TestBot, slack: FakeSlack, discord: FakeDiscord, url: str) -> None:
        self.bot, self.slack, self.discord, self.url = bot, slack, discord, url
        self.http = aiohttp.ClientSession()

    async def on_slack(self, user: str, text: str, channel: str = "C0BOSTON") -> str:
        body, token = command_body(self.slack, user, text, channel=channel, channel_name="boston")
        assert (await post_signed(self.http, self.url, body)).status == 200
        return json.dumps((await self.slack.response(token)).params)

    async def on_discord(self, user: int, text: str, options: dict[str, Any]) -> str:
        name, _, sub = text.lstrip("/").partition(" ")
        payload = self.discord.slash_command(user, name, sub or None, options, channel_id=BOSTON_ID)
        await self.discord.send_interaction(payload)
        return json.dumps((await self.discord.answer_for(payload)).json)


@pytest.fixture
async def both(database_url: str) -> AsyncIterator[Both]:
    slack, discord_ = FakeSlack(), FakeDiscord(members=MEMBERS)
    await slack.start()
    await discord_.start()
    port = free_port()
    settings = {
        "chapterhouse_admins": f"slack:{SLACK_HQ},discord:{DISCORD_HQ}",
        "slack_bot_token": "xoxb-both-test",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "discord_bot_token": "discord-bot-token-for-the-fake-0123",
        "discord_guild_id": GUILD_ID,
        "discord_api_url": discord_.api_base,
        "discord_gateway_url": discord_.gateway_url,
        "http_port": port,
    }
    try:
        with discord_.point_discord_py_here():  # restored afterwards, whatever serve set
            async for bot in start_bot(database_url, **settings):
                await bot.seed_demo()
                where, names = await sync_commands(bot.app.settings, bot.app.registry)
                assert where == f"guild {GUILD_ID}" and "poll" in names
                stop = asyncio.Event()
                server = asyncio.create_task(serve(bot.app, until=stop.wait))
                await discord_.wait_connected()
                both = Both(bot, slack, discord_, f"http://127.0.0.1:{port}")
                async with asyncio.timeout(15):
                    while True:
                        try:
                            async with both.http.get(both.url + "/healthz") as health:
                                if health.status == 200:
                                    body = await health.json()
                                    if body["platforms"] == ["slack", "discord"]:
                                        break
                        except aiohttp.ClientConnectionError:
                            pass
                        await asyncio.sleep(0.05)
                try:
                    yield both
                finally:
                    await both.http.close()
                    stop.set()
                    await asyncio.wait_for(server, 30)
    finally:
        await discord_.stop()
        await slack.stop()


async def test_a_linked_member_votes_once_from_slack_and_discord(both: Both) -> None:
    got = await both.on_slack(SLACK_BEA, "/member link")
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", got)
    assert code is not None, got
    linked = await both.on_discord(DISCORD_BEA, "/member link", {"code": code.group(0)})
    async with both.bot.uow() as uow:
        owners = list(
            await uow.session.scalars(
                select(Identity.member_id).where(
                    Identity.external_id.in_([SLACK_BEA, str(DISCORD_BEA)])
                )
            )
        )
    assert len(owners) == 2 and len(set(owners)) == 1, linked  # one member, two accounts

    await both.on_slack(SLACK_HQ, "/chapter bind Boston")
    await both.on_discord(DISCORD_HQ, "/chapter bind", {"chapter": "Boston"})
    await both.on_slack(SLACK_HQ, '/poll create "Where next?" "Lisbon" "Denver" --audience society')
    await both.slack.wait(lambda: bool(both.slack.of("chat.postMessage")))
    await both.discord.wait_for_call("POST", rf"/channels/{BOSTON_ID}/messages")
    async with both.bot.uow() as uow:
        poll_id = max(await uow.session.scalars(select(Poll.id)))
    await both.on_slack(SLACK_BEA, f"/poll vote {poll_id} 1")
    await both.on_discord(DISCORD_BEA, "/poll vote", {"poll_id": poll_id, "choices": "2"})
    async with both.bot.uow() as uow:
        rows = list(
            await uow.session.scalars(select(Ballot.choices).where(Ballot.poll_id == poll_id))
        )
    assert rows == [[2]]  # one member, one vote: the last one
