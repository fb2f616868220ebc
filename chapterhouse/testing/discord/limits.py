"""Discord's documented limits, checked the way Discord checks them.

Bodies that break a limit get Discord's own error shape (`{"message", "code",
"errors"}`), so the adapter's error handling is exercised against what it would
really receive rather than against a fake that accepts anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

CALLBACKS_FOR: Mapping[int, frozenset[int]] = {
    2: frozenset({4, 5, 9, 10, 12}),
    3: frozenset({4, 5, 6, 7, 9, 10, 12}),
    4: frozenset({8}),
    5: frozenset({4, 5, 6, 7, 10}),
}
"""Which callback types each interaction type accepts (Discord's table)."""
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


class HttpError(Exception):
    """Raised by a route to answer with one of Discord's JSON errors."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


def form_error(path: Sequence[str | int], code: str, message: str) -> HttpError:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {str(key): errors}
    return HttpError(400, 50035, "Invalid Form Body", errors)


def validate_message(body: Mapping[str, Any], files: Sequence[object], *, empty_ok: bool) -> None:
    content = body.get("content") or ""
    if len(content) > 2000:
        raise form_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    for index, embed in enumerate(embeds):
        if len(embed.get("description") or "") > 4096:
            raise form_error(
                ["embeds", index, "description"],
                "BASE_TYPE_MAX_LENGTH",
                "Must be 4096 or fewer in length.",
            )
        if len(embed.get("fields") or []) > 25:
            raise form_error(
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


def validate_command(index: int, command: Mapping[str, Any]) -> None:
    name = command.get("name")
    if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name):
        raise form_error(
            [index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
        )
    if command.get("type", 1) == 1:
        if name != name.lower():
            raise form_error(
                [index, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if not 1 <= len(command.get("description") or "") <= 100:
            raise form_error(
                [index, "description"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
    validate_options([index], command.get("options") or [])


def validate_options(path: list[str | int], options: Sequence[Mapping[str, Any]]) -> None:
    if len(options) > 25:
        raise form_error([*path, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
    for number, option in enumerate(options):
        where = [*path, "options", number]
        name = option.get("name") or ""
        if not COMMAND_NAME.fullmatch(name) or name != name.lower():
            raise form_error(
                [*where, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if not 1 <= len(option.get("description") or "") <= 100:
            raise form_error(
                [*where, "description"],
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        choices = option.get("choices") or []
        if len(choices) > 25:
            raise form_error([*where, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        for c, choice in enumerate(choices):
            if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
                raise form_error(
                    [*where, "choices", c, "value"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
        validate_options(where, option.get("options") or [])


def validate_modal(data: Mapping[str, Any]) -> None:
    if not data.get("custom_id") or not data.get("title"):
        raise form_error(["data"], "BASE_TYPE_REQUIRED", "This field is required")
    if not 1 <= len(data.get("components") or []) <= 5:
        raise form_error(
            ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
