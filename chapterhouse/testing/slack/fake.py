"""A small fake of Slack's servers on 127.0.0.1, speaking the documented wire format.

It answers the Web API methods Chapterhouse calls (form or JSON bodies, `{"ok": …}`
answers), the `response_url` webhooks, and the upload URLs of `files_upload_v2`.
It records every call, and can be told to fail a method or answer 429 with a
`Retry-After`, so tests see what a real workspace would have received.

A slash command can also be answered in its acknowledgement: Slack shows the body
of the HTTP 200 (or of a Socket Mode acknowledgement's `payload`) as the reply,
like a post to the command's `response_url`. Whoever plays Slack sending the
command hands that body to `acknowledged`, and it is kept with the replies to the
command's `response_url` (`responses`), as the method "ack", so a test reads a
reply the same way wherever it came from.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        raw = self.params.get("blocks") or []
        return json.loads(raw) if isinstance(raw, str) else list(raw)

    def block_text(self) -> str:
        """Every text in the blocks, for asserting on what a member would read."""
        return "\n".join(_texts(self.blocks))


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        return (
            found
            + [t for k, v in value.items() if k != "text" for t in _texts(v)]
            + [t for t in _texts(value.get("text")) if not isinstance(value.get("text"), str)]
        )
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    return []


def ack_message(body: str | bytes, content_type: str) -> dict[str, Any] | None:
    """The message Slack shows for a slash command's acknowledgement body, if any.

    An empty body says nothing; JSON is a message (`text`, `blocks`, `response_type`);
    plain text is a message of that text, as Slack documents.
    """
    text = body.decode() if isinstance(body, bytes) else body
    if not text.strip():
        return None
    if content_type.startswith("application/json"):
        message = json.loads(text)
        return message if isinstance(message, dict) and message else None
    return {"text": text}


def command_response_url(request_body: str) -> str | None:
    """The `response_url` of a slash command's form-encoded body; None for anything else
    (Slack shows no acknowledgement body of an interaction or an event as a reply)."""
    fields = parse_qs(request_body)
    if "command" not in fields or "response_url" not in fields:
        return None
    return fields["response_url"][0]


_RUNNING: weakref.WeakValueDictionary[str, FakeSlack] = weakref.WeakValueDictionary()
"""The fakes serving now, by base URL: which one minted a `response_url`."""


@dataclass
class Planned:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: dict[str, list[Call]] = {}
        """Posts to each response_url token, in order."""
        self.uploads: dict[str, bytes] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        """Messages posted to each channel, oldest first, as `conversations.history` has them."""
        self._planned: dict[str, list[Planned]] = {}
        self._changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self._last_ts = 0.0
        self._runner: web.AppRunner | None = None
        self.base = ""
        self.envelopes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        """Socket Mode: envelopes to push to the connected app."""
        self.acks: list[dict[str, Any]] = []
        """Socket Mode: what the app sent back (each envelope's acknowledgement)."""
        self.users: dict[str, dict[str, Any]] = {}
        """`users.info` answers by user id, in Slack's documented `user` shape."""

    # -- control --------------------------------------------------------------

    def fail(self, method: str, error: str, times: int = 1) -> None:
        plan = Planned(200, {"ok": False, "error": error}, {})
        self._planned.setdefault(method, []).extend([plan] * times)

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        plan = Planned(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        )
        self._planned.setdefault(method, []).extend([plan] * times)

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, token: str) -> str:
        return f"{self.base}/respond/{token}"

    @staticmethod
    def minting(response_url: str) -> tuple[FakeSlack, str] | None:
        """The running fake that minted `response_url`, and its token."""
        base, found, token = response_url.rpartition("/respond/")
        fake = _RUNNING.get(base) if found else None
        return (fake, token) if fake is not None else None

    async def acknowledged(self, token: str, message: Mapping[str, Any]) -> None:
        """A slash command's reply given in its acknowledgement (see the top)."""
        call = Call("ack", dict(message))
        async with self._changed:
            self.responses.setdefault(token, []).append(call)
            self.calls.append(call)
            self._changed.notify_all()

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        """Until `done()` holds; the adapter answers Slack first and works afterwards."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(done), timeout)

    async def response(self, token: str, count: int = 1) -> Call:
        await self.wait(lambda: len(self.responses.get(token, [])) >= count)
        return self.responses[token][count - 1]

    async def call(self, method: str, count: int = 1) -> Call:
        await self.wait(lambda: len(self.of(method)) >= count)
        return self.of(method)[count - 1]

    # -- server ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        # slack_sdk reads history and users.info with GET
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        _RUNNING[self.base] = self

    async def stop(self) -> None:
        _RUNNING.pop(self.base, None)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)  # slack_sdk sends some arguments here
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(await request.post())
        await self._record(Call(method, params, dict(request.headers)))
        planned = self._planned.get(method)
        if planned:
            plan = planned.pop(0)
            return web.json_response(plan.body, status=plan.status, headers=plan.headers)
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base.replace("http://", "ws://") + "/socket"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://society.slack.com/",
                "team": "Society",
                "user": "chapterhouse",
                "team_id": "T0SOCIETY",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
            }
        if method == "chat.postMessage":
            return self._post_message(params)
        if method == "conversations.history":
            return self._conversation_history(params)
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": f"V{next(self._ts):05d}"}}
        if method == "users.info":
            found = self.users.get(str(params.get("user")))
            return (
                {"ok": True, "user": found} if found else {"ok": False, "error": "user_not_found"}
            )
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):05d}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            raw = params.get("files")
            files = json.loads(raw) if isinstance(raw, str) else raw or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """Kept in the channel's history; `metadata` (event_type, event_payload) with it."""
        # A message's ts is the moment it was posted (unique within a channel).
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        ts = f"{self._last_ts:.6f}"
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": params.get("text", "")}
        raw = params.get("metadata")
        if raw:
            message["metadata"] = json.loads(raw) if isinstance(raw, str) else dict(raw)
        self.history.setdefault(str(params.get("channel")), []).append(message)
        return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}

    def _conversation_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest`, a page of `limit` at a time with a cursor.

        As Slack documents, a message's metadata is returned only with
        `include_all_metadata` set.
        """
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [
            m
            for m in reversed(self.history.get(str(params.get("channel")), []))
            if float(m["ts"]) >= oldest
        ]
        page = found[start : start + limit]
        more = start + limit < len(found)
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page
        ]
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    async def _respond(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = await request.json()
        call = Call("response_url", body, dict(request.headers))
        async with self._changed:
            self.responses.setdefault(token, []).append(call)
            self.calls.append(call)
            self._changed.notify_all()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()  # files_upload_v2 posts the raw bytes
        async with self._changed:
            self.uploads[file_id] = data
            self._changed.notify_all()
        return web.Response(text=f"OK - {len(data)}")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, push queued envelopes, record acknowledgements."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0CHAPTERHOUSE"},
            }
        )

        pushed: dict[str, dict[str, Any]] = {}

        async def push() -> None:
            while True:
                envelope = await self.envelopes.get()
                pushed[str(envelope.get("envelope_id"))] = envelope
                await socket.send_json(envelope)

        pusher = asyncio.create_task(push())
        try:
            async for message in socket:
                if message.type == web.WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    async with self._changed:
                        self.acks.append(ack)
                        self._changed.notify_all()
                    await self._acknowledged_envelope(pushed.get(str(ack.get("envelope_id"))), ack)
        finally:
            pusher.cancel()
        return socket

    async def _acknowledged_envelope(
        self, envelope: Mapping[str, Any] | None, ack: Mapping[str, Any]
    ) -> None:
        """A slash command's Socket Mode acknowledgement with a `payload` is its reply,
        when the envelope said it `accepts_response_payload`."""
        if envelope is None or envelope.get("type") != "slash_commands":
            return
        payload = ack.get("payload")
        if not envelope.get("accepts_response_payload") or not isinstance(payload, dict):
            return
        if not payload:
            return
        minted = FakeSlack.minting(str(envelope.get("payload", {}).get("response_url", "")))
        if minted is not None and minted[0] is self:
            await self.acknowledged(minted[1], payload)
