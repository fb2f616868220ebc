"""The Slack app manifest follows the registry and Slack's manifest limits."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from adapters.slack.manifest import PLACEHOLDER_URL, manifest, manifest_yaml
from commands import build_registry

REGISTRY = build_registry()
URL = "https://chapterhouse.example.org/slack/events"


def commands(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["command"]: c for c in data["features"]["slash_commands"]}


def test_yaml_parses_back_to_the_manifest() -> None:
    for kwargs in ({}, {"request_url": URL}, {"socket_mode": True}, {"name": "Société"}):
        text = manifest_yaml(REGISTRY, **kwargs)
        assert yaml.safe_load(text) == manifest(REGISTRY, **kwargs)
    assert "Société" in manifest_yaml(REGISTRY, name="Société")  # allow_unicode


def test_every_group_is_a_slash_command() -> None:
    data = manifest(REGISTRY, request_url=URL)
    found = commands(data)
    assert list(found) == [f"/{group}" for group in REGISTRY.group_names()]
    for command in found.values():
        assert command["should_escape"] is True
        assert 0 < len(command["description"]) <= 100
        assert len(command.get("usage_hint", "")) <= 1000
    assert found["/poll"]["description"].startswith("Polls: ")
    for name in ("create", "vote", "results", "list", "close", "remind", "export"):
        assert name in found["/poll"]["description"]
        assert name in found["/poll"]["usage_hint"].split(" | ")
    help_spec = REGISTRY.get("help", None)
    assert help_spec is not None
    assert found["/help"]["description"] == help_spec.summary
    assert not found["/help"]["usage_hint"].startswith("/")


def test_scopes_and_shape() -> None:
    data = manifest(REGISTRY)
    assert data["_metadata"] == {"major_version": 1, "minor_version": 1}
    assert data["oauth_config"]["scopes"]["bot"] == [
        "commands",
        "chat:write",
        "im:write",
        "files:write",
        "users:read",
    ]
    info = data["display_information"]
    assert info["name"] == "Chapterhouse"
    assert len(info["description"]) <= 140
    assert info["background_color"].startswith("#")
    assert data["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": True,
    }
    assert data["features"]["bot_user"] == {"display_name": "Chapterhouse", "always_online": True}
    settings = data["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_http_mode_puts_the_url_everywhere() -> None:
    data = manifest(REGISTRY, request_url=URL)
    assert all(c["url"] == URL for c in data["features"]["slash_commands"])
    assert data["settings"]["event_subscriptions"]["request_url"] == URL
    assert data["settings"]["interactivity"]["request_url"] == URL
    assert data["settings"]["socket_mode_enabled"] is False


def test_without_a_url_the_placeholder_shows_what_to_replace() -> None:
    data = manifest(REGISTRY)
    assert all(c["url"] == PLACEHOLDER_URL for c in data["features"]["slash_commands"])
    assert data["settings"]["interactivity"]["request_url"] == PLACEHOLDER_URL
    assert "YOUR-HOST" in manifest_yaml(REGISTRY)


def test_socket_mode_has_no_urls() -> None:
    data = manifest(REGISTRY, socket_mode=True)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest_yaml(REGISTRY, socket_mode=True)
    assert all("url" not in c for c in data["features"]["slash_commands"])
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert "request_url" not in data["settings"]["interactivity"]
    with pytest.raises(ValueError):
        manifest(REGISTRY, socket_mode=True, request_url=URL)
