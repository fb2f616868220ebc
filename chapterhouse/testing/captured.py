"""Captured real payloads, and the check that a fake's payload has their shape.

Each file in `payloads/{slack,discord}` is one payload as the platform sends it,
with our ids substituted; keys starting with `_` are notes (its `_source`, the
`_content_type`, the `_headers` sent with it), not part of the payload.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load(platform: str, name: str) -> dict[str, Any]:
    """The captured payload `payloads/<platform>/<name>.json`, notes included."""
    text = resources.files(__package__).joinpath("payloads", platform, f"{name}.json").read_text()
    payload: dict[str, Any] = json.loads(text)
    return payload


def names(platform: str) -> list[str]:
    """Every captured payload of a platform, by name."""
    folder = resources.files(__package__).joinpath("payloads", platform)
    return sorted(
        f.name.removesuffix(".json") for f in folder.iterdir() if f.name.endswith(".json")
    )


def body(captured: dict[str, Any]) -> dict[str, Any]:
    """The payload without its notes."""
    return {k: v for k, v in captured.items() if not k.startswith("_")}


def shape_gaps(captured: Any, built: Any, path: str = "$") -> list[str]:
    """Where `built` lacks a key `captured` has, or holds another type (recursively).

    Lists are compared item by item against the first built item, so a fake may
    build fewer examples than were captured but not a thinner one. Keys starting
    with `_` are notes and are skipped. An empty list means `built` has at least
    the captured payload's shape.
    """
    if isinstance(captured, dict):
        if not isinstance(built, dict):
            return [f"{path}: {type(built).__name__} instead of an object"]
        gaps: list[str] = []
        for key, value in captured.items():
            if key.startswith("_"):
                continue
            if key not in built:
                gaps.append(f"{path}.{key}: missing")
            else:
                gaps += shape_gaps(value, built[key], f"{path}.{key}")
        return gaps
    if isinstance(captured, list):
        if not isinstance(built, list):
            return [f"{path}: {type(built).__name__} instead of a list"]
        if captured and not built:
            return [f"{path}: empty, captured has items"]
        return [g for item in captured for g in shape_gaps(item, built[0], f"{path}[0]")]
    if type(captured) is not type(built):
        return [f"{path}: {type(built).__name__} instead of {type(captured).__name__}"]
    return []
