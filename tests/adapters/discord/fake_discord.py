"""A small fake of Discord's servers on 127.0.0.1, speaking the documented wire format.

One aiohttp server is both the REST API (under `/api/v10`) and the gateway (a
websocket at `/gateway`). discord.py is pointed at it with `point_discord_py_here()`,
which swaps `discord.http.Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY`.

REST: every request is recorded as a `Call` (method, path below `/api/v10`, JSON body,
query, headers, uploaded files, the status and body answered). The fake answers the
endpoints a bot uses (login, application commands, interaction callbacks and their
webhooks, channel messages, DMs) with documented objects, and Discord's JSON errors
(`{"message": …, "code": …}`) for unknown channels, messages, interactions and routes.
Failures and 429s can be programmed per method and path.

Gateway: HELLO, IDENTIFY → READY (guild unavailable) then GUILD_CREATE, heartbeat
ACKs, RESUME → replay + RESUMED, member chunk requests; `zlib-stream` compression when
the client asks for it. Tests push events with `dispatch()` and interactions built by
`slash_command()`, `component()`, `autocomplete()` and `modal_submit()`.

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

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yarl
from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Snowflakes of the fake world. The bot user has the application's id, as new apps do.
APPLICATION_ID = 1_300_000_000_000_000_001
BOT_ID = APPLICATION_ID
OWNER_ID = 1_300_000_000_000_000_002
GUILD_ID = 1_300_000_000_000_000_100
BOT_ROLE_ID = 1_300_000_000_000_000_101
GENERAL_ID = 1_300_000_000_000_000_201
ANNOUNCEMENTS_ID = 1_300_000_000_000_000_202
BOSTON_ID = 1_300_000_000_000_000_203
DEFAULT_CHANNELS: Mapping[int, str] = {
    GENERAL_ID: "general",
    ANNOUNCEMENTS_ID: "announcements",
    BOSTON_ID: "boston-chapter",
}

EPHEMERAL = 1 << 6
LOADING = 1 << 7
DM_BIT = 1 << 62
"""A DM channel's id is its recipient's id with this bit set (see `dm_channel_id`)."""

# Permission bits (documented values).
_P = {
    "create_instant_invite": 1 << 0,
    "add_reactions": 1 << 6,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "manage_messages": 1 << 13,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "use_external_emojis": 1 << 18,
    "connect": 1 << 20,
    "speak": 1 << 21,
    "change_nickname": 1 << 26,
    "use_application_commands": 1 << 31,
    "manage_threads": 1 << 34,
    "create_public_threads": 1 << 35,
    "send_messages_in_threads": 1 << 38,
}
EVERYONE_PERMISSIONS = sum(v for k, v in _P.items() if not k.startswith("manage_"))
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | _P["manage_messages"] | _P["manage_threads"]

# Which callback types each interaction type accepts (Discord's table).
_CALLBACKS_FOR: Mapping[int, frozenset[int]] = {
    2: frozenset({4, 5, 9, 10, 12}),
    3: frozenset({4, 5, 6, 7, 9, 10, 12}),
    4: frozenset({8}),
    5: frozenset({4, 5, 6, 7, 10}),
}
_MESSAGE_CALLBACKS = frozenset({4, 5, 7})
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass
class Upload:
    """One file part of a multipart request (`files[n]`)."""

    field: str
    filename: str
    content_type: str
    data: bytes


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


@dataclass(eq=False)
class _Session:
    id: str
    token: str
    identify: dict[str, Any]
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    conn: _Connection | None = None


@dataclass(eq=False)
class _Connection:
    ws: web.WebSocketResponse
    compressor: Any = None
    session: _Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class HttpError(Exception):
    """Raised by a route to answer with one of Discord's JSON errors."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


def _form_error(path: Sequence[str | int], code: str, message: str) -> HttpError:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {str(key): errors}
    return HttpError(400, 50035, "Invalid Form Body", errors)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def user_object(user_id: int, username: str, *, bot: bool = False) -> dict[str, Any]:
    """A documented user object."""
    user: dict[str, Any] = {
        "id": str(user_id),
        "username": username,
        "discriminator": "0",
        "global_name": None if bot else username.capitalize(),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if bot:
        user["bot"] = True
    return user


def dm_channel_id(user_id: int | str) -> int:
    """The id of the bot's DM channel with `user_id` (derived, so tests can predict it)."""
    return int(user_id) | DM_BIT


class FakeDiscord:
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
        self.token = token
        self.application_id = APPLICATION_ID
        self.guild_id = guild_id
        self.guild_name = guild_name
        self.heartbeat_interval = heartbeat_interval
        self.compress = compress
        self.bot_user = user_object(BOT_ID, "chapterhouse", bot=True)
        self.users: dict[int, dict[str, Any]] = {
            BOT_ID: self.bot_user,
            OWNER_ID: user_object(OWNER_ID, "owner"),
        }
        self.member_ids: list[int] = [BOT_ID, OWNER_ID]
        for user_id, name in (members or {}).items():
            self.add_user(user_id, name)
        self.channels: dict[int, dict[str, Any]] = {}
        for position, (channel_id, name) in enumerate(channels.items()):
            self.channels[channel_id] = self._text_channel(channel_id, name, position)
        self.dm_channels: dict[int, dict[str, Any]] = {}

        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        """Every message the fake holds (sent by the bot or built for a component)."""
        self.attachments: dict[int, bytes] = {}
        self.nonces: dict[tuple[int, str], int] = {}
        """(channel, enforced nonce) → the message it made (the fake never forgets one)."""
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        """Registered application commands by guild id (None: global)."""
        self.interactions: dict[int, dict[str, Any]] = {}
        """Interactions delivered with `send_interaction`, by id."""
        self.original: dict[str, int] = {}
        """Interaction token → id of its original response message."""
        self.identifies: list[dict[str, Any]] = []
        self.gateway_received: list[dict[str, Any]] = []
        """Every frame the client sent on the gateway (heartbeats included)."""

        self._responded: set[int] = set()
        self._by_token: dict[str, dict[str, Any]] = {}
        self._command_ids: dict[str, int] = {}
        self._plans: list[_Plan] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()
        self._changed = asyncio.Condition()
        self._last_snowflake = 0
        self._increment = itertools.count()
        self._runner: web.AppRunner | None = None
        self._base = ""
        self._routes = self._route_table()

    # -- addresses and discord.py ---------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def api_base(self) -> str:
        return f"{self._base}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return self._base.replace("http://", "ws://", 1) + "/gateway"

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

    # -- lifecycle -------------------------------------------------------------

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
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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

    async def wait(self, predicate: Callable[[], Any], timeout: float = 10.0) -> None:
        """Until `predicate()` is true; re-checked whenever the fake records something."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

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

    def original_response(self, interaction: Mapping[str, Any]) -> dict[str, Any] | None:
        """The message the interaction's response created or updated, as it is now."""
        message_id = self.original.get(interaction["token"])
        return None if message_id is None else self.messages.get(message_id)

    def messages_in(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == int(channel_id)]

    # -- the world -------------------------------------------------------------

    def add_user(self, user_id: int, username: str, *, member: bool = True) -> dict[str, Any]:
        """Make a user known (and a guild member unless `member=False`)."""
        self.users[int(user_id)] = user_object(int(user_id), username)
        if member and int(user_id) not in self.member_ids:
            self.member_ids.append(int(user_id))
        return self.users[int(user_id)]

    def user(self, user_id: int | str) -> dict[str, Any]:
        """A known user, or a made-up one (`user<id>`) for an unknown id."""
        user_id = int(user_id)
        return self.users.get(user_id) or user_object(user_id, f"user{user_id}")

    def member(self, user_id: int | str, *, with_permissions: bool = False) -> dict[str, Any]:
        """A documented guild member object."""
        user_id = int(user_id)
        member: dict[str, Any] = {
            "user": self.user(user_id),
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [str(BOT_ROLE_ID)] if user_id == BOT_ID else [],
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            member["permissions"] = str(
                BOT_PERMISSIONS if user_id == BOT_ID else EVERYONE_PERMISSIONS
            )
        return member

    def snowflake(self) -> int:
        """A fresh snowflake: now's timestamp, strictly increasing."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (next(self._increment) & 0xFFF)
        self._last_snowflake = max(value, self._last_snowflake + 1)
        return self._last_snowflake

    def _text_channel(self, channel_id: int, name: str, position: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def _dm_channel(self, user_id: int) -> dict[str, Any]:
        channel_id = dm_channel_id(user_id)
        if channel_id not in self.dm_channels:
            self.dm_channels[channel_id] = {
                "id": str(channel_id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.user(user_id)],
            }
        return self.dm_channels[channel_id]

    def _channel(self, channel_id: int | str) -> dict[str, Any]:
        channel_id = int(channel_id)
        channel = self.channels.get(channel_id) or self.dm_channels.get(channel_id)
        if channel is None:
            raise HttpError(404, 10003, "Unknown Channel")
        return channel

    def _roles(self) -> list[dict[str, Any]]:
        def role(role_id: int, name: str, permissions: int, **extra: Any) -> dict[str, Any]:
            return {
                "id": str(role_id),
                "name": name,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": 1 if extra else 0,
                "permissions": str(permissions),
                "managed": bool(extra),
                "mentionable": False,
                "flags": 0,
                **extra,
            }

        return [
            role(self.guild_id, "@everyone", EVERYONE_PERMISSIONS),
            role(BOT_ROLE_ID, "Chapterhouse", BOT_PERMISSIONS, tags={"bot_id": str(BOT_ID)}),
        ]

    def guild_object(self) -> dict[str, Any]:
        """The guild as REST returns it."""
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(OWNER_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": self._roles(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(first) if (first := next(iter(self.channels), None)) else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "max_video_channel_users": 25,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }

    def guild_create(self) -> dict[str, Any]:
        """GUILD_CREATE's payload: the guild plus the gateway-only fields."""
        channels = [
            {k: v for k, v in channel.items() if k != "guild_id"}
            for channel in self.channels.values()
        ]
        return {
            **self.guild_object(),
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.member_ids),
            "voice_states": [],
            "members": [self.member(user_id) for user_id in self.member_ids],
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def application_object(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": "Chapterhouse",
            "icon": None,
            "description": "Run a volunteer professional society.",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": (1 << 23) | (1 << 19) | (1 << 15),
            "owner": self.users[OWNER_ID],
            "team": None,
            "bot": self.bot_user,
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": 1,
            "integration_types_config": {"0": {}},
        }

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
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append(
                        Upload(
                            part.name or "",
                            part.filename or "",  # type: ignore[union-attr]
                            part.headers.get("Content-Type", "application/octet-stream"),
                            bytes(await part.read()),  # type: ignore[union-attr]
                        )
                    )
            return body, files
        text = await request.text()
        if request.content_type == "application/json" and text:
            return json.loads(text), []
        return None, []

    # REST handlers: each returns (status, JSON payload or None for 204).

    def _me(self) -> dict[str, Any]:
        return {**self.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US"}

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
            raise _form_error([], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        guild_id = int(guild) if guild else None
        old = {(c["name"], c["type"]): c for c in self.commands.get(guild_id, [])}
        stored: list[dict[str, Any]] = []
        seen: set[tuple[str, int]] = set()
        for index, command in enumerate(call.json):
            _validate_command(index, command)
            kind = command.get("type", 1)
            if (command["name"], kind) in seen:
                raise _form_error(
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

    def _find_command_id(self, name: str, guild_id: int | None) -> tuple[int, bool]:
        """(id, registered to the guild) for a command name, inventing one if unknown."""
        if guild_id is not None:
            for command in self.commands.get(guild_id, []):
                if command["name"] == name:
                    return int(command["id"]), True
        for command in self.commands.get(None, []):
            if command["name"] == name:
                return int(command["id"]), False
        return self._command_ids.setdefault(name, self.snowflake()), False

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
        if kind not in _CALLBACKS_FOR.get(payload["type"], frozenset()):
            raise _form_error(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {kind!r}.")
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
                raise _form_error(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {kind!r}.")
            if kind == 7:
                message = self._update_message(payload["message"], data, call.files)
            else:
                self.original[token] = int(payload["message"]["id"])
        elif kind == 9:
            _validate_modal(data)
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
            raise _form_error(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required")
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

    # -- messages --------------------------------------------------------------

    def _attachments(
        self, channel_id: int, body: Mapping[str, Any], files: list[Upload]
    ) -> list[dict[str, Any]]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        result = []
        for upload in files:
            index = upload.field.removeprefix("files[").removesuffix("]")
            attachment_id = self.snowflake()
            self.attachments[attachment_id] = upload.data
            url = f"{self._base}/attachments/{channel_id}/{attachment_id}/{upload.filename}"
            entry = {
                "id": str(attachment_id),
                "filename": upload.filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type,
            }
            if described.get(index, {}).get("description"):
                entry["description"] = described[index]["description"]
            result.append(entry)
        return result

    def _create_message(
        self,
        channel_id: int | str,
        body: Mapping[str, Any],
        files: list[Upload],
        *,
        interaction: Mapping[str, Any] | None = None,
        followup_of: Mapping[str, Any] | None = None,
        empty_ok: bool = False,
    ) -> dict[str, Any]:
        _validate_message(body, files, empty_ok=empty_ok)
        channel_id = int(channel_id)
        # Discord: with enforce_nonce, a nonce the same author used in this channel in
        # the past few minutes returns that message, and no new one is created.
        marked = (channel_id, str(body.get("nonce"))) if body.get("enforce_nonce") else None
        if marked is not None and marked[1] != "None" and marked in self.nonces:
            return self.messages[self.nonces[marked]]
        source = interaction or followup_of
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(channel_id, body, files),
            "embeds": list(body.get("embeds") or []),
            "components": list(body.get("components") or []),
            "pinned": False,
            "type": 20 if interaction is not None and interaction["type"] == 2 else 0,
            "flags": int(body.get("flags") or 0),
        }
        for key in ("nonce", "message_reference", "sticker_items", "poll"):
            if body.get(key) is not None:
                message[key] = body[key]
        if source is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = self._interaction_metadata(source, followup_of)
        self.messages[int(message["id"])] = message
        if marked is not None and marked[1] != "None":
            self.nonces[marked] = int(message["id"])
        for table in (self.channels, self.dm_channels):
            if channel_id in table:
                table[channel_id]["last_message_id"] = message["id"]
        return message

    def _interaction_metadata(
        self, interaction: Mapping[str, Any], followup_of: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        user = (interaction.get("member") or {}).get("user") or interaction.get("user")
        metadata: dict[str, Any] = {
            "id": str(interaction["id"]),
            "type": interaction["type"],
            "user": user,
            "authorizing_integration_owners": interaction["authorizing_integration_owners"],
        }
        if followup_of is not None and followup_of["token"] in self.original:
            metadata["original_response_message_id"] = str(self.original[followup_of["token"]])
        if interaction["type"] == 3 and "message" in interaction:
            metadata["interacted_message_id"] = str(interaction["message"]["id"])
        return metadata

    def _update_message(
        self, target: Mapping[str, Any], body: Mapping[str, Any], files: list[Upload]
    ) -> dict[str, Any]:
        message = dict(self.messages.get(int(target["id"])) or target)
        for key in ("content", "embeds", "components", "allowed_mentions", "poll"):
            if key in body:
                message[key] = body[key] if body[key] is not None else _EMPTY[key]
        if "flags" in body and body["flags"] is not None:
            message["flags"] = (message.get("flags", 0) & EPHEMERAL) | int(body["flags"])
        message["flags"] = message.get("flags", 0) & ~LOADING
        if "attachments" in body or files:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            message["attachments"] = [
                a for a in message.get("attachments", []) if a["id"] in kept
            ] + self._attachments(int(message["channel_id"]), body, files)
        _validate_message(message, [], empty_ok=False)
        message["edited_timestamp"] = _now()
        self.messages[int(message["id"])] = message
        return message

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(int(request.match_info["attachment"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    # -- gateway ---------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        wants_zlib = request.query.get("compress") == "zlib-stream" and self.compress
        conn = _Connection(ws, zlib.compressobj() if wants_zlib else None)
        self._connections.add(conn)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval}
            await self._send(conn, {"op": 10, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue  # ETF and binary frames are not spoken here
                frame = json.loads(msg.data)
                async with self._changed:
                    self.gateway_received.append(frame)
                    self._changed.notify_all()
                await self._on_frame(conn, frame)
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            async with self._changed:
                self._changed.notify_all()
        return ws

    async def _send(self, conn: _Connection, payload: dict[str, Any]) -> None:
        async with conn.lock:
            await self._send_locked(conn, payload)

    async def _send_locked(self, conn: _Connection, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if conn.compressor is None:
            await conn.ws.send_str(text)
        else:
            data = conn.compressor.compress(text.encode()) + conn.compressor.flush(
                zlib.Z_SYNC_FLUSH
            )
            await conn.ws.send_bytes(data)

    async def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:  # heartbeat
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:  # identify
            await self._identify(conn, data)
        elif op == 6:  # resume
            await self._resume(conn, data)
        elif op == 8:  # request guild members
            await self._member_chunk(conn, data)
        elif op not in (3, 4):  # presence and voice state updates are just recorded
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = _Session(id=f"{self.snowflake():x}", token=data.get("token", ""), identify=data)
        self._sessions[session.id] = session
        session.conn, conn.session = conn, session
        self.identifies.append(data)
        ready: dict[str, Any] = {
            "v": 10,
            "user": self._me(),
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self._app_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["us-east"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch_to(session, "READY", ready)
        await self._dispatch_to(session, "GUILD_CREATE", self.guild_create())
        async with self._changed:
            self._changed.notify_all()

    def _app_flags(self) -> int:
        return int(self.application_object()["flags"])

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = self._sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != session.token:
            await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            return
        if session.conn is not None and session.conn is not conn:
            with contextlib.suppress(Exception):
                await session.conn.ws.close(code=4000)
        session.conn, conn.session = conn, session
        last = data.get("seq") or 0
        async with conn.lock:
            for frame in session.sent:
                if frame["s"] > last:
                    await self._send_locked(conn, frame)
        await self._dispatch_to(session, "RESUMED", {})
        async with self._changed:
            self._changed.notify_all()

    async def _member_chunk(self, conn: _Connection, data: dict[str, Any]) -> None:
        if conn.session is None or int(data.get("guild_id", 0)) != self.guild_id:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            self.member(user_id)
            for user_id in self.member_ids
            if (not wanted or user_id in wanted)
            and self.user(user_id)["username"].lower().startswith(query)
        ][: data.get("limit") or None]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted if u not in self.member_ids],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_to(self, session: _Session, event: str, data: Any) -> None:
        """Number the event in the session; send it if connected (else kept for RESUME)."""
        conn = session.conn
        if conn is None:
            session.seq += 1
            session.sent.append({"op": 0, "t": event, "s": session.seq, "d": data})
            return
        async with conn.lock:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.sent.append(frame)
            with contextlib.suppress(ConnectionResetError):
                await self._send_locked(conn, frame)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Until a client has identified (or resumed) and is connected."""
        await self.wait(lambda: any(s.conn is not None for s in self._sessions.values()), timeout)

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an op-0 dispatch (`t`=event) to every session, with its next sequence."""
        await self.wait_connected()
        for session in list(self._sessions.values()):
            if session.conn is not None:
                await self._dispatch_to(session, event, data)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and RESUMEs."""
        for conn in list(self._connections):
            await self._send(conn, {"op": 7, "d": None, "s": None, "t": None})

    async def close_gateway(self, code: int) -> None:
        """Close every gateway connection with `code`, as Discord does when it drops one."""
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=code, message=b"closed by the fake")

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION to every connection."""
        for conn in list(self._connections):
            await self._send(conn, {"op": 9, "d": resumable, "s": None, "t": None})

    # -- interactions ----------------------------------------------------------

    def interaction(
        self,
        kind: int,
        user_id: int,
        data: dict[str, Any] | None,
        *,
        channel_id: int | None = None,
        dm: bool = False,
        message: Mapping[str, Any] | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """A documented interaction payload of type `kind`, in a guild channel or the DM."""
        interaction_id = self.snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": f"fake-interaction-token-{interaction_id:x}",
            "version": 1,
            "app_permissions": str(BOT_PERMISSIONS),
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if dm:
            channel = self._dm_channel(user_id)
            payload.update(
                channel_id=channel["id"],
                channel=channel,
                user=self.user(user_id),
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        else:
            channel = self._channel(channel_id or next(iter(self.channels)))
            if channel["type"] == 1:
                raise ValueError("use dm=True for a DM interaction")
            payload.update(
                guild_id=str(self.guild_id),
                guild={"id": str(self.guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel_id=channel["id"],
                channel=channel,
                member=self.member(user_id, with_permissions=True),
                context=0,
                authorizing_integration_owners={"0": str(self.guild_id)},
            )
        if message is not None:
            payload["message"] = dict(message)
        return payload

    def slash_command(
        self,
        user_id: int,
        name: str,
        subcommand: str | None = None,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        channel_id: int | None = None,
        guild_id: int | None = None,
        *,
        dm: bool = False,
        resolved: Mapping[str, Any] | None = None,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """A type-2 chat-input interaction: `/name [group] [sub] options…`.

        `subcommand` is "sub" or "group sub"; `options` maps names to values (type
        inferred: str 3, int 4, bool 5, float 10) or is a list of documented option
        objects. `guild_id` (default: the fake's guild) is where the command is run.
        """
        if guild_id is not None and int(guild_id) != self.guild_id:
            raise ValueError(f"the fake only knows guild {self.guild_id}")
        command_id, in_guild = self._find_command_id(name, None if dm else self.guild_id)
        data: dict[str, Any] = {"id": str(command_id), "name": name, "type": 1}
        if in_guild:
            data["guild_id"] = str(self.guild_id)
        if resolved:
            data["resolved"] = dict(resolved)
        leaf = _options(options)
        data["options"] = _nest(subcommand, leaf)
        return self.interaction(2, user_id, data, channel_id=channel_id, dm=dm, locale=locale)

    def autocomplete(
        self,
        user_id: int,
        name: str,
        focused: str,
        value: Any = "",
        subcommand: str | None = None,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        channel_id: int | None = None,
        *,
        dm: bool = False,
    ) -> dict[str, Any]:
        """A type-4 autocomplete interaction: the user is typing `value` into `focused`."""
        payload = self.slash_command(user_id, name, subcommand, options, channel_id, dm=dm)
        focused_option = {**_options({focused: value})[0], "focused": True}
        leaf = payload["data"]["options"]
        while leaf and leaf[0]["type"] in (1, 2):
            leaf = leaf[0]["options"]
        leaf.append(focused_option)
        payload["type"] = 4
        return payload

    def bot_message(
        self,
        channel_id: int | None = None,
        content: str = "",
        components: Sequence[Mapping[str, Any]] = (),
        *,
        dm_user: int | None = None,
    ) -> dict[str, Any]:
        """A message from the bot that the fake holds (e.g. one carrying buttons)."""
        channel = (
            self._dm_channel(dm_user)
            if dm_user
            else self._channel(channel_id or next(iter(self.channels)))
        )
        body = {"content": content, "components": [dict(c) for c in components]}
        return self._create_message(channel["id"], body, [], empty_ok=True)

    def component(
        self,
        user_id: int,
        custom_id: str,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        message: Mapping[str, Any] | int | None = None,
        channel_id: int | None = None,
        *,
        dm: bool = False,
        resolved: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A type-3 component interaction: a click (2) or a select (3, 5–8) with `values`.

        `message` is the message carrying the component: a message object, the id of
        one the fake holds, or None for a fresh bot message with that component.
        """
        if isinstance(message, int):
            if message not in self.messages:
                raise KeyError(f"the fake holds no message {message}")
            message = self.messages[message]
        elif message is None:
            component: dict[str, Any] = {"type": component_type, "id": 2, "custom_id": custom_id}
            if component_type == 2:
                component.update(style=1, label=custom_id)
            else:
                component.update(options=[{"label": v, "value": v} for v in values or []])
            row = {"type": 1, "id": 1, "components": [component]}
            message = self.bot_message(channel_id, "", [row], dm_user=user_id if dm else None)
        channel_id = None if dm else int(message["channel_id"])
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        if resolved:
            data["resolved"] = dict(resolved)
        return self.interaction(3, user_id, data, channel_id=channel_id, dm=dm, message=message)

    def modal_submit(
        self,
        user_id: int,
        custom_id: str,
        components: Sequence[Mapping[str, Any]],
        channel_id: int | None = None,
        *,
        dm: bool = False,
        message: Mapping[str, Any] | None = None,
        resolved: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A type-5 modal submission. Build `components` with `text_input_row`,
        `label(text_input(...))`, `label(string_select(...))` (Discord's newer layout)."""
        data: dict[str, Any] = {"custom_id": custom_id, "components": [dict(c) for c in components]}
        if resolved:
            data["resolved"] = dict(resolved)
        return self.interaction(5, user_id, data, channel_id=channel_id, dm=dm, message=message)

    @staticmethod
    def text_input(custom_id: str, value: str, *, id: int = 2) -> dict[str, Any]:
        return {"type": 4, "id": id, "custom_id": custom_id, "value": value}

    @staticmethod
    def text_input_row(custom_id: str, value: str, *, id: int = 1) -> dict[str, Any]:
        """An action row holding one submitted text input (the classic modal layout)."""
        return {"type": 1, "id": id, "components": [FakeDiscord.text_input(custom_id, value)]}

    @staticmethod
    def string_select(
        custom_id: str, values: Sequence[str], *, kind: int = 3, id: int = 2
    ) -> dict[str, Any]:
        """A submitted select (3 string, 5 user, 6 role, 7 mentionable, 8 channel)."""
        return {"type": kind, "id": id, "custom_id": custom_id, "values": list(values)}

    @staticmethod
    def label(component: Mapping[str, Any], *, id: int = 1) -> dict[str, Any]:
        """A label (type 18) wrapping one submitted component."""
        return {"type": 18, "id": id, "component": dict(component)}

    async def send_interaction(self, payload: dict[str, Any]) -> None:
        """Deliver an interaction as Discord does: an INTERACTION_CREATE dispatch."""
        self.interactions[int(payload["id"])] = payload
        self._by_token[payload["token"]] = payload
        await self.dispatch("INTERACTION_CREATE", payload)


_EMPTY: dict[str, Any] = {
    "content": "",
    "embeds": [],
    "components": [],
    "allowed_mentions": None,
    "poll": None,
}


def _json_response(status: int, payload: Any, headers: Mapping[str, str]) -> web.Response:
    """Discord's answers: exactly `application/json` (no charset), and a `Via` header."""
    all_headers = {"Via": "1.1 google", **headers}
    if payload is None:
        return web.Response(status=status, headers=all_headers)
    body = json.dumps(payload).encode()
    return web.Response(
        status=status, body=body, content_type="application/json", headers=all_headers
    )


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _options(
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    if options is None:
        return []
    if isinstance(options, Mapping):
        return [
            {"type": _option_type(value), "name": name, "value": value}
            for name, value in options.items()
        ]
    return [dict(option) for option in options]


def _nest(subcommand: str | None, leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not subcommand:
        return leaf
    names = subcommand.split()
    if len(names) > 2:
        raise ValueError("at most a group and a subcommand")
    nested: list[dict[str, Any]] = [{"type": 1, "name": names[-1], "options": leaf}]
    if len(names) == 2:
        nested = [{"type": 2, "name": names[0], "options": nested}]
    return nested


def _validate_message(body: Mapping[str, Any], files: list[Upload], *, empty_ok: bool) -> None:
    content = body.get("content") or ""
    if len(content) > 2000:
        raise _form_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise _form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    for index, embed in enumerate(embeds):
        if len(embed.get("description") or "") > 4096:
            raise _form_error(
                ["embeds", index, "description"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 4096 or fewer in length.",
            )
        if len(embed.get("fields") or []) > 25:
            raise _form_error(
                ["embeds", index, "fields"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            )
    has_something = (
        content
        or embeds
        or body.get("components")
        or files
        or body.get("attachments")
        or body.get("sticker_ids")
        or body.get("poll")
    )
    if not has_something and not empty_ok:
        raise HttpError(400, 50006, "Cannot send an empty message")


def _validate_command(index: int, command: Mapping[str, Any]) -> None:
    name = command.get("name")
    if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
        raise _form_error(
            [index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if command.get("type", 1) == 1:
        if name != name.lower():
            raise _form_error(
                [index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if not 1 <= len(command.get("description") or "") <= 100:
            raise _form_error(
                [index, "description"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
    _validate_options([index], command.get("options") or [])


def _validate_options(path: list[str | int], options: Sequence[Mapping[str, Any]]) -> None:
    if len(options) > 25:
        raise _form_error([*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
    for number, option in enumerate(options):
        where = [*path, "options", number]
        name = option.get("name") or ""
        if not _COMMAND_NAME.fullmatch(name) or name != name.lower():
            raise _form_error(
                [*where, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if not 1 <= len(option.get("description") or "") <= 100:
            raise _form_error(
                [*where, "description"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        choices = option.get("choices") or []
        if len(choices) > 25:
            raise _form_error([*where, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for c, choice in enumerate(choices):
            if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
                raise _form_error(
                    [*where, "choices", c, "value"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
        _validate_options(where, option.get("options") or [])


def _validate_modal(data: Mapping[str, Any]) -> None:
    if not data.get("custom_id") or not data.get("title"):
        raise _form_error(["data"], "BASE_TYPE_REQUIRED", "This field is required")
    if not 1 <= len(data.get("components") or []) <= 5:
        raise _form_error(
            ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
