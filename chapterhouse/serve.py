"""`chapterhouse serve`: every configured platform, the HTTP endpoints, in one process.

Slack is served over HTTP (`POST /slack/events`) or, with `SLACK_APP_TOKEN`, over
Socket Mode; Discord over its gateway; `/healthz` and `/metrics` either way.
Posts that could not be delivered (a platform was down, a 429 outlasted its
retries) or were held (quiet hours, backoff) are swept up again every minute by
every process, so nothing committed is lost to a bad moment. The scheduler runs
beside them: every process starts one, and the one elected leader ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

import discord
from aiohttp import web

from adapters.discord.app import DiscordAdapter, point_at
from adapters.http import SLACK_PATH, build_web_app
from adapters.slack.app import SlackAdapter
from bot.app import App
from bot.config import ConfigError, Settings
from bot.scheduler import Scheduler
from chapterhouse.calendar_http import add_calendar_routes

log = logging.getLogger("chapterhouse.serve")

SWEEP_SECONDS = 60.0


def check_settings(settings: Settings) -> None:
    """Refuse at start-up, in one line, a configuration that cannot serve anything."""
    if not settings.slack_enabled and not settings.discord_enabled:
        raise ConfigError(
            "SLACK_BOT_TOKEN / DISCORD_BOT_TOKEN: set at least one to serve Slack or Discord"
        )
    if settings.slack_enabled:
        if settings.slack_app_token is None and settings.slack_signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET: required to serve Slack over HTTP "
                "(or set SLACK_APP_TOKEN to use Socket Mode)"
            )
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
        if not token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN: expected a bot token starting with xoxb-")
        app_token = settings.slack_app_token
        if app_token is not None and not app_token.get_secret_value().startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN: expected an app-level token starting with xapp-")
    if settings.discord_enabled:
        token = settings.discord_bot_token.get_secret_value() if settings.discord_bot_token else ""
        if len(token) < 20 or " " in token:
            raise ConfigError(
                "DISCORD_BOT_TOKEN: that is not a bot token (copy it from the Developer "
                "Portal's Bot page)"
            )


def slack_adapter(core: App) -> SlackAdapter:
    """The Slack adapter as configured (HTTP, or Socket Mode with no signing secret)."""
    settings = core.settings
    assert settings.slack_bot_token is not None
    secret = settings.slack_signing_secret
    return SlackAdapter(
        core,
        token=settings.slack_bot_token.get_secret_value(),
        # Socket Mode has no signed HTTP requests; Bolt still wants a value.
        signing_secret=secret.get_secret_value() if secret else "socket-mode",
        api_url=settings.slack_api_url,
    )


async def sweep(core: App, every: float = SWEEP_SECONDS) -> None:
    """Retry what is still pending in the delivery ledger, forever."""
    while True:
        await asyncio.sleep(every)
        try:
            await core.notifier.flush()
        except Exception:
            log.exception("delivery sweep failed; the next one retries")


async def serve(core: App, *, until: Callable[[], Awaitable[None]] | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or until `until` returns, for tests).

    Each resource is entered on one exit stack as it starts, so whatever started is
    stopped in reverse order, however far start-up got.
    """
    settings = core.settings
    check_settings(settings)
    platforms: list[str] = []
    slack = slack_adapter(core) if settings.slack_enabled else None
    socket_mode = slack is not None and settings.slack_app_token is not None
    if slack is not None:
        core.notifier.add_poster(slack.poster)
        platforms.append("slack")
    discord_adapter = None
    if settings.discord_enabled:
        point_at(settings.discord_api_url, settings.discord_gateway_url)
        discord_adapter = DiscordAdapter(core)
        core.notifier.add_poster(discord_adapter.poster)
        platforms.append("discord")
    scheduler = Scheduler(core)
    connections: dict[str, Callable[[], Awaitable[str]]] = {}
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(log.info, "stopped")
        if slack is not None:
            stack.push_async_callback(slack.aclose)
        web_app = build_web_app(
            core, None if socket_mode else slack, platforms, scheduler, connections
        )
        add_calendar_routes(web_app, core)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, settings.http_host, settings.http_port).start()
        if discord_adapter is not None:
            connections["discord"] = discord_adapter.gateway_state  # "starting" till ready
            await _start_discord(stack, discord_adapter, settings)
        if slack is not None and socket_mode:
            connections["slack"] = await _start_socket_mode(stack, slack, settings)
        elif slack is not None:
            log.info(
                "Slack: events at http://%s:%s%s",
                settings.http_host,
                settings.http_port,
                SLACK_PATH,
            )
        log.info(
            "health at http://%s:%s/healthz, metrics at /metrics",
            settings.http_host,
            settings.http_port,
        )
        stack.push_async_callback(_cancel, asyncio.create_task(sweep(core)))
        await core.notifier.flush()  # what an earlier run committed but did not post
        stack.push_async_callback(scheduler.stop)
        await scheduler.start()
        if until is not None:
            await until()
        else:
            await _signalled()


async def _start_discord(
    stack: contextlib.AsyncExitStack, adapter: DiscordAdapter, settings: Settings
) -> None:
    assert settings.discord_bot_token is not None
    token = settings.discord_bot_token.get_secret_value()
    try:
        task = await adapter.start(token)
    except discord.LoginFailure as error:
        await adapter.close()
        raise ConfigError("DISCORD_BOT_TOKEN: Discord refused the token") from error

    supervisor = asyncio.create_task(adapter.supervise(token, task))

    async def stop() -> None:
        await adapter.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(supervisor), 10)
        await _cancel(supervisor)

    stack.push_async_callback(stop)
    log.info("Discord: connected as %s", adapter.client.user)


async def _start_socket_mode(
    stack: contextlib.AsyncExitStack, slack: SlackAdapter, settings: Settings
) -> Callable[[], Awaitable[str]]:
    """Connect; returns how to ask whether the socket is still connected."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    assert settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(slack.bolt, settings.slack_app_token.get_secret_value())
    await handler.connect_async()
    stack.push_async_callback(handler.close_async)
    log.info("Slack: Socket Mode connected")

    async def state() -> str:
        return "connected" if await handler.client.is_connected() else "disconnected"

    return state


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM"):
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(getattr(signal, name), stop.set)
    await stop.wait()
