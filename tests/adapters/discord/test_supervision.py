"""The Discord side cannot die silently: bad payloads are dropped, a dead client restarts.

Served by `chapterhouse.serve.serve` with the real discord.py client against the
fake gateway and REST. Before: one INTERACTION_CREATE missing a field raised out of
discord.py's gateway loop and ended the client task, which nothing watched; the
next command got no answer and `/healthz` still said ok. How long a restart takes is
a figure, printed by `bench/discord_restart.py`, not something a test asserts.
"""

from __future__ import annotations

import asyncio

import aiohttp

from chapterhouse.serve import serve
from chapterhouse.testing.discord import FakeDiscord
from chapterhouse.testing.probes import CLOSE_NOT_RETRIED, health, restarts, until_health
from tests.adapters.discord.harness import BEA, DORA, MEMBERS
from tests.support import free_port, start_bot

TOKEN = "fake-discord-token-for-supervision"


async def answer(fake: FakeDiscord) -> str:
    payload = fake.slash_command(BEA, "chapter", "list", None)
    await fake.send_interaction(payload)
    call = await fake.answer_for(payload)
    return str(call.data)


async def test_a_bad_payload_is_dropped_and_a_stopped_client_is_restarted(
    database_url: str,
) -> None:
    fake = FakeDiscord(members=MEMBERS)
    await fake.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        "discord_bot_token": TOKEN,
        "discord_api_url": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "http_port": port,
        "chapterhouse_admins": f"discord:{DORA}",
    }
    try:
        with fake.point_discord_py_here():
            async for bot in start_bot(database_url, **settings):
                await bot.seed_demo()
                done = asyncio.Event()
                server = asyncio.create_task(serve(bot.app, until=done.wait))
                try:
                    async with aiohttp.ClientSession() as http:
                        body = await until_health(http, base, 200)
                        assert body["connections"] == {"discord": "connected"}

                        broken = fake.slash_command(BEA, "chapter", "list", None)
                        del broken["version"]  # a field discord.py reads without a default
                        await fake.dispatch("INTERACTION_CREATE", broken)
                        assert "Boston" in await answer(fake)
                        assert (await health(http, base))[0] == 200

                        before = await restarts(http, base)
                        await fake.close_gateway(CLOSE_NOT_RETRIED)
                        down = await until_health(http, base, 503)
                        assert down["status"] == "unhealthy"
                        assert down["connections"]["discord"] in ("restarting", "disconnected")
                        await until_health(http, base, 200)
                        assert await restarts(http, base) == before + 1
                        assert "Boston" in await answer(fake)
                finally:
                    done.set()
                    await asyncio.wait_for(server, 30)
    finally:
        await fake.stop()
