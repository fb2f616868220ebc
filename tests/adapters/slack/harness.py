"""The whole app behind the real Bolt app over HTTP on 127.0.0.1, with a fake Slack.

Requests are built in Slack's documented shapes and signed exactly as Slack signs
them (`v0:{timestamp}:{body}`, HMAC-SHA256 with the signing secret). Replies are
read where Slack would receive them: the fake's `response_url`s and Web API calls.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from adapters.http import SLACK_PATH, build_web_app
from adapters.slack.app import SlackAdapter
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.support import TestBot, start_bot

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = {"id": "T0SOCIETY", "domain": "society"}
_ids = itertools.count(1)


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Posted:
    status: int
    text: str


def command_body(
    fake: FakeSlack,
    user: str,
    text: str,
    *,
    channel: str = "C0GENERAL",
    channel_name: str = "general",
    user_name: str | None = None,
) -> tuple[str, str]:
    """A slash command as Slack posts it (form-encoded); returns (body, token)."""
    command, _, rest = text.partition(" ")
    token = f"cmd{next(_ids)}"
    fields = {
        "token": "legacy-verification-token",
        "team_id": TEAM["id"],
        "team_domain": TEAM["domain"],
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": rest,
        "api_app_id": "A0CHAPTERHOUSE",
        "is_enterprise_install": "false",
        "response_url": fake.response_url(token),
        "trigger_id": f"{next(_ids)}.1.trigger{token}",
    }
    return urlencode(fields), token


async def post_signed(
    http: aiohttp.ClientSession,
    url: str,
    body: str,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
    headers: Mapping[str, str] | None = None,
) -> Posted:
    """POST to the app's events endpoint, signed as Slack signs it."""
    stamp = int(time.time()) if timestamp is None else timestamp
    sent = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(body, stamp, secret),
        **(headers or {}),
    }
    async with http.post(url + SLACK_PATH, data=body, headers=sent) as response:
        return Posted(response.status, await response.text())


class SlackHarness:
    def __init__(self, bot: TestBot, fake: FakeSlack, adapter: SlackAdapter, url: str) -> None:
        self.bot = bot
        self.fake = fake
        self.adapter = adapter
        self.url = url
        self.http = aiohttp.ClientSession()

    # -- the wire -------------------------------------------------------------

    async def post(self, body: str, **options: Any) -> Posted:
        return await post_signed(self.http, self.url, body, **options)

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url + path) as response:
            return response.status, await response.text()

    # -- Slack's payloads -----------------------------------------------------

    def command_body(self, user: str, text: str, **where: Any) -> tuple[str, str]:
        return command_body(self.fake, user, text, **where)

    async def command(self, user: str, text: str, **where: Any) -> Call:
        """Type a slash command; the reply as it reached the response_url."""
        body, token = self.command_body(user, text, **where)
        posted = await self.post(body)
        assert posted.status == 200, posted
        return await self.fake.response(token)

    async def command_opening(self, user: str, text: str, **where: Any) -> Call:
        """Type a slash command that opens a modal; the `views.open` call."""
        before = len(self.fake.of("views.open"))
        body, _ = self.command_body(user, text, **where)
        posted = await self.post(body)
        assert posted.status == 200, posted
        return await self.fake.call("views.open", before + 1)

    def click_body(
        self,
        user: str,
        button: Mapping[str, Any],
        *,
        channel: str,
        message_ts: str,
        channel_name: str = "general",
    ) -> tuple[str, str]:
        """A `block_actions` payload for a click on a rendered button."""
        token = f"act{next(_ids)}"
        payload = {
            "type": "block_actions",
            "user": {
                "id": user,
                "username": user.lower(),
                "name": user.lower(),
                "team_id": TEAM["id"],
            },
            "api_app_id": "A0CHAPTERHOUSE",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"{next(_ids)}.1.trigger{token}",
            "team": TEAM,
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": channel_name},
            "message": {"type": "message", "ts": message_ts, "text": "poll"},
            "response_url": self.fake.response_url(token),
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": button.get("block_id", "b1"),
                    "text": button["text"],
                    "value": button["value"],
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)}), token

    async def click(self, user: str, button: Mapping[str, Any], **where: Any) -> Call:
        body, token = self.click_body(user, button, **where)
        posted = await self.post(body)
        assert posted.status == 200, posted
        return await self.fake.response(token)

    def submission_body(self, user: str, view: Mapping[str, Any], values: Mapping[str, Any]) -> str:
        """A `view_submission` payload for a modal the app opened, with `state.values`."""
        payload = {
            "type": "view_submission",
            "team": TEAM,
            "user": {
                "id": user,
                "username": user.lower(),
                "name": user.lower(),
                "team_id": TEAM["id"],
            },
            "api_app_id": "A0CHAPTERHOUSE",
            "token": "legacy-verification-token",
            "trigger_id": f"{next(_ids)}.1.trigger",
            "view": {
                "id": f"V{next(_ids):05d}",
                "team_id": TEAM["id"],
                "type": "modal",
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view["callback_id"],
                "state": {"values": values},
                "hash": "156772938.1827394",
                "title": view.get("title"),
                "clear_on_close": False,
                "notify_on_close": False,
                "close": view.get("close"),
                "submit": view.get("submit"),
                "previous_view_id": None,
                "root_view_id": None,
                "app_id": "A0CHAPTERHOUSE",
                "external_id": "",
                "app_installed_team_id": TEAM["id"],
                "bot_id": "B0BOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return urlencode({"payload": json.dumps(payload)})

    async def submit(self, user: str, view: Mapping[str, Any], values: Mapping[str, Any]) -> Posted:
        return await self.post(self.submission_body(user, view, values))

    async def home_opened(self, user: str) -> Posted:
        event = {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "api_app_id": "A0CHAPTERHOUSE",
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user}",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
            "type": "event_callback",
            "event_id": f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": TEAM["id"],
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        return await self.post(json.dumps(event), content_type="application/json")

    # -- reading what Slack received ------------------------------------------

    async def posted_to(self, channel: str, count: int = 1) -> Call:
        """The `count`-th chat.postMessage to `channel`."""

        def matching() -> list[Call]:
            return [
                c for c in self.fake.of("chat.postMessage") if c.params.get("channel") == channel
            ]

        await self.fake.wait(lambda: len(matching()) >= count)
        return matching()[count - 1]

    async def close(self) -> None:
        await self.http.close()


def buttons(call: Call) -> list[dict[str, Any]]:
    """The buttons in a message, as a member would click them."""
    found = []
    for block in call.blocks:
        if block.get("type") == "actions":
            for element in block["elements"]:
                if element.get("type") == "button":
                    found.append({**element, "block_id": block.get("block_id", "")})
    return found


def button(call: Call, label_start: str) -> dict[str, Any]:
    for candidate in buttons(call):
        if candidate["text"]["text"].startswith(label_start):
            return candidate
    raise AssertionError(f"no button starting {label_start!r} in {buttons(call)}")


async def start_slack(database_url: str, **settings: Any) -> AsyncIterator[SlackHarness]:
    fake = FakeSlack()
    await fake.start()
    async for bot in start_bot(database_url, **settings):
        adapter = SlackAdapter(
            bot.app, token="xoxb-test-token", signing_secret=SIGNING_SECRET, api_url=fake.api_url
        )
        bot.app.notifier.add_poster(adapter.poster)
        runner = web.AppRunner(build_web_app(bot.app, adapter, ["slack"]), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        harness = SlackHarness(bot, fake, adapter, f"http://127.0.0.1:{port}")
        try:
            yield harness
        finally:
            await harness.close()
            await runner.cleanup()
            await adapter.aclose()
    await fake.stop()
