"""A second Chapterhouse instance beside a Slack harness: its own app, its own Bolt app
over HTTP, the same database and the same fake Slack, as two `serve` processes behind
one load balancer would be."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from adapters.http import build_web_app
from adapters.slack.app import SlackAdapter
from bot.metrics import DUPLICATES
from chapterhouse.testing.slack import SIGNING_SECRET
from tests.adapters.slack.harness import Posted, SlackHarness, post_signed
from tests.support import TestBot, start_bot

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


class Instance:
    def __init__(
        self, bot: TestBot, adapter: SlackAdapter, url: str, harness: SlackHarness
    ) -> None:
        self.bot = bot
        self.adapter = adapter
        self.url = url
        self.harness = harness

    async def post(self, body: str, *, retry: bool = False) -> Posted:
        return await post_signed(
            self.harness.http, self.url, body, headers=RETRY if retry else None
        )


@contextlib.asynccontextmanager
async def second_instance(harness: SlackHarness, database_url: str) -> AsyncIterator[Instance]:
    admins = ",".join(
        f"{a.platform}:{a.user_id}" for a in harness.bot.app.settings.chapterhouse_admins
    )
    async for bot in start_bot(database_url, chapterhouse_admins=admins):
        adapter = SlackAdapter(
            bot.app,
            token="xoxb-test-token",
            signing_secret=SIGNING_SECRET,
            api_url=harness.fake.api_url,
        )
        bot.app.notifier.add_poster(adapter.poster)
        runner = web.AppRunner(build_web_app(bot.app, adapter, ["slack"]), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield Instance(bot, adapter, f"http://127.0.0.1:{port}", harness)
        finally:
            await runner.cleanup()
            await adapter.aclose()


def dropped(platform: str = "slack") -> float:
    """Deliveries dropped so far as repeats, by any reason, on `platform`."""
    total = 0.0
    for metric in DUPLICATES.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels.get("platform") == platform:
                total += sample.value
    return total


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
