"""Requests as Slack sends them to an app over HTTP, in Slack's documented shapes.

Slash commands arrive form-encoded; interactions (`block_actions`,
`view_submission`) as `payload=<url-encoded JSON>`; Events API callbacks and
`url_verification` as JSON. Every field Slack sends is here, including those the
app ignores, so a change in what the adapter reads cannot hide behind a thin fake;
`chapterhouse/testing/payloads/slack` holds captured payloads they are checked
against.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

TEAM: dict[str, str] = {"id": "T0SOCIETY", "domain": "society"}
"""The fake workspace."""
APP_ID = "A0CHAPTERHOUSE"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
VERIFICATION_TOKEN = "legacy-verification-token"
"""The deprecated verification token Slack still sends in every payload."""

_ids = itertools.count(1)


def trigger_id(tag: str = "") -> str:
    """A fresh `trigger_id` in Slack's `<digits>.<digits>.<hex>` form."""
    return f"{next(_ids)}.1.trigger{tag}"


def _user(user: str, team: Mapping[str, Any]) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team["id"]}


def _team(team: Mapping[str, Any], enterprise: Mapping[str, str] | None) -> dict[str, Any]:
    """The `team` object; on an Enterprise org it also names the org."""
    if enterprise is None:
        return dict(team)
    return {**team, "enterprise_id": enterprise["id"], "enterprise_name": enterprise["name"]}


def slash_command(
    user: str,
    text: str,
    *,
    response_url: str,
    channel: str = "C0GENERAL",
    channel_name: str = "general",
    user_name: str | None = None,
    team: Mapping[str, Any] = TEAM,
    enterprise: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The fields of a slash command (`text` is "/command rest…"), before form-encoding."""
    command, _, rest = text.partition(" ")
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team["id"],
        "team_domain": team["domain"],
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": user_name or user.lower(),
        "command": command,
        "text": rest,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id(),
    }
    if enterprise is not None:
        fields.update(enterprise_id=enterprise["id"], enterprise_name=enterprise["name"])
    return fields


def block_actions(
    user: str,
    action: Mapping[str, Any],
    *,
    channel: str,
    message_ts: str,
    response_url: str,
    channel_name: str = "general",
    message_text: str = "poll",
    message_blocks: list[dict[str, Any]] | None = None,
    team: Mapping[str, Any] = TEAM,
    enterprise: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A click on a button (`action`: its `action_id`, `text`, `value`, `block_id`)
    in a message the app posted."""
    return {
        "type": "block_actions",
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id(),
        "team": _team(team, enterprise),
        "enterprise": dict(enterprise) if enterprise else None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": channel_name},
        "message": {
            "bot_id": BOT_ID,
            "type": "message",
            "text": message_text,
            "user": BOT_USER_ID,
            "ts": message_ts,
            "app_id": APP_ID,
            "blocks": list(message_blocks or []),
            "team": team["id"],
        },
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action["action_id"],
                "block_id": action.get("block_id", "b1"),
                "text": action["text"],
                "value": action["value"],
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    user: str,
    view: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    team: Mapping[str, Any] = TEAM,
    enterprise: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A submission of a modal the app opened (`view` as sent to `views.open`),
    with the member's input as `state.values`."""
    view_id = f"V{next(_ids):05d}"
    return {
        "type": "view_submission",
        "team": _team(team, enterprise),
        "user": _user(user, team),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team["id"],
            "type": "modal",
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view["callback_id"],
            "state": {"values": dict(values)},
            "hash": "156772938.1827394",
            "title": view.get("title"),
            "clear_on_close": False,
            "notify_on_close": False,
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team["id"],
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": dict(enterprise) if enterprise else None,
    }


def event_callback(event: Mapping[str, Any], *, team: Mapping[str, Any] = TEAM) -> dict[str, Any]:
    """The Events API envelope around one event, as delivered to the bot's install."""
    now = int(time.time())
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team["id"],
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": f"Ev{next(_ids):08d}",
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team["id"],
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-eyJldCI6ImFwcF9ob21lX29wZW5lZCJ9-{next(_ids)}",
    }


def app_home_opened(
    user: str,
    *,
    tab: str = "home",
    published: list[dict[str, Any]] | None = None,
    team: Mapping[str, Any] = TEAM,
) -> dict[str, Any]:
    """The `app_home_opened` event; `published` is the blocks of the Home view the app
    published for this member before, which Slack echoes back as `view` (absent on a
    first visit)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if published is not None:
        view_id = f"V{next(_ids):05d}"
        event["view"] = {
            "id": view_id,
            "team_id": team["id"],
            "type": "home",
            "blocks": list(published),
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(_ids):08d}",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team["id"],
            "bot_id": BOT_ID,
        }
    return event


def url_verification(challenge: str) -> dict[str, str]:
    """The handshake Slack sends when the Request URL is set: echo `challenge` back."""
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


def form_body(fields: Mapping[str, str]) -> str:
    """A slash command's body: the fields form-encoded."""
    return urlencode(fields)


def interaction_body(payload: Mapping[str, Any]) -> str:
    """An interaction's body: `payload=<url-encoded JSON>`."""
    return urlencode({"payload": json.dumps(payload)})


def retry_headers(attempt: int, reason: str = "http_timeout") -> dict[str, str]:
    """The headers of Slack's re-delivery of an event it saw no timely 200 for."""
    return {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}
