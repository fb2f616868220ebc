"""Discord's REST API (under `/api/v10`), as a bot meets it.

Every request is recorded as a `Call` (method, path, JSON body, query, headers,
uploaded files, the status and body answered). The routes a bot uses answer with
documented objects, and unknown channels, messages, interactions and routes with
Discord's JSON errors; failures and 429s can be programmed per method and path.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from chapterhouse.testing.discord.limits import (
    CALLBACKS_FOR,
    HttpError,
    form_error,
    validate_command,
    validate_modal,
)
from chapterhouse.testing.discord.messages import Messages, Upload
from chapterhouse.testing.discord.scheduled_events import ScheduledEvents
from chapterhouse.testing.discord.world import (
    ANSWERED,
    API_PREFIX,
    BOT_ID,
    DEFERRED,
    EPHEMERAL,
    LOADING,
)


@dataclass
class Call:
    """One REST request as the fake received it, with what it answered."""

    method: str
    path: str
    """Below the API base, without the query: `/channels/123/messages`."""
    json: Any
    """The JSON body (`payload_json` of a multipart body); None without one."""
    query: dict[str, str]
    headers: dict[str, str]
    files: list[Upload] = field(default_factory=list)
    status: int = 0
    response: Any = None

    @property
    def data(self) -> dict[str, Any]:
        """An interaction callback's `data` (empty for deferrals)."""
        body = self.json if isinstance(self.json, dict) else {}
        return body.get("data") or {}


@dataclass
class _Plan:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


class RestApi(ScheduledEvents, Messages):
    """The REST routes over the message store."""

    def __init__(self, **world: Any) -> None:
        super().__init__(**world)
        self.calls: list[Call] = []
        self._responded: set[int] = set()
        self._plans: list[_Plan] = []
        self._routes = self._route_table()

    # -- programming failures --------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        code: int,
        message: str,
        times: int = 1,
        *,
        errors: Any = None,
    ) -> None:
        """The next `times` requests whose path fully matches get this JSON error.

        E.g. `fail("POST", r"/channels/\\d+/messages", 403, 50001, "Missing Access")`.
        """
        body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            body["errors"] = errors
        self._plans.append(_Plan(method.upper(), re.compile(path_regex), status, body, {}, times))

    def rate_limit(
        self,
        method: str,
        path_regex: str,
        retry_after: float = 0.2,
        times: int = 1,
        *,
        is_global: bool = False,
        scope: str = "user",
        bucket: str = "f4k3bucket0000000000000000000000",
    ) -> None:
        """The next `times` matching requests get a 429 with Discord's headers and body."""
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else scope,
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        self._plans.append(_Plan(method.upper(), re.compile(path_regex), 429, body, headers, times))

    # -- looking at what happened ----------------------------------------------

    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        """Recorded calls with this method whose path fully matches the regex."""
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method.upper() and pattern.fullmatch(c.path)]

    async def wait_for_call(
        self, method: str, path_regex: str, count: int = 1, timeout: float = 10.0
    ) -> Call:
        """The `count`-th matching call, once it has been answered."""
        await self.wait(lambda: len(self.calls_to(method, path_regex)) >= count, timeout)
        return self.calls_to(method, path_regex)[count - 1]

    async def callback_for(
        self, interaction: int | str | Mapping[str, Any], timeout: float = 10.0
    ) -> Call:
        """The (first) callback the bot posted for this interaction (payload or id)."""
        interaction_id = interaction["id"] if isinstance(interaction, Mapping) else interaction
        return await self.wait_for_call(
            "POST", rf"/interactions/{interaction_id}/[^/]+/callback", timeout=timeout
        )

    async def answer_for(self, interaction: Mapping[str, Any], timeout: float = 10.0) -> Call:
        """The answer to an interaction once it is final: its callback, or, if that only
        deferred (type 5: a command that outlasted Discord's patience, as on a busy
        machine), the follow-up webhook that carried the answer, shaped as the callback
        would have carried it (type 4, the message as `data`)."""
        callback = await self.callback_for(interaction, timeout)
        if not isinstance(callback.json, dict) or callback.json.get("type") != DEFERRED:
            return callback
        token = re.escape(str(interaction["token"]))
        follow_up = await self.wait_for_call("POST", rf"/webhooks/\d+/{token}", timeout=timeout)
        return dataclasses.replace(follow_up, json={"type": ANSWERED, "data": follow_up.json})

    def original_response(self, interaction: Mapping[str, Any]) -> dict[str, Any] | None:
        """The message the interaction's response created or updated, as it is now."""
        message_id = self.original.get(interaction["token"])
        return None if message_id is None else self.messages.get(message_id)

    # -- REST ------------------------------------------------------------------

    def _route_table(
        self,
    ) -> list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]], bool]]:
        """(method, path pattern, handler, needs the bot token)."""
        webhook = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        commands = r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands"
        message = r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)"
        table: list[tuple[str, str, Callable[..., tuple[int, Any]], bool]] = [
            ("GET", r"/users/@me", lambda call: (200, self._me()), True),
            ("GET", r"/users/(?P<user>\d+)", self._get_user, True),
            (
                "GET",
                r"/oauth2/applications/@me",
                lambda call: (200, self.application_object()),
                True,
            ),
            ("GET", r"/applications/@me", lambda call: (200, self.application_object()), True),
            ("GET", r"/gateway", lambda call: (200, {"url": self.gateway_url}), False),
            ("GET", r"/gateway/bot", self._gateway_bot, True),
            ("PUT", commands, self._put_commands, True),
            ("GET", commands, self._get_commands, True),
            (
                "POST",
                r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback",
                self._callback,
                False,
            ),
            ("GET", webhook + r"/messages/(?P<message>@original|\d+)", self._webhook_get, False),
            ("PATCH", webhook + r"/messages/(?P<message>@original|\d+)", self._webhook_edit, False),
            (
                "DELETE",
                webhook + r"/messages/(?P<message>@original|\d+)",
                self._webhook_delete,
                False,
            ),
            ("POST", webhook, self._followup, False),
            ("GET", r"/channels/(?P<channel>\d+)", self._get_channel, True),
            ("GET", r"/channels/(?P<channel>\d+)/messages", self._list_messages, True),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._post_message, True),
            ("GET", message, self._get_message, True),
            ("PATCH", message, self._edit_message, True),
            ("DELETE", message, self._delete_message, True),
            ("PUT", message + r"/reactions/(?P<emoji>[^/]+)/@me", self._no_content, True),
            ("DELETE", message + r"/reactions/(?P<emoji>[^/]+)/@me", self._no_content, True),
            ("POST", r"/channels/(?P<channel>\d+)/typing", self._no_content, True),
            ("POST", r"/users/@me/channels", self._open_dm, True),
            ("GET", r"/guilds/(?P<guild>\d+)", self._get_guild, True),
            ("GET", r"/guilds/(?P<guild>\d+)/channels", self._guild_channels, True),
            (
                "GET",
                r"/guilds/(?P<guild>\d+)/roles",
                lambda call, guild: (200, self._roles()),
                True,
            ),
            ("GET", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)", self._get_member, True),
            (
                "POST",
                r"/guilds/(?P<guild>\d+)/scheduled-events",
                self._create_scheduled_event,
                True,
            ),
            (
                "PATCH",
                r"/guilds/(?P<guild>\d+)/scheduled-events/(?P<event>\d+)",
                self._edit_scheduled_event,
                True,
            ),
        ]
        return [(m, re.compile(p), h, auth) for m, p, h, auth in table]

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :]
        body, files = await self._read_body(request)
        call = Call(request.method, path, body, dict(request.query), dict(request.headers), files)
        headers: dict[str, str] = {}
        try:
            plan = self._take_plan(call)
            if plan is not None:
                status, payload, headers = plan.status, plan.body, plan.headers
            else:
                status, payload = self._handle(call)
        except HttpError as error:
            status, payload = error.status, error.body
        call.status, call.response = status, payload
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return _json_response(status, payload, headers)

    def _handle(self, call: Call) -> tuple[int, Any]:
        path_known = False
        for method, pattern, handler, needs_auth in self._routes:
            match = pattern.fullmatch(call.path)
            if match is None:
                continue
            path_known = True
            if method != call.method:
                continue
            if needs_auth:
                self._check_auth(call)
            return handler(call, **match.groupdict())
        if path_known:
            raise HttpError(405, 0, "405: Method Not Allowed")
        raise HttpError(404, 0, "404: Not Found")

    def _check_auth(self, call: Call) -> None:
        given = call.headers.get("Authorization", "")
        ok = given == f"Bot {self.token}" if self.token else given.startswith("Bot ")
        if not ok:
            raise HttpError(401, 0, "401: Unauthorized")

    def _take_plan(self, call: Call) -> _Plan | None:
        for plan in self._plans:
            if plan.method == call.method and plan.pattern.fullmatch(call.path):
                plan.times -= 1
                if plan.times <= 0:
                    self._plans.remove(plan)
                return plan
        return None

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
        if not request.body_exists:
            return None, []
        if request.content_type == "multipart/form-data":
            body: Any = None
            files: list[Upload] = []
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue  # Discord's bodies are flat: no nested multipart
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(
                        Upload(
                            part.name or "",
                            part.filename or "",
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(await part.read()),
                        )
                    )
            return body, files
        text = await request.text()
        if request.content_type == "application/json" and text:
            return json.loads(text), []
        return None, []

    # REST handlers: each returns (status, JSON payload or None for 204).

    def _get_user(self, call: Call, user: str) -> tuple[int, Any]:
        if int(user) not in self.users:
            raise HttpError(404, 10013, "Unknown User")
        return 200, self.users[int(user)]

    def _gateway_bot(self, call: Call) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _check_app(self, app: str) -> None:
        if int(app) != self.application_id:
            raise HttpError(403, 50001, "Missing Access")

    def _get_commands(self, call: Call, app: str, guild: str | None) -> tuple[int, Any]:
        self._check_app(app)
        return 200, self.commands.get(int(guild) if guild else None, [])

    def _put_commands(self, call: Call, app: str, guild: str | None) -> tuple[int, Any]:
        """Bulk overwrite: validate, keep ids of commands that stay, answer the new set."""
        self._check_app(app)
        if not isinstance(call.json, list):
            raise form_error([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        guild_id = int(guild) if guild else None
        old = {(c["name"], c["type"]): c for c in self.commands.get(guild_id, [])}
        stored: list[dict[str, Any]] = []
        seen: set[tuple[str, int]] = set()
        for index, command in enumerate(call.json):
            validate_command(index, command)
            kind = command.get("type", 1)
            if (command["name"], kind) in seen:
                raise form_error(
                    [index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name"
                )
            seen.add((command["name"], kind))
            previous = old.get((command["name"], kind))
            entry = {
                "type": 1,
                "description": "",
                "default_member_permissions": None,
                "nsfw": False,
                "integration_types": [0],
                "contexts": None,
                **command,
                "id": previous["id"] if previous else str(self.snowflake()),
                "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        self.commands[guild_id] = stored
        return 200, stored

    def _interaction_by_token(self, app: str, token: str) -> dict[str, Any]:
        interaction = self._by_token.get(token)
        if interaction is None or int(app) != self.application_id:
            raise HttpError(404, 10015, "Unknown Webhook")
        return interaction

    def _callback(self, call: Call, interaction: str, token: str) -> tuple[int, Any]:
        payload = self.interactions.get(int(interaction))
        if payload is None or payload["token"] != token:
            raise HttpError(404, 10062, "Unknown interaction")
        if int(interaction) in self._responded:
            raise HttpError(400, 40060, "Interaction has already been acknowledged.")
        body = call.json if isinstance(call.json, dict) else {}
        kind = body.get("type")
        if kind not in CALLBACKS_FOR.get(payload["type"], frozenset()):
            raise form_error(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {kind!r}.")
        data = body.get("data") or {}
        answer: dict[str, Any] = {"id": str(payload["id"]), "type": payload["type"]}
        result: dict[str, Any] = {"interaction": answer}
        message: dict[str, Any] | None = None
        if kind == 4:
            message = self._create_message(
                payload["channel_id"], data, call.files, interaction=payload
            )
        elif kind == 5:
            flags = (data.get("flags") or 0) | LOADING
            message = self._create_message(
                payload["channel_id"], {"flags": flags}, [], interaction=payload, empty_ok=True
            )
            answer["response_message_loading"] = True
        elif kind in (6, 7):
            if "message" not in payload:  # a modal opened by a command has no message
                raise form_error(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {kind!r}.")
            if kind == 7:
                message = self._update_message(payload["message"], data, call.files)
            else:
                self.original[token] = int(payload["message"]["id"])
        elif kind == 9:
            validate_modal(data)
        if message is not None:
            self.original[token] = int(message["id"])
            answer["response_message_id"] = message["id"]
            answer["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
            result["resource"] = {"type": kind, "message": message}
        self._responded.add(int(interaction))
        return 200, result

    def _original_id(self, interaction: dict[str, Any], message: str) -> int:
        if message != "@original":
            message_id = int(message)
        elif interaction["token"] in self.original:
            message_id = self.original[interaction["token"]]
        else:
            raise HttpError(404, 10008, "Unknown Message")
        if message_id not in self.messages:
            raise HttpError(404, 10008, "Unknown Message")
        return message_id

    def _webhook_get(self, call: Call, app: str, token: str, message: str) -> tuple[int, Any]:
        interaction = self._interaction_by_token(app, token)
        return 200, self.messages[self._original_id(interaction, message)]

    def _webhook_edit(self, call: Call, app: str, token: str, message: str) -> tuple[int, Any]:
        interaction = self._interaction_by_token(app, token)
        target = self.messages[self._original_id(interaction, message)]
        return 200, self._update_message(target, call.json or {}, call.files)

    def _webhook_delete(self, call: Call, app: str, token: str, message: str) -> tuple[int, Any]:
        interaction = self._interaction_by_token(app, token)
        del self.messages[self._original_id(interaction, message)]
        return 204, None

    def _followup(self, call: Call, app: str, token: str) -> tuple[int, Any]:
        interaction = self._interaction_by_token(app, token)
        if int(interaction["id"]) not in self._responded:
            raise HttpError(404, 10015, "Unknown Webhook")
        message = self._create_message(
            interaction["channel_id"], call.json or {}, call.files, followup_of=interaction
        )
        if call.query.get("wait", "").lower() in ("true", "1"):
            return 200, message
        return 204, None

    def _get_channel(self, call: Call, channel: str) -> tuple[int, Any]:
        return 200, self._channel(channel)

    def _list_messages(self, call: Call, channel: str) -> tuple[int, Any]:
        self._channel(channel)
        limit = int(call.query.get("limit", "50"))
        return 200, list(reversed(self.messages_in(int(channel))))[:limit]

    def _post_message(self, call: Call, channel: str) -> tuple[int, Any]:
        self._channel(channel)
        return 200, self._create_message(channel, call.json or {}, call.files)

    def _message_in(self, channel: str, message: str) -> dict[str, Any]:
        self._channel(channel)
        found = self.messages.get(int(message))
        if found is None or int(found["channel_id"]) != int(channel):
            raise HttpError(404, 10008, "Unknown Message")
        return found

    def _get_message(self, call: Call, channel: str, message: str) -> tuple[int, Any]:
        return 200, self._message_in(channel, message)

    def _edit_message(self, call: Call, channel: str, message: str) -> tuple[int, Any]:
        target = self._message_in(channel, message)
        if int(target["author"]["id"]) != BOT_ID:
            raise HttpError(403, 50005, "Cannot edit a message authored by another user")
        return 200, self._update_message(target, call.json or {}, call.files)

    def _delete_message(self, call: Call, channel: str, message: str) -> tuple[int, Any]:
        self._message_in(channel, message)
        del self.messages[int(message)]
        return 204, None

    def _no_content(self, call: Call, **params: str) -> tuple[int, Any]:
        if "channel" in params:
            self._channel(params["channel"])
        return 204, None

    def _open_dm(self, call: Call) -> tuple[int, Any]:
        body = call.json or {}
        if "recipient_id" not in body:
            raise form_error(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required")
        return 200, self._dm_channel(int(body["recipient_id"]))

    def _check_guild(self, guild: str) -> None:
        if int(guild) != self.guild_id:
            raise HttpError(404, 10004, "Unknown Guild")

    def _get_guild(self, call: Call, guild: str) -> tuple[int, Any]:
        self._check_guild(guild)
        return 200, self.guild_object()

    def _guild_channels(self, call: Call, guild: str) -> tuple[int, Any]:
        self._check_guild(guild)
        return 200, list(self.channels.values())

    def _get_member(self, call: Call, guild: str, user: str) -> tuple[int, Any]:
        self._check_guild(guild)
        if int(user) not in self.member_ids:
            raise HttpError(404, 10007, "Unknown Member")
        return 200, self.member(user)

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(int(request.match_info["attachment"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")


def _json_response(status: int, payload: Any, headers: Mapping[str, str]) -> web.Response:
    """Discord's answers: exactly `application/json` (no charset), and a `Via` header."""
    all_headers = {"Via": "1.1 google", **headers}
    if payload is None:
        return web.Response(status=status, headers=all_headers)
    body = json.dumps(payload).encode()
    return web.Response(
        status=status, body=body, content_type="application/json", headers=all_headers
    )
