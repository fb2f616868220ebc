"""Chapterhouse's outgoing side on Slack: channel posts, direct messages, edits, files.

Slack allows about one message per second per channel; a burst of announcements
to one channel therefore waits its turn behind a per-channel limiter instead of
being refused. A 429 that still happens (the workspace-wide limit) is retried by
slack_sdk after the `Retry-After` Slack sent. Errors that another attempt cannot
fix (a deleted or archived channel, a bot that was removed) are reported to the
delivery ledger as permanent, so they are not retried forever.

Every channel post from the ledger carries the delivery's id in Slack's message
metadata (`chapterhouse_delivery`), so after a crash the ledger can look in the
channel's history (`conversations.history` with `include_all_metadata`) to learn
whether a post whose outcome was never recorded arrived, instead of guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiolimiter import AsyncLimiter
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import files, render_message
from bot.metrics import DELIVERIES
from bot.notifier import DeliveryFailed
from bot.reply import File, Reply

log = logging.getLogger("chapterhouse.slack")

PLATFORM = "slack"
PERMANENT = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "msg_too_long",
        "invalid_blocks",
        "user_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)
"""Slack error codes that another attempt cannot fix."""
DELIVERY_EVENT = "chapterhouse_delivery"
"""The metadata event type that marks a post with the id of its delivery."""
HISTORY_PAGES = 20
"""How many pages of a channel's history a check reads at most (200 messages each)."""


def error_code(error: SlackApiError) -> str:
    """Slack's error code; a proxy's HTML error page has none."""
    data = error.response.data
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return f"http_{error.response.status_code}"


def failure(error: SlackApiError) -> DeliveryFailed:
    code = error_code(error)
    return DeliveryFailed(f"slack: {code}", permanent=code in PERMANENT)


class SlackPoster:
    platform = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        confirm: Callable[[str], str | None] | None = None,
        per_channel_per_second: float = 1.0,
    ) -> None:
        self.client = client
        self.confirm = confirm
        self.rate = per_channel_per_second
        self._limiters: dict[str, AsyncLimiter] = {}
        self._direct: dict[str, str] = {}
        """Direct-message channel by user id: `conversations.open` once per user."""
        self.revoked: str | None = None
        """Why nothing can be posted (the app was uninstalled, its tokens revoked), if so."""

    def _limiter(self, channel_id: str) -> AsyncLimiter:
        limiter = self._limiters.get(channel_id)
        if limiter is None:
            limiter = self._limiters[channel_id] = AsyncLimiter(1, 1 / self.rate)
        return limiter

    async def post(
        self, channel_id: str, reply: Reply, *, metadata: dict[str, Any] | None = None
    ) -> str | None:
        if self.revoked is not None:
            DELIVERIES.labels(PLATFORM, "failed").inc()
            raise DeliveryFailed(self.revoked, permanent=True)
        message = render_message(reply, confirm=self.confirm)
        if metadata is not None:
            message["metadata"] = metadata
        try:
            async with self._limiter(channel_id):
                response = await self.client.chat_postMessage(channel=channel_id, **message)
            for file in files(reply):
                await self.upload(channel_id, file)
        except SlackApiError as error:
            DELIVERIES.labels(PLATFORM, "failed").inc()
            raise failure(error) from None
        DELIVERIES.labels(PLATFORM, "sent").inc()
        return str(response["ts"])

    async def post_once(
        self, channel_id: str, reply: Reply, *, direct: bool, delivery: int
    ) -> str | None:
        """A ledger's post, marked with its delivery id (see the module's docstring)."""
        if direct:
            channel_id = await self.direct_channel(channel_id)
        mark = {"event_type": DELIVERY_EVENT, "event_payload": {"delivery": delivery}}
        return await self.post(channel_id, reply, metadata=mark)

    async def arrived(
        self, channel_id: str, *, direct: bool, delivery: int, since: datetime
    ) -> str | None:
        """The ts of the post marked with `delivery` sent since `since`, if it is there."""
        if direct:
            channel_id = await self.direct_channel(channel_id)
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES):
                page = await self.client.conversations_history(
                    channel=channel_id,
                    oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
                for message in page.get("messages") or []:
                    mark = message.get("metadata") or {}
                    payload = mark.get("event_payload") or {}
                    if mark.get("event_type") == DELIVERY_EVENT and payload.get("delivery") in (
                        delivery,
                        str(delivery),
                    ):
                        return str(message["ts"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or not cursor:
                    return None
        except SlackApiError as error:
            raise failure(error) from None
        raise DeliveryFailed("slack: history too long to check", permanent=False)

    async def direct_channel(self, user_id: str) -> str:
        channel = self._direct.get(user_id)
        if channel is None:
            try:
                response = await self.client.conversations_open(users=user_id)
            except SlackApiError as error:
                raise failure(error) from None
            channel = self._direct[user_id] = str(response["channel"]["id"])
        return channel

    async def direct(self, user_id: str, reply: Reply) -> str | None:
        return await self.post(await self.direct_channel(user_id), reply)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        message = render_message(reply, confirm=self.confirm)
        try:
            async with self._limiter(f"edit:{channel_id}:{message_id}"):
                await self.client.chat_update(channel=channel_id, ts=message_id, **message)
        except SlackApiError as error:
            raise failure(error) from None

    async def ephemeral(self, channel_id: str, user_id: str, reply: Reply) -> None:
        """A reply only its member sees, where no response_url exists (after a modal)."""
        if not channel_id:
            await self.direct(user_id, reply)
            return
        message = render_message(reply, confirm=self.confirm)
        try:
            await self.client.chat_postEphemeral(channel=channel_id, user=user_id, **message)
        except SlackApiError as error:
            code = error_code(error)
            if code not in ("channel_not_found", "not_in_channel", "user_not_in_channel"):
                raise failure(error) from None
            await self.direct(user_id, reply)  # the bot cannot whisper there: write to them
            return
        await self.send_files(channel_id, user_id, reply)

    async def send_files(self, channel_id: str, user_id: str, reply: Reply) -> None:
        """Files of a reply: into the channel when the reply is public, else privately.

        An upload is visible to everyone in its channel, so a private reply's file
        (a poll's export) goes to the member's direct messages instead.
        """
        attached = files(reply)
        if not attached:
            return
        if reply.visibility != "public" or not channel_id:
            channel_id = await self.direct_channel(user_id)
        try:
            for file in attached:
                await self.upload(channel_id, file)
        except SlackApiError as error:
            raise failure(error) from None

    async def upload(self, channel_id: str, file: File) -> None:
        """The file's bytes, text or not: Slack takes both the same way."""
        await self.client.files_upload_v2(
            channel=channel_id, file=file.data, filename=file.name, title=file.name
        )
