"""Interaction payloads as Discord sends them in INTERACTION_CREATE.

Commands (with subcommands and groups), autocomplete, component clicks and selects,
and modal submissions, in a guild channel or a DM, with every field Discord sends
(checked against captured payloads in `chapterhouse/testing/payloads/discord`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chapterhouse.testing.discord.messages import Messages
from chapterhouse.testing.discord.world import BOT_PERMISSIONS


class InteractionPayloads(Messages):
    """Builders of documented interaction payloads over the world."""

    def __init__(self, **world: Any) -> None:
        super().__init__(**world)
        self._command_ids: dict[str, int] = {}

    def _find_command(self, name: str, guild_id: int | None) -> tuple[int, str, bool]:
        """(id, version, registered to the guild) for a command name, made up if unknown.

        Discord sends the registered command's id and version with every invocation.
        """
        if guild_id is not None:
            for command in self.commands.get(guild_id, []):
                if command["name"] == name:
                    return int(command["id"]), str(command["version"]), True
        for command in self.commands.get(None, []):
            if command["name"] == name:
                return int(command["id"]), str(command["version"]), False
        command_id = self._command_ids.setdefault(name, self.snowflake())
        return command_id, str(command_id), False

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
        command_id, version, in_guild = self._find_command(name, None if dm else self.guild_id)
        data: dict[str, Any] = {"id": str(command_id), "name": name, "type": 1, "version": version}
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
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": component_type,
            "id": _component_id(message, custom_id),
        }
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
        return {
            "type": 1,
            "id": id,
            "components": [InteractionPayloads.text_input(custom_id, value)],
        }

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


def _component_id(message: Mapping[str, Any], custom_id: str) -> int:
    """The numeric `id` Discord gives the component with `custom_id` in `message`
    (sent back in the interaction's data); 0 if the message does not carry it."""
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            if component.get("custom_id") == custom_id:
                return int(component.get("id") or 0)
    return 0
