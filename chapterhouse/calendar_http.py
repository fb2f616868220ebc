"""The calendar feeds on the process's HTTP face: `GET /calendar/<token>.ics`.

Wired here, in the composition root, because the feeds are a feature's
(`commands.events.feeds`) and the HTTP adapter may not reach features. A token
that opens nothing gets a bare 404: the answer says nothing of why.
"""

from __future__ import annotations

from aiohttp import web

from bot.app import App
from commands.events.feeds import feed
from storage.uow import UnitOfWork

CALENDAR_PATH = "/calendar/{name}"


def add_calendar_routes(app: web.Application, core: App) -> None:
    async def serve_feed(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not name.endswith(".ics") or len(name) > 100:
            raise web.HTTPNotFound()
        async with UnitOfWork(core.sessions, core.clock.now()) as uow:
            body = await feed(uow.session, name.removesuffix(".ics"), uow.now)
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    app.router.add_get(CALENDAR_PATH, serve_feed)
