"""The Slack app manifest, generated from the command registry.

An operator creates the Slack app by pasting this manifest, so the slash commands
Slack knows about are exactly the registry's groups and cannot drift from the code.
One request URL serves commands, events and interactivity (Bolt routes them all
from one endpoint); in Socket Mode there is none.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.declarations import CommandSpec
from bot.registry import Registry

PLACEHOLDER_URL = "https://YOUR-HOST/slack/events"
"""Shown when no URL is known, so the operator sees what to replace."""
DESCRIPTION = "Run a volunteer professional society from inside Slack and Discord."
BACKGROUND_COLOR = "#2c3e50"
BOT_SCOPES = ("commands", "chat:write", "im:write", "files:write", "users:read")
"""Slash commands, posting replies, opening DMs (conversations.open), CSV exports,
and members' names, time zones and titles for their profiles (users.info)."""
BOT_EVENTS = ("app_home_opened",)

MAX_APP_DESCRIPTION = 140
MAX_COMMAND_DESCRIPTION = 100
MAX_USAGE_HINT = 1000
MAX_SLASH_COMMANDS = 50


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plural(word: str) -> str:
    """A group's name as the heading of its list of subcommands: "Polls", "Chapters"."""
    word = word[:1].upper() + word[1:]
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def _listing(head: str, names: list[str], limit: int) -> str:
    """As many names as fit, and an ellipsis if some did not: "Polls: create, vote, …"."""
    for count in range(len(names), 0, -1):
        more = ", …" if count < len(names) else ""
        text = f"{head}: {', '.join(names[:count])}{more}"
        if len(text) <= limit:
            return text
    return _clip(head, limit)


def slash_command(group: str, specs: list[CommandSpec], url: str | None) -> dict[str, Any]:
    """One `/group` entry: Slack sees groups; the subcommand is the first word typed."""
    names = [spec.name for spec in specs if spec.name is not None]
    if names:
        description = _listing(_plural(group), names, MAX_COMMAND_DESCRIPTION)
        usage = " | ".join(names)
    else:
        spec = specs[0]
        description = spec.summary or f"/{group}"
        usage = spec.usage().removeprefix(f"/{group}").strip()
    command: dict[str, Any] = {
        "command": f"/{group}",
        "description": _clip(description, MAX_COMMAND_DESCRIPTION),
    }
    if usage:
        command["usage_hint"] = _clip(usage, MAX_USAGE_HINT)
    # Escaped text turns @mentions and #channels into <@U…> and <#C…>, which the parser reads.
    command["should_escape"] = True
    if url is not None:
        command["url"] = url
    return command


def manifest(
    registry: Registry,
    *,
    name: str = "Chapterhouse",
    request_url: str | None = None,
    socket_mode: bool = False,
) -> dict[str, Any]:
    """The app manifest as data: HTTP mode with `request_url`, or Socket Mode.

    With neither, HTTP mode with a placeholder URL, so the manifest still pastes
    and the operator sees which URL to fill in.
    """
    if socket_mode and request_url is not None:
        raise ValueError("a Socket Mode app has no request URL; give one or the other")
    url = None if socket_mode else (request_url or PLACEHOLDER_URL)
    groups = registry.groups()
    if len(groups) > MAX_SLASH_COMMANDS:
        raise ValueError(f"Slack allows {MAX_SLASH_COMMANDS} slash commands, not {len(groups)}")
    commands = [slash_command(group, groups[group], url) for group in registry.group_names()]
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if url is not None:
        events["request_url"] = url
        interactivity["request_url"] = url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": _clip(DESCRIPTION, MAX_APP_DESCRIPTION),
            "background_color": BACKGROUND_COLOR,
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(
    registry: Registry,
    *,
    name: str = "Chapterhouse",
    request_url: str | None = None,
    socket_mode: bool = False,
) -> str:
    """The manifest as YAML, the form Slack's "Create app from manifest" page takes."""
    data = manifest(registry, name=name, request_url=request_url, socket_mode=socket_mode)
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
