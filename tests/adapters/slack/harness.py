"""The whole app behind the real Bolt app over HTTP on 127.0.0.1, with a fake Slack.

Requests are built in Slack's documented shapes and signed exactly as Slack signs
them (`v0:{timestamp}:{body}`, HMAC-SHA256 with the signing secret). Replies are
read where Slack would receive them: a slash command's acknowledgement body, the
fake's `response_url`s and Web API calls.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from adapters.http import SLACK_PATH, build_web_app
from adapters.slack.app import SlackAdapter
from chapterhouse.testing.slack import SIGNING_SECRET, Call, FakeSlack, payloads, signed_headers
from chapterhouse.testing.slack.fake import ack_message, command_response_url
from tests.support import TestBot, start_bot

_ids = itertools.count(1)
"""Response-url tokens, unique across the run."""


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
    token = f"cmd{next(_ids)}"
    fields = payloads.slash_command(
        user,
        text,
        response_url=fake.response_url(token),
        channel=channel,
        channel_name=channel_name,
        user_name=user_name,
    )
    return payloads.form_body(fields), token


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
    """POST to the app's events endpoint, signed as Slack signs it.

    As Slack does, a slash command's acknowledgement that carries a message is shown
    as its reply: handed to the fake that minted its `response_url`, with the others.
    """
    sent = {
        **signed_headers(body, content_type=content_type, timestamp=timestamp, secret=secret),
        **(headers or {}),
    }
    async with http.post(url + SLACK_PATH, data=body, headers=sent) as response:
        posted = Posted(response.status, await response.text())
        answered = response.content_type
    response_url = command_response_url(body) if posted.status == 200 else None
    minted = FakeSlack.minting(response_url) if response_url else None
    message = ack_message(posted.text, answered) if minted else None
    if minted is not None and message is not None:
        fake, token = minted
        await fake.acknowledged(token, message)
    return posted


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
        payload = payloads.block_actions(
            user,
            button,
            channel=channel,
            message_ts=message_ts,
            channel_name=channel_name,
            response_url=self.fake.response_url(token),
        )
        return payloads.interaction_body(payload), token

    async def click(self, user: str, button: Mapping[str, Any], **where: Any) -> Call:
        body, token = self.click_body(user, button, **where)
        posted = await self.post(body)
        assert posted.status == 200, posted
        return await self.fake.response(token)

    def submission_body(self, user: str, view: Mapping[str, Any], values: Mapping[str, Any]) -> str:
        """A `view_submission` payload for a modal the app opened, with `state.values`."""
        return payloads.interaction_body(payloads.view_submission(user, view, values))

    async def submit(self, user: str, view: Mapping[str, Any], values: Mapping[str, Any]) -> Posted:
        return await self.post(self.submission_body(user, view, values))

    async def home_opened(self, user: str) -> Posted:
        event = payloads.event_callback(payloads.app_home_opened(user))
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
