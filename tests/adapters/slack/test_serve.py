"""`chapterhouse serve` as an operator runs it: a real process, or Socket Mode."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs

import aiohttp
import pytest

from chapterhouse.serve import serve
from chapterhouse.testing.slack import SIGNING_SECRET, FakeSlack
from tests.adapters.slack.harness import command_body, post_signed
from tests.support import SETTINGS_VARIABLES, TemplateDatabases, demo_database, free_port, start_bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    running = FakeSlack()
    await running.start()
    yield running
    await running.stop()


async def test_serve_runs_slack_health_and_stops_cleanly(
    tmp_path: Path, templates: TemplateDatabases, fake: FakeSlack
) -> None:
    database = await demo_database(templates, "serve")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS_VARIABLES}
    env.update(
        HOME=str(tmp_path),
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        SLACK_BOT_TOKEN="xoxb-serve-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        HTTP_PORT=str(port),
        CHAPTERHOUSE_ADMINS="slack:U0ALICE",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chapterhouse.cli",
        "serve",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(base + "/healthz") as response:
                        if response.status == 200:
                            health = await response.json()
                            assert health["platforms"] == ["slack"]
                            # The only process on this database leads the scheduler.
                            assert health["scheduler"]["running"] is True
                            assert health["scheduler"]["lock"]
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("serve never became healthy")
            body, token = command_body(fake, "U0BEA", "/chapter list")
            assert (await post_signed(http, base, body)).status == 200
            reply = await fake.response(token)
            assert "Boston" in json.dumps(reply.params)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "xoxb-serve-test-token" not in stderr.decode()
    assert SIGNING_SECRET not in stderr.decode()


async def test_socket_mode_receives_commands_over_the_socket(
    database_url: str, fake: FakeSlack
) -> None:
    settings = {
        "slack_bot_token": "xoxb-socket-test",
        "slack_app_token": "xapp-socket-test",
        "slack_api_url": fake.api_url,
        "http_port": free_port(),
    }
    async for bot in start_bot(database_url, **settings):
        await bot.seed_demo()
        done = asyncio.Event()
        server = asyncio.create_task(serve(bot.app, until=done.wait))
        await fake.call("apps.connections.open")
        body, token = command_body(fake, "U0BEA", "/chapter list")
        fields = {key: values[0] for key, values in parse_qs(body).items()}
        await fake.envelopes.put(
            {
                "envelope_id": "e-1",
                "type": "slash_commands",
                "payload": fields,
                "accepts_response_payload": True,
            }
        )
        reply = await fake.response(token)
        assert "Boston" in json.dumps(reply.params)
        assert reply.method == "ack"  # the acknowledgement's payload carried the reply
        assert any(ack.get("envelope_id") == "e-1" for ack in fake.acks)
        done.set()
        await asyncio.wait_for(server, 30)
