"""`FakeDiscord`: one server on 127.0.0.1 that is both Discord's REST API and gateway.

The parts live in their own modules (`world`, `messages`, `rest`, `gateway`,
`payloads`, `limits`); this class composes them over one shared world, serves them
from one aiohttp application and points discord.py at it, so a test needs one
object: start it, point discord.py here, push interactions, read the REST calls.

Surprises worth knowing (discord.py 2.7):
- JSON is parsed only when `Content-Type` is exactly `application/json`; aiohttp
  appends `; charset=utf-8` for `text=` bodies (even with `content_type=`), so answers
  here are sent as `body=` bytes.
- A 429 without a `Via` header is taken for a Cloudflare ban and raised, not retried;
  Discord's answers carry `Via: 1.1 google`, and so do this fake's.
- Interactions need `attachment_size_limit`; READY waits `guild_ready_timeout`
  (2 s by default) after the last GUILD_CREATE before `on_ready`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import yarl
from aiohttp import web

from chapterhouse.testing.discord.gateway import Gateway
from chapterhouse.testing.discord.payloads import InteractionPayloads
from chapterhouse.testing.discord.rest import RestApi
from chapterhouse.testing.discord.world import API_PREFIX, DEFAULT_CHANNELS, GUILD_ID


class FakeDiscord(RestApi, Gateway, InteractionPayloads):
    """Discord's servers for one bot, one guild and its channels."""

    def __init__(
        self,
        *,
        token: str | None = None,
        guild_id: int = GUILD_ID,
        guild_name: str = "Chapterhouse Society",
        channels: Mapping[int, str] = DEFAULT_CHANNELS,
        members: Mapping[int, str] | None = None,
        heartbeat_interval: int = 41250,
        compress: bool = True,
    ) -> None:
        """`token`: when set, only `Bot <token>` is accepted; otherwise any token is.

        `members` (id → username) are users of the guild besides the bot and its owner;
        `compress=False` sends plain text frames even when `zlib-stream` is asked for.
        """
        super().__init__(
            token=token,
            guild_id=guild_id,
            guild_name=guild_name,
            channels=channels,
            members=members,
            heartbeat_interval=heartbeat_interval,
            compress=compress,
        )
        self._runner: web.AppRunner | None = None

    @contextlib.contextmanager
    def point_discord_py_here(self) -> Iterator[FakeDiscord]:
        """Point discord.py's REST base and gateway at this fake; restore them after."""
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            Route.BASE = old_base
            DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._attachment)
        app.router.add_route("*", API_PREFIX + "{tail:/.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Close the gateway sockets first (so nothing waits on them), then the server."""
        await self.close_gateway()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def send_interaction(self, payload: dict[str, Any]) -> None:
        """Deliver an interaction as Discord does: an INTERACTION_CREATE dispatch.

        The fake remembers it, so the REST side can accept its callback and webhooks.
        """
        self.interactions[int(payload["id"])] = payload
        self._by_token[payload["token"]] = payload
        await self.dispatch("INTERACTION_CREATE", payload)
