"""The process's HTTP face: Slack's events endpoint, `/healthz` and `/metrics`.

Served by aiohttp on `HTTP_HOST:HTTP_PORT` whether or not Slack is enabled, so a
load balancer and Prometheus can watch a Discord-only process too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from sqlalchemy import text

from adapters.slack.app import SlackAdapter
from bot.app import App
from bot.metrics import exposition
from bot.scheduler import Scheduler

log = logging.getLogger("chapterhouse.http")

SLACK_PATH = "/slack/events"


def build_web_app(
    core: App,
    slack: SlackAdapter | None,
    platforms: list[str],
    scheduler: Scheduler | None = None,
    connections: Mapping[str, Callable[[], Awaitable[str]]] | None = None,
) -> web.Application:
    """`connections`: each platform's live connection (Discord's gateway, Slack's
    Socket Mode) and how to ask its state; anything but "connected" is unhealthy."""
    app = web.Application()
    # Not copied: serve adds each connection as it starts.
    watched: Mapping[str, Callable[[], Awaitable[str]]] = (
        connections if connections is not None else {}
    )

    async def healthz(_: web.Request) -> web.Response:
        """Healthy when the database answers and every platform connection is up.

        A balancer or supervisor takes a process whose Discord side died out of
        service instead of leaving it to answer nobody.
        """
        try:
            async with core.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            log.warning("health check: database unreachable: %s", type(error).__name__)
            return web.json_response(
                {"status": "unhealthy", "database": "unreachable", "platforms": platforms},
                status=503,
            )
        states = {platform: await state() for platform, state in watched.items()}
        down = sorted(platform for platform, state in states.items() if state != "connected")
        body: dict[str, object] = {
            "status": "unhealthy" if down else "ok",
            "database": "ok",
            "platforms": platforms,
            "connections": states,
        }
        if scheduler is not None:
            # Which process leads the scheduler, and when it last ticked.
            body["scheduler"] = scheduler.status().as_json()
        if down:
            log.warning("health check: not connected: %s", ", ".join(down))
        return web.json_response(body, status=503 if down else 200)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=exposition(), content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if slack is not None:
        bolt = slack.bolt

        async def slack_events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await bolt.async_dispatch(await to_bolt_request(request))
            )

        app.router.add_post(SLACK_PATH, slack_events)
    return app
