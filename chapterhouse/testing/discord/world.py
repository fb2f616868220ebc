"""The fake Discord's world: its users, guild, channels and application.

REST answers, gateway events and interaction payloads all describe the same few
objects; keeping them here (documented shapes, predictable snowflakes) means the
three agree with each other the way Discord's do.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Mapping
from typing import Any

from chapterhouse.testing.discord.limits import HttpError

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
VOICE_ID = 1_300_000_000_000_000_204
DEFAULT_CHANNELS: Mapping[int, str] = {
    GENERAL_ID: "general",
    ANNOUNCEMENTS_ID: "announcements",
    BOSTON_ID: "boston-chapter",
}
DEFAULT_VOICE_CHANNELS: Mapping[int, str] = {VOICE_ID: "chapter-voice"}
"""Voice channels (type 2), after the text ones: where an `--online discord` event is held."""
GUILD_VOICE = 2

EPHEMERAL = 1 << 6
LOADING = 1 << 7
ANSWERED = 4
"""An interaction callback carrying the message (CHANNEL_MESSAGE_WITH_SOURCE)."""
DEFERRED = 5
"""A callback telling Discord to wait; the message follows as a webhook."""
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
    "manage_events": 1 << 33,
    "create_public_threads": 1 << 35,
    "send_messages_in_threads": 1 << 38,
}
EVERYONE_PERMISSIONS = sum(v for k, v in _P.items() if not k.startswith("manage_"))
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | _P["manage_messages"] | _P["manage_threads"]


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


class World:
    """The state every part of the fake shares, and the documented objects built from it."""

    def __init__(
        self,
        *,
        token: str | None = None,
        guild_id: int = GUILD_ID,
        guild_name: str = "Chapterhouse Society",
        channels: Mapping[int, str] = DEFAULT_CHANNELS,
        voice_channels: Mapping[int, str] = DEFAULT_VOICE_CHANNELS,
        members: Mapping[int, str] | None = None,
    ) -> None:
        """`token`: when set, only `Bot <token>` is accepted; otherwise any token is.

        `members` (id → username) are users of the guild besides the bot and its owner.
        """
        self.token = token
        self.bot_permissions = BOT_PERMISSIONS
        """The bot role's permissions (`FakeDiscord.grant_bot` adds one while connected)."""
        self.application_id = APPLICATION_ID
        self.guild_id = guild_id
        self.guild_name = guild_name
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
        for position, (channel_id, name) in enumerate(voice_channels.items(), len(channels)):
            self.channels[channel_id] = self._voice_channel(channel_id, name, position)
        self.dm_channels: dict[int, dict[str, Any]] = {}

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
        self._by_token: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Condition()
        self._last_snowflake = 0
        self._increment = itertools.count()
        self._base = ""
        """`http://127.0.0.1:PORT` once the server listens (set by the facade)."""

    # -- addresses ---------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def api_base(self) -> str:
        return f"{self._base}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return self._base.replace("http://", "ws://", 1) + "/gateway"

    async def wait(self, predicate: Callable[[], Any], timeout: float = 10.0) -> None:
        """Until `predicate()` is true; re-checked whenever the fake records something."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

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
                self.bot_permissions if user_id == BOT_ID else EVERYONE_PERMISSIONS
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

    def _voice_channel(self, channel_id: int, name: str, position: int) -> dict[str, Any]:
        """A GUILD_VOICE channel as discord-api-docs' Channel object shows one (see
        `payloads/discord/guild_voice_channel.json`)."""
        return {
            "id": str(channel_id),
            "type": GUILD_VOICE,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "bitrate": 64000,
            "user_limit": 0,
            "rtc_region": None,
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
            role(BOT_ROLE_ID, "Chapterhouse", self.bot_permissions, tags={"bot_id": str(BOT_ID)}),
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

    def _me(self) -> dict[str, Any]:
        return {**self.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US"}
