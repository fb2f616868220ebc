"""Messages as Discord stores them: created, edited and given attachments.

REST routes (channel messages, interaction callbacks, webhooks) and the payload
builders (a bot message carrying buttons) both create messages; one place keeps
their shape, ids and flags consistent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chapterhouse.testing.discord.limits import validate_message
from chapterhouse.testing.discord.world import EPHEMERAL, LOADING, World


@dataclass
class Upload:
    """One file part of a multipart request (`files[n]`)."""

    field: str
    filename: str
    content_type: str
    data: bytes


def _now() -> str:
    return datetime.now(UTC).isoformat()


_EMPTY: dict[str, Any] = {
    "content": "",
    "embeds": [],
    "components": [],
    "allowed_mentions": None,
    "poll": None,
}


class Messages(World):
    """The message store over the world."""

    def messages_in(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == int(channel_id)]

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
        validate_message(body, files, empty_ok=empty_ok)
        channel_id = int(channel_id)
        # Discord: with enforce_nonce, a nonce the same author used in this channel in
        # the past few minutes returns that message, and no new one is created.
        nonce = body.get("nonce")
        marked = (channel_id, str(nonce)) if body.get("enforce_nonce") and nonce else None
        if marked is not None and marked in self.nonces:
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
        if marked is not None:
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
        validate_message(message, [], empty_ok=False)
        message["edited_timestamp"] = _now()
        self.messages[int(message["id"])] = message
        return message
